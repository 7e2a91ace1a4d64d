"""The field's vocabulary for claims files: distributions with torch.distributions' parameters, and KL, H, E,
logpdf derived from their densities when a claim is decided.

Distributions (torch.distributions' conventions): Normal(loc, scale) with scale the standard deviation,
Bernoulli(p), Categorical(p1, ..., pk) on {0, ..., k-1}, Laplace(loc, scale), Exponential(rate),
Gamma(concentration, rate), Beta(a, b) (torch's concentration1, concentration0), Uniform(low, high).
Each is given by its log-density only; nothing else about it is written down. `E(f, x, P)` is the integral of
f(x) p(x) over P's support (a sum for the discrete ones), `H(P) = E(-logpdf(P, x), x, P)`,
`KL(P, Q) = E(logpdf(P, x) - logpdf(Q, x), x, P)` (infinite when P's support leaves Q's). Integrals are done by
SymPy after standardising x (x = loc + scale t, x = t / rate, x = low + (high - low) t), term by term, within a
time budget; a term SymPy cannot do in time leaves the expectation as an unevaluated Integral, which the numeric
evaluator computes by mpmath's tanh-sinh quadrature at the working precision (50 digits), with the kinks of
|x - c| as breakpoints. sigmoid, softplus, logsumexp and softmax are written out as exponentials and logarithms.
"""

from __future__ import annotations

import signal
from contextlib import contextmanager
from functools import lru_cache

import sympy as sp

INTEGRATION_SECONDS = 4.0

# Integration variables no claims file can name (the file's names are letters, digits and _), so that the
# term-by-term integrals are cached across claims and edits.
_X = sp.Symbol("x·", real=True)
_T = sp.Symbol("t·", real=True)
_T_POSITIVE = sp.Symbol("t·", positive=True)
_DERIVED: dict = {}


class Quadrature(sp.Integral):
    """An expectation SymPy could not integrate in its budget: left for mpmath quadrature, never re-tried."""

    def doit(self, **hints):
        return self


class VocabularyError(ValueError):
    """A vocabulary function called with the wrong number or kind of arguments."""


class IntegrationTimeout(Exception):
    """SymPy's integration ran past its budget."""


@contextmanager
def time_budget(seconds: float):
    """Raise IntegrationTimeout in this (main) thread after `seconds`; a no-op where signals are unavailable."""
    if seconds is None or not hasattr(signal, "setitimer"):
        yield
        return
    try:
        previous = signal.signal(signal.SIGALRM, _raise_timeout)
    except ValueError:  # not the main thread
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _raise_timeout(signum, frame):
    raise IntegrationTimeout


# ----------------------------------------------------------------------------------------------------------------
# Distributions


class Distribution(sp.Function):
    """An unevaluated distribution. Each subclass gives `parameters` (their names), `support()` ((low, high) for a
    continuous distribution, the list of values for a discrete one) and `logpdf(x)` (the log-density at x)."""

    parameters: tuple[str, ...] = ()
    discrete = False

    @classmethod
    def eval(cls, *args):
        return None

    def _sympystr(self, printer) -> str:
        """Name(arg, ...): SymPy's printer would otherwise print a class named like one of sympy.stats' (Uniform)
        with that class's method, which reads attributes these do not have."""
        return f"{type(self).__name__}({', '.join(printer._print(arg) for arg in self.args)})"

    def constraints(self) -> list:
        """Conditions on the parameters for the distribution to exist (checked at each numeric point)."""
        return []

    def standardised(self, t):
        """(x as a function of t, density of t, support of t): the substitution used to integrate."""
        low, high = self.support()
        return t, sp.exp(self.logpdf(t)), (low, high)

    def power_family(self):
        """For a standardised density t^(a-1) (1-t)^(b-1) e^(-t) / Z(a, b): (a, b or None, Z) so that
        E[t^u (1-t)^v] = Z(a + u, b + v) / Z(a, b), the density's own normalisation at shifted parameters.
        None for other families."""
        return None


class Normal(Distribution):
    nargs = 2
    parameters = ("loc", "scale")

    def constraints(self):
        return [self.args[1] > 0]

    def support(self):
        return (-sp.oo, sp.oo)

    def logpdf(self, x):
        loc, scale = self.args
        return -(x - loc) ** 2 / (2 * scale**2) - sp.log(scale) - sp.log(2 * sp.pi) / 2

    def standardised(self, t):
        loc, scale = self.args
        return loc + scale * t, sp.exp(-t**2 / 2) / sp.sqrt(2 * sp.pi), (-sp.oo, sp.oo)


class Laplace(Distribution):
    nargs = 2
    parameters = ("loc", "scale")

    def constraints(self):
        return [self.args[1] > 0]

    def support(self):
        return (-sp.oo, sp.oo)

    def logpdf(self, x):
        loc, scale = self.args
        return -sp.Abs(x - loc) / scale - sp.log(2 * scale)

    def standardised(self, t):
        loc, scale = self.args
        return loc + scale * t, sp.exp(-sp.Abs(t)) / 2, (-sp.oo, sp.oo)


class Exponential(Distribution):
    nargs = 1
    parameters = ("rate",)

    def constraints(self):
        return [self.args[0] > 0]

    def support(self):
        return (sp.Integer(0), sp.oo)

    def logpdf(self, x):
        (rate,) = self.args
        return sp.log(rate) - rate * x

    def standardised(self, t):
        (rate,) = self.args
        return t / rate, sp.exp(-t), (sp.Integer(0), sp.oo)

    def power_family(self):
        return sp.Integer(1), None, lambda a, b: sp.gamma(a)


class Gamma(Distribution):
    nargs = 2
    parameters = ("concentration", "rate")

    def constraints(self):
        return [self.args[0] > 0, self.args[1] > 0]

    def support(self):
        return (sp.Integer(0), sp.oo)

    def logpdf(self, x):
        concentration, rate = self.args
        return (concentration * sp.log(rate) + (concentration - 1) * sp.log(x) - rate * x
                - sp.loggamma(concentration))

    def standardised(self, t):
        concentration, rate = self.args
        return t / rate, t ** (concentration - 1) * sp.exp(-t) / sp.gamma(concentration), (sp.Integer(0), sp.oo)

    def power_family(self):
        return self.args[0], None, lambda a, b: sp.gamma(a)


class Beta(Distribution):
    nargs = 2
    parameters = ("a", "b")

    def constraints(self):
        return [self.args[0] > 0, self.args[1] > 0]

    def support(self):
        return (sp.Integer(0), sp.Integer(1))

    def logpdf(self, x):
        a, b = self.args
        return ((a - 1) * sp.log(x) + (b - 1) * sp.log(1 - x)
                - (sp.loggamma(a) + sp.loggamma(b) - sp.loggamma(a + b)))

    def power_family(self):
        return self.args[0], self.args[1], lambda a, b: sp.gamma(a) * sp.gamma(b) / sp.gamma(a + b)


class Uniform(Distribution):
    nargs = 2
    parameters = ("low", "high")

    def constraints(self):
        return [self.args[1] > self.args[0]]

    def support(self):
        return self.args

    def logpdf(self, x):
        low, high = self.args
        return -sp.log(high - low)

    def standardised(self, t):
        low, high = self.args
        return low + (high - low) * t, sp.Integer(1), (sp.Integer(0), sp.Integer(1))


class Bernoulli(Distribution):
    nargs = 1
    parameters = ("p",)
    discrete = True

    def constraints(self):
        return [self.args[0] > 0, self.args[0] < 1]

    def support(self):
        return [sp.Integer(0), sp.Integer(1)]

    def logpdf(self, x):
        (p,) = self.args
        return x * sp.log(p) + (1 - x) * sp.log(1 - p)


class Categorical(Distribution):
    parameters = ("p1, ..., pk",)
    discrete = True

    def constraints(self):
        return [p > 0 for p in self.args]

    def support(self):
        return [sp.Integer(k) for k in range(len(self.args))]

    def logpdf(self, x):
        """log(p_{x+1} / sum_i p_i): the probabilities are normalised, as torch.distributions does."""
        total = sp.Add(*self.args)
        if x.is_Integer:
            return sp.log(self.args[int(x)] / total) if 0 <= int(x) < len(self.args) else -sp.oo
        return sp.Add(*(sp.KroneckerDelta(x, k) * sp.log(p / total) for k, p in enumerate(self.args)))


DISTRIBUTIONS = {cls.__name__: cls for cls in (Normal, Laplace, Exponential, Gamma, Beta, Uniform, Bernoulli,
                                                Categorical)}


# ----------------------------------------------------------------------------------------------------------------
# KL, H, E, logpdf: unevaluated until `derive` computes them


class VocabularyFunction(sp.Function):
    @classmethod
    def eval(cls, *args):
        return None


class KL(VocabularyFunction):
    nargs = 2


class H(VocabularyFunction):
    nargs = 1


class E(VocabularyFunction):
    nargs = 3


class logpdf(VocabularyFunction):  # noqa: N801 (the name users write)
    nargs = 2


OPERATORS = {"KL": KL, "H": H, "E": E, "logpdf": logpdf}


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return 1 / (1 + sp.exp(-x))


def softplus(x):
    """log(1 + exp(x))."""
    return sp.log(1 + sp.exp(x))


def logsumexp(*values):
    """log(sum_i exp(a_i))."""
    return sp.log(sp.Add(*(sp.exp(v) for v in values)))


def softmax(index, *values):
    """softmax(i, a_1, ..., a_n) = exp(a_i) / sum_j exp(a_j), the i-th component (1-based)."""
    if not (index.is_Integer and 1 <= int(index) <= len(values)):
        raise VocabularyError(f"softmax: the first argument is the component, an integer 1..{len(values)}; "
                              f"got {index}")
    return sp.exp(values[int(index) - 1]) / sp.Add(*(sp.exp(v) for v in values))


ELEMENTARY = {"sigmoid": (sigmoid, 1, 1), "softplus": (softplus, 1, 1), "logsumexp": (logsumexp, 1, None),
              "softmax": (softmax, 2, None)}

FUNCTIONS = set(DISTRIBUTIONS) | set(OPERATORS) | set(ELEMENTARY)


def _need_distribution(name: str, value, position: str):
    if not isinstance(value, Distribution):
        raise VocabularyError(f"{name}: the {position} argument must be a distribution such as Normal(loc, scale); "
                              f"got {value}")


def call(name: str, arguments: list):
    """The SymPy object for `name(*arguments)`; VocabularyError on a wrong count or kind of argument."""
    if name in DISTRIBUTIONS:
        cls = DISTRIBUTIONS[name]
        if cls is Categorical:
            if len(arguments) < 2:
                raise VocabularyError("Categorical: expected at least two probabilities p1, ..., pk")
        elif len(arguments) != len(cls.parameters):
            raise VocabularyError(f"{name}: expected {len(cls.parameters)} argument(s) ({', '.join(cls.parameters)}), "
                                  f"got {len(arguments)}")
        for argument in arguments:
            if isinstance(argument, (Distribution, sp.Tuple)) or not isinstance(argument, sp.Expr):
                raise VocabularyError(f"{name}: parameters are numbers or expressions; got {argument}")
        distribution = cls(*arguments)
        for condition in distribution.constraints():
            if condition is sp.false or condition == False:  # noqa: E712 (SymPy's False)
                raise VocabularyError(f"{name}{tuple(arguments)}: parameters violate {cls.__name__}'s constraints "
                                      f"({', '.join(cls.parameters)})")
        return distribution
    if name in OPERATORS:
        cls = OPERATORS[name]
        if len(arguments) not in cls.nargs:
            forms = {"KL": "KL(P, Q)", "H": "H(P)", "E": "E(expr, x, P)", "logpdf": "logpdf(P, x)"}
            raise VocabularyError(f"{name}: expected {forms[name]}, got {len(arguments)} argument(s)")
        if name == "KL":
            _need_distribution(name, arguments[0], "first")
            _need_distribution(name, arguments[1], "second")
        elif name == "H":
            _need_distribution(name, arguments[0], "first")
        elif name == "E":
            if not isinstance(arguments[1], sp.Symbol):
                raise VocabularyError(f"E: the second argument is the variable integrated over; got {arguments[1]}")
            _need_distribution(name, arguments[2], "third")
        else:
            _need_distribution(name, arguments[0], "first")
        return cls(*arguments)
    function, least, most = ELEMENTARY[name]
    if len(arguments) < least or (most is not None and len(arguments) > most):
        raise VocabularyError(f"{name}: expected {least if most == least else f'at least {least}'} argument(s), "
                              f"got {len(arguments)}")
    return function(*arguments)


def misplaced_distributions(expr) -> list:
    """Distributions that stand where a number is expected (outside KL, H, E, logpdf)."""
    found = []

    def walk(node, allowed: bool):
        if isinstance(node, Distribution):
            if not allowed:
                found.append(node)
            for arg in node.args:
                walk(arg, False)
            return
        inside = isinstance(node, VocabularyFunction)
        for arg in node.args:
            walk(arg, inside)

    walk(expr, False)
    return found


# ----------------------------------------------------------------------------------------------------------------
# Deriving KL, H, E, logpdf from the densities


def derive(expr, seconds: float = INTEGRATION_SECONDS):
    """`expr` with every KL, H, E and logpdf replaced by what integration or summation gives (see the module)."""
    if not expr.has(VocabularyFunction):
        return expr
    if isinstance(expr, VocabularyFunction):
        args = [derive(a, seconds) if not isinstance(a, Distribution) else _derive_distribution(a, seconds)
                for a in expr.args]
        return _evaluate(type(expr), args, seconds)
    return expr.func(*(derive(arg, seconds) for arg in expr.args))


def _derive_distribution(distribution, seconds):
    return type(distribution)(*(derive(a, seconds) for a in distribution.args))


def _evaluate(kind, args, seconds):
    key = (kind, tuple(args))
    if key not in _DERIVED:
        _DERIVED[key] = _compute(kind, args, seconds)
    return _DERIVED[key]


def _compute(kind, args, seconds):
    if kind is logpdf:
        return args[0].logpdf(args[1])
    if kind is H:
        x = _X
        return expectation(-args[0].logpdf(x), x, args[0], seconds)
    if kind is E:
        return expectation(args[0], args[1], args[2], seconds)
    return kl_divergence(args[0], args[1], seconds)


def kl_divergence(p: Distribution, q: Distribution, seconds: float = INTEGRATION_SECONDS):
    """KL(p || q) = E_p[log p(x) - log q(x)], infinite where p's support is not inside q's."""
    x = _X
    value = expectation(p.logpdf(x) - q.logpdf(x), x, p, seconds)
    if p.discrete != q.discrete:
        return sp.oo
    if p.discrete:
        outside = [v for v in p.support() if v not in q.support()]
        return sp.oo if outside else value
    (p_low, p_high), (q_low, q_high) = p.support(), q.support()
    inside = sp.And(sp.Le(q_low, p_low), sp.Le(p_high, q_high))
    if inside is sp.true:
        return value
    if inside is sp.false:
        return sp.oo
    return sp.Piecewise((value, inside), (sp.oo, True))


def expectation(f, x, distribution: Distribution, seconds: float = INTEGRATION_SECONDS):
    """E[f(x)] for x ~ distribution: a sum over the support, or an integral done term by term after
    standardising, or (past the time budget) an unevaluated Integral for the numeric evaluator."""
    f = sp.sympify(f)
    if distribution.discrete:
        return sp.Add(*(sp.exp(distribution.logpdf(v)) * f.subs(x, v) for v in distribution.support()))
    t = _T
    x_of_t, density, (low, high) = distribution.standardised(t)
    if low == 0:
        x_of_t, density, t = x_of_t.subs(t, _T_POSITIVE), density.subs(t, _T_POSITIVE), _T_POSITIVE
    try:
        with time_budget(seconds):
            integrand = sp.expand(sp.expand_log(f.subs(x, x_of_t), force=True))
            family = distribution.power_family()
            total = sp.Integer(0)
            for term in sp.Add.make_args(integrand):
                coefficient, dependent = term.as_independent(t, as_Add=False)
                moment = _power_moment(dependent, t, family) if family is not None else None
                if moment is None:
                    moment = _integral(dependent, density, t, low, high)
                total += coefficient * moment
            if total.has(sp.Integral, sp.nan) or total.has(sp.zoo):
                raise IntegrationTimeout
            return total
    except (IntegrationTimeout, NotImplementedError, ValueError, TypeError, RecursionError):
        low_x, high_x = distribution.support()
        return Quadrature(f * sp.exp(distribution.logpdf(x)), (x, low_x, high_x))


def _power_moment(dependent, t, family):
    """E[t^k log(t)^i log(1-t)^j] for a power family (see Distribution.power_family): the ratio of normalisers
    Z(a + u, b + v) / Z(a, b), differentiated i times in u and j times in v, at u = k, v = 0; None when
    `dependent` is not of that form."""
    a, b, normaliser = family
    power, log_t, log_one_minus = sp.Integer(0), 0, 0
    for factor, exponent in sp.Mul(dependent).as_powers_dict().items():
        if factor == t:
            power += exponent
        elif factor == sp.log(t) and exponent.is_Integer and exponent > 0:
            log_t += int(exponent)
        elif b is not None and factor == sp.log(1 - t) and exponent.is_Integer and exponent > 0:
            log_one_minus += int(exponent)
        elif b is not None and factor == 1 - t:
            return None
        elif factor != 1:
            return None
    u, v = sp.Dummy("u"), sp.Dummy("v")
    ratio = normaliser(a + u, (b if b is not None else 0) + v) / normaliser(a, b if b is not None else 0)
    derivative = sp.diff(ratio, u, log_t, v, log_one_minus) if log_t or log_one_minus else ratio
    return sp.expand_func(derivative.subs({u: power, v: 0}))


@lru_cache(maxsize=4096)
def _integral(dependent, density, t, low, high):
    """The integral of dependent(t) density(t) over (low, high); Laplace's |t| split at 0."""
    if density.has(sp.Abs) and low == -sp.oo:
        negative, positive = sp.Dummy("u", negative=True), sp.Dummy("u", positive=True)
        left = (dependent * density).subs(t, negative)
        right = (dependent * density).subs(t, positive)
        return (sp.integrate(left, (negative, -sp.oo, 0), conds="none")
                + sp.integrate(right, (positive, 0, sp.oo), conds="none"))
    return sp.integrate(dependent * density, (t, low, high), conds="none")
