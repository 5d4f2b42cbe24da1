"""Symbolic sizes: integer expressions over named dims (``N``, ``s0``) and ``SymInt``.

An expression is an ``int`` or an ``Expr``: a polynomial with integer coefficients whose atoms
are symbols and floor-divisions / remainders that could not be simplified.  The form is
canonical (equal polynomials compare and print equal), so a type printed and parsed back is the
same object, and ``(N*784)//784`` simplifies to ``N``.

``SymInt`` is an ``int`` (its value at trace time, the *hint*) that also carries an expression.
Arithmetic on it yields SymInts; turning it into a plain bool or int while tracing calls
``GUARD_HOOK`` so the tracer can record a guard instead of silently specializing.
"""
from __future__ import annotations

import ast

__all__ = ["Expr", "sym", "add", "sub", "mul", "floordiv", "mod", "neg", "evaluate",
           "free_symbols", "bare_symbol", "parse_expr", "expr_str", "SymInt", "expr_of", "is_symbolic",
           "substitute"]


class Expr:
    """A canonical integer polynomial: ``terms`` maps monomials (sorted tuples of atoms) to
    nonzero coefficients.  Atoms are symbol names (str) or ``("//" | "%", Expr|int, int)``."""

    __slots__ = ("terms", "_hash")

    def __init__(self, terms):
        self.terms = terms  # tuple of (monomial, coeff), sorted
        self._hash = hash(terms)

    def __eq__(self, other):
        return type(other) is Expr and other.terms == self.terms

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return self._hash

    def __repr__(self):
        return expr_str(self)

    __str__ = __repr__


# ------------------------------------------------------------------ polynomial arithmetic
def _poly(e) -> dict:
    if type(e) is Expr:
        return dict(e.terms)
    e = int(e)
    return {(): e} if e else {}


def _make(p: dict):
    p = {m: c for m, c in p.items() if c}
    if not p:
        return 0
    if list(p) == [()]:
        return p[()]
    return Expr(tuple(sorted(p.items(), key=lambda mc: _mono_key(mc[0]))))


def _atom_key(a):
    return (0, a) if type(a) is str else (1, a[0], expr_str(a[1]), str(a[2]))


def _mono_key(m):
    return (-len(m), [_atom_key(a) for a in m])


def sym(name: str) -> Expr:
    """The expression consisting of the symbol ``name``."""
    return Expr((((name,), 1),))


def add(a, b):
    p = _poly(a)
    for m, c in _poly(b).items():
        p[m] = p.get(m, 0) + c
    return _make(p)


def neg(a):
    return _make({m: -c for m, c in _poly(a).items()})


def sub(a, b):
    return add(a, neg(b))


def mul(a, b):
    out: dict = {}
    for m1, c1 in _poly(a).items():
        for m2, c2 in _poly(b).items():
            m = tuple(sorted(m1 + m2, key=_atom_key))
            out[m] = out.get(m, 0) + c1 * c2
    return _make(out)


def _div_monomial(a, b):
    """a / b when b is one monomial dividing every term of a exactly, else None."""
    if type(b) is not Expr or len(b.terms) != 1:
        return None
    (bm, bc), = b.terms
    if bc <= 0:
        return None
    out = {}
    for m, c in _poly(a).items():
        rest = list(m)
        for atom in bm:
            if atom not in rest:
                return None
            rest.remove(atom)
        if c % bc:
            return None
        out[tuple(rest)] = out.get(tuple(rest), 0) + c // bc
    return _make(out)


def floordiv(a, b):
    if type(a) is not Expr and type(b) is not Expr:
        return int(a) // int(b)
    q = _div_monomial(a, b)
    if q is not None:
        return q
    if type(b) is int and b != 0:
        if b == 1:
            return a
        p = _poly(a)
        if all(c % b == 0 for c in p.values()):
            return _make({m: c // b for m, c in p.items()})
    return _make({(("//", a, b),): 1})


def mod(a, b):
    if type(a) is not Expr and type(b) is not Expr:
        return int(a) % int(b)
    if type(b) is int and b != 0:
        if b == 1 or all(c % b == 0 for c in _poly(a).values()):
            return 0
    return _make({(("%", a, b),): 1})


# ------------------------------------------------------------------ queries
def free_symbols(e) -> set:
    out: set = set()
    if type(e) is Expr:
        for m, _ in e.terms:
            for a in m:
                if type(a) is str:
                    out.add(a)
                else:
                    out |= free_symbols(a[1]) | free_symbols(a[2])
    return out


def substitute(e, env: dict):
    """``e`` (int, SymInt or Expr) with the symbols in ``env`` replaced by their values
    (ints or expressions)."""
    if type(e) is SymInt:
        e = e._expr
    if type(e) is not Expr:
        return e
    total = 0
    for mono, coeff in e.terms:
        term = coeff
        for atom in mono:
            if type(atom) is str:
                f = env[atom] if atom in env else sym(atom)
            elif atom[0] == "//":
                f = floordiv(substitute(atom[1], env), substitute(atom[2], env))
            else:
                f = mod(substitute(atom[1], env), substitute(atom[2], env))
            term = mul(term, f)
        total = add(total, term)
    return total


def evaluate(e, env: dict) -> int:
    """The value of ``e`` with symbols bound by ``env`` (KeyError names an unbound symbol)."""
    if type(e) is not Expr:
        return e
    total = 0
    for m, c in e.terms:
        v = c
        for a in m:
            if type(a) is str:
                v *= env[a]
            elif a[0] == "//":
                v *= evaluate(a[1], env) // evaluate(a[2], env)
            else:
                v *= evaluate(a[1], env) % evaluate(a[2], env)
        total += v
    return total


def bare_symbol(e):
    """The symbol's name if ``e`` is exactly one symbol (``N``), else None."""
    if type(e) is Expr and len(e.terms) == 1:
        mono, c = e.terms[0]
        if c == 1 and len(mono) == 1 and type(mono[0]) is str:
            return mono[0]
    return None


def is_symbolic(x) -> bool:
    return type(x) is Expr or type(x) is SymInt


def expr_of(x):
    """The expression of an int, SymInt or Expr."""
    if type(x) is SymInt:
        return x._expr
    return x if type(x) is Expr else int(x)


# ------------------------------------------------------------------ text
def _atom_str(a) -> str:
    if type(a) is str:
        return a
    return f"{_paren(a[1])}{a[0]}{_paren(a[2])}"


def _paren(e) -> str:
    s = expr_str(e)
    if type(e) is Expr and (len(e.terms) > 1 or e.terms[0][1] != 1 or len(e.terms[0][0]) > 1):
        return f"({s})"
    return s if type(e) is Expr or e >= 0 else f"({s})"


def expr_str(e) -> str:
    """Deterministic text: ``N*2 + 1``; parsed back by ``parse_expr``."""
    if type(e) is not Expr:
        return str(e)
    parts = []
    for m, c in e.terms:
        wrap = len(m) > 1 or abs(c) != 1  # a//b*c would parse as (a//b)*c: parenthesize
        body = "*".join(f"({_atom_str(a)})" if wrap and type(a) is not str else _atom_str(a)
                        for a in m)
        mag = abs(c)
        if not body:
            txt = str(mag)
        elif mag == 1:
            txt = body
        else:
            txt = f"{mag}*{body}"
        if not parts:
            parts.append(txt if c > 0 else f"-{txt}")
        else:
            parts.append((" + " if c > 0 else " - ") + txt)
    return "".join(parts)


_BIN = {ast.Add: add, ast.Sub: sub, ast.Mult: mul, ast.FloorDiv: floordiv, ast.Mod: mod}


def from_ast(node):
    """Build an expression from a Python ast node (names are symbols)."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.Name):
        return sym(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return neg(from_ast(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
        return _BIN[type(node.op)](from_ast(node.left), from_ast(node.right))
    raise ValueError(f"not a size expression: {ast.dump(node)}")


def parse_expr(text: str):
    return from_ast(ast.parse(text.strip(), mode="eval").body)


# ------------------------------------------------------------------ SymInt
GUARD_HOOK = [None]  # fn(kind, expr, result) while tracing; kind: "eq", "lt", "int", "bool"...


class SymInt(int):
    """An int known at trace time (its value) that also carries a symbolic expression.

    Arithmetic gives SymInts; comparisons and conversions to a plain int are reported to the
    tracer (``GUARD_HOOK``) so the graph can check, on every call, that the decision taken while
    tracing still holds."""

    def __new__(cls, hint: int, expr):
        if type(expr) is not Expr:
            return int(expr)
        self = super().__new__(cls, hint)
        self._expr = expr
        return self

    @property
    def hint(self) -> int:
        return int.__int__(self)

    # printing: exactly the int's (f"{n}", str(n), repr(n) give "3", as torch's sizes do)
    def __repr__(self):
        return int.__repr__(self)

    __str__ = __repr__

    def describe(self) -> str:
        """Debugging text with the expression: ``SymInt(s0=3)``."""
        return f"SymInt({expr_str(self._expr)}={self.hint})"

    # arithmetic -------------------------------------------------------------
    def _bin(self, other, fn, pyfn, rev=False):
        if isinstance(other, float):
            # float arithmetic cannot stay symbolic: the size is taken as a constant (guarded)
            v = float(self._concrete("float"))
            name = pyfn.__name__
            return getattr(float, name)(other, v) if rev else getattr(float, name)(v, other)
        if isinstance(other, bool) or not isinstance(other, int):
            return NotImplemented
        a, b = (other, self) if rev else (self, other)
        h = pyfn(int.__int__(a) if type(a) is SymInt else a,
                 int.__int__(b) if type(b) is SymInt else b)
        return SymInt(h, fn(expr_of(a), expr_of(b)))

    def __add__(self, o):
        return self._bin(o, add, int.__add__)

    def __radd__(self, o):
        return self._bin(o, add, int.__add__, True)

    def __sub__(self, o):
        return self._bin(o, sub, int.__sub__)

    def __rsub__(self, o):
        return self._bin(o, sub, int.__sub__, True)

    def __mul__(self, o):
        return self._bin(o, mul, int.__mul__)

    def __rmul__(self, o):
        return self._bin(o, mul, int.__mul__, True)

    def __floordiv__(self, o):
        return self._bin(o, floordiv, int.__floordiv__)

    def __rfloordiv__(self, o):
        return self._bin(o, floordiv, int.__floordiv__, True)

    def __mod__(self, o):
        return self._bin(o, mod, int.__mod__)

    def __rmod__(self, o):
        return self._bin(o, mod, int.__mod__, True)

    def __neg__(self):
        return SymInt(-self.hint, neg(self._expr))

    def __pos__(self):
        return self

    def __abs__(self):
        self._guard("ge", 0) if self.hint >= 0 else self._guard("lt", 0)
        return self if self.hint >= 0 else -self

    def __pow__(self, o, mod=None):
        if mod is None and type(o) is int and 0 <= o <= 8:
            out = 1  # a small constant power stays symbolic: n ** 2 is n*n
            for _ in range(o):
                out = out * self
            return out
        return pow(self._concrete("pow"), _plain(o), mod)

    def __rpow__(self, o, mod=None):
        return pow(o, self._concrete("pow"), mod)

    def __divmod__(self, o):
        q = self.__floordiv__(o)
        return NotImplemented if q is NotImplemented else (q, self.__mod__(o))

    def __rdivmod__(self, o):
        q = self.__rfloordiv__(o)
        return NotImplemented if q is NotImplemented else (q, self.__rmod__(o))

    def __lshift__(self, o):
        if type(o) is int and o >= 0:
            return self * (1 << o)
        return self._concrete("int") << _plain(o)

    def __rshift__(self, o):
        if type(o) is int and o >= 0:
            return self // (1 << o)
        return self._concrete("int") >> _plain(o)

    # rounding keeps the symbol (an int is already integral); bit operations have no
    # expression form: the size is taken as a constant (guarded), never silently
    def __round__(self, ndigits=None):
        return self if ndigits is None or ndigits >= 0 else round(self._concrete("int"), ndigits)

    def __trunc__(self):
        return self

    __floor__ = __ceil__ = __trunc__

    def _bits(self, o, fn, rev=False):
        if not isinstance(o, int):
            return NotImplemented
        a, b = self._concrete("int"), _plain(o)
        return fn(b, a) if rev else fn(a, b)

    def __and__(self, o):
        return self._bits(o, int.__and__)

    def __rand__(self, o):
        return self._bits(o, int.__and__, True)

    def __or__(self, o):
        return self._bits(o, int.__or__)

    def __ror__(self, o):
        return self._bits(o, int.__or__, True)

    def __xor__(self, o):
        return self._bits(o, int.__xor__)

    def __rxor__(self, o):
        return self._bits(o, int.__xor__, True)

    def __rlshift__(self, o):
        return self._bits(o, int.__lshift__, True)

    def __rrshift__(self, o):
        return self._bits(o, int.__rshift__, True)

    def __invert__(self):
        return -self - 1

    def __truediv__(self, o):
        return self._concrete("float") / o

    def __rtruediv__(self, o):
        return o / self._concrete("float")

    # decisions: reported to the tracer -------------------------------------
    def _guard(self, kind, other):
        h = GUARD_HOOK[0]
        if h is not None:
            h(kind, self._expr, expr_of(other))

    def _concrete(self, kind):
        self._guard("int", self.hint)  # the value is taken as a constant from here on
        return self.hint

    def _cmp(self, other, kind, pyfn):
        if isinstance(other, float):
            # as float arithmetic: the size is taken as a constant (guarded)
            return getattr(float, pyfn.__name__)(float(self._concrete("float")), other)
        if not isinstance(other, int):
            return NotImplemented
        res = pyfn(self.hint, int.__int__(other) if type(other) is SymInt else other)
        if expr_of(other) != self._expr or kind not in ("eq", "ne"):
            h = GUARD_HOOK[0]
            if h is not None:
                h(kind if res else _NEGATE[kind], self._expr, expr_of(other))
        return res

    def __eq__(self, o):
        return self._cmp(o, "eq", int.__eq__)

    def __ne__(self, o):
        return self._cmp(o, "ne", int.__ne__)

    def __lt__(self, o):
        return self._cmp(o, "lt", int.__lt__)

    def __le__(self, o):
        return self._cmp(o, "le", int.__le__)

    def __gt__(self, o):
        return self._cmp(o, "gt", int.__gt__)

    def __ge__(self, o):
        return self._cmp(o, "ge", int.__ge__)

    def __hash__(self):
        return int.__hash__(self)

    def __bool__(self):
        return self._cmp(0, "ne", int.__ne__)

    def __int__(self):
        return self._concrete("int")

    def __index__(self):
        return self._concrete("index")

    def __float__(self):
        return float(self._concrete("float"))

    def __reduce__(self):
        return (int, (self.hint,))


def _plain(x):
    """A SymInt taken as its constant value (guarded); anything else unchanged."""
    return x._concrete("int") if type(x) is SymInt else x


_NEGATE = {"eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "le": "gt", "gt": "le"}
