"""JSON Schemas (draft 2020-12) of the result.json each command writes: em, vae, gan-demo, ring, residual.

    from elbocheck.schemas import load
    jsonschema.validate(json.load(open("out/em/result.json")), load("em"))
"""

from __future__ import annotations

import json
from importlib import resources

COMMANDS = ("em", "vae", "gan-demo", "ring", "residual")


def load(command: str) -> dict:
    """The schema of `command`'s result.json; ValueError naming the command unless it is one of COMMANDS."""
    if command not in COMMANDS:
        raise ValueError(f"command: expected one of {list(COMMANDS)}, got {command!r}")
    return json.loads(resources.files(__name__).joinpath(f"{command}.json").read_text(encoding="utf-8"))
