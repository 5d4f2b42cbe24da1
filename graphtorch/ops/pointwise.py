"""Helpers that make a pointwise op one line: meta, dtype promotion, vjp from the partial
derivatives, and default samples (as JAX's naryop/defjvp).

Derivatives are written with Tensor methods only (``ops`` never imports ``eager``), so they are
differentiable again and traceable.  ``dx(x, y, g)`` gets the input(s), the output and the
incoming gradient and returns the gradient for that input."""
from __future__ import annotations

from typing import Callable, Optional

from . import dtypes as D
from . import promote as P
from . import samples as S
from .meta import TensorSpec, broadcast_shapes
from .registry import OpDef, Sample, register

PREPARE = {"same": P.same, "float": P.to_float, "compare": P.compare, "keep": P.keep}


def _meta_for(kind: str, name: str):
    prepare = PREPARE[kind]

    def meta(*args, **attrs):
        specs = [a for a in args if isinstance(a, TensorSpec)]
        shape = broadcast_shapes(*[s.shape for s in specs], op=name) if specs else ()
        dt = P.promoted(args)
        if kind == "float" and dt.category < D._FLOAT:
            dt = D.get_default_dtype()
        elif kind == "compare":
            dt = D.bool
        device = specs[0].device if specs else "cpu"
        return TensorSpec(shape, dt, device)

    meta.kind = kind
    del prepare
    return meta


def unary(name: str, kernel: Callable, dx: Optional[Callable] = None, *, kind: str = "float",
          lo: float = -2.0, hi: float = 2.0, dtypes=S.FLOAT_DTYPES, save_output: bool = False,
          reject_bool: str = "", **extra) -> OpDef:
    """Register a unary pointwise op.  ``kernel(xp, x)``; ``dx(x, y, g)`` the input gradient.

    ``kind`` "float": integer inputs compute in the default float dtype; "same": keep dtype."""
    prepare = PREPARE[kind]
    if reject_bool:
        base_prepare = prepare

        def prepare(args, _p=base_prepare):
            if getattr(args[0], "dtype", None) == bool:
                raise RuntimeError(reject_bool)
            return _p(args)

    vjp = None
    if dx is not None:
        def vjp(ctx, g):
            if g is None:
                return (None,)
            return (dx(ctx.inputs[0], ctx.output, g),)

    def samples(dtype):
        return S.unary(dtype, lo, hi)

    return register(OpDef(
        name=name, kernel=lambda xp, x: kernel(xp, x), meta=_meta_for(kind, name), vjp=vjp,
        samples=samples, prepare=prepare, dtypes=tuple(dtypes), differentiable=dx is not None,
        save_output=save_output, save_inputs=None if not save_output else (0,),
        tags=frozenset({"pointwise", "unary"}), **extra))


def binary(name: str, kernel: Callable, dx: Optional[Callable] = None,
           dy: Optional[Callable] = None, *, kind: str = "same", lo: float = -2.0,
           hi: float = 2.0, lo2=None, hi2=None, dtypes=S.NUMERIC, save_output: bool = False,
           save_inputs=None, scalar=2.5, **extra) -> OpDef:
    """Register a binary pointwise op.  ``kernel(xp, a, b)``; ``dx(a, b, y, g)`` and
    ``dy(a, b, y, g)`` are the input gradients (None: not differentiable in that input)."""
    prepare = PREPARE[kind]
    differentiable = dx is not None or dy is not None
    vjp = None
    if differentiable:
        def vjp(ctx, g):
            if g is None:
                return (None, None)
            a, b = ctx.inputs
            need = ctx.needs_input_grad
            ga = dx(a, b, ctx.output, g) if dx is not None and need[0] else None
            gb = dy(a, b, ctx.output, g) if dy is not None and need[1] else None
            return (ga, gb)

    def samples(dtype):
        return S.binary(dtype, lo, hi, lo2, hi2, scalar=scalar)

    return register(OpDef(
        name=name, kernel=kernel, meta=_meta_for(kind, name), vjp=vjp, samples=samples,
        prepare=prepare, dtypes=tuple(dtypes), differentiable=differentiable,
        save_output=save_output, save_inputs=save_inputs,
        tags=frozenset({"pointwise", "binary"}), **extra))


def custom_samples(fn):
    """Wrap a function returning a list of (args, kwargs) into a samples callable."""
    def samples(dtype):
        return [Sample(tuple(a), dict(k)) for a, k in fn(dtype)]
    return samples
