"""The mirror: reference/X.py and fast/X.py define exactly the same public names (functions, classes, constants),
so that every public function of fast/ has its literal NumPy counterpart. What has none lives in elbocheck.models
(the trainers, the experiments), elbocheck.shared (what both sides use) or elbocheck.data, or is private."""

import ast
import importlib
from pathlib import Path

import pytest

import elbocheck.fast
import elbocheck.reference

FAST = Path(elbocheck.fast.__file__).parent
REFERENCE = Path(elbocheck.reference.__file__).parent
MODULES = sorted(path.stem for path in FAST.glob("*.py") if not path.stem.startswith("_"))


def defined_public_names(path: Path) -> set[str]:
    """Names a module binds at its top level by def, class or assignment, not starting with '_' (imports excluded)."""
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {name for name in names if not name.startswith("_")}


def test_every_public_fast_module_has_a_reference_module_and_back():
    assert MODULES and MODULES == sorted(path.stem for path in REFERENCE.glob("*.py") if not path.stem.startswith("_"))


@pytest.mark.parametrize("module", MODULES)
def test_reference_and_fast_define_the_same_public_names(module):
    reference = defined_public_names(REFERENCE / f"{module}.py")
    fast = defined_public_names(FAST / f"{module}.py")
    assert sorted(reference - fast) == [], f"reference/{module}.py only"
    assert sorted(fast - reference) == [], f"fast/{module}.py only"


@pytest.mark.parametrize("module", MODULES)
def test_every_mirrored_name_is_importable_from_both_sides(module):
    names = defined_public_names(FAST / f"{module}.py")
    for side in ("reference", "fast"):
        loaded = importlib.import_module(f"elbocheck.{side}.{module}")
        assert all(hasattr(loaded, name) for name in names)


def test_the_names_found_are_the_modules_definitions():
    """The AST reading sees what the module binds: a sample of known names on each side, and no import."""
    names = defined_public_names(FAST / "vae.py")
    assert {"elbo", "iwae_bound", "train_epoch"} <= names and "torch" not in names and "math" not in names
