"""Shared machinery of the elementwise family: per-op dtype checks (PyTorch's "not implemented for
'Bool'" errors), result dtype kinds, and one-line builders for unary/binary OpDefs.

Result kinds: "float" (integers and bool compute in the default float dtype), "same" (keep the
promoted dtype), "bool" (a predicate), "float_real"/"same_real" (as float/same, complex inputs
give their real dtype: abs, angle).  The dtype check runs in ``prepare`` (the hot path: one set
lookup) and again in ``meta`` (tracing and error translation)."""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from . import dtypes as D
from . import promote as P
from . import samples as S
from .arith import conj
from .meta import TensorSpec, broadcast_shapes
from .registry import OpDef, Sample, register

BOOL = (D.bool,)
INTS = D.INTEGRAL
FLOATS = D.FLOATING
COMPLEX = (D.complex64, D.complex128)
REAL = BOOL + INTS + FLOATS
ALL = REAL + COMPLEX
NUMBERS = INTS + FLOATS  # no bool
TEST_DTYPES = (D.float32, D.float64, D.int64, D.bool)
_HALF = (np.dtype(np.float16), D.bfloat16.np)
_default = D._default  # a one-element list holding the current default float dtype


def not_implemented(kname: str, dt: D.dtype) -> NotImplementedError:
    """PyTorch's error for a kernel that has no implementation for ``dt``."""
    e = NotImplementedError(f"\"{kname}\" not implemented for '{D.SCALAR_NAMES[dt]}'")
    e._graphtorch = True
    return e


def out_dtype(kind: str, dt: D.dtype) -> D.dtype:
    """The result dtype of a pointwise op of ``kind`` computing in dtype ``dt``."""
    if kind == "bool":
        return D.bool
    if kind.startswith("float") and dt.category < D._FLOAT:
        dt = D.get_default_dtype()
    if kind.endswith("_real"):
        dt = dt.to_real()
    return dt


def _compute_dtype(kind: str, dt: D.dtype) -> D.dtype:
    if kind.startswith("float") and dt.category < D._FLOAT:
        return D.get_default_dtype()
    return dt


def make_prepare(kind: str, allow, kname: str):
    """A prepare function: checks the (promoted) input dtype against ``allow`` then casts
    every input to the compute dtype.  The common cases (one array; two arrays) hit a cache
    keyed by dtypes, so the hot path is a dict lookup."""
    allowed = frozenset(d.np for d in allow)
    one: dict = {}
    two: dict = {}

    def plan(args):
        dt = P.promoted(args)
        if dt.np not in allowed:
            raise not_implemented(kname, dt)
        cd = _compute_dtype(kind, dt)
        return cd, out_dtype(kind, cd)

    def prepare(args):
        n = len(args)
        if n == 1 and type(args[0]) is np.ndarray:
            a = args[0]
            key = (a.dtype, _default[0])  # the default dtype decides integer inputs' result
            hit = one.get(key)
            if hit is None:
                hit = one[key] = plan(args)
            cd, od = hit
            return (args if a.dtype == cd.np else [a.astype(cd.np)]), od
        if n == 2 and type(args[0]) is np.ndarray and type(args[1]) is np.ndarray:
            a, b = args
            key = (a.dtype, a.ndim == 0, b.dtype, b.ndim == 0, _default[0])
            hit = two.get(key)
            if hit is None:
                hit = two[key] = plan(args)
            cd, od = hit
            npd = cd.np
            if a.dtype == npd and b.dtype == npd:
                return args, od
            return [a if a.dtype == npd else a.astype(npd),
                    b if b.dtype == npd else b.astype(npd)], od
        cd, od = plan(args)
        return P.cast_all(args, cd), od
    return prepare


def make_meta(kind: str, allow, kname: str, name: str):
    def meta(*args, **attrs):
        specs = [a for a in args if isinstance(a, TensorSpec)]
        shape = broadcast_shapes(*[s.shape for s in specs], op=name) if len(specs) > 1 else \
            (specs[0].shape if specs else ())
        dt = P.promoted(args)
        if dt not in allow:
            raise not_implemented(kname, dt)
        return TensorSpec(tuple(shape), out_dtype(kind, dt), specs[0].device if specs else "cpu")
    meta.kind = kind
    return meta


def safe(fn: Callable) -> Callable:
    """Run a scipy-style ``fn`` in float32 for half-precision inputs (scipy has no bfloat16)."""
    def k(xp, x, *rest, **kw):
        if x.dtype in _HALF:
            return fn(xp, x.astype(np.float32), *rest, **kw).astype(x.dtype)
        return fn(xp, x, *rest, **kw)
    return k


def _fixed(kernel: Callable, kind: str) -> Callable:
    """Make the kernel return exactly the result dtype (scipy/numpy may widen)."""
    real = kind.endswith("_real")
    boolean = kind == "bool"

    def k(xp, x, **attrs):
        r = kernel(xp, x, **attrs)
        rd = getattr(r, "dtype", None)
        if rd == x.dtype and not boolean and (not real or rd.kind != "c"):
            return r
        want = np.bool_ if boolean else (x.real.dtype if real else x.dtype)
        return r if rd == want else xp.asarray(r).astype(want)
    return k


def hol(deriv: Callable) -> Callable:
    """dx for a holomorphic function: g * conj(f'(x)); ``deriv(x, y)``."""
    return lambda x, y, g: g * conj(deriv(x, y))


def unary_samples(lo, hi, extra=()):
    def samples(dtype):
        out = list(S.unary(dtype, lo, hi))
        for args, kw in extra:
            out.append(Sample(tuple(np.asarray(a, dtype=dtype.np) if isinstance(a, list) else a
                                    for a in args), dict(kw), grad=False, name="edge"))
        return out
    return samples


def uop(name: str, kernel: Callable, dx: Optional[Callable] = None, *, kind="float",
        allow=ALL, kname=None, lo=-2.0, hi=2.0, samples=None, save_output=False,
        save_input=True, dtypes=None, **extra) -> OpDef:
    """Register a unary pointwise op; ``dx(x, y, g)`` gives the input gradient."""
    kname = kname or f"{name}_cpu"
    vjp = None
    if dx is not None and dx.__code__.co_argcount == 4:  # dx(x, y, g, attrs)
        def vjp(ctx, g):
            return (None,) if g is None else (dx(ctx.inputs[0], ctx.output, g, ctx.attrs),)
    elif dx is not None:
        def vjp(ctx, g):
            return (None,) if g is None else (dx(ctx.inputs[0], ctx.output, g),)
    if dtypes is None:
        dtypes = tuple(d for d in TEST_DTYPES if d in allow)
        if kind != "bool" and dx is not None:
            dtypes = tuple(d for d in dtypes if d.category >= D._FLOAT) or dtypes
    saved = (0,) if save_input else ()
    return register(OpDef(
        name=name, kernel=_fixed(kernel, kind), meta=make_meta(kind, allow, kname, name),
        vjp=vjp, samples=samples or unary_samples(lo, hi), prepare=make_prepare(kind, allow, kname),
        dtypes=tuple(dtypes), differentiable=dx is not None, save_output=save_output,
        save_inputs=saved, tags=frozenset({"pointwise", "unary"}), **extra))


def binary_samples(lo=-2.0, hi=2.0, lo2=None, hi2=None, scalar=2.5, extra=()):
    def samples(dtype):
        out = list(S.binary(dtype, lo, hi, lo2, hi2, scalar=scalar))
        for args, kw in extra:
            out.append(Sample(tuple(args), dict(kw), grad=False, name="edge"))
        return out
    return samples


def bop(name: str, kernel: Callable, dx=None, dy=None, *, kind="float", allow=REAL,
        kname=None, samples=None, save_inputs=(0, 1), save_output=False, dtypes=None,
        **extra) -> OpDef:
    """Register a binary pointwise op; ``dx(a, b, y, g)`` / ``dy(a, b, y, g)`` the gradients."""
    kname = kname or f"{name}_cpu"
    differentiable = dx is not None or dy is not None
    vjp = None
    if differentiable:
        def vjp(ctx, g):
            if g is None:
                return (None, None)
            a, b = ctx.inputs
            need = ctx.needs_input_grad
            return (dx(a, b, ctx.output, g) if dx is not None and need[0] else None,
                    dy(a, b, ctx.output, g) if dy is not None and need[1] else None)
    if dtypes is None:
        dtypes = tuple(d for d in TEST_DTYPES if d in allow)
    return register(OpDef(
        name=name, kernel=kernel, meta=make_meta(kind, allow, kname, name), vjp=vjp,
        samples=samples or binary_samples(), prepare=make_prepare(kind, allow, kname),
        dtypes=tuple(dtypes), differentiable=differentiable, save_inputs=save_inputs,
        save_output=save_output, tags=frozenset({"pointwise", "binary"}), **extra))
