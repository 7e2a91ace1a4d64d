"""What a pair's functions take and return, read off its reference and drawn inputs: for `crosscheck --list` and
the signature stored with golden cases.

An argument is described by its name (from the reference's signature), its kind and dtype ("float array": the
dtype under test; "int64 array"; "int"; "str"; "list of ..."; "dict of ...") and its shape at each of the pair's
sizes (the first draw of each, seed 0), since sizes are drawn at random below each size.
"""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np

from elbocheck.pairs.core import Pair, Sample, trial_seed


def _qualified(function) -> str:
    module = getattr(function, "__module__", "") or ""
    return f"{module}.{getattr(function, '__qualname__', getattr(function, '__name__', repr(function)))}"


def describe_value(value) -> str:
    """The kind, dtype and (for arrays) shape of one argument or result."""
    if isinstance(value, np.ndarray):
        kind = "float" if np.issubdtype(value.dtype, np.floating) else str(value.dtype)
        return f"{kind} array {tuple(value.shape)}"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "int"
    if isinstance(value, (float, np.floating)):
        return "float"
    if isinstance(value, str):
        return f"str {value!r}"
    if isinstance(value, list):
        if not value:
            return "empty list"
        kinds = sorted({_kind_only(item) for item in value})
        plural = "s" if len(value) != 1 and kinds[0].endswith("array") else ""
        return f"list of {len(value)} {kinds[0]}{plural}" if len(kinds) == 1 else f"list of {len(value)} items"
    if isinstance(value, tuple):
        return "(" + ", ".join(describe_value(item) for item in value) + ")"
    if isinstance(value, dict):
        return "dict {" + ", ".join(f"{key}: {describe_value(item)}" for key, item in value.items()) + "}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return f"{type(value).__name__}(" + ", ".join(
            f"{item.name}: {describe_value(getattr(value, item.name))}" for item in dataclasses.fields(value)) + ")"
    return type(value).__name__


def _kind_only(value) -> str:
    """describe_value without shapes, for the items of a list whose shapes vary."""
    if isinstance(value, np.ndarray):
        return "float array" if np.issubdtype(value.dtype, np.floating) else f"{value.dtype} array"
    if isinstance(value, tuple):
        return "(" + ", ".join(_kind_only(item) for item in value) + ")"
    return describe_value(value)


def argument_names(pair: Pair, sample: Sample) -> list[str]:
    """Names of the sample's positional arguments from the reference's signature (arg0, ... past its end)."""
    try:
        parameters = [p.name for p in inspect.signature(pair.reference).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        parameters = []
    return [parameters[i] if i < len(parameters) else f"arg{i}" for i in range(len(sample.args))]


def describe_pair(pair: Pair) -> dict:
    """name, reference, fast, arguments [{name, per size}], outputs (per size), rtol per dtype, sizes, edges, note."""
    samples = {size: pair.sample(np.random.default_rng(trial_seed(0, pair.name, size, 0)), size)
               for size in sorted(pair.sizes)}
    first = next(iter(samples.values()))
    names = argument_names(pair, first)
    arguments = [{"name": name, "by_size": {str(size): describe_value(sample.args[position])
                                             for size, sample in samples.items()}}
                 for position, name in enumerate(names)]
    arguments += [{"name": key, "keyword": True, "by_size": {str(size): describe_value(sample.kwargs[key])
                                                             for size, sample in samples.items()}}
                  for key in first.kwargs]
    outputs = {}
    for size, sample in samples.items():
        try:
            outputs[str(size)] = describe_value(pair.reference(*sample.args, **sample.kwargs))
        except Exception as error:  # noqa: BLE001 - a listing never fails on one pair
            outputs[str(size)] = f"(the reference raised {type(error).__name__})"
    return {
        "name": pair.name,
        "reference": _qualified(pair.reference),
        "fast": _qualified(pair.fast),
        "arguments": arguments,
        "returns": outputs,
        "rtol": dict(pair.rtol),
        "sizes": list(sorted(pair.sizes)),
        "edge_inputs": [edge.label for edge in pair.edges],
        "peer": pair.peer_name or None,
        "note": pair.note,
    }


def format_listing(descriptions: list[dict]) -> str:
    """The pairs as text: one block per pair."""
    blocks = []
    for entry in descriptions:
        rtol = ", ".join(f"{dtype} {value:g}" for dtype, value in entry["rtol"].items())
        lines = [entry["name"], f"  reference  {entry['reference']}", f"  fast       {entry['fast']}"]
        for argument in entry["arguments"]:
            shapes = list(dict.fromkeys(argument["by_size"].values()))
            shown = shapes[0] if len(shapes) == 1 else " | ".join(shapes)
            lines.append(f"  {'keyword ' if argument.get('keyword') else ''}{argument['name']}: {shown}")
        returns = list(dict.fromkeys(entry["returns"].values()))
        lines.append(f"  returns: {returns[0] if len(returns) == 1 else ' | '.join(returns)}")
        lines.append(f"  rtol: {rtol}; sizes {entry['sizes']}; {len(entry['edge_inputs'])} edge inputs")
        if entry["note"]:
            lines.append(f"  note: {entry['note']}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + f"\n\n{len(descriptions)} pairs; a float array takes the dtype under test, " \
                                  "shapes are at each size (the first draw of each)"
