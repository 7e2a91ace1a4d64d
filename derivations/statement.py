"""A claim's statement parsed without executing it: `lhs REL rhs` into SymPy objects through a whitelist.

SymPy's `sympify` and `parse_expr` evaluate Python and are unsafe on text from other people, so a statement is
read with Python's `ast` and only these nodes are accepted: numbers, names, `+ - * / ** ^`, unary signs, calls of
the vocabulary's and a list of SymPy's functions, tuples (for `Sum(f, (j, 1, d))` limits) and subscripts
`mu[j]` (indexed symbols). Attribute access, dunder names, lambdas, comprehensions, strings, keyword arguments
and everything else raise `StatementError`. Literal numbers and powers of literal numbers are bounded, so that
`9**9**9**9` is refused instead of exhausting memory.

Relations: `=`, `<=`, `>=`, `<`, `>`, and `≈` or `~=`. A right side ending in `+ O(e**k)` is a series claim in
`e` to order k. With `syntax="latex"` each side is read by SymPy's LaTeX parser (the lark backend, which builds
SymPy objects from a grammar and evaluates no Python).
"""

from __future__ import annotations

import ast
import dataclasses
import math
import re
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from elbocheck.derivations import vocabulary

MAX_LENGTH = 4000
MAX_DIGITS = 60
MAX_RESULT_DIGITS = 400
MAX_NODES = 2000

RELATIONS = ("<=", ">=", "~=", "≈", "=", "<", ">", "≤", "≥")
CANONICAL = {"≤": "<=", "≥": ">=", "~=": "≈"}

CONSTANTS = {"pi": sp.pi, "E": sp.E, "oo": sp.oo, "inf": sp.oo}

SYMPY_FUNCTIONS = {
    name: getattr(sp, name) for name in (
        "log", "exp", "sqrt", "cbrt", "root", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh",
        "tanh", "asinh", "acosh", "atanh", "erf", "erfc", "gamma", "loggamma", "digamma", "polygamma", "beta",
        "factorial", "binomial", "Abs", "sign", "Min", "Max", "floor", "ceiling", "Sum", "Product", "diff",
        "integrate", "Integral", "Derivative", "limit", "KroneckerDelta", "Piecewise", "zeta", "harmonic",
        "expm1", "log1p",
    ) if hasattr(sp, name)
}
SYMPY_FUNCTIONS.update({"integrate": sp.Integral, "diff": sp.Derivative, "limit": sp.Limit})
SYMPY_FUNCTIONS["abs"] = sp.Abs
SYMPY_FUNCTIONS["ln"] = sp.log
SYMPY_FUNCTIONS["expm1"] = lambda x: sp.exp(x) - 1
SYMPY_FUNCTIONS["log1p"] = lambda x: sp.log(1 + x)
GROWING = {"factorial", "binomial", "gamma", "loggamma", "harmonic", "polygamma", "zeta", "digamma"}
LARGEST_ARGUMENT = 10**4
PARSE_SECONDS = 5.0
LIMIT_TAKING = {"Sum", "Product", "integrate", "Integral", "diff", "Derivative", "limit"}


class StatementError(ValueError):
    """A statement that is not in the accepted form; the message says what was found and what is expected."""


@dataclass(frozen=True)
class Statement:
    """`lhs relation rhs`, with `order = (e, k)` for a series claim `rhs + O(e**k)`; `text` as written;
    `assumed`: the free names the statement uses without a declaration, read as real symbols."""

    lhs: sp.Expr
    relation: str
    rhs: sp.Expr
    text: str
    order: tuple | None = None
    decimals: int | None = None
    assumed: tuple = ()

    def with_sides(self, lhs, rhs) -> "Statement":
        text = f"{sp.sstr(lhs)} {self.relation} {sp.sstr(rhs)}"
        if self.order is not None:
            text += f" + O({self.order[0]}**{self.order[1]})"
        return Statement(lhs, self.relation, rhs, text, self.order, self.decimals, self.assumed)


def split_relation(text: str) -> tuple[str, str, str]:
    """The two sides and the relation at bracket depth 0; exactly one relation is expected."""
    depth, found, index = 0, [], 0
    while index < len(text):
        char = text[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0:
            for relation in RELATIONS:
                if text.startswith(relation, index):
                    if relation == "=" and text.startswith("==", index):
                        relation = "=="
                    found.append((index, relation))
                    index += len(relation) - 1
                    break
        index += 1
    if not found:
        raise StatementError("no relation: expected 'lhs = rhs' (or <=, >=, <, >, ≈, ~=)")
    if len(found) > 1:
        raise StatementError(f"{len(found)} relations ({', '.join(r for _, r in found)}); expected exactly one")
    position, relation = found[0]
    lhs, rhs = text[:position].strip(), text[position + len(relation):].strip()
    if not lhs or not rhs:
        raise StatementError(f"an empty side around {relation!r}")
    relation = {"==": "="}.get(relation, CANONICAL.get(relation, relation))
    return lhs, relation, rhs


def printed_decimals(text: str) -> int | None:
    """Digits after the point of the last decimal number written in `text` (None when it has none)."""
    numbers = re.findall(r"(?<![\w.])\d*\.(\d+)(?:[eE][-+]?\d+)?", text)
    return len(numbers[-1]) if numbers else None


class _Reader:
    """Turns a whitelisted Python expression tree into SymPy objects."""

    def __init__(self, symbols: dict, text: str):
        self.symbols = symbols
        self.text = text

    def error(self, node, what: str) -> StatementError:
        return StatementError(f"{what} at column {getattr(node, 'col_offset', 0) + 1} is not allowed; "
                              f"expected numbers, names, + - * / **, and calls of known functions")

    def name(self, identifier: str, node):
        if identifier.startswith("_"):
            raise self.error(node, f"the name {identifier!r}")
        if identifier in self.symbols:
            return self.symbols[identifier]
        if identifier in CONSTANTS:
            return CONSTANTS[identifier]
        if identifier in vocabulary.FUNCTIONS or identifier in SYMPY_FUNCTIONS:
            raise StatementError(f"{identifier!r} is a function; call it with arguments")
        symbol = sp.Symbol(identifier, real=True)
        self.symbols[identifier] = symbol
        return symbol

    def read(self, node):
        if isinstance(node, ast.Expression):
            return self.read(node.body)
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node.id, node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = self.read(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Tuple):
            return sp.Tuple(*(self.read(element) for element in node.elts))
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        kind = type(node).__name__
        readable = {"Attribute": "attribute access", "Lambda": "a lambda", "ListComp": "a comprehension",
                    "GeneratorExp": "a comprehension", "SetComp": "a comprehension", "DictComp": "a comprehension",
                    "Compare": "a second comparison", "BoolOp": "'and'/'or'", "IfExp": "'if'",
                    "NamedExpr": "':='", "Starred": "'*' unpacking", "JoinedStr": "a string"}
        raise self.error(node, readable.get(kind, f"{kind}"))

    def number(self, node):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(node, "a string" if isinstance(value, (str, bytes)) else repr(type(value).__name__))
        source = ast.get_source_segment(self.text, node) or repr(value)
        digits = re.sub(r"[^0-9]", "", source.split("e")[0].split("E")[0])
        if len(digits) > MAX_DIGITS:
            raise StatementError(f"the number {source[:20]}... has more than {MAX_DIGITS} digits")
        if isinstance(value, int):
            return sp.Integer(value)
        if not math.isfinite(value) or abs(math.log10(abs(value) or 1)) > MAX_DIGITS:
            raise StatementError(f"the number {source} is out of range (at most 1e{MAX_DIGITS})")
        return sp.Rational(Fraction(source.replace("_", "")))

    def binary(self, node):
        left, right = self.read(node.left), self.read(node.right)
        op = node.op
        if isinstance(op, ast.Add):
            return left + right
        if isinstance(op, ast.Sub):
            return left - right
        if isinstance(op, ast.Mult):
            return left * right
        if isinstance(op, ast.Div):
            if right == 0:
                raise StatementError(f"division by zero at column {node.col_offset + 1}")
            return left / right
        if isinstance(op, (ast.Pow, ast.BitXor)):
            return self.power(left, right, node)
        raise self.error(node, f"the operator {type(op).__name__}")

    def power(self, base, exponent, node):
        if exponent.is_Number and abs(exponent) > 10**4:
            raise StatementError(f"the exponent {exponent} at column {node.col_offset + 1} is out of range "
                                 f"(at most 10**4 in absolute value)")
        if base.is_Number and exponent.is_Number and base != 0:
            magnitude = abs(float(exponent)) * abs(math.log10(abs(float(base)))) if abs(base) != 1 else 0
            if magnitude > MAX_RESULT_DIGITS:
                raise StatementError(f"{base}**{exponent} at column {node.col_offset + 1} has more than "
                                     f"{MAX_RESULT_DIGITS} digits")
        return sp.Pow(base, exponent)

    def subscript(self, node):
        if not isinstance(node.value, ast.Name) or node.value.id.startswith("_"):
            raise self.error(node, "a subscript of something other than a name")
        base_symbol = self.name(node.value.id, node.value)
        if not isinstance(base_symbol, sp.Symbol):
            raise self.error(node, f"a subscript of {node.value.id!r}")
        index = self.read(node.slice)
        base = sp.IndexedBase(base_symbol.name, **base_symbol.assumptions0)
        return base[index]

    def call(self, node):
        if not isinstance(node.func, ast.Name):
            raise self.error(node, "calling something other than a function name")
        if node.keywords:
            raise self.error(node, "a keyword argument")
        name = node.func.id
        if name.startswith("_"):
            raise self.error(node, f"the name {name!r}")
        if name == "O":
            raise StatementError("O(...) is allowed only as the last term of the right side: rhs + O(e**k)")
        arguments = [self.read(argument) for argument in node.args]
        if name in vocabulary.FUNCTIONS:
            return vocabulary.call(name, arguments)
        if name in SYMPY_FUNCTIONS:
            if name in GROWING and any(a.is_Number and abs(a) > LARGEST_ARGUMENT for a in arguments):
                raise StatementError(f"{name}: a literal argument above {LARGEST_ARGUMENT} is out of range")
            if any(isinstance(a, sp.Tuple) for a in arguments) and name not in LIMIT_TAKING:
                raise StatementError(f"{name}: a tuple argument is only allowed for the limits of "
                                     f"{', '.join(sorted(LIMIT_TAKING))}")
            try:
                return SYMPY_FUNCTIONS[name](*arguments)
            except (TypeError, ValueError) as error:
                raise StatementError(f"{name}: {error}") from None
        raise StatementError(f"unknown function or distribution {name!r}; known: "
                             f"{', '.join(sorted(vocabulary.FUNCTIONS))} and SymPy's {', '.join(sorted(SYMPY_FUNCTIONS))}")


def _tree(text: str) -> ast.Expression:
    try:
        tree = ast.parse(text.replace("^", "**"), mode="eval")
    except SyntaxError as error:
        raise StatementError(f"cannot read {text!r}: {error.msg} at column {error.offset}") from None
    except (RecursionError, MemoryError, ValueError):
        raise StatementError("the expression is nested too deeply") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise StatementError(f"the expression has more than {MAX_NODES} parts")
    return tree


def _read_side(text: str, symbols: dict):
    return _Reader(symbols, text.replace("^", "**")).read(_tree(text))


def _series_order(rhs_text: str, symbols: dict):
    """Split `rest + O(e**k)` into (rest, (e, k)); (rhs_text, None) when the side has no O term."""
    tree = _tree(rhs_text).body
    if not (isinstance(tree, ast.BinOp) and isinstance(tree.op, ast.Add) and isinstance(tree.right, ast.Call)
            and isinstance(tree.right.func, ast.Name) and tree.right.func.id == "O"):
        return None
    call = tree.right
    if len(call.args) != 1 or call.keywords:
        raise StatementError("O(...) takes one argument: O(e**k)")
    argument = call.args[0]
    if isinstance(argument, ast.Name):
        name, power = argument.id, 1
    elif (isinstance(argument, ast.BinOp) and isinstance(argument.op, ast.Pow) and isinstance(argument.left, ast.Name)
          and isinstance(argument.right, ast.Constant) and isinstance(argument.right.value, int)
          and 1 <= argument.right.value <= 20):
        name, power = argument.left.id, argument.right.value
    else:
        raise StatementError("O(...) must be O(e) or O(e**k) with a name e and an integer 1 <= k <= 20")
    reader = _Reader(symbols, rhs_text.replace("^", "**"))
    rest = reader.read(tree.left)
    return rest, (reader.name(name, argument), power)


def parse_statement(text: str, symbols: dict | None = None, syntax: str = "sympy") -> Statement:
    """Parse `lhs REL rhs` into a Statement; StatementError (a ValueError) on anything outside the whitelist.

    `symbols` maps names to SymPy symbols carrying the declared assumptions; other names become real symbols.
    """
    if not isinstance(text, str) or not text.strip():
        raise StatementError("the statement is empty; expected 'lhs = rhs'")
    if len(text) > MAX_LENGTH:
        raise StatementError(f"the statement has {len(text)} characters; at most {MAX_LENGTH}")
    symbols = dict(symbols or {})
    declared = set(symbols)
    from elbocheck.derivations.vocabulary import IntegrationTimeout, time_budget

    try:
        with time_budget(PARSE_SECONDS):
            statement = _parse(text, symbols, syntax)
    except IntegrationTimeout:
        raise StatementError(f"reading the statement took more than {PARSE_SECONDS:g} s") from None
    except RecursionError:
        raise StatementError("the expression is nested too deeply") from None
    bound = _bound_names(statement.lhs) | _bound_names(statement.rhs)
    assumed = tuple(sorted(set(symbols) - declared - bound))
    return dataclasses.replace(statement, assumed=assumed) if assumed else statement


def _bound_names(expr) -> set:
    """The names a sum, product, integral or expectation binds (its index or variable), which need no
    declaration."""
    names = set()
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (sp.Sum, sp.Product, sp.Integral)):
            names |= {str(variable) for variable in node.variables}
        elif isinstance(node, vocabulary.E) and len(node.args) > 1:
            names.add(str(node.args[1]))
    return names


def _parse(text: str, symbols: dict, syntax: str) -> Statement:
    lhs_text, relation, rhs_text = split_relation(latex_relation(text) if syntax == "latex" else text)
    decimals = printed_decimals(rhs_text) if relation == "≈" else None
    if syntax == "latex":
        return Statement(_latex(lhs_text, symbols), relation, _latex(rhs_text, symbols), text, None, decimals)
    if syntax != "sympy":
        raise StatementError(f"syntax {syntax!r}: expected 'sympy' or 'latex'")
    lhs = _read_side(lhs_text, symbols)
    series = _series_order(rhs_text, symbols)
    if series is not None:
        if relation != "=":
            raise StatementError("a series claim 'lhs = rhs + O(e**k)' needs the relation '='")
        rhs, order = series
        return Statement(lhs, relation, rhs, text, order, decimals)
    return Statement(lhs, relation, _read_side(rhs_text, symbols), text, None, decimals)


LATEX_RELATIONS = {r"\leq": "<=", r"\le": "<=", r"\geq": ">=", r"\ge": ">=", r"\approx": "≈"}


def _latex(text: str, symbols: dict):
    """One side in LaTeX, read by SymPy's lark-based parser; its symbols replaced by the declared ones."""
    from sympy.parsing.latex import parse_latex

    if re.search(r"\\(input|include|def|newcommand|catcode|write|read|openout)", text):
        raise StatementError("LaTeX macros that define or read are not allowed")
    try:
        expr = parse_latex(_group_function_calls(text), backend="lark")
    except Exception as error:  # the lark backend raises its own exception classes
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise StatementError(f"cannot read the LaTeX '{text}': {first}") from None
    if not isinstance(expr, sp.Basic):
        alternatives = {sp.srepr(child) for child in getattr(expr, "children", [])}
        if len(alternatives) == 1:
            expr = expr.children[0]
        else:
            raise StatementError(f"the LaTeX '{text}' can be read more than one way; add braces or parentheses")
    if not isinstance(expr, sp.Expr):
        raise StatementError(f"the LaTeX '{text}' is not an expression")
    replacements = {}
    for symbol in expr.free_symbols:
        name = symbol.name.replace("\\", "")
        if name not in symbols:
            symbols[name] = sp.Symbol(name, real=True)
        replacements[symbol] = symbols[name]
    return expr.xreplace(replacements)


LATEX_CALL = re.compile(r"\\(?:log|ln|exp|sin|cos|tan|sinh|cosh|tanh|arcsin|arccos|arctan)\s*(?=[({])")
CLOSING = {"(": ")", "{": "}"}


def _group_function_calls(text: str) -> str:
    """`text` with each call \\log(a) or \\log{a} wrapped in braces, {\\log(a)}: SymPy's LaTeX grammar otherwise
    also reads \\log(a) + 1 as log(a + 1), and the statement is refused as ambiguous. Calls are wrapped from the
    last to the first, so that a call inside another's argument is wrapped before the outer one."""
    for match in reversed(list(LATEX_CALL.finditer(text))):
        start = match.end()
        opening = text[start]
        depth = 0
        for end in range(start, len(text)):
            depth += (text[end] == opening) - (text[end] == CLOSING[opening])
            if depth == 0:
                text = f"{text[:match.start()]}{{{text[match.start():end + 1]}}}{text[end + 1:]}"
                break
    return text


def latex_relation(text: str) -> str:
    """`text` with LaTeX relations (\\le, \\geq, \\approx) written as the plain ones split_relation reads."""
    for macro, plain in sorted(LATEX_RELATIONS.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(re.escape(macro) + r"(?![a-zA-Z])", plain, text)
    return text
