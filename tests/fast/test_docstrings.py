"""The public functions of fast/ that mirror reference/ document what they raise: a function that raises ValueError
itself, or calls an argument check, says so in its docstring (read with `ast`)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(path.stem for path in (ROOT / "fast").glob("[!_]*.py") if (ROOT / "reference" / path.name).exists())


def public_functions(path: Path) -> dict[str, ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")}


def raises_value_error(function: ast.FunctionDef) -> bool:
    """Whether the body raises ValueError or calls a check (check_*, _check_*) directly."""
    for node in ast.walk(function):
        if isinstance(node, ast.Raise) and node.exc is not None and "ValueError" in ast.unparse(node.exc):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.lstrip("_").startswith("check"):
            return True
    return False


@pytest.mark.parametrize("module", MODULES)
def test_mirrored_functions_that_raise_say_so(module):
    mirrored = public_functions(ROOT / "reference" / f"{module}.py")
    silent = [name for name, function in public_functions(ROOT / "fast" / f"{module}.py").items()
              if name in mirrored and raises_value_error(function) and "ValueError" not in ast.get_docstring(function)]
    assert silent == []


def test_the_scan_sees_a_raise_and_a_check():
    source = "def a(x):\n    raise ValueError('x')\ndef b(x):\n    check_x(x)\ndef c(x):\n    return x\n"
    functions = {node.name: node for node in ast.parse(source).body}
    assert [raises_value_error(functions[name]) for name in "abc"] == [True, True, False]
