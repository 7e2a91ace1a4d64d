"""GAN back-propagation, seed 003 part 2, (23)-(35).

L = log D(x) + log(1 - D(G(z))) with D = sigmoid(z^{L_d}) of an MLP. Chain-rule steps are decided with
undefined SymPy functions (so they hold for every differentiable layer); the layer formulas with a concrete
activation (tanh), scalar weights for the printed scalar reading and 2 x 2 weights for the matrix form.
"""

from __future__ import annotations

import sympy as sp

from elbocheck.derivations.checks import AllOf, AtMost, Equal
from elbocheck.derivations.claims import Claim

z = sp.Symbol("z", real=True)
z_real, z_fake = sp.symbols("z_real z_fake", real=True)
theta = sp.Symbol("theta", real=True)
W0, W1, Wd1, Wg1, X = sp.symbols("W0 W1 W_d1 W_g1 X", real=True)
loss_of = sp.Function("L")
layer = sp.Function("h")
generator = sp.Function("G")


def sigmoid(u):
    """sigmoid(u) = 1 / (1 + exp(-u))."""
    return 1 / (1 + sp.exp(-u))


def tanh_prime(u):
    """d tanh(u) / du = 1 - tanh(u)^2."""
    return 1 - sp.tanh(u) ** 2


def objective_gradient() -> Equal:
    """(23): d/dtheta [log D_r(theta) + log(1 - D_f(theta))] = D_r' / D_r - D_f' / (1 - D_f)."""
    real, fake = sp.Function("D_r")(theta), sp.Function("D_f")(theta)
    return Equal(sp.diff(sp.log(real) + sp.log(1 - fake), theta),
                 sp.diff(real, theta) / real - sp.diff(fake, theta) / (1 - fake),
                 labels=("gradient of L", "printed (23)"))


def output_gradient(printed: bool):
    """(28): the derivative at the output logits. As printed: dD(X)/dz^L = sigmoid(-z_real) - sigmoid(z_fake).
    Corrected: dL/dz_real = sigmoid(-z_real) and dL/dz_fake = -sigmoid(z_fake)."""
    if printed:
        return Equal(sp.diff(sigmoid(z_real), z_real), sigmoid(-z_real) - sigmoid(z_fake),
                     labels=("dD(X)/dz^L", "printed (28)"))
    loss = sp.log(sigmoid(z_real)) + sp.log(1 - sigmoid(z_fake))
    return AllOf(
        (Equal(sp.diff(loss, z_real), sigmoid(-z_real), labels=("dL/dz at the real logit", "sigmoid(-z)")),
         Equal(sp.diff(loss, z_fake), -sigmoid(z_fake), labels=("dL/dz at the fake logit", "-sigmoid(z)"))),
        ("real", "fake"))


def chain_rule() -> Equal:
    """(29): dL/dz^l = dL/dz^{l+1} dz^{l+1}/dz^l for L(h(z))."""
    u = sp.Dummy("u")
    return Equal(sp.diff(loss_of(layer(z)), z),
                 sp.diff(loss_of(u), u).subs(u, layer(z)) * sp.diff(layer(z), z),
                 labels=("dL/dz^l", "dL/dz^{l+1} dz^{l+1}/dz^l"))


def layer_jacobian(printed: bool):
    """(30) for z^{l+1} = tanh(W^{l+1} z^l). As printed (scalar reading): g(W^l z^l) W^{l+1}. Corrected, for a
    2-vector z and a 2 x 2 W^{l+1}: diag(g'(W^{l+1} z^l)) W^{l+1}."""
    if printed:
        return Equal(sp.diff(sp.tanh(W1 * z), z), sp.tanh(W0 * z) * W1,
                     labels=("dz^{l+1}/dz^l", "printed (30)"))
    vector = sp.Matrix(sp.symbols("z1 z2", real=True))
    weights = sp.Matrix(2, 2, sp.symbols("w11 w12 w21 w22", real=True))
    output = (weights * vector).applyfunc(sp.tanh)
    return Equal(output.jacobian(vector), sp.diag(*[tanh_prime(a) for a in weights * vector]) * weights,
                 labels=("Jacobian", "diag(g'(W^{l+1} z^l)) W^{l+1}"))


def recursion(printed: bool) -> Equal:
    """(31): dL/dz^l = dL/dz^{l+1} g'(W z^l) W^{l+1}, with W = W^l as printed or W^{l+1} corrected."""
    u = sp.Dummy("u")
    upstream = sp.diff(loss_of(u), u).subs(u, sp.tanh(W1 * z))
    inner = W0 if printed else W1
    return Equal(sp.diff(loss_of(sp.tanh(W1 * z)), z), upstream * tanh_prime(inner * z) * W1,
                 labels=("dL/dz^l", "printed (31)" if printed else "corrected (31)"))


def handoff(printed: bool) -> Equal:
    """(32): with z_d^1 = g(W_d^1 X) and X = G(z), dL/dX = dL/dz_d^1 W_g^1 as printed; corrected
    dL/dX = dL/dz_d^1 g'(W_d^1 X) W_d^1."""
    u = sp.Dummy("u")
    upstream = sp.diff(loss_of(u), u).subs(u, sp.tanh(Wd1 * X))
    factor = Wg1 if printed else tanh_prime(Wd1 * X) * Wd1
    return Equal(sp.diff(loss_of(sp.tanh(Wd1 * X)), X), upstream * factor,
                 labels=("dL/dG(z)", "printed (32)" if printed else "corrected (32)"))


def generator_chain() -> Equal:
    """(33): grad_theta_g L = dL/dG dG/dtheta_g."""
    u = sp.Dummy("u")
    return Equal(sp.diff(loss_of(generator(theta)), theta),
                 sp.diff(loss_of(u), u).subs(u, generator(theta)) * sp.diff(generator(theta), theta),
                 labels=("grad L", "dL/dG grad G"))


def step_direction(sign: int) -> AllOf:
    """(34)/(35): d/d alpha L(theta + sign alpha grad L) at alpha = 0 equals sign ||grad L||^2: an ascent step
    for sign = +1 and a descent step for sign = -1, to first order."""
    t1, t2, alpha = sp.symbols("theta1 theta2 alpha", real=True)
    F = sp.Function("L")
    g1, g2 = sp.diff(F(t1, t2), t1), sp.diff(F(t1, t2), t2)
    moved = F(t1 + sign * alpha * g1, t2 + sign * alpha * g2)
    rate = sp.diff(moved, alpha).subs(alpha, 0).doit()
    a, b = sp.symbols("g1 g2", real=True)
    return AllOf(
        (Equal(rate, sign * (g1**2 + g2**2), labels=("dL/d alpha at 0", f"{'+' if sign > 0 else '-'}||grad L||^2")),
         AtMost(sp.Integer(0), a**2 + b**2, witness=(a**2, b**2), labels=("0", "||grad L||^2"))),
        ("rate of change", "a sum of squares"))


CLAIMS = [
    Claim(
        id="003-eq23",
        where="(23)",
        statement="grad_theta_d L = grad D(X) / D(X) - grad D(G(Z)) / (1 - D(G(Z)))",
        printed=r"= \frac{\nabla_{\theta_d} D(X)}{D(X)} - \frac{\nabla_{\theta_d} D(G(Z))}{1 - D(G(Z))}",
        check=lambda: objective_gradient(),
    ),
    Claim(
        id="003-eq26",
        where="(26)",
        statement="sigmoid'(z) / sigmoid(z) = sigmoid(-z) = 1 - sigmoid(z)",
        printed=r"\frac{\operatorname{sigmoid}'(z)}{\operatorname{sigmoid}(z)} = \operatorname{sigmoid}(-z) = 1 - \operatorname{sigmoid}(z)",
        check=lambda: AllOf((Equal(sp.diff(sigmoid(z), z) / sigmoid(z), sigmoid(-z), labels=("sigmoid'/sigmoid", "sigmoid(-z)")),
                     Equal(sigmoid(-z), 1 - sigmoid(z), labels=("sigmoid(-z)", "1 - sigmoid(z)"))),
                    ("first equality", "second equality")),
    ),
    Claim(
        id="003-eq27",
        where="(27)",
        statement="sigmoid'(z) / (1 - sigmoid(z)) = sigmoid(z)",
        printed=r"\frac{\operatorname{sigmoid}'(z)}{1 - \operatorname{sigmoid}(z)} = \operatorname{sigmoid}(z)",
        check=lambda: Equal(sp.diff(sigmoid(z), z) / (1 - sigmoid(z)), sigmoid(z), labels=("sigmoid'/(1 - sigmoid)", "sigmoid")),
    ),
    Claim(
        id="003-eq28",
        where="(28)",
        statement="dD(X)/dz^{L_d} = sigmoid(-z^{L_d}(X)) - sigmoid(z^{L_d}(G(X)))",
        printed=r"\frac{\partial D(X)}{\partial z_d^{L_d}} = \operatorname{sigmoid}(-z_d^{L_d}(X)) - \operatorname{sigmoid}(z_d^{L_d}(G(X)))",
        check=lambda: output_gradient(printed=True),
        corrected="dL/dz^{L_d} = sigmoid(-z^{L_d}(X)) = 1 - D(X) at the real logit and -sigmoid(z^{L_d}(G(Z))) = "
                  "-D(G(Z)) at the fake one; a shared parameter collects both through the chain rule",
        correction=lambda: output_gradient(printed=False),
        note="The left side differentiates D instead of L, the generator's input is written X instead of Z, and "
             "the two terms belong to two different logits, so they do not combine into one derivative.",
    ),
    Claim(
        id="003-eq29",
        where="(29)",
        statement="dL/dz^l = dL/dz^{l+1} dz^{l+1}/dz^l",
        printed=r"\frac{\partial L(\theta_d, \theta_g)}{\partial z_d^{\ell}} = \frac{\partial L(\theta_d, \theta_g)}{\partial z_d^{\ell+1}} \frac{\partial z_d^{\ell+1}}{\partial z_d^{\ell}}",
        check=lambda: chain_rule(),
    ),
    Claim(
        id="003-eq30",
        where="(30)",
        statement="dz^{l+1}/dz^l = d/dz^l g(W^{l+1} z^l) = g(W^l z^l) W^{l+1}",
        printed=r"\frac{\partial z_d^{\ell+1}}{\partial z_d^{\ell}} = \frac{\partial}{\partial z_d^{\ell}} g_d^{\ell}(W_d^{\ell+1} z_d^{\ell}) = g_d^{\ell}(W_d^{\ell} z_d^{\ell}) W_d^{\ell+1}",
        check=lambda: layer_jacobian(printed=True),
        corrected="dz^{l+1}/dz^l = diag(g'(W^{l+1} z^l)) W^{l+1}",
        correction=lambda: layer_jacobian(printed=False),
        note="The activation stands where its derivative belongs, and it is evaluated at W^l z^l instead of the "
             "layer's own pre-activation W^{l+1} z^l; its superscript should also be l + 1 (layer l + 1's own "
             "activation, which matters where layers differ, e.g. the output layer). Printed form decided with "
             "g = tanh and scalar weights.",
    ),
    Claim(
        id="003-eq31",
        where="(31)",
        statement="dL/dz^l = dL/dz^{l+1} g'(W^l z^l) W^{l+1}",
        printed=r"\frac{\partial L(\theta_d, \theta_g)}{\partial z_d^{\ell}} = \frac{\partial L(\theta_d, \theta_g)}{\partial z_d^{\ell+1}} g_d^{\prime \ell} (W_d^{\ell} z_d^{\ell}) W_d^{\ell+1}",
        check=lambda: recursion(printed=True),
        corrected="dL/dz^l = dL/dz^{l+1} diag(g'(W^{l+1} z^l)) W^{l+1}",
        correction=lambda: recursion(printed=False),
        note="A misplaced layer index: the derivative is taken at W^l z^l instead of W^{l+1} z^l. Decided with "
             "g = tanh, scalar weights and an arbitrary differentiable L.",
    ),
    Claim(
        id="003-eq32",
        where="(32)",
        statement="dL/dG(z_i) = dL/dz_d^1 W_g^1, since z_d^1 = W_g^1 g",
        printed=r"= \frac{\partial L(\theta_d, \theta_g)}{\partial z_d^1} W_g^1",
        check=lambda: handoff(printed=True),
        corrected="dL/dG(z_i) = dL/dz_d^1 diag(g_d^1'(W_d^1 G(z_i))) W_d^1: the discriminator's first layer, not the "
                  "generator's",
        correction=lambda: handoff(printed=False),
        note="With (24)'s convention z_d^1 = g_d^1(W_d^1 X); if z_d^1 denotes the pre-activation W_d^1 X (the "
             "convention of (25), where z^{L_d} is the logit), the factor is W_d^1 alone. Either way W_g^1 does not "
             "enter. The two conventions also disagree at the top: under (24) the last step of (29)-(31) needs no g'.",
    ),
    Claim(
        id="003-eq33",
        where="(33)",
        statement="grad_theta_g L = dL/dg(z_i, theta_g) grad_theta_g g(z_i, theta_g)",
        printed=r"\nabla_{\theta_g} L(\theta_d, \theta_g) = \frac{\partial L(\theta_d, \theta_g)}{\partial g(z_i, \theta_g)} \nabla_{\theta_g} g(z_i, \theta_g)",
        check=lambda: generator_chain(),
        note="Over a batch the gradient is the sum of this over the samples z_i.",
    ),
    Claim(
        id="003-eq34",
        where="(34)",
        statement="theta_d <- theta_d + alpha grad_theta_d L is an ascent step on L",
        printed=r"\theta_d^{t+1} = \theta_d^t + \alpha \nabla_{\theta_d} L(\theta_d, \theta_g) \tag{34}",
        check=lambda: step_direction(+1),
        note="To first order in alpha; the discriminator maximises L.",
    ),
    Claim(
        id="003-eq35",
        where="(35)",
        statement="theta_g <- theta_g - alpha grad_theta_g L is a descent step on L",
        printed=r"\theta_g^{t+1} = \theta_g^t - \alpha \nabla_{\theta_g} L(\theta_d, \theta_g)",
        check=lambda: step_direction(-1),
        note="To first order in alpha; the generator minimises L. In practice the non-saturating loss "
             "-log D(G(z)) is often used instead, which has the same fixed points but larger early gradients.",
    ),
]
