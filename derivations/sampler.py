"""The inverse-CDF word sampler of a bigram GAN and its gradient, seed 004 Problems 2 and 4.

w(P, eps) returns the word whose cumulative-probability interval contains eps. Interval lengths are decided
symbolically; uniqueness and the behaviour at boundaries by exact rational arithmetic on random distributions
(some entries zero) at every boundary point and on a grid of eps.
"""

from __future__ import annotations

import random
from fractions import Fraction

import sympy as sp

from elbocheck.derivations.checks import AllOf, Equal, Procedure
from elbocheck.derivations.claims import Claim

WORDS = 4


def cumulative(P) -> list:
    """c_i = sum_{j <= i} P[j]."""
    total, sums = 0, []
    for p in P:
        total += p
        sums.append(total)
    return sums


def closed_interval(P, i):
    """Seed 004 Problem 2(a) as printed: [sum_{j < i} P[j], sum_{j <= i} P[j]]."""
    c = cumulative(P)
    low = c[i - 1] if i else 0
    return lambda eps: low <= eps <= c[i]


def half_open_interval(P, i):
    """[sum_{j < i} P[j], sum_{j <= i} P[j]): the intervals partition [0, 1)."""
    c = cumulative(P)
    low = c[i - 1] if i else 0
    return lambda eps: low <= eps < c[i]


def random_distribution(rng: random.Random, zeros: bool = True) -> list[Fraction]:
    """A random rational probability vector over WORDS words, some entries zero when `zeros`."""
    weights = [rng.randint(0 if zeros else 1, 5) for _ in range(WORDS)]
    if sum(weights) == 0:
        weights[rng.randrange(WORDS)] = 1
    return [Fraction(w, sum(weights)) for w in weights]


def selection_run(interval=closed_interval, trials: int = 60, seed: int = 5, grid: int = 64):
    """For random P, every eps in [0, 1) on the grid k / grid and at every boundary must lie in exactly one
    interval, and the word chosen must have positive probability."""
    rng = random.Random(seed)
    for _ in range(trials):
        P = random_distribution(rng)
        points = sorted({Fraction(k, grid) for k in range(grid)} | {c for c in cumulative(P) if c < 1} | {Fraction(0)})
        for eps in points:
            chosen = [i for i in range(WORDS) if interval(P, i)(eps)]
            if len(chosen) != 1 or P[chosen[0]] == 0:
                what = "no interval" if not chosen else (f"the intervals of words {chosen}" if len(chosen) > 1
                                                        else f"only the interval of word {chosen[0]}, of probability 0")
                return (False, "eps in other than exactly one interval of a word of positive probability",
                        f"P = ({', '.join(map(str, P))}), eps = {eps}: eps lies in {what}")
    return True, f"{trials} random P (zeros included), every boundary and a grid of {grid} points", None


def interval_lengths(upper_printed: bool) -> Equal:
    """Seed 004 Problem 2(b) for one row Q[w_t, .] of 3 words: the length of word j's interval against Q[w_t, j].
    As printed the upper end is sum_{k <= j} Q[w_t, j] = (j + 1) Q[w_t, j]; corrected, sum_{k <= j} Q[w_t, k]."""
    q0, q1 = sp.symbols("Q0 Q1", positive=True)
    row = [q0, q1, 1 - q0 - q1]
    lengths = []
    for j in range(3):
        lower = sum(row[:j])
        upper = (j + 1) * row[j] if upper_printed else sum(row[: j + 1])
        lengths.append(upper - lower)
    unit = {q0: (sp.Rational(1, 8), sp.Rational(3, 8)), q1: (sp.Rational(1, 8), sp.Rational(3, 8))}
    return Equal(sp.Matrix(lengths), sp.Matrix(row), domain=unit, labels=("interval lengths", "Q[w_t, .]"))


def first_word_lengths() -> Equal:
    """Seed 004 Problem 2(a): the interval of word i has length P[i] (so P(w = i) = P[i] for uniform eps)."""
    P = sp.symbols(f"P0:{WORDS}", positive=True)
    c = cumulative(P)
    lengths = [c[0]] + [c[i] - c[i - 1] for i in range(1, WORDS)]
    return Equal(sp.Matrix(lengths), sp.Matrix(P), labels=("interval lengths", "P"))


def interval_of(P, i) -> tuple:
    """[sum_{j<i} P[j], sum_{j<=i} P[j]) as a (low, high) pair."""
    c = cumulative(P)
    return (c[i - 1] if i else Fraction(0)), c[i]


def overlap(first: tuple, second: tuple):
    """The length of the intersection of two intervals."""
    return max(Fraction(0), min(first[1], second[1]) - max(first[0], second[0]))


def second_word_run(shared_noise: bool = True, trials: int = 40, seed: int = 17):
    """Seed 004 Problem 2: w_1 = w(P, eps_1) and w_2 = w(Q, w_1, eps) with eps = eps_1 (the printed indexing,
    w_{t+1} from eps_t) or an independent eps_2. Computes exactly, as interval lengths, the probability of every
    pair (w_1, w_2) and compares it with P[w_1] Q[w_1, w_2]."""
    rng = random.Random(seed)
    for _ in range(trials):
        P = random_distribution(rng, zeros=False)
        Q = [random_distribution(rng, zeros=False) for _ in range(WORDS)]
        for i in range(WORDS):
            for j in range(WORDS):
                first, second = interval_of(P, i), interval_of(Q[i], j)
                probability = overlap(first, second) if shared_noise else (first[1] - first[0]) * (second[1] - second[0])
                if probability != P[i] * Q[i][j]:
                    return (False, "P(w_1, w_2) differs from P[w_1] Q[w_1, w_2]",
                            f"P = ({', '.join(map(str, P))}), Q[{i}] = ({', '.join(map(str, Q[i]))}): "
                            f"P(w_1 = {i}, w_2 = {j}) = {probability}, but P[{i}] Q[{i}, {j}] = {P[i] * Q[i][j]}")
    return True, f"exact pair probabilities for {trials} random (P, Q)", None


def word(P, eps) -> int:
    """The word of the half-open interval containing eps."""
    return next(i for i in range(WORDS) if half_open_interval(P, i)(eps))


def frozen_output_run(trials: int = 200, seed: int = 9, sampler=word):
    """Seed 004 Problem 2(c): for eps off the boundaries, moving P by less than the distance from eps to the
    nearest boundary (along any direction that keeps sum P = 1) leaves the word unchanged, exactly; so every
    finite difference of a loss of the word, and the pathwise gradient, is zero. At a boundary the word jumps."""
    rng = random.Random(seed)
    jumps = 0
    for _ in range(trials):
        P = random_distribution(rng, zeros=False)
        eps = Fraction(rng.randint(0, 10**6 - 1), 10**6)
        margin = min(abs(eps - c) for c in [Fraction(0)] + cumulative(P))
        direction = [Fraction(rng.randint(-5, 5)) for _ in range(WORDS - 1)]
        direction.append(-sum(direction))
        largest = max(abs(d) for d in direction) or 1
        step = margin / (2 * WORDS * largest)
        if margin == 0:
            continue
        moved = [p + step * d for p, d in zip(P, direction)]
        if sampler(moved, eps) != sampler(P, eps):
            return False, "the output changed", f"P = {P}, eps = {eps}, step {step} along {direction}"
        boundary = cumulative(P)[0]
        nudged = [P[0] + Fraction(1, 10**9), P[1] - Fraction(1, 10**9)] + P[2:]
        jumps += sampler(nudged, boundary) != sampler(P, boundary)
    return True, (f"{trials} random (P, eps, direction): the word never moved; at a boundary eps = P[0] a nudge of "
                  f"1e-9 changed it in {jumps} of {trials} cases"), None


def nearest_code(codebook, value) -> int:
    """argmin_k |value - c_k| (the lower index on a tie)."""
    return min(range(len(codebook)), key=lambda k: (abs(value - codebook[k]), k))


def quantised_run(trials: int = 200, seed: int = 21, quantiser=nearest_code):
    """Seed 004 Problem 4: a discrete code z = argmin_k |theta x - c_k| does not change under a small enough
    change of theta (off ties): z.grad = 0."""
    rng = random.Random(seed)
    for _ in range(trials):
        codebook = sorted({Fraction(rng.randint(-20, 20), 4) for _ in range(5)})
        x = Fraction(rng.randint(1, 16), 4)
        theta = Fraction(rng.randint(-400, 400), 100)

        def code(t):
            return quantiser(codebook, t * x)

        distances = sorted(abs(theta * x - c) for c in codebook)
        if len(distances) > 1 and distances[0] == distances[1]:
            continue
        gap = (distances[1] - distances[0]) / (2 * x) if len(distances) > 1 else Fraction(1)
        for step in (gap / 2, -gap / 2):
            if code(theta + step) != code(theta):
                return False, "the code changed", f"theta = {theta}, x = {x}, codebook {codebook}, step {step}"
    return True, f"{trials} random codebooks and encoders: the code is locally constant in theta", None


CLAIMS = [
    Claim(
        id="004-2a",
        where="Problem 2(a)",
        statement="w(P, eps) = the unique i with eps in [sum_{j<i} P[j], sum_{j<=i} P[j]] has P(w = i) = P[i]",
        printed=r"We can take  $\hat{w}(P[I], \epsilon_1)$  to be the unique i such that  $\epsilon_1 \in \left[\left(\sum_{j < i} P[j]\right), \left(\sum_{j \le i} P[j]\right)\right]$",
        check=lambda: AllOf((first_word_lengths(), Procedure(selection_run, {"interval": closed_interval},
                                                     method="exact rational enumeration", exact=True)),
                    ("interval lengths", "uniqueness")),
        corrected="w(P, eps) = the i with eps in [sum_{j<i} P[j], sum_{j<=i} P[j]) (half-open), for eps in [0, 1): "
                  "unique, of probability P[i], never a word of probability 0",
        correction=lambda: AllOf((first_word_lengths(), Procedure(selection_run, {"interval": half_open_interval},
                                                          method="exact rational enumeration")),
                         ("interval lengths", "uniqueness")),
        note="The lengths, hence the probabilities, are right; but with closed intervals a boundary eps lies in two "
             "intervals (and in the empty interval of a zero-probability word), so 'the unique i' does not exist "
             "there. eps = 1, of probability zero, needs a convention (the last word of positive probability).",
    ),
    Claim(
        id="004-2b",
        where="Problem 2(b)",
        statement="w(Q, w_t, eps) = the unique w_j with eps in [sum_{j<i} Q[w_t, j], sum_{k<=j} Q[w_t, j]] "
                  "has probability Q[w_t, j]",
        printed=r"$\epsilon_t \in \left[\left(\sum_{j < i} Q[w_t, j]\right), \left(\sum_{k \leq j} Q[w_t, j]\right)\right]$",
        check=lambda: interval_lengths(upper_printed=True),
        corrected="w(Q, w_t, eps) = the j with eps in [sum_{k<j} Q[w_t, k], sum_{k<=j} Q[w_t, k])",
        correction=lambda: interval_lengths(upper_printed=False),
        note="The upper sum runs over k but its summand is Q[w_t, j], giving (j + 1) Q[w_t, j]; the lower sum's "
             "index i is unbound (read as the same cumulative sum below j). Decided for a row of 3 words.",
    ),
    Claim(
        id="004-2b-noise",
        where="Problem 2(b)",
        statement="with the noise eps_1..eps_T, w_{t+1} = w(Q, w_t, eps_t) is drawn with probability Q[w_t, j] given "
                  "w_t, so the strings follow the bigram model",
        printed=r"which deterministically returns the word  $w_{t+1}$  given  $w_t$  such that the probability over the draw of  $\epsilon_t$  that  $\hat{w}(Q[I,I], w_t, \epsilon_t) = j$  is  $Q[w_t, j]$",
        check=lambda: Procedure(second_word_run, {"shared_noise": True},
                                method="exact pair probabilities as interval lengths", exact=True),
        corrected="w_{t+1} = w(Q, w_t, eps_{t+1}): each word uses its own noise, and P(w_1, w_2) = P[w_1] Q[w_1, w_2]",
        correction=lambda: Procedure(second_word_run, {"shared_noise": False},
                                     method="exact pair probabilities as interval lengths", exact=True),
        note="An indexing slip in the problem itself: w_1 = w(P, eps_1) and w_2 = w(Q, w_1, eps_1) use the same "
             "eps_1 (and eps_T is never used), so given w_1 the noise is confined to w_1's interval and w_2 does not "
             "follow Q[w_1, .]. Each marginal statement holds; the string distribution does not.",
    ),
    Claim(
        id="004-2c",
        where="Problem 2(c)",
        statement="a discrete output does not change under small updates of the generator parameters, so the "
                  "gradient of the discriminator loss with respect to them is zero",
        printed="A discrete output will not change under differential updates to the GAN parameters",
        check=lambda: Procedure(frozen_output_run, method="exact rational perturbations of P"),
        note="True pathwise, for almost every eps. The expected loss E_eps[D(w(P, eps))] = sum_i P[i] D(i) does "
             "depend on P; it is its pathwise (reparameterisation) estimator that is zero, which is why score-function, "
             "straight-through or Gumbel-softmax estimators are used.",
    ),
    Claim(
        id="004-4",
        where="Problem 4",
        statement="a differential change in the parameters does not change a discrete z, so z.grad = 0",
        printed="A differential change in parameters will not change a discrete z and z.grad = 0",
        check=lambda: Procedure(quantised_run, method="exact rational perturbations of a nearest-code quantiser"),
        note="Off ties between codes. VQ-VAE passes the gradient straight through the quantiser instead.",
    ),
]
