"""The Gibbs variational lemma and its uses: seed 001 sections 1.a, 1.b, "Change of Notation", 2 and 4.b.

log sum_z g(z) = max over distributions q of sum_z q_z log g(z) - sum_z q_z log q_z, attained at q = g / sum g.
Decided for k = 2, 3, 4 values of z with symbolic positive g, by Lagrange stationarity and strict concavity.
"""

from __future__ import annotations

from itertools import product

import sympy as sp

from elbocheck.derivations.checks import AllOf, Concave, Equal, Maximiser, Procedure
from elbocheck.derivations.claims import Claim
from elbocheck.derivations.gaussian import LinearGaussian, log_integral_exp_quadratic, normal_logpdf


def positive(name: str, k: int) -> tuple[sp.Symbol, ...]:
    """k positive symbols name1..namek."""
    return sp.symbols(f"{name}1:{k + 1}", positive=True)


def entropy_objective(q, log_g):
    """Q(q, g) = sum_z q_z log g_z - sum_z q_z log q_z (seed 001 1.a)."""
    return sum(qz * lg for qz, lg in zip(q, log_g)) - sum(qz * sp.log(qz) for qz in q)


def lemma(k: int) -> Maximiser:
    """max_q Q(q, g) = log sum g at q* = g / sum g, for k values of z."""
    q, g = positive("q", k), positive("g", k)
    total = sum(g)
    return Maximiser(
        objective=entropy_objective(q, [sp.log(gz) for gz in g]),
        variables=q,
        constraints=(sum(q) - 1,),
        point={qz: gz / total for qz, gz in zip(q, g)},
        value=sp.log(total),
    )


def lagrangian_parts(k: int = 3):
    """The Lagrangian L = Q(q, g) + lambda (sum q - 1) of seed 001 1.a and its symbols."""
    q, g = positive("q", k), positive("g", k)
    lam = sp.Symbol("lambda", real=True)
    lagrangian = entropy_objective(q, [sp.log(gz) for gz in g]) + lam * (sum(q) - 1)
    return q, g, lam, lagrangian


def stationarity_claim() -> Equal:
    q, g, lam, lagrangian = lagrangian_parts()
    return Equal(sp.diff(lagrangian, q[0]), sp.log(g[0]) - sp.log(q[0]) - 1 + lam,
                 labels=("dL/dq_1 computed", "printed"))


def alpha_claim() -> AllOf:
    """Solving dL/dq_j = 0 for q_j gives alpha g_j with one alpha for all j, independent of g."""
    q, g, lam, lagrangian = lagrangian_parts()
    solutions = [sp.solve(sp.diff(lagrangian, qj), qj)[0] for qj in q]
    alphas = [s / gj for s, gj in zip(solutions, g)]
    return AllOf(
        parts=(
            Equal(alphas[0], alphas[1], labels=("q_1 / g_1", "q_2 / g_2")),
            Equal(alphas[0], alphas[2], labels=("q_1 / g_1", "q_3 / g_3")),
            Equal(sp.diff(alphas[0], g[0]) + sp.diff(alphas[0], g[1]), 0, labels=("d alpha / dg", "0")),
        ),
        labels=("alpha common to j = 1, 2", "alpha common to j = 1, 3", "alpha independent of g"),
    )


def normalised_claim() -> Equal:
    """With q_j = alpha g_j, sum q = 1 fixes alpha = 1 / sum g."""
    q, g, lam, lagrangian = lagrangian_parts()
    alpha = sp.Symbol("alpha", positive=True)
    alpha_value = sp.solve(sum(alpha * gj for gj in g) - 1, alpha)[0]
    return Equal(alpha_value * g[0], g[0] / sum(g), labels=("alpha g_1 with sum q = 1", "printed q_1*"))


def value_claim() -> AllOf:
    """The chain Q(q*, g) = sum q log(g / q) = sum (g / sum g) log sum g = log sum g (seed 001 1.a)."""
    g = positive("g", 3)
    total = sum(g)
    q_star = [gz / total for gz in g]
    at_optimum = entropy_objective(q_star, [sp.log(gz) for gz in g])
    step1 = sum(qz * sp.log(gz / qz) for qz, gz in zip(q_star, g))
    step2 = sum(gz / total * sp.log(total) for gz in g)
    return AllOf(
        parts=(
            Equal(at_optimum, step1, labels=("Q(q*, g)", "sum q log(g / q)")),
            Equal(step1, step2, labels=("sum q log(g / q)", "sum (g / sum g) log sum g")),
            Equal(step2, sp.log(total), labels=("sum (g / sum g) log sum g", "log sum g")),
        ),
        labels=("first equality", "second equality", "third equality"),
    )


def posterior_objective(printed_sign: bool) -> Maximiser:
    """Seed 001 "Change of Notation": max_q sum q log P(x|z) -/+ sum q log(P(z) / q) should be log P(x)."""
    q, likelihood, prior = positive("q", 3), positive("Pxz", 3), positive("Pz", 3)
    joint = [lz * pz for lz, pz in zip(likelihood, prior)]
    sign = -1 if printed_sign else 1
    objective = sum(qz * sp.log(lz) for qz, lz in zip(q, likelihood)) + sign * sum(
        qz * sp.log(pz / qz) for qz, pz in zip(q, prior))
    return Maximiser(
        objective=objective,
        variables=q,
        constraints=(sum(q) - 1,),
        point={qz: jz / sum(joint) for qz, jz in zip(q, joint)},
        value=sp.log(sum(joint)),
    )


def variational_discrete(extra_prior: bool) -> Maximiser:
    """Seed 001 4.b for k = 3 latent values: max_q sum q log(P(x, z) [P(z)]) - q log q against log P(x).

    The candidate maximiser is q proportional to the weights inside the log; the check confirms it.
    """
    q, likelihood, prior = positive("q", 3), positive("Pxz", 3), positive("Pz", 3)
    joint = [lz * pz for lz, pz in zip(likelihood, prior)]
    weights = [jz * pz for jz, pz in zip(joint, prior)] if extra_prior else joint
    return Maximiser(
        objective=entropy_objective(q, [sp.log(wz) for wz in weights]),
        variables=q,
        constraints=(sum(q) - 1,),
        point={qz: wz / sum(weights) for qz, wz in zip(q, weights)},
        value=sp.log(sum(joint)),
    )


def variational_gaussian(extra_prior: bool) -> Equal:
    """Seed 001 4.b on z ~ N(0, 1), x | z ~ N(w z + b, s2): the maximum of the printed objective, which by the
    lemma is log of the integral of exp(log P(x, z) [+ log P(z)]), against log p(x)."""
    model = LinearGaussian()
    log_joint = model.log_likelihood() + model.log_prior()
    integrand = log_joint + model.log_prior() if extra_prior else log_joint
    maximum = log_integral_exp_quadratic(integrand, model.z)
    return Equal(model.log_evidence(), maximum, labels=("log p(x)", "maximum of the objective"))


def elbo_at_posterior() -> Equal:
    """The ELBO of the linear-Gaussian model at q = p(z | x) equals log p(x): the bound is attained."""
    model = LinearGaussian()
    mean, var = model.posterior_moments()
    return Equal(model.elbo().subs({model.m: mean, model.v: var}, simultaneous=True), model.log_evidence(),
                 labels=("ELBO at q = p(z | x)", "log p(x)"))


def em_monotone_runs(corpora: int = 12, steps: int = 3, seed: int = 7, m_step=None) -> tuple[bool, str, str | None]:
    """Exact EM on random tiny corpora of the latent bigram model, in rational arithmetic.

    Checks L(theta_{t+1}) >= L(theta_t) exactly, with likelihoods as exact fractions (seed 001 section 2).
    """
    import random

    from elbocheck.derivations.bigram_em import exact_em_step, exact_likelihood

    rng = random.Random(seed)
    step = m_step or exact_em_step
    for index in range(corpora):
        V, m = rng.randint(2, 3), 2
        sentences = [[rng.randint(1, V) for _ in range(rng.randint(1, 3))] for _ in range(rng.randint(1, 3))]
        A = [_random_row(rng, m) for _ in range(V + 1)]
        B = [_random_row(rng, V) for _ in range(m)]
        previous = exact_likelihood(sentences, A, B)
        for iteration in range(steps):
            A, B = step(sentences, A, B)
            current = exact_likelihood(sentences, A, B)
            if current < previous:
                return (False, f"corpus {index}, iteration {iteration + 1}",
                        f"corpus {sentences}: the likelihood fell from {float(previous):.6g} to {float(current):.6g}")
            previous = current
    return True, f"{corpora} random corpora, {steps} EM steps each, likelihood never fell", None


def _random_row(rng, size):
    from fractions import Fraction

    weights = [rng.randint(1, 9) for _ in range(size)]
    return [Fraction(w, sum(weights)) for w in weights]


def count_assignments(max_k: int = 4, max_d: int = 4, formula=lambda k, d: k**d) -> tuple[bool, str, str | None]:
    """The number of values of a d-dimensional z with k values per coordinate, by enumeration."""
    for k in range(1, max_k + 1):
        for d in range(1, max_d + 1):
            counted = sum(1 for _ in product(range(k), repeat=d))
            if counted != formula(k, d):
                return False, f"k = {k}, d = {d}", f"k = {k}, d = {d}: {counted} assignments, formula {formula(k, d)}"
    return True, f"enumerated every assignment for k, d <= {max_k}, {max_d}", None


def concavity_counterexample() -> Concave:
    """A model whose complete-data log-likelihood is not concave in theta: x | z ~ N(z theta^2, 1)."""
    theta, x = sp.Symbol("theta", real=True), sp.Symbol("x", real=True)
    q1 = sp.Symbol("q1", positive=True)
    objective = q1 * normal_logpdf(x, theta**2, 1) + (1 - q1) * normal_logpdf(x, 2 * theta**2, 1)
    return Concave(objective, (theta,), domain={q1: (sp.Rational(1, 8), sp.Rational(7, 8))})


def table_concavity() -> Concave:
    """sum_i n_i log theta_i, the M-step objective in probability tables (the latent bigram model)."""
    theta, n = positive("theta", 3), positive("n", 3)
    return Concave(sum(ni * sp.log(ti) for ni, ti in zip(n, theta)), theta)


def mstep_tables() -> Maximiser:
    """argmax over a probability table pi of sum_z n_z log pi_z (expected counts n) is n / sum n."""
    pi, n = positive("pi", 3), positive("n", 3)
    return Maximiser(sum(nz * sp.log(pz) for nz, pz in zip(n, pi)), pi, (sum(pi) - 1,),
                     point={pz: nz / sum(n) for pz, nz in zip(pi, n)})


def estep() -> AllOf:
    """Seed 001 section 2: q = P(x, z) / sum_z P(x, z) maximises the bound, which then equals log P(x);
    and it is P(z | x) by Bayes' rule."""
    likelihood, prior = positive("Pxz", 3), positive("Pz", 3)
    joint = [lz * pz for lz, pz in zip(likelihood, prior)]
    q = positive("q", 3)
    bayes = [lz * pz / sum(l2 * p2 for l2, p2 in zip(likelihood, prior)) for lz, pz in zip(likelihood, prior)]
    return AllOf(
        parts=(
            Maximiser(entropy_objective(q, [sp.log(j) for j in joint]), q, (sum(q) - 1,),
                      point={qz: jz / sum(joint) for qz, jz in zip(q, joint)}, value=sp.log(sum(joint))),
            Equal(sp.Matrix([jz / sum(joint) for jz in joint]), sp.Matrix(bayes),
                  labels=("P(x, z) / sum P(x, z)", "P(z | x) by Bayes")),
        ),
        labels=("maximiser of the bound", "equals the posterior"),
    )


def marginal_claim() -> Equal:
    """Seed 001 section 1: log P(y | x) = log sum_z P(y, z | x) for the Gibbs distribution of cliques."""
    F = [[sp.Symbol(f"F{y}{z}", real=True) for z in range(2)] for y in range(2)]
    partition = sum(sp.exp(F[y][z]) for y in range(2) for z in range(2))
    joint = [[sp.exp(F[y][z]) / partition for z in range(2)] for y in range(2)]
    marginal_y0 = sum(joint[0])
    conditional_y0 = sp.exp(F[0][0]) / partition + sp.exp(F[0][1]) / partition
    return Equal(sp.log(conditional_y0), sp.log(marginal_y0), labels=("log P(y | x)", "log sum_z P(y, z | x)"))


S = "001"

CLAIMS = [
    Claim(
        id="001-1-marginal",
        where="1",
        statement="log P(y | x) = log sum_z P(y, z | x): the ML objective sums the latent out inside the log",
        printed=r"\arg \max_{\vec{\theta}} \left(\sum_{i=1}^N \log \left(\sum_{\vec{z}} P_{\vec{\theta}, G}(\vec{y}_i, \vec{z} | \vec{x}_i) \right) \right)",
        check=lambda: marginal_claim(),
        note="Checked for binary y and z with symbolic clique potentials F(y, z).",
    ),
    Claim(
        id="001-1a-lemma",
        where="1.a",
        statement="log sum_z g(y, z) = max_q Q(q, g) with Q = sum q log g - sum q log q over the simplex",
        printed=r"\log \left(\sum_{z=1}^k g(y, z) \right) = \max_{\vec{q}} Q(\vec{q}, g)",
        check=lambda: AllOf((lemma(2), lemma(3), lemma(4)), ("k = 2", "k = 3", "k = 4")),
        note="Decided for k = 2, 3, 4 with symbolic positive g; the proof does not depend on k.",
    ),
    Claim(
        id="001-1a-stationarity",
        where="1.a",
        statement="dL/dq_j = log g(y, j) - log q_j - 1 + lambda for L = Q + lambda (sum q - 1)",
        printed=r"\frac{\partial L(Q, \lambda)}{\partial q_j} = \log g(y, j) - \log q_j - 1 + \lambda = 0",
        check=lambda: stationarity_claim(),
    ),
    Claim(
        id="001-1a-alpha",
        where="1.a",
        statement="the stationary point is q_j* = alpha g(y, j), alpha common to all j and depending on lambda",
        printed=r"q_j^* = \alpha \cdot g(y, j)",
        check=lambda: alpha_claim(),
        note="alpha = exp(lambda - 1).",
    ),
    Claim(
        id="001-1a-qstar",
        where="1.a",
        statement="normalisation gives q_j* = g(y, j) / sum_z g(y, z)",
        printed=r"q_j^* = \frac{g(y, j)}{\sum_z g(y, z)}",
        check=lambda: normalised_claim(),
    ),
    Claim(
        id="001-1a-value",
        where="1.a",
        statement="Q(q*, g) = sum q log(g / q) = sum (g / sum g) log sum g = log sum g",
        printed=r"Q(\vec{q}^*, g) = \sum_z q_z \log \left(\frac{g(y, z)}{q_z} \right)",
        check=lambda: value_claim(),
    ),
    Claim(
        id="001-1b",
        where="1.b",
        statement="log sum_z P(y_i, z | x_i) = max over q_i on the simplex of sum q log P - sum q log q",
        printed=r"\log \left(\sum_{\vec{z}} P_{\vec{\theta}, G}(\vec{y}_i, \vec{z} | \vec{x}_i) \right) = \max_{\vec{q}_i : q_{i, \vec{z}} \geq 0, \sum_{\vec{z}} q_{i, \vec{z}} = 1}",
        check=lambda: lemma(4),
        note="The lemma of 1.a with g = P(y_i, z | x_i); decided for 4 latent values.",
    ),
    Claim(
        id="001-notation",
        where="Change of Notation",
        statement="theta_ML = argmax sum_i max_q [sum q log P(x_i | z) - sum q log(P(z) / q)]",
        printed=r"\left(\sum_{\vec{z}} q_{i, \vec{z}} \log P_{\vec{\theta}}(\vec{x}_i | \vec{z}) - \sum_{\vec{z}} q_{i, \vec{z}} \log \left(\frac{P_{\vec{\theta}}(\vec{z})}{q_{i, \vec{z}}} \right) \right)",
        check=lambda: posterior_objective(printed_sign=True),
        corrected="theta_ML = argmax sum_i max_q [sum q log P(x_i | z) + sum q log(P(z) / q)] "
                  "(= sum q log P(x_i | z) - KL(q || P(z)))",
        correction=lambda: posterior_objective(printed_sign=False),
        note="Sign slip: splitting log P(x, z) - log q gives + sum q log(P(z) / q); as printed the inner "
             "objective adds KL(q || P(z)) instead of subtracting it, is convex in q, and its maximum is not "
             "log P(x).",
    ),
    Claim(
        id="001-2-estep",
        where="2",
        statement="E-step: q = P(x_i, z | theta_t) / sum_z P(x_i, z | theta_t) = P(z | x_i, theta_t)",
        printed=r"q_{t, i, \vec{z}} = \frac{P(\vec{x}_i, \vec{z} | \vec{\theta}_t)}{\sum_{\vec{z}} P(\vec{x}_i, \vec{z} | \vec{\theta}_t)} = P(\vec{z} | \vec{x}_i, \vec{\theta}_t)",
        check=lambda: estep(),
        note="Decided for 3 latent values with symbolic positive P(x | z), P(z).",
    ),
    Claim(
        id="001-2-mstep",
        where="2",
        statement="M-step: argmax_theta sum_z q_z log P(x, z | theta) over a probability table is the "
                  "normalised expected counts",
        printed=r"\vec{\theta}_{t+1} = \arg \max_{\vec{\theta}} \sum_{i=1}^N \sum_{\vec{z}} q_{t, i, \vec{z}} \log P(\vec{x}_i, \vec{z} | \vec{\theta})",
        check=lambda: mstep_tables(),
        note="For a categorical table pi with expected counts n_z = sum_i q_{i, z}.",
    ),
    Claim(
        id="001-2-concave",
        where="2",
        statement="the M-step objective sum q log P(x, z | theta) is concave in theta",
        printed=r"This is concave in $\vec{\theta}$",
        check=lambda: concavity_counterexample(),
        corrected="it is concave when log P(x, z | theta) is concave in theta, e.g. in the probability tables "
                  "of the latent bigram model (Hessian diag(-n / theta^2))",
        correction=lambda: table_concavity(),
        note="Not for every parameterisation: with x | z ~ N(z theta^2, 1) the objective is convex near "
             "theta = 0 for x > 0.",
    ),
    Claim(
        id="001-2-monotone",
        where="2",
        statement="EM is guaranteed to converge: each iteration never decreases the likelihood",
        printed="it can be shown that the algorithm is guaranteed to converge",
        check=lambda: Procedure(em_monotone_runs, method="exact rational EM on random latent bigram corpora"),
        note="Checked is the monotone likelihood (the bounded sequence then converges); convergence of the "
             "parameters, or to a global maximum, does not follow.",
    ),
    Claim(
        id="001-2a-count",
        where="2.a",
        statement="a d-dimensional z with k values per coordinate has k^d possible values",
        printed=r"the number of possible values of \vec{z} is k^d",
        check=lambda: Procedure(count_assignments, method="enumeration of all assignments"),
    ),
    Claim(
        id="001-4b-variational",
        where="4.b",
        statement="log of the integral of P(x, z) = max_q of the integral of q log(P(x, z) P(z)) - q log q",
        printed=r"\log \int_{\vec{z}} P_{\vec{\theta}}(\vec{x}, \vec{z}) d\vec{z} = \max_{q_{i,\vec{z}}} \int_{\vec{z}} (q_{i,\vec{z}} \log (P_{\vec{\theta}}(\vec{x}, \vec{z}) \cdot P(\vec{z})) - q_{i,\vec{z}} \log q_{i,\vec{z}}) d\vec{z}",
        check=lambda: AllOf((variational_discrete(True), variational_gaussian(True)),
                    ("z with 3 values", "z ~ N(0, 1), x | z ~ N(w z + b, s2)")),
        corrected="log of the integral of P(x, z) = max_q of the integral of q log P(x, z) - q log q "
                  "(attained at q = P(z | x))",
        correction=lambda: AllOf((variational_discrete(False), variational_gaussian(False), elbo_at_posterior()),
                         ("z with 3 values", "linear-Gaussian maximum", "linear-Gaussian ELBO at the posterior")),
        note="The factor P(z) is counted twice: P(x, z) already contains it. By the lemma of 1.a the printed "
             "maximum is log of the integral of P(x, z) P(z).",
    ),
]
