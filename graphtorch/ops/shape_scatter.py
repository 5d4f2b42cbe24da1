"""Scatter ops, the functional inverses of views: ``slice_scatter``, ``select_scatter``,
``diagonal_scatter`` return a copy of ``input`` with ``src`` written into the view.  The tracer
uses them to express an in-place write through a view as new SSA values of the base."""
from __future__ import annotations

from . import samples as S
from .indexing import _key, _select_meta, _slice_meta, select, slice_
from .meta import fmt_shape
from .registry import OpDef, Sample, register
from .shape_views import _diagonal_kernel, _diagonal_meta, diagonal


def _check_src(name, view, src):
    if tuple(view.shape) != tuple(src.shape):
        raise RuntimeError(f"{name}: expected src to have a size equal to the slice of self. "
                           f"src size = {fmt_shape(src.shape)}, slice size = "
                           f"{fmt_shape(view.shape)}")
    return view


def _scatter_op(name, view_op, view_meta, write):
    def meta(x, src, **attrs):
        _check_src(name, view_meta(x, **attrs), src)
        if src.dtype is not x.dtype:
            raise RuntimeError(f"{name}: expected src to have the same dtype as self, got "
                               f"{src.dtype} and {x.dtype}")
        return x

    def kernel(xp, x, src, **attrs):
        out = x.copy()
        write(xp, out, src, attrs)
        return out

    def vjp(ctx, g):
        part = g._dispatch(view_op, g, **ctx.attrs)
        return (g._dispatch(OPS[name], g, part * 0, **ctx.attrs), part)

    op = register(OpDef(name=name, kernel=kernel, meta=meta, vjp=vjp, save_inputs=(),
                        dtypes=S.ALL_REAL, samples=lambda dt: SAMPLES[name](dt)))
    OPS[name] = op
    return op


OPS: dict = {}


def _write_slice(xp, out, src, a):
    d = a.get("dim", 0)
    out[_key(out.ndim, d, a.get("start"), a.get("end"), a.get("step", 1),
             out.shape[d % out.ndim])] = src


def _write_select(xp, out, src, a):
    d = a["dim"] % out.ndim
    out[(slice(None),) * d + (a["index"], Ellipsis)] = src


def _write_diag(xp, out, src, a):
    _diagonal_kernel(xp, out, a.get("offset", 0), a.get("dim1", 0), a.get("dim2", 1))[...] = src


SAMPLES = {
    "slice_scatter": lambda dt: [
        Sample((S.array((4, 5), dt), S.array((4, 2), dt, 1)),
               {"dim": 1, "start": 1, "end": 5, "step": 2}),
        Sample((S.array((3,), dt), S.array((2,), dt, 1)), {"dim": 0, "start": 1, "end": None,
                                                           "step": 1})],
    "select_scatter": lambda dt: [
        Sample((S.array((3, 4), dt), S.array((3,), dt, 1)), {"dim": 1, "index": -1}),
        Sample((S.array((2,), dt), S.array((), dt, 1)), {"dim": 0, "index": 0})],
    "diagonal_scatter": lambda dt: [
        Sample((S.array((3, 4), dt), S.array((3,), dt, 1)), {"offset": 1, "dim1": 0,
                                                             "dim2": 1})],
}

slice_scatter = _scatter_op("slice_scatter", slice_, _slice_meta, _write_slice)
select_scatter = _scatter_op("select_scatter", select, _select_meta, _write_select)
diagonal_scatter = _scatter_op("diagonal_scatter", diagonal, _diagonal_meta, _write_diag)
