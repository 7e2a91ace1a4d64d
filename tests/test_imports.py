"""No module of the installed package imports a private name of another package.

A name is private when it, or a module on its dotted path, starts with one underscore (`_check_start`,
`elbocheck.fast._nn`); it belongs to the package that holds it, and only modules inside that package may import it.
What `reference` and `fast` both need lives in `elbocheck.shared`. The modules are read with `ast`, not imported.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def package_folders() -> dict[str, Path]:
    """Each installed package's name -> its folder, from pyproject.toml's packages and package-dir."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    mapped = setuptools.get("package-dir", {})
    return {name: ROOT / mapped.get(name, name.replace(".", "/")) for name in setuptools["packages"]}


def installed_modules() -> dict[str, Path]:
    """Every module of the installed package: dotted name -> file."""
    modules = {}
    for package, folder in package_folders().items():
        for path in sorted(folder.glob("*.py")):
            modules[package if path.stem == "__init__" else f"{package}.{path.stem}"] = path
    return modules


def is_private(part: str) -> bool:
    return part.startswith("_") and not part.startswith("__")


def absolute(module: str | None, level: int, importer: str, is_package: bool) -> str:
    """The absolute module of `from <dots><module> import ...` written in `importer`."""
    if level == 0:
        return module or ""
    base = importer.split(".")
    base = base[: len(base) - level + (1 if is_package else 0)]
    return ".".join(base + ([module] if module else []))


def owner_of(parts: list[str], private: int) -> str:
    """The package that a private part belongs to: the package holding it, or for a private name in a module,
    that module's package."""
    prefix = parts[:private]
    return ".".join(prefix if ".".join(prefix) in package_folders() else prefix[:-1])


def private_imports(importer: str, path: Path) -> list[tuple[int, str, str]]:
    """(line, imported name, owning package) for each private name of the project that `importer` imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = absolute(node.module, node.level, importer, path.stem == "__init__")
            targets = [f"{module}.{alias.name}" for alias in node.names if alias.name != "*"]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            private = next((index for index, part in enumerate(parts) if is_private(part)), None)
            if parts[0] == "elbocheck" and private is not None:
                found.append((node.lineno, target, owner_of(parts, private)))
    return found


def outside_owner(importer: str, owner: str) -> bool:
    return not (importer == owner or importer.startswith(owner + "."))


def test_the_package_layout_is_read():
    modules = installed_modules()
    assert {"elbocheck.cli", "elbocheck.reference.residual", "elbocheck.fast.residual", "elbocheck.shared.residual",
            "elbocheck.derivations.claims", "elbocheck.bench.conftest"} <= set(modules)


@pytest.mark.parametrize("importer, path", sorted(installed_modules().items()), ids=lambda value: str(value))
def test_no_private_name_is_imported_from_another_package(importer, path):
    offences = [f"{path.relative_to(ROOT)}:{line} imports {target}, private to {owner}"
                for line, target, owner in private_imports(importer, path) if outside_owner(importer, owner)]
    assert not offences, "\n".join(offences)


@pytest.mark.parametrize("source, importer, owner", [
    ("from elbocheck.reference.residual import _check_start", "elbocheck.fast.residual", "elbocheck.reference"),
    ("from elbocheck.fast._nn import init_mlp", "elbocheck.pairs.gan", "elbocheck.fast"),
    ("import elbocheck.fast._nn", "elbocheck.commands.em", "elbocheck.fast"),
    ("from ._nn import mlp_forward", "elbocheck.reference.gan", None),
    ("from elbocheck import _io", "elbocheck.commands.em", None),
    ("from ..fast._nn import init_mlp", "elbocheck.reference.gan", "elbocheck.fast"),
])
def test_the_scan_finds_private_imports(tmp_path, source, importer, owner):
    path = tmp_path / "module.py"
    path.write_text(source + "\n", encoding="utf-8")
    found = [found for _, _, found in private_imports(importer, path) if outside_owner(importer, found)]
    assert found == ([owner] if owner else [])
