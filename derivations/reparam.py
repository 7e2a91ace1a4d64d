"""The reparameterisation trick and Monte Carlo estimates of expectations.

Seed 000 Problem 2.2, seed 001 4.b.1, seed 002 Problem 1 item 5 and Problem 2 item 4, seed 003 (20)-(22),
seed 004 Problem 3(a). A transformation of eps ~ N(0, 1) is decided by the mean, the variance and (by the
change of variables) the density of its output. Expectations on the document's side use `sympy.stats`, an
integration route independent of the moment computation in derivations.gaussian.
"""

from __future__ import annotations

import sympy as sp
from sympy.stats import E as stats_expectation
from sympy.stats import Normal

from elbocheck.derivations.checks import AllOf, Differ, Equal
from elbocheck.derivations.claims import Claim
from elbocheck.derivations.gaussian import expect_normal, expect_standard, normal_logpdf, normal_pdf

mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)
eps = sp.Symbol("epsilon", real=True)
z = sp.Symbol("z", real=True)
x = sp.Symbol("x", real=True)
w, b = sp.Symbol("w", real=True), sp.Symbol("b", real=True)
s2 = sp.Symbol("s2", positive=True)


def transform_claim(transform, mean, std, noise=eps) -> AllOf:
    """transform(noise), noise ~ N(0, 1), has mean `mean`, variance std^2 and density N(.; mean, std^2)."""
    first = expect_standard(transform, [noise])
    second = expect_standard((transform - first) ** 2, [noise])
    scale = sp.diff(transform, noise)
    density = normal_pdf((z - transform.subs(noise, 0)) / scale, 0, 1) / sp.Abs(scale)
    return AllOf(
        (Equal(first, mean, labels=("mean of the output", "claimed mean")),
         Equal(second, std**2, labels=("variance of the output", "claimed variance")),
         Equal(density, normal_pdf(z, mean, std**2), labels=("density by change of variables", "claimed density"))),
        ("mean", "variance", "density"),
    )


def two_latent_reconstruction(scale_y, scale_z) -> Equal:
    """Seed 000 Problem 2.2: E_{y, z ~ q}[log p(x | y, z)] against E_eps[log p(x | mu_Y + eps_y scale_y, ...)],
    for the decoder p(x | y, z) = N(x; w1 y + w2 z + b, s2)."""
    y_, z_ = sp.symbols("y z", real=True)
    mu_y, mu_z = sp.symbols("mu_Y mu_Z", real=True)
    sigma_y, sigma_z = sp.symbols("sigma_Y sigma_Z", positive=True)
    e_y, e_z = sp.symbols("epsilon_y epsilon_z", real=True)
    w1, w2 = sp.symbols("w1 w2", real=True)
    log_decoder = normal_logpdf(x, w1 * y_ + w2 * z_ + b, s2)
    true = expect_normal(log_decoder, [y_, z_], [mu_y, mu_z], [sigma_y**2, sigma_z**2])
    reparameterised = expect_standard(
        log_decoder.subs({y_: mu_y + e_y * scale_y(sigma_y), z_: mu_z + e_z * scale_z(sigma_z)}, simultaneous=True),
        [e_y, e_z])
    kl = sum(sp.Rational(1, 2) * (m**2 + s**2 - 1 - sp.log(s**2)) for m, s in ((mu_y, sigma_y), (mu_z, sigma_z)))
    return true, reparameterised, kl


def reconstruction_claim(scale) -> Equal:
    true, reparameterised, _ = two_latent_reconstruction(scale, scale)
    return Equal(true, reparameterised, labels=("E_q[log p(x | y, z)]", "reparameterised expectation"))


def final_elbo_claim(scale) -> Equal:
    true, reparameterised, kl = two_latent_reconstruction(scale, scale)
    return Equal(true - kl, reparameterised - kl, labels=("J^ELBO", "printed J^ELBO"))


def expectation_definition(weighted: bool) -> Equal:
    """Seed 001 4.b.1: E_X[f(X)] against the integral of f(x) dx (or of f(x) p(x) dx), X ~ N(0, 1),
    f(x) = exp(-x^2)."""
    variable = Normal("X", 0, 1)
    expected = stats_expectation(sp.exp(-variable**2))
    integrand = sp.exp(-x**2) * (normal_pdf(x, 0, 1) if weighted else 1)
    return Equal(expected, sp.integrate(integrand, (x, -sp.oo, sp.oo)), labels=("E_X[f(X)]", "the integral"))


def log_decoder(latent):
    """log P(x | z) for the decoder N(x; w z + b, s2)."""
    return normal_logpdf(x, w * latent + b, s2)


def sample_average_identity() -> Equal:
    """Seed 001 4.b.1 as printed: E_q[log P(x | z)] = (1/r) sum_j log P(x | z_j), r = 2, at fixed samples."""
    z1, z2 = sp.symbols("z_1 z_2", real=True)
    return Equal(expect_normal(log_decoder(z), [z], [mu], [sigma**2]), (log_decoder(z1) + log_decoder(z2)) / 2,
                 labels=("E_q[log P(x | z)]", "(log P(x | z_1) + log P(x | z_2)) / 2"))


def sample_average_unbiased(r: int = 3) -> AllOf:
    """The r-sample average of f(z_j), z_j ~ q independent, has mean E_q[f] and variance Var_q[f] / r."""
    samples = sp.symbols(f"z_1:{r + 1}", real=True)
    average = sum(log_decoder(s) for s in samples) / r
    mean_f = expect_normal(log_decoder(z), [z], [mu], [sigma**2])
    var_f = expect_normal((log_decoder(z) - mean_f) ** 2, [z], [mu], [sigma**2])
    moments = dict(xs=samples, means=[mu] * r, variances=[sigma**2] * r)
    return AllOf(
        (Equal(expect_normal(average, **moments), mean_f, labels=("E[average]", "E_q[log P(x | z)]")),
         Equal(expect_normal((average - mean_f) ** 2, **moments), var_f / r, labels=("Var[average]", "Var / r"))),
        ("unbiased", "variance"),
    )


def vector_transform(root: bool) -> AllOf:
    """Seed 001 4.b.1: z = mu + Sigma v (or Sigma^{1/2} v) with Sigma = diag(s1, s2), v ~ N(0, I): covariance."""
    v = sp.symbols("v1 v2", real=True)
    means = sp.symbols("mu1 mu2", real=True)
    variances = sp.symbols("s1 s2", positive=True)
    scales = [sp.sqrt(s) if root else s for s in variances]
    outputs = [m + c * vi for m, c, vi in zip(means, scales, v)]
    covariance = sp.Matrix(2, 2, lambda i, j: expect_standard((outputs[i] - means[i]) * (outputs[j] - means[j]), v))
    mean = sp.Matrix([expect_standard(o, v) for o in outputs])
    return AllOf(
        (Equal(mean, sp.Matrix(means), labels=("mean of z", "mu")),
         Equal(covariance, sp.diag(*variances), labels=("covariance of z", "Sigma"))),
        ("mean", "covariance"),
    )


def first_term_claim(root: bool) -> Equal:
    """Seed 001 4.b.1: E_v[log P(x | mu + v Sigma)] against E_q[log P(x | z)], k = 1, Sigma = s (a variance)."""
    v, s = sp.Symbol("v", real=True), sp.Symbol("s", positive=True)
    scale = sp.sqrt(s) if root else s
    return Equal(expect_normal(log_decoder(z), [z], [mu], [s]), expect_standard(log_decoder(mu + v * scale), [v]),
                 labels=("E_q[log P(x | z)]", "E_v[log P(x | mu + v Sigma)]"))


def lotus_claim() -> Equal:
    """Seed 002 item 5: E_{N(z; mu, sigma^2)}[f(z)] = E_{N(eps; 0, 1)}[f(mu + sigma eps)], f a cubic."""
    c = sp.symbols("c0:4", real=True)
    f = sum(ck * z**k for k, ck in enumerate(c))
    direct = sp.expand(stats_expectation(f.subs(z, Normal("Z", mu, sigma))))
    return Equal(direct, expect_standard(f.subs(z, mu + sigma * eps), [eps]),
                 labels=("E over z", "E over eps"))


def estimator_claim(normaliser) -> Equal:
    """Seed 002 item 5: E[(1/normaliser) sum_{l=1}^{L} f(mu + sigma eps_l)] = E_q[f] with L = 3, f(z) = z^2."""
    noises = sp.symbols("epsilon_1:4", real=True)
    estimate = sum((mu + sigma * e) ** 2 for e in noises) / normaliser
    return Equal(expect_standard(estimate, noises), expect_normal(z**2, [z], [mu], [sigma**2]),
                 labels=("E[estimator]", "E_q[f]"))


def vector_reparam_claim() -> AllOf:
    """Seed 002 Problem 2 item 4: z = mu(x) + sigma(x) * eps elementwise, D = 2."""
    e = sp.symbols("epsilon1 epsilon2", real=True)
    means = sp.symbols("mu1 mu2", real=True)
    stds = sp.symbols("sigma1 sigma2", positive=True)
    outputs = [m + s * ei for m, s, ei in zip(means, stds, e)]
    covariance = sp.Matrix(2, 2, lambda i, j: expect_standard((outputs[i] - means[i]) * (outputs[j] - means[j]), e))
    return AllOf(
        (Equal(sp.Matrix([expect_standard(o, e) for o in outputs]), sp.Matrix(means), labels=("mean", "mu")),
         Equal(covariance, sp.diag(*[s**2 for s in stds]), labels=("covariance", "diag(sigma^2)"))),
        ("mean", "covariance"),
    )


def gradient_family():
    """q = N(mu, sigma^2) and f(z) = a + b z + c z^2, with E_q[f] by sympy.stats."""
    a_, b_, c_ = sp.symbols("a b c", real=True)
    f = a_ + b_ * z + c_ * z**2
    expectation = sp.expand(stats_expectation(f.subs(z, Normal("Z", mu, sigma))))
    return f, expectation, (a_, b_, c_)


def interchange_claim() -> Differ:
    """Seed 003 (20) as printed: grad_mu E_q[f(z)] != E_q[grad_mu f(z)] for any f (f does not depend on mu)."""
    f, expectation, (a_, b_, c_) = gradient_family()
    return Differ(sp.diff(expectation, mu), expect_normal(sp.diff(f, mu), [z], [mu], [sigma**2]), (b_,),
                  labels=("grad_mu E_q[f]", "E_q[grad_mu f]"))


def interchange_counterexample() -> Differ:
    """For f(z) = z: grad_mu E_q[f] = 1 and E_q[grad_mu f] = 0 everywhere."""
    expectation = sp.expand(stats_expectation(Normal("Z", mu, sigma)))
    return Differ(sp.diff(expectation, mu), expect_normal(sp.diff(z, mu), [z], [mu], [sigma**2]), (mu, sigma),
                  labels=("grad_mu E_q[z]", "E_q[grad_mu z]"))


def pathwise_claim() -> AllOf:
    """Seed 003 (22): grad_phi E_q[f(z)] = E_eps[grad_phi f(mu + sigma eps)] for phi = mu and phi = sigma,
    f(z) = sum_k c_k z^k (k <= 3); the left side from sympy.stats, the right from standard normal moments."""
    c = sp.symbols("c0:4", real=True)
    f = sum(ck * z**k for k, ck in enumerate(c))
    expectation = sp.expand(stats_expectation(f.subs(z, Normal("Z", mu, sigma))))
    pathwise = f.subs(z, mu + sigma * eps)
    parts = tuple(Equal(sp.diff(expectation, phi), expect_standard(sp.diff(pathwise, phi), [eps]),
                        labels=(f"d/d{phi} E_q[f]", f"E_eps[d/d{phi} f(g(eps))]")) for phi in (mu, sigma))
    return AllOf(parts, ("phi = mu", "phi = sigma"))


def encoder_density_claim() -> Equal:
    """Seed 004 Problem 3(a): z = z_hat + sigma eps, sigma = sqrt(sigma^2), has density proportional to
    exp(-(z - z_hat)^2 / (2 sigma^2)): the log-ratio of the two is constant in z."""
    z_hat, variance = sp.Symbol("z_hat", real=True), sp.Symbol("sigma2", positive=True)
    std = sp.sqrt(variance)
    density = normal_pdf((z - z_hat) / std, 0, 1) / std
    return Equal(sp.diff(sp.log(density) + (z - z_hat) ** 2 / (2 * variance), z), 0,
                 labels=("d/dz log(density / target)", "0"))


CLAIMS = [
    Claim(
        id="000-2-reparam",
        where="Problem 2.2",
        statement="y = mu_Y + eps_y * sigma_Y^2 with eps_y ~ N(0, I) is distributed as N(mu_Y, diag(sigma_Y^2))",
        printed=r"y &= \mu_{\phi,Y}(x) + \epsilon_y \cdot \sigma_{\phi,Y}^2(x); \quad \text{where } \epsilon_y \sim \mathcal{N}(\cdot|0, I_d)",
        check=lambda: transform_claim(mu + eps * sigma**2, mu, sigma),
        corrected="y = mu_Y + sigma_Y * eps_y",
        correction=lambda: transform_claim(mu + sigma * eps, mu, sigma),
        note="A variance where the standard deviation belongs: mu + sigma^2 eps has variance sigma^4. The same "
             "slip is printed for z (000-2-reparam-z) and carried into the rewritten ELBO.",
    ),
    Claim(
        id="000-2-reparam-z",
        where="Problem 2.2",
        statement="z = mu_Z + eps_z * sigma_Z^2 with eps_z ~ N(0, I) is distributed as N(mu_Z, diag(sigma_Z^2))",
        printed=r"z &= \mu_{\phi,Z}(x) + \epsilon_z \cdot \sigma_{\phi,Z}^2(x); \quad \text{where } \epsilon_z \sim \mathcal{N}(\cdot|0, I_d)",
        check=lambda: transform_claim(mu + eps * sigma**2, mu, sigma),
        corrected="z = mu_Z + sigma_Z * eps_z",
        correction=lambda: transform_claim(mu + sigma * eps, mu, sigma),
        note="The slip of 000-2-reparam, for z.",
    ),
    Claim(
        id="000-2-recon",
        where="Problem 2.2",
        statement="E_{y, z ~ q}[log p(x | y, z)] = E_eps[log p(x | mu_Y + eps_y sigma_Y^2, mu_Z + eps_z sigma_Z^2)]",
        printed=r"&= E_{\epsilon_y \sim \mathcal{N}(\cdot|0, I_d), \epsilon_z \sim \mathcal{N}(\cdot|0, I_d)} [\log(p_{X|YZ}^\theta(x | \mu_{\phi,Y}(x) + \epsilon_y \cdot \sigma_{\phi,Y}^2(x), \mu_{\phi,Z}(x) + \epsilon_z \cdot \sigma_{\phi,Z}^2(x)))]",
        check=lambda: reconstruction_claim(lambda s: s**2),
        corrected="E_{y, z ~ q}[log p(x | y, z)] = E_eps[log p(x | mu_Y + sigma_Y eps_y, mu_Z + sigma_Z eps_z)]",
        correction=lambda: reconstruction_claim(lambda s: s),
        note="Decided for the decoder p(x | y, z) = N(x; w1 y + w2 z + b, s2), one dimension each.",
    ),
    Claim(
        id="000-2-elbo-final",
        where="Problem 2.2",
        statement="J^ELBO = E_eps[log p(x | mu_Y + eps_y sigma_Y^2, mu_Z + eps_z sigma_Z^2)] - KL_Y - KL_Z with the "
                  "closed-form KLs",
        printed=r"J^{ELBO}(\theta, \phi) &= E_{\epsilon_y \sim \mathcal{N}(\cdot|0, I_d), \epsilon_z \sim \mathcal{N}(\cdot|0, I_d)} [\log(p_{X|YZ}^\theta(x|\mu_{\phi,Y}(x) + \epsilon_y \cdot \sigma_{\phi,Y}^2(x), \mu_{\phi,Z}(x) + \epsilon_z \cdot \sigma_{\phi,Z}^2(x)))]",
        check=lambda: final_elbo_claim(lambda s: s**2),
        corrected="J^ELBO = E_eps[log p(x | mu_Y + sigma_Y eps_y, mu_Z + sigma_Z eps_z)] - KL_Y - KL_Z",
        correction=lambda: final_elbo_claim(lambda s: s),
        note="Inherits sigma^2 in place of sigma from 000-2-reparam; the KL terms are right (000-2-kl-y, -z).",
    ),
    Claim(
        id="001-4b1-expectation",
        where="4.b.1",
        statement="E_X[f(X)] = integral over the domain of X of f(x) dx",
        printed=r"E_X[f(X)] = \int_{\text{domain}(X)} f(x) dx",
        check=lambda: expectation_definition(weighted=False),
        corrected="E_X[f(X)] = integral of f(x) p_X(x) dx",
        correction=lambda: expectation_definition(weighted=True),
        note="The density is missing from the integral. Shown with X ~ N(0, 1) and f(x) = exp(-x^2).",
    ),
    Claim(
        id="001-4b1-mc",
        where="4.b.1",
        statement="E_q[log P(x | z)] = (1/r) sum_{j=1}^r log P(x | z_j), z_j ~ q",
        printed=r"E_{q_{\vec{\phi}}(\vec{z}|\vec{x}_i)} [\log P_{\vec{\theta}}(\vec{x}_i|\vec{z})] = \frac{1}{r} \sum_{j=1}^r \log P_{\vec{\theta}}(\vec{x}_i|\vec{z}_j)",
        check=lambda: sample_average_identity(),
        corrected="the sample average is an unbiased estimate: E[(1/r) sum_j log P(x | z_j)] = E_q[log P(x | z)], "
                  "with variance Var_q[log P(x | z)] / r",
        correction=lambda: sample_average_unbiased(),
        note="The text calls it an approximation but prints an equality, which holds only in expectation. Decided "
             "for the decoder N(x; w z + b, s2) and q = N(mu, sigma^2), r = 2 (printed) and r = 3 (corrected).",
    ),
    Claim(
        id="001-4b1-reparam",
        where="4.b.1",
        statement="z_jk = mu_k + v_jk sigma_k with v_jk ~ N(0, 1) is distributed as N(mu_k, sigma_k^2)",
        printed=r"z_{jk} = \mu_{z_k|\vec{x}_i} + v_{jk} \sigma_{z_k|\vec{x}_i}",
        check=lambda: transform_claim(mu + eps * sigma, mu, sigma),
    ),
    Claim(
        id="001-4b-reparam",
        where="4.b.1",
        statement="z_j = mu + v_j^T Sigma with v_j ~ N(0, I) is distributed as N(mu, Sigma)",
        printed=r"\vec{z}_j = \vec{\mu}_{\vec{z}|\vec{x}_i} + v_j^T \Sigma_{\vec{z}|\vec{x}_i} \implies \vec{z}_j \in \mathcal{N}(\vec{\mu}_{\vec{z}|\vec{x}_i}, \Sigma_{\vec{z}|\vec{x}_i})",
        check=lambda: vector_transform(root=False),
        corrected="z_j = mu + Sigma^{1/2} v_j (Sigma^{1/2} = diag(sigma_k) for a diagonal Sigma)",
        correction=lambda: vector_transform(root=True),
        note="The covariance where its square root belongs: mu + Sigma v has covariance Sigma^2. Decided for "
             "k = 2, Sigma = diag(s1, s2).",
    ),
    Claim(
        id="001-4b1-first-term",
        where="4.b.1",
        statement="the first term is estimated by sum_i (1/r) sum_j log P(x_i | mu + v_j Sigma)",
        printed=r"\sum_{i=1}^N \frac{1}{r} \sum_{j=1; v_{jk} \sim \mathcal{N}(0,1)}^r \log P_{\theta}(\vec{x}_i | \vec{\mu}_{\vec{z}|x_i} + \vec{v}_j \Sigma_{\vec{z}|x_i})",
        check=lambda: first_term_claim(root=False),
        corrected="sum_i (1/r) sum_j log P(x_i | mu + Sigma^{1/2} v_j)",
        correction=lambda: first_term_claim(root=True),
        note="Inherits Sigma in place of Sigma^{1/2} (001-4b-reparam); decided on the expectation over v for the "
             "decoder N(x; w z + b, s2), k = 1.",
    ),
    Claim(
        id="002-1.5-reparam",
        where="Problem 1, item 5",
        statement="z = mu + sigma eps with eps ~ N(0, 1) is Gaussian with mean mu and variance sigma^2",
        printed=r"A valid reparameterization would be $z = \mu + \sigma \epsilon$",
        check=lambda: transform_claim(mu + sigma * eps, mu, sigma),
    ),
    Claim(
        id="002-1.5-lotus",
        where="Problem 1, item 5",
        statement="E_{N(z; mu, sigma^2)}[f(z)] = E_{N(eps; 0, 1)}[f(mu + sigma eps)]",
        printed=r"\mathbb{E}_{\mathcal{N}(z;\mu,\sigma^2)}[f(z)] = \mathbb{E}_{\mathcal{N}(\epsilon;0,1)}[f(\mu+\sigma\epsilon)]",
        check=lambda: lotus_claim(),
        note="Decided for every cubic f (symbolic coefficients).",
    ),
    Claim(
        id="002-1.5-mc",
        where="Problem 1, item 5",
        statement="E_eps[f(mu + sigma eps)] ≈ (1/N) sum_{l=1}^{L} f(mu + sigma eps_l)",
        printed=r"\approx \frac{1}{N} \sum_{l=1}^{L} f(\mu+\sigma\epsilon^{(l)})",
        check=lambda: estimator_claim(sp.Symbol("N", integer=True, positive=True)),
        corrected="E_eps[f(mu + sigma eps)] ≈ (1/L) sum_{l=1}^{L} f(mu + sigma eps_l), an unbiased estimate",
        correction=lambda: estimator_claim(3),
        note="A wrong factor: the average of L terms is divided by N, so its mean is (L / N) E[f]. Decided with "
             "L = 3 and f(z) = z^2.",
    ),
    Claim(
        id="002-2.4-reparam",
        where="Problem 2, item 4",
        statement="z = mu(x) + sigma(x) eps, eps ~ N(0, I), is distributed as N(mu(x), diag(sigma(x)^2))",
        printed=r"$\mathbf{z} = \mu(\mathbf{x}) + \sigma(\mathbf{x})\epsilon$",
        check=lambda: vector_reparam_claim(),
        note="Decided for D = 2.",
    ),
    Claim(
        id="003-eq20",
        where="(20)",
        statement="grad_phi E_q[f(z)] != E_q[grad_phi f(z)] for any function f",
        printed=r"\nabla_{\phi} \mathbb{E}_{q_{\phi}}[f(z)] \neq \mathbb{E}_{q_{\phi}}[\nabla_{\phi} f(z)] \tag{20}",
        check=lambda: interchange_claim(),
        corrected="not equal in general: for f(z) = z and phi = mu, grad_mu E_q[f] = 1 while E_q[grad_mu f] = 0",
        correction=lambda: interchange_counterexample(),
        note="As printed ('for any function f') it fails for f constant; the intended statement is that the "
             "gradient and the expectation do not commute in general. Decided with q = N(mu, sigma^2), "
             "f(z) = a + b z + c z^2.",
    ),
    Claim(
        id="003-eq22",
        where="(22)",
        statement="grad_phi E_q[f(z)] = E_p(eps)[grad_phi f(g(eps, phi, x))] for z = g(eps, phi, x)",
        printed=r"\nabla_{\phi} \mathbb{E}_{q_{\phi}}[f(z)] = \nabla_{\phi} \mathbb{E}_{p(\varepsilon)}[f(g(\varepsilon, \phi, x))] = \mathbb{E}_{p(\varepsilon)}[\nabla_{\phi} f(g(\varepsilon, \phi, x))]",
        check=lambda: pathwise_claim(),
        note="Decided for q = N(mu, sigma^2), g = mu + sigma eps, phi in {mu, sigma}, every cubic f.",
    ),
    Claim(
        id="004-3a",
        where="Problem 3(a)",
        statement="z(z_hat, sigma^2, eps) = z_hat + sigma eps has density proportional to exp(-(z - z_hat)^2 / (2 sigma^2))",
        printed=r"z(\hat{z}, \sigma^2, \epsilon) = \hat{z} + \sigma \epsilon",
        check=lambda: encoder_density_claim(),
        note="sigma is the positive square root of the given sigma^2.",
    ),
]
