"""From a claim to the code: the functions that implement it, the pairs that cross-check them, the tests that call
them and the benchmarks that time them.

The function side is authoritative: a public function of `reference/` or `fast/` names the claims it implements in
its docstring, on a line `Claims: 003-eq5, ..., 003-eq13.` (any claim id the docstring mentions counts). Tests and
benchmarks are found by the functions they call: each test (a `test_*` function of tests/**/test_*.py or of the bench/ suites) with everything it
reaches through the helpers and constants of its own file. Files are read with `ast`; nothing is imported, so the
index costs no torch start-up. The tests are found only where the repository is checked out (an editable install).
"""

from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

IMPLEMENTING_PACKAGES = ("elbocheck.reference", "elbocheck.fast")
CLAIM_ID = re.compile(r"(?<![\w.-])\d{3}-[0-9A-Za-z](?:[0-9A-Za-z.\-]*[0-9A-Za-z])?")


@dataclass(frozen=True)
class Site:
    """A place in the code: a function's dotted name, or a test as `path::name`, with its file and line."""

    name: str
    path: Path
    line: int

    def where(self) -> str:
        return f"{display_path(self.path)}:{self.line}"


@dataclass
class Trace:
    """What reaches one claim: the functions citing it, their cross-check pairs, tests and benchmarks."""

    claim_id: str
    functions: list[Site] = field(default_factory=list)
    pairs: list[str] = field(default_factory=list)
    tests: list[Site] = field(default_factory=list)
    benchmarks: list[Site] = field(default_factory=list)


def cited_claims(docstring: str | None) -> list[str]:
    """The claim ids a docstring names, in order, each once."""
    return list(dict.fromkeys(CLAIM_ID.findall(docstring or "")))


def package_folder(package: str) -> Path | None:
    """The folder a package is installed from, or None if it is not installed."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def repository_root() -> Path:
    """The folder holding the `elbocheck` package (the repository root in an editable install)."""
    return package_folder("elbocheck").parent


def display_path(path: Path) -> str:
    try:
        return str(path.relative_to(repository_root()))
    except ValueError:
        return str(path)


@lru_cache(maxsize=None)
def functions() -> tuple[tuple[Site, tuple[str, ...]], ...]:
    """Every public function and class of the implementing packages' public modules, with the claim ids its
    docstring cites."""
    found = []
    for package in IMPLEMENTING_PACKAGES:
        folder = package_folder(package)
        for path in sorted(folder.glob("[!_]*.py")) if folder else []:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
                    site = Site(f"{package}.{path.stem}.{node.name}", path, node.lineno)
                    found.append((site, tuple(cited_claims(ast.get_docstring(node)))))
    return tuple(found)


def implementations() -> dict[str, list[Site]]:
    """Claim id -> the functions that cite it."""
    table: dict[str, list[Site]] = {}
    for site, claim_ids in functions():
        for claim_id in claim_ids:
            table.setdefault(claim_id, []).append(site)
    return table


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Each name an import binds anywhere in the file -> the dotted name it stands for."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    aliases[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _dotted(node: ast.expr) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([node.id, *reversed(parts)])


def _references(node: ast.AST, aliases: dict[str, str]) -> tuple[set[str], set[str]]:
    """(dotted names of imported things that `node` mentions, bare names it mentions)."""
    qualified, bare = set(), set()
    for child in ast.walk(node):
        if isinstance(child, (ast.Attribute, ast.Name)):
            dotted = _dotted(child)
            if dotted is None:
                continue
            head, _, rest = dotted.partition(".")
            if head in aliases:
                qualified.add(aliases[head] + (f".{rest}" if rest else ""))
            if isinstance(child, ast.Name):
                bare.add(child.id)
    return qualified, bare


def _definitions(tree: ast.Module) -> dict[str, ast.AST]:
    """The file's top-level functions, classes and assigned names."""
    definitions = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            definitions[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        definitions[name.id] = node
    return definitions


def tests_in(path: Path, root: Path) -> dict[str, list[Site]]:
    """Dotted name -> the tests of one file that reach it, directly or through the file's own definitions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases = _aliases(tree)
    definitions = _definitions(tree)
    direct = {name: _references(node, aliases) for name, node in definitions.items()}
    reached: dict[str, list[Site]] = {}
    for name, node in definitions.items():
        if not (name.startswith("test") and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))):
            continue
        seen, stack, names = {name}, [name], set()
        while stack:
            qualified, bare = direct[stack.pop()]
            names |= qualified
            for local in bare & set(definitions) - seen:
                seen.add(local)
                stack.append(local)
        site = Site(f"{path.relative_to(root)}::{name}", path, node.lineno)
        for dotted in names:
            reached.setdefault(dotted, []).append(site)
    return reached


@lru_cache(maxsize=None)
def _uses(folder: Path | None, pattern: str) -> dict[str, tuple[Site, ...]]:
    table: dict[str, list[Site]] = {}
    for path in sorted(folder.rglob(pattern)) if folder and folder.is_dir() else []:
        for dotted, sites in tests_in(path, folder.parent).items():
            table.setdefault(dotted, []).extend(sites)
    return {dotted: tuple(sites) for dotted, sites in table.items()}


def tests_by_function() -> dict[str, tuple[Site, ...]]:
    """Dotted name -> the tests of tests/ that call it (empty where tests/ is not checked out)."""
    return _uses(repository_root() / "tests", "test_*.py")


def benchmarks_by_function() -> dict[str, tuple[Site, ...]]:
    """Dotted name -> the benchmarks of the bench/ suites that call it."""
    return _uses(package_folder("elbocheck.bench"), "bench_*.py")


def pair_name(function: str) -> str:
    """'elbocheck.fast.vae.elbo' -> 'vae.elbo', the name a cross-check pair of that function has."""
    return ".".join(function.split(".")[-2:])


def trace(claim_id: str, pair_names: list[str] | None = None) -> Trace:
    """The functions citing `claim_id`, their pairs among `pair_names` (variants such as 'vae.elbo[gaussian]'
    included), the tests that call them and the benchmarks that time them."""
    result = Trace(claim_id, functions=implementations().get(claim_id, []))
    names = {site.name for site in result.functions}
    result.pairs = [pair for pair in pair_names or [] if pair.split("[")[0] in {pair_name(n) for n in names}]
    for target, table in ((result.tests, tests_by_function()), (result.benchmarks, benchmarks_by_function())):
        sites = {site for name in names for site in table.get(name, ())}
        target.extend(sorted(sites, key=lambda site: (str(site.path), site.line)))
    return result


def describe(claim_id: str) -> str:
    """The trace of one claim as the lines `elbocheck claims --explain` prints."""
    from elbocheck.pairs import all_pairs

    found = trace(claim_id, [pair.name for pair in all_pairs()])
    if not found.functions:
        return "Implemented by: no function of reference/ or fast/ cites this claim."
    width = max(len(site.name) for site in found.functions)
    lines = ["Implemented by:"]
    lines += [f"  {site.name:<{width}}  {site.where()}" for site in found.functions]
    if found.pairs:
        lines.append("Cross-checked (tests/fast/test_pairs.py, elbocheck crosscheck):")
        lines += [f"  pair {pair}" for pair in found.pairs]
    for title, sites in (("Tested by:", found.tests), ("Benchmarked by:", found.benchmarks)):
        if sites:
            lines.append(title)
            lines += [f"  {site.name}" for site in sites]
    if not tests_by_function():
        lines.append("Tests: not installed (they live in the repository's tests/ folder).")
    return "\n".join(lines)
