"""The documents' claims that the claims-file language can express, one TOML file per document
(derivations/documents/NNN.toml, shipped as package data), decided by the same engine as a user's claims file.

Each [[claim]] carries, besides id, where and statement, the excerpt as printed (`printed`), caveats (`note`), and
for a claim that is wrong as printed the corrected statement in words (`corrected`) and in the claims language
(`correction`), which the ledger decides too. Claims that need a procedure (an enumeration, an EM run, a
constrained maximiser, a multi-variable expansion) stay in the Python topic modules and register the same way.
"""

from __future__ import annotations

from importlib import resources

from elbocheck.derivations.checks import StatementCheck
from elbocheck.derivations.claims import Claim, SOURCES
from elbocheck.derivations.claimsfile import parse
from elbocheck.derivations.statement import parse_statement

LEDGER_KEYS = frozenset({"printed", "note", "corrected", "correction"})


def document_claims(seed: str) -> list[Claim]:
    """The Claims of one document's TOML file (an empty list when the document has none)."""
    path = resources.files("elbocheck.derivations").joinpath("documents", f"{seed}.toml")
    if not path.is_file():
        return []
    parsed = parse(path.read_text(encoding="utf-8"), f"documents/{seed}.toml", extra_keys=LEDGER_KEYS)
    claims = []
    for entry in parsed.claims:
        extra = entry.extra or {}
        correction = None
        if "correction" in extra:
            statement = parse_statement(extra["correction"], parsed.symbols)
            correction = StatementCheck(statement, parsed.domains, entry.tolerance)
        claims.append(Claim(
            id=entry.id, where=entry.where, statement=entry.text, printed=extra.get("printed", ""),
            check=StatementCheck(entry.statement, parsed.domains, entry.tolerance),
            corrected=extra.get("corrected"), correction=correction, note=extra.get("note", ""),
        ))
    return claims


CLAIMS = [claim for seed in SOURCES for claim in document_claims(seed)]
