"""Time of drawing words from the discrete generator of seed 004 Problem 2 by the inverse CDF: the literal
reference (a Python loop over the cumulative sum for each word), fast (torch.searchsorted on a float64 cumulative
sum, batched), and the peers a user would call instead: numpy Generator.choice for first words alone
(sampler_first_word), and torch.multinomial on the rows Q[w_t] for whole strings (sampler_strings).

Each timed call draws its own noise (uniforms for reference and fast, the peers' own generators), so every column
includes the random numbers. The quality figure is the total variation distance between the frequencies of the
first words drawn and P, which for N draws from a correct sampler is of order sqrt(I / N).
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

from elbocheck.fast import sampler as fast
from elbocheck.bench.prepared import GROUPS, Prepared
from elbocheck.reference import sampler as reference

ALGORITHMS = {"first": "sampler_first_word", "strings": "sampler_strings"}
QUALITY = "total variation of first-word frequencies from P"
CASES = [
    # (kind, vocabulary I, strings B, length T, with the reference)
    pytest.param("first", 50, 2_000, 1, True, marks=pytest.mark.quick, id="first-I=50-B=2k"),
    pytest.param("strings", 50, 200, 10, True, marks=pytest.mark.quick, id="strings-I=50-B=200-T=10"),
    pytest.param("first", 1_000, 100_000, 1, False, id="first-I=1000-B=100k"),
    pytest.param("first", 10_000, 1_000_000, 1, False, id="first-I=10k-B=1M"),
    pytest.param("strings", 200, 2_000, 10, False, id="strings-I=200-B=2k-T=10"),
    pytest.param("strings", 1_000, 10_000, 20, False, id="strings-I=1000-B=10k-T=20"),
]
PEERS = {"first": "numpy Generator.choice", "strings": "torch.multinomial"}


@functools.lru_cache(maxsize=2)
def bigram(vocabulary: int):
    """P and Q with Dirichlet(0.5) rows, seed 0."""
    rng = np.random.default_rng(0)
    return rng.dirichlet(np.full(vocabulary, 0.5)), rng.dirichlet(np.full(vocabulary, 0.5), size=vocabulary)


def total_variation(first_words, P: np.ndarray) -> float:
    words = first_words.cpu().numpy() if isinstance(first_words, torch.Tensor) else np.asarray(first_words)
    return 0.5 * float(np.abs(np.bincount(words, minlength=P.size) / words.size - P).sum())


@pytest.mark.parametrize("kind, vocabulary, strings, length, with_reference", CASES)
@pytest.mark.parametrize("impls", GROUPS)
def test_sample(measure, device, device_label, sync, impls, kind, vocabulary, strings, length, with_reference):
    if impls == ("reference",) and not with_reference:
        pytest.skip("the literal reference loops over words and the cumulative sum in Python: small cases only")
    P, Q = bigram(vocabulary)
    label = f"first words I={vocabulary} B={strings}" if kind == "first" else \
        f"strings I={vocabulary} B={strings} T={length}"
    measure({impl: prepare(impl, P, Q, kind, vocabulary, strings, length, label, device, device_label, sync)
             for impl in impls})


def prepare(impl, P, Q, kind, vocabulary, strings, length, label, device, device_label, sync) -> Prepared:
    """One implementation's draw of first words or strings, its extra_info and its quality figure."""
    info = {"algorithm": ALGORITHMS[kind], "case": label, "size": float(strings * length), "impl": impl,
            "quality_name": QUALITY}
    result = {}
    if impl == "reference":
        rng = np.random.default_rng(1)

        def draw():
            eps = rng.uniform(size=(strings, length))
            result["first"] = reference.first_word(P, eps[:, 0]) if kind == "first" else \
                reference.sample_strings(P, Q, eps)[:, 0]

        info["device"] = "CPU (NumPy float64)"
    elif impl == "fast":
        P_device, Q_device = torch.tensor(P, device=device), torch.tensor(Q, device=device)
        generator = torch.Generator(device=device).manual_seed(1)

        def draw():
            eps = torch.rand(strings, length, generator=generator, dtype=torch.float64, device=device)
            result["first"] = fast.first_word(P_device, eps[:, 0]) if kind == "first" else \
                fast.sample_strings(P_device, Q_device, eps)[:, 0]
            sync()

        info["device"] = f"{device_label} (torch, float64 cumulative sum)"
    elif kind == "first":
        rng = np.random.default_rng(1)

        def draw():
            result["first"] = rng.choice(vocabulary, size=strings, p=P)

        info["device"] = "CPU (NumPy)"
        info["peer"] = PEERS[kind]
    else:
        P_device, Q_device = torch.tensor(P, device=device), torch.tensor(Q, device=device)
        generator = torch.Generator(device=device).manual_seed(1)

        def draw():
            word = torch.multinomial(P_device.expand(strings, -1), 1, generator=generator)[:, 0]
            result["first"] = word
            for _ in range(1, length):
                word = torch.multinomial(Q_device[word], 1, generator=generator)[:, 0]
            sync()

        info["device"] = f"{device_label} (torch float64)"
        info["peer"] = PEERS[kind]
    on_device = impl == "fast" or (impl == "peer" and kind == "strings")
    return Prepared(draw, info, rounds=5, on_device=on_device, quality=lambda: total_variation(result["first"], P))
