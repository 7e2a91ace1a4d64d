"""The claims file: TOML with a [symbols] table of assumptions and [[claim]] entries, read without executing it.

    [symbols]        # real | positive | nonnegative | integer | positive integer | "(a, b)" | "[a, b]"
    mu = "real"
    s = "positive"

    [[claim]]
    id = "kl-to-prior"
    where = "my notes, (12)"      # optional
    statement = "KL(Normal(mu, s), Normal(0, 1)) = (mu**2 + s**2 - 1 - log(s**2))/2"
    tolerance = 0.001             # optional, for ≈ claims
    syntax = "latex"              # optional: the sides in LaTeX

Every problem is found before any claim is decided and raised as ClaimsFileError (a ValueError) whose one-line
message names the claim id or the TOML line.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import sympy as sp

from elbocheck.derivations import vocabulary
from elbocheck.derivations.search import Domain
from elbocheck.derivations.statement import SYMPY_FUNCTIONS, CONSTANTS, Statement, StatementError, parse_statement

ASSUMPTION_WORDS = ("real", "positive", "nonnegative", "integer", "positive integer")
CLAIM_KEYS = {"id", "statement", "where", "tolerance", "syntax"}
MAX_BYTES = 1 << 20
INTERVAL = re.compile(r"^\s*([\(\[])\s*([^,\s]+)\s*,\s*([^,\s]+)\s*([\)\]])\s*$")


class ClaimsFileError(ValueError):
    """A malformed claims file; the message is one line naming the claim id or the TOML line."""


@dataclass(frozen=True)
class FileClaim:
    """One [[claim]] entry, its statement parsed."""

    id: str
    where: str
    text: str
    statement: Statement
    tolerance: object = None
    syntax: str = "sympy"
    extra: dict = None


@dataclass(frozen=True)
class ClaimsFile:
    symbols: dict
    domains: dict
    claims: list

    def select(self, only: str | None) -> list:
        if only is None:
            return list(self.claims)
        chosen = [c for c in self.claims if c.id == only]
        if not chosen:
            known = ", ".join(c.id for c in self.claims[:8])
            raise ClaimsFileError(f"--only: no claim with id {only!r}; ids in the file include {known}")
        return chosen


def _bound(text: str, name: str):
    text = text.strip()
    if text in ("oo", "inf", "+inf", "+oo"):
        return sp.oo
    if text in ("-oo", "-inf"):
        return -sp.oo
    try:
        return sp.Rational(Fraction(text))
    except (ValueError, ZeroDivisionError):
        raise ClaimsFileError(f"[symbols] {name}: the bound {text!r} is not a number") from None


def symbol_for(name: str, word) -> tuple[sp.Symbol, Domain | None]:
    """The SymPy symbol for an assumption word, and its Domain when an interval is given."""
    if not isinstance(word, str):
        raise ClaimsFileError(f"[symbols] {name}: expected a string such as \"positive\" or \"(0, 1)\", got {word!r}")
    word = " ".join(word.split())
    if word in ASSUMPTION_WORDS:
        flags = {"real": {"real": True}, "positive": {"positive": True}, "nonnegative": {"nonnegative": True},
                 "integer": {"integer": True}, "positive integer": {"integer": True, "positive": True}}[word]
        return sp.Symbol(name, **flags), None
    match = INTERVAL.match(word)
    if not match:
        raise ClaimsFileError(f"[symbols] {name}: unknown assumption {word!r}; expected one of "
                              f"{', '.join(ASSUMPTION_WORDS)}, \"(a, b)\" or \"[a, b]\"")
    opening, low, high, closing = match.groups()
    low, high = _bound(low, name), _bound(high, name)
    if not low < high:
        raise ClaimsFileError(f"[symbols] {name}: the interval {word} is empty; expected low < high")
    low_open, high_open = opening == "(", closing == ")"
    flags = {"real": True}
    if low > 0 or (low == 0 and low_open):
        flags = {"positive": True}
    elif low >= 0:
        flags = {"nonnegative": True}
    return sp.Symbol(name, **flags), Domain(low, high, low_open or low == -sp.oo, high_open or high == sp.oo)


def _line_of(source: str, claim_index: int) -> int:
    """The TOML line where the claim_index-th [[claim]] begins (1-based)."""
    lines = [n for n, line in enumerate(source.splitlines(), 1) if line.strip().startswith("[[claim]]")]
    return lines[claim_index] if claim_index < len(lines) else 0


def _tolerance(value, label: str):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ClaimsFileError(f"{label}: tolerance must be a positive number, got {value!r}")
    try:
        rational = sp.Rational(Fraction(str(value)))
    except (ValueError, ZeroDivisionError):
        raise ClaimsFileError(f"{label}: tolerance must be a positive number, got {value!r}") from None
    if rational <= 0:
        raise ClaimsFileError(f"{label}: tolerance must be a positive number, got {value!r}")
    return rational


def parse(source: str, name: str = "claims file", extra_keys: frozenset = frozenset()) -> ClaimsFile:
    """A ClaimsFile from TOML text; ClaimsFileError on anything malformed. `extra_keys` are further string keys a
    [[claim]] may carry (the documents' files record printed excerpts, notes and corrections)."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise ClaimsFileError(f"{name}: TOML syntax: {error}") from None
    unknown = set(data) - {"symbols", "claim"}
    if unknown:
        raise ClaimsFileError(f"{name}: unknown table(s) {', '.join(sorted(unknown))}; expected [symbols] and "
                              f"[[claim]]")
    table = data.get("symbols", {})
    if not isinstance(table, dict):
        raise ClaimsFileError(f"{name}: symbols must be a table [symbols]")
    symbols, domains = {}, {}
    reserved = vocabulary.FUNCTIONS | set(SYMPY_FUNCTIONS) | set(CONSTANTS) | {"O"}
    for symbol_name, word in table.items():
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", symbol_name) or symbol_name in reserved:
            raise ClaimsFileError(f"[symbols] {symbol_name!r}: expected a name of letters, digits and _ that is "
                                  f"not a function's name")
        symbol, domain = symbol_for(symbol_name, word)
        symbols[symbol_name] = symbol
        if domain is not None:
            domains[symbol] = domain
    entries = data.get("claim", [])
    if not isinstance(entries, list) or not entries:
        raise ClaimsFileError(f"{name}: no claims; expected at least one [[claim]] with id and statement")
    claims, ids = [], set()
    for index, entry in enumerate(entries):
        line = _line_of(source, index)
        label = f"claim at TOML line {line}"
        if not isinstance(entry.get("id"), str) or not entry["id"].strip():
            raise ClaimsFileError(f"{label}: missing id (a non-empty string)")
        claim_id = entry["id"]
        label = f"claim {claim_id!r} (TOML line {line})"
        if claim_id in ids:
            raise ClaimsFileError(f"{label}: the id is used twice")
        ids.add(claim_id)
        extra = set(entry) - CLAIM_KEYS - set(extra_keys)
        if extra:
            raise ClaimsFileError(f"{label}: unknown key(s) {', '.join(sorted(extra))}; expected "
                                  f"{', '.join(sorted(CLAIM_KEYS))}")
        text = entry.get("statement")
        if not isinstance(text, str):
            raise ClaimsFileError(f"{label}: missing statement (a string 'lhs = rhs')")
        syntax = entry.get("syntax", "sympy")
        if syntax not in ("sympy", "latex"):
            raise ClaimsFileError(f"{label}: syntax {syntax!r}; expected \"sympy\" or \"latex\"")
        where = entry.get("where", "")
        if not isinstance(where, str):
            raise ClaimsFileError(f"{label}: where must be a string")
        try:
            statement = parse_statement(text, symbols, syntax)
        except (StatementError, vocabulary.VocabularyError) as error:
            raise ClaimsFileError(f"{label}: {error}") from None
        if statement.assumed:
            names = ", ".join(repr(name) for name in statement.assumed)
            raise ClaimsFileError(f"{label}: {names} {'is' if len(statement.assumed) == 1 else 'are'} not declared; "
                                  f"declare each in [symbols] as real, positive, nonnegative, integer, positive "
                                  f"integer, \"(a, b)\" or \"[a, b]\"")
        misplaced = vocabulary.misplaced_distributions(statement.lhs) + vocabulary.misplaced_distributions(
            statement.rhs)
        if misplaced:
            raise ClaimsFileError(f"{label}: the distribution {misplaced[0]} stands where a number is expected; "
                                  f"use it inside KL, H, E or logpdf")
        tolerance = _tolerance(entry.get("tolerance"), label)
        if tolerance is not None and statement.relation != "≈":
            raise ClaimsFileError(f"{label}: tolerance applies to '≈' (or '~=') claims only")
        extras = {key: entry[key] for key in extra_keys if key in entry}
        claims.append(FileClaim(claim_id, where, text, statement, tolerance, syntax, extras))
    return ClaimsFile(symbols, domains, claims)


def load(path) -> ClaimsFile:
    """Read and parse a claims file; ClaimsFileError for a missing, unreadable, oversized or malformed one."""
    path = Path(path)
    try:
        if not path.is_file():
            raise ClaimsFileError(f"{path}: not a file; expected a TOML claims file")
        if path.stat().st_size > MAX_BYTES:
            raise ClaimsFileError(f"{path}: larger than {MAX_BYTES} bytes")
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ClaimsFileError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise ClaimsFileError(f"{path}: cannot read ({error.strerror})") from None
    return parse(source, str(path))
