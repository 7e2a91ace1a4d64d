"""Golden cases: a pair's inputs and reference outputs as named arrays in one .npz, for implementations outside
Python (C++, JAX, Triton), and the grading of outputs produced elsewhere against them.

Layout of FILE.npz (every entry a NumPy array; keys use '/' as a separator):

    meta/format            'elbocheck-cases' (str)         meta/format_version   1 (int64)
    meta/pair              the pair's name (str)           meta/dtype            'float64' or 'float32' (str)
    meta/rtol              the tolerance (float64)         meta/seed             the seed of the draws (int64)
    meta/count             the number of cases (int64)     meta/elbocheck_version (str)
    meta/signature         JSON (str): the reference and fast functions, each argument's name and, per case,
                           its key layout, and each case's output keys
    case000/input/NAME     an argument: float arrays in meta/dtype, integer arrays int64, ints int64 0-d,
                           floats 0-d in meta/dtype, strings 0-d str
    case000/input/NAME/0   an argument that is a list or tuple: one key per item, numbered from 0 (nested the same
    case000/input/NAME/KEY way), a dict: one key per entry
    case000/output/0       the reference's outputs, float64 (or int64), numbered in the order it returns them
    ...
    case000/scale/0        for a pair that declares the magnitude of the terms its result sums (Pair.magnitude):
    ...                    that magnitude from the case's inputs, float64, shaped like the output it scales

THEIRS.npz holds case000/output/0, ... with the same keys and shapes, in any float dtype. Each case passes when
every output has the reference's shape, no NaN or infinity where the reference is finite, and a normwise relative
error max|theirs - reference| / scale within meta/rtol, scale the larger of max|reference| and max case000/scale/N
where the file has it (at least the dtype's underflow floor), as `crosscheck` judges; integer outputs must match
exactly.
"""

from __future__ import annotations

import json

import numpy as np

from elbocheck.pairs.candidate import judge, result_leaves
from elbocheck.pairs.core import Pair, Sample, leaves, round_to_dtype, trial_seed, underflow_floor
from elbocheck.pairs.signature import argument_names

FORMAT = "elbocheck-cases"
FORMAT_VERSION = 1


def draw_cases(pair: Pair, count: int, seed: int) -> list[tuple[str, Sample]]:
    """The first `count` of: the pair's edge inputs, then random inputs cycling through its sizes."""
    cases = [(f"edge input {index}", edge) for index, edge in enumerate(pair.edges)][:count]
    sizes = sorted(pair.sizes)
    draw = 0
    while len(cases) < count:
        size = sizes[draw % len(sizes)]
        case_seed = trial_seed(seed, pair.name, size, draw // len(sizes))
        cases.append((f"numpy.random.default_rng({case_seed}) at size {size}",
                      pair.sample(np.random.default_rng(case_seed), size)))
        draw += 1
    return cases


def _store(value, key: str, dtype: str, arrays: dict) -> object:
    """Put `value` under `key` (recursing into containers); returns its layout for the signature."""
    if isinstance(value, np.ndarray):
        if np.issubdtype(value.dtype, np.floating):
            arrays[key] = value.astype(dtype)
        elif value.dtype == np.bool_:
            arrays[key] = value
        else:
            arrays[key] = value.astype(np.int64)
        return key
    if isinstance(value, bool):
        arrays[key] = np.asarray(value)
        return key
    if isinstance(value, (int, np.integer)):
        arrays[key] = np.asarray(int(value), dtype=np.int64)
        return key
    if isinstance(value, (float, np.floating)):
        arrays[key] = np.asarray(value, dtype=dtype)
        return key
    if isinstance(value, str):
        arrays[key] = np.asarray(value)
        return key
    if isinstance(value, (list, tuple)):
        return [_store(item, f"{key}/{index}", dtype, arrays) for index, item in enumerate(value)]
    if isinstance(value, dict):
        return {str(name): _store(item, f"{key}/{name}", dtype, arrays) for name, item in value.items()}
    raise TypeError(f"cannot store an argument of type {type(value).__name__}")


def build_cases(pair: Pair, count: int, seed: int, dtype: str) -> dict[str, np.ndarray]:
    """The arrays of FILE.npz for `count` cases of `pair` (see the module docstring for the layout)."""
    from elbocheck import __version__

    if count < 1:
        raise ValueError(f"--count: expected an integer >= 1, got {count}")
    arrays: dict[str, np.ndarray] = {}
    described = []
    for number, (origin, sample) in enumerate(draw_cases(pair, count, seed)):
        case = f"case{number:03d}"
        args, kwargs = round_to_dtype(sample.args, dtype), round_to_dtype(sample.kwargs, dtype)
        names = argument_names(pair, sample)
        inputs = {name: _store(value, f"{case}/input/{name}", dtype, arrays) for name, value in zip(names, args)}
        inputs |= {name: _store(value, f"{case}/input/{name}", dtype, arrays) for name, value in kwargs.items()}
        outputs = []
        for index, leaf in enumerate(result_leaves(pair.reference(*args, **kwargs))):
            key = f"{case}/output/{index}"
            arrays[key] = leaf.array if not np.issubdtype(leaf.array.dtype, np.floating) else \
                leaf.array.astype(np.float64)
            outputs.append(key)
        scales = []
        if pair.magnitude is not None:
            for index, (term, output) in enumerate(zip(leaves(pair.magnitude(*args, **kwargs)), outputs)):
                key = f"{case}/scale/{index}"
                with np.errstate(invalid="ignore"):
                    arrays[key] = np.broadcast_to(np.abs(np.asarray(term, dtype=np.float64)),
                                                  arrays[output].shape).copy()
                scales.append(key)
        described.append({"case": case, "origin": origin, "label": sample.label, "inputs": inputs,
                          "keywords": sorted(kwargs), "outputs": outputs, "scales": scales})
    signature = {
        "reference": f"{pair.reference.__module__}.{pair.reference.__qualname__}",
        "fast": f"{pair.fast.__module__}.{pair.fast.__qualname__}",
        "arguments": argument_names(pair, draw_cases(pair, 1, seed)[0][1]),
        "cases": described,
    }
    arrays.update({
        "meta/format": np.asarray(FORMAT), "meta/format_version": np.asarray(FORMAT_VERSION, dtype=np.int64),
        "meta/pair": np.asarray(pair.name), "meta/dtype": np.asarray(dtype),
        "meta/rtol": np.asarray(float(pair.rtol[dtype]), dtype=np.float64),
        "meta/seed": np.asarray(seed, dtype=np.int64), "meta/count": np.asarray(count, dtype=np.int64),
        "meta/elbocheck_version": np.asarray(__version__), "meta/signature": np.asarray(json.dumps(signature)),
    })
    return arrays


def load_npz(path, option: str) -> dict[str, np.ndarray]:
    """Every array of an .npz file; ValueError naming `option` when it is missing or not an .npz."""
    import zipfile

    from elbocheck._io import require_regular_file

    path = require_regular_file(path, option, "an .npz file")
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        reason = "numpy reads it as a pickle, not as arrays" if "pickled" in str(error) else str(error)
        raise ValueError(f"{option}: '{path}' is not an .npz file of numeric arrays (numpy.savez); {reason}") from None


def check_golden(golden: dict[str, np.ndarray], option: str = "--verify") -> dict:
    """The signature of a golden-case file; ValueError naming `option` unless it is one."""
    if str(golden.get("meta/format", "")) != FORMAT:
        raise ValueError(f"{option}: not an elbocheck cases file (no meta/format '{FORMAT}')")
    return json.loads(str(golden["meta/signature"]))


def verify(golden: dict[str, np.ndarray], theirs: dict[str, np.ndarray]) -> list[dict]:
    """One row per case: its origin, the largest relative error over its outputs, pass or fail and why."""
    signature = check_golden(golden)
    rtol = float(golden["meta/rtol"])
    floor = underflow_floor(str(golden["meta/dtype"]), rtol)
    rows = []
    for case in signature["cases"]:
        missing = [key for key in case["outputs"] if key not in theirs]
        row = {"case": case["case"], "origin": case["origin"], "label": case["label"]}
        if missing:
            rows.append(row | {"error": None, "passed": False, "problem": f"missing {', '.join(missing)}"})
            continue
        scales = [golden[key] for key in case.get("scales", [])] or None
        verdict = judge([theirs[key] for key in case["outputs"]], [golden[key] for key in case["outputs"]], None,
                        rtol, scales, floor)
        passed = verdict.kind is None and verdict.error <= rtol
        rows.append(row | {"error": verdict.error, "passed": passed, "problem": verdict.problem,
                           "index": None if verdict.index is None or passed else list(verdict.index)})
    return rows
