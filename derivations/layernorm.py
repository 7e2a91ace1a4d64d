"""Gradients through residual stacks with LayerNorm, seed 003 part 3, (36)-(39).

Post-LN: x_{i+1} = LN(x_i + A(x_i)); pre-LN (as the document writes it): x_{i+1} = x_i + LN(A(x_i)).
Chain-rule identities are decided with undefined SymPy functions; the LayerNorm products on a concrete stack
(width 3, A(x) = W x with fixed rational W, LN without affine parameters and eps = 1/100), whose exact Jacobian
is taken by central differences at 60 digits and compared with the formulas, whose LN' SymPy differentiates.
"""

from __future__ import annotations

import random

import mpmath
import sympy as sp

from elbocheck.derivations.checks import AllOf, Equal, Procedure
from elbocheck.derivations.claims import Claim

WIDTH = 3
EPS = sp.Rational(1, 100)
scalar = sp.Symbol("x", real=True)


def layer_norm(v: sp.Matrix) -> sp.Matrix:
    """LN(v) = (v - mean(v)) / sqrt(var(v) + eps), without scale and shift."""
    mean = sum(v) / len(v)
    centred = v - sp.ones(len(v), 1) * mean
    variance = sum(c**2 for c in centred) / len(v)
    return centred / sp.sqrt(variance + EPS)


def weights(count: int, seed: int = 3) -> list[sp.Matrix]:
    """`count` fixed 3 x 3 matrices with rational entries in [-1, 1] (the residual branch A(x) = W x)."""
    rng = random.Random(seed)
    return [sp.Matrix(WIDTH, WIDTH, lambda i, j: sp.Rational(rng.randint(-8, 8), 8)) for _ in range(count)]


_v = sp.Matrix(sp.symbols(f"v1:{WIDTH + 1}", real=True))
_layer_norm = sp.lambdify([list(_v)], layer_norm(_v), modules="mpmath")
_layer_norm_jacobian = sp.lambdify([list(_v)], layer_norm(_v).jacobian(_v), modules="mpmath")


def _mp(matrix: sp.Matrix) -> mpmath.matrix:
    return mpmath.matrix([[mpmath.mpf(e.p) / e.q for e in row] for row in matrix.tolist()])


def post_ln(x: mpmath.matrix, matrices) -> mpmath.matrix:
    """x_{i+1} = LN(x_i + W_i x_i), in mpmath."""
    for W in matrices:
        x = mpmath.matrix(_layer_norm(list(x + W * x)))
    return x


def pre_ln(x: mpmath.matrix, matrices) -> mpmath.matrix:
    """x_{i+1} = x_i + LN(W_i x_i), in mpmath."""
    for W in matrices:
        x = x + mpmath.matrix(_layer_norm(list(W * x)))
    return x


def central_difference_jacobian(f, x: mpmath.matrix, step) -> mpmath.matrix:
    """(f(x + h e_j) - f(x - h e_j)) / 2h column by column: error O(h^2) at the working precision."""
    columns = []
    for j in range(x.rows):
        e = mpmath.matrix(x.rows, 1)
        e[j] = step
        columns.append((f(x + e) - f(x - e)) / (2 * step))
    return mpmath.matrix([[columns[j][i] for j in range(x.rows)] for i in range(x.rows)])


def post_ln_product_run(depth: int, factors: int, points: int = 6, seed: int = 11):
    """(37) on a width-3 post-LN stack: the exact Jacobian dx_depth/dx_0 (central differences at 60 digits with
    h = 1e-25, error below 1e-40) against the product over i = 0..factors - 1 of LN'(x_i + W_i x_i)(I + W_i),
    taken in the order J_{factors-1} ... J_0, with LN' differentiated symbolically."""
    rng = random.Random(seed)
    matrices = [_mp(W) for W in weights(max(depth, factors))]
    with mpmath.workdps(60):
        for _ in range(points):
            x = mpmath.matrix([mpmath.mpf(rng.randint(-16, 16)) / 8 for _ in range(WIDTH)])
            exact = central_difference_jacobian(lambda y: post_ln(y, matrices[:depth]), x, mpmath.mpf(10) ** -25)
            product, state = mpmath.eye(WIDTH), x
            for i in range(factors):
                W = matrices[i]
                factor = mpmath.matrix(_layer_norm_jacobian(list(state + W * state))) * (mpmath.eye(WIDTH) + W)
                product = factor * product
                state = mpmath.matrix(_layer_norm(list(state + W * state)))
            error = mpmath.mnorm(exact - product, 1) / mpmath.mnorm(exact, 1)
            if error > mpmath.mpf(10) ** -20:
                i, j = max(((i, j) for i in range(WIDTH) for j in range(WIDTH)),
                           key=lambda ij: abs(exact[ij] - product[ij]))
                return (False, f"relative difference {mpmath.nstr(error, 5)}",
                        f"at x_0 = ({', '.join(mpmath.nstr(v, 4) for v in x)}): entry ({i + 1}, {j + 1}) of "
                        f"dx_{depth}/dx_0 is {mpmath.nstr(exact[i, j], 6)}, the product gives "
                        f"{mpmath.nstr(product[i, j], 6)}")
    return True, f"equal to 20 digits at {points} random points", None


def pre_ln_sum_run(depth: int = 2, points: int = 6, seed: int = 13, identity: bool = True):
    """(39) on a width-3 pre-LN stack: dx_L/dx_0 against I + d/dx_0 sum_i LN(W_i x_i) (without the I when
    `identity` is false), both by central differences at 60 digits."""
    rng = random.Random(seed)
    matrices = [_mp(W) for W in weights(depth)]

    def branch_sum(x):
        total, state = mpmath.matrix(WIDTH, 1), x
        for W in matrices:
            branch = mpmath.matrix(_layer_norm(list(W * state)))
            total, state = total + branch, state + branch
        return total

    with mpmath.workdps(60):
        step = mpmath.mpf(10) ** -25
        for _ in range(points):
            x = mpmath.matrix([mpmath.mpf(rng.randint(-16, 16)) / 8 for _ in range(WIDTH)])
            exact = central_difference_jacobian(lambda y: pre_ln(y, matrices), x, step)
            printed = (mpmath.eye(WIDTH) if identity else mpmath.zeros(WIDTH)) + central_difference_jacobian(
                branch_sum, x, step)
            error = mpmath.mnorm(exact - printed, 1) / mpmath.mnorm(exact, 1)
            if error > mpmath.mpf(10) ** -20:
                return (False, f"relative difference {mpmath.nstr(error, 5)}",
                        f"at x_0 = ({', '.join(mpmath.nstr(v, 4) for v in x)})")
    return True, f"equal to 20 digits at {points} random points", None


def scalar_chain(factors: int) -> Equal:
    """(36) for scalar maps x_{i+1} = f_i(x_i), l = 0, L = 2: dx_2/dx_0 against the product of
    dx_{i+1}/dx_i over i = 0..factors - 1."""
    functions = [sp.Function(f"f{i}") for i in range(3)]
    states = [scalar]
    for f in functions:
        states.append(f(states[-1]))
    u = sp.Dummy("u")
    product = sp.Integer(1)
    for i in range(factors):
        product *= sp.diff(functions[i](u), u).subs(u, states[i])
    return Equal(sp.diff(states[2], scalar), product, labels=("dx_2/dx_0", f"product over i = 0..{factors - 1}"))


def matrix_chain() -> Equal:
    """(36) for linear maps x_{i+1} = M_i x_i: dx_2/dx_0 = M_1 M_0 (the later Jacobian on the left)."""
    M0 = sp.Matrix(2, 2, sp.symbols("a11 a12 a21 a22", real=True))
    M1 = sp.Matrix(2, 2, sp.symbols("b11 b12 b21 b22", real=True))
    x = sp.Matrix(sp.symbols("y1 y2", real=True))
    return Equal((M1 * (M0 * x)).jacobian(x), M1 * M0, labels=("dx_2/dx_0", "J_1 J_0"))


def telescoping() -> Equal:
    """(38): x_{i+1} = x_i + F(x_i) gives x_3 = x_0 + F(x_0) + F(x_1) + F(x_2)."""
    F = sp.Function("F")
    states = [scalar]
    for _ in range(3):
        states.append(states[-1] + F(states[-1]))
    return Equal(states[3], scalar + sum(F(s) for s in states[:3]), labels=("x_3", "x_0 + sum F(x_i)"))


def total_derivative() -> AllOf:
    """(39): dx_L/dx_l = I + d/dx_l sum_{i=l}^{L-1} LN(A(x_i)), scalar with an undefined F and on a pre-LN
    stack of width 3 and depth 2."""
    F = sp.Function("F")
    states = [scalar]
    for _ in range(3):
        states.append(states[-1] + F(states[-1]))
    scalar_form = Equal(sp.diff(states[3], scalar), 1 + sp.diff(sum(F(s) for s in states[:3]), scalar),
                        labels=("dx_3/dx_0", "1 + d/dx_0 sum F(x_i)"))
    vector_form = Procedure(pre_ln_sum_run, {"depth": 2}, method="central differences at 60 digits")
    return AllOf((scalar_form, vector_form), ("scalar, any F", "pre-LN stack, width 3"))


CLAIMS = [
    Claim(
        id="003-eq36",
        where="(36)",
        statement="de/dx_l = de/dx_L dx_L/dx_l = de/dx_L prod_{i=l}^{L} dx_{i+1}/dx_i",
        printed=r"\frac{\partial e}{\partial x_{\ell}} = \frac{\partial e}{\partial x_{L}} \frac{\partial x_{L}}{\partial x_{\ell}} = \frac{\partial e}{\partial x_{L}} \prod_{i=\ell}^{L} \frac{\partial x_{i+1}}{\partial x_{i}}",
        check=lambda: scalar_chain(factors=3),
        corrected="dx_L/dx_l = prod_{i=l}^{L-1} dx_{i+1}/dx_i, multiplied in the order J_{L-1} ... J_l",
        correction=lambda: AllOf((scalar_chain(factors=2), matrix_chain()), ("scalar maps", "matrices, ordered")),
        note="A misplaced index: the product must stop at L - 1 (the factor i = L involves x_{L+1}, which does not "
             "exist). For vectors the factors are matrices and their order matters. Decided with l = 0, L = 2.",
    ),
    Claim(
        id="003-eq37",
        where="(37)",
        statement="for x_{i+1} = LN(x_i + A(x_i)): de/dx_l = de/dx_L prod_{i=l}^{L} LN'(x_i + A(x)) (1 + A'(x_i))",
        printed=r"\prod_{i=\ell}^{L} \text{LayerNorm}'(x_{i} + \mathcal{A}(x)) \left(1 + \mathcal{A}'(x_{i})\right)",
        check=lambda: Procedure(post_ln_product_run, {"depth": 2, "factors": 3},
                        method="exact Jacobian of a width-3, depth-2 post-LN stack against the printed product"),
        corrected="dx_L/dx_l = LN'(x_{L-1} + A(x_{L-1})) (I + A'(x_{L-1})) ... LN'(x_l + A(x_l)) (I + A'(x_l)): "
                  "i = l..L-1, A evaluated at x_i, 1 the identity matrix",
        correction=lambda: Procedure(post_ln_product_run, {"depth": 2, "factors": 2},
                             method="exact Jacobian of a width-3, depth-2 post-LN stack against the product"),
        note="Inherits the extra factor i = L of (36) and writes A(x) for A(x_i) (read here as A(x_i)). Decided on a "
             "width-3 post-LN stack of depth 2 with linear A; the corrected product equals the exact Jacobian at "
             "every probed point.",
    ),
    Claim(
        id="003-eq38",
        where="(38)",
        statement="for x_{i+1} = x_i + LN(A(x_i)): x_L = x_l + sum_{i=l}^{L-1} LN(A(x_i))",
        printed=r"x_L = x_\ell + \sum_{i=\ell}^{L-1} \text{LayerNorm}(\mathcal{A}(x_i))",
        check=lambda: telescoping(),
        note="Decided with L - l = 3 and an arbitrary branch F = LN o A.",
    ),
    Claim(
        id="003-eq39",
        where="(39)",
        statement="de/dx_l = de/dx_L (1 + d/dx_l sum_{i=l}^{L-1} LN(A(x_i)))",
        printed=r"\frac{\partial e}{\partial x_{\ell}} = \frac{\partial e}{\partial x_{L}} \left(1 + \frac{\partial}{\partial x_{\ell}} \sum_{i=\ell}^{L-1} \text{LayerNorm}(\mathcal{A}(x_{i})) \right)",
        check=lambda: total_derivative(),
        note="Correct as a total derivative with 1 read as the identity. But each term d LN(A(x_i))/dx_l contains "
             "the product of the layer Jacobians (I + J_j) for j < i, so the sum does not remove products; what the "
             "pre-LN form guarantees is the identity path, not the absence of products (item 19).",
    ),
]
