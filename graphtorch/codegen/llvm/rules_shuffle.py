"""Channel and pixel shuffles as index arithmetic (no copy), and GLU as one fused element
function over the two halves of its input.

Native rules matter here beyond speed: the decompositions of these ops reshape by sizes
divided by a factor, which the decomposition pass cannot trace with its placeholder sizes."""
from __future__ import annotations

from llvmlite import ir

from ...ir import symbolic as S
from ...ops.meta import wrap_dim
from . import scalar as X
from .fnctx import I64
from .lower import rule
from .rules_views import out_shape, view
from .tensors import Lazy, cost


def _c(v):
    return ir.Constant(I64, v)


@rule("channel_shuffle")
def _channel_shuffle(lw, node, ins):
    """out channel k = a * groups + b reads input channel b * (C / groups) + a."""
    h = ins[0]
    g = node.attrs["groups"]
    per = S.floordiv(h.shape[1], g)

    def mapper(fc, idx):
        b = fc.b
        k = idx[1]
        src = b.add(b.mul(b.urem(k, _c(g)), fc.size(per)), b.udiv(k, _c(g)))
        return [idx[0], src] + list(idx[2:])
    return [view(h, out_shape(node), mapper)]


@rule("pixel_shuffle")
def _pixel_shuffle(lw, node, ins):
    """out[..., c, h*r + i, w*r + j] = in[..., c*r*r + i*r + j, h, w]."""
    x = ins[0]
    r = node.attrs["upscale_factor"]

    def mapper(fc, idx):
        b = fc.b
        lead, c, oh, ow = list(idx[:-3]), idx[-3], idx[-2], idx[-1]
        i, j = b.urem(oh, _c(r)), b.urem(ow, _c(r))
        ch = b.add(b.mul(c, _c(r * r)), b.add(b.mul(i, _c(r)), j))
        return lead + [ch, b.udiv(oh, _c(r)), b.udiv(ow, _c(r))]
    return [view(x, out_shape(node), mapper)]


@rule("pixel_unshuffle")
def _pixel_unshuffle(lw, node, ins):
    """out[..., c*r*r + i*r + j, h, w] = in[..., c, h*r + i, w*r + j]."""
    x = ins[0]
    r = node.attrs["downscale_factor"]

    def mapper(fc, idx):
        b = fc.b
        lead, ch, h, w = list(idx[:-3]), idx[-3], idx[-2], idx[-1]
        c, rem = b.udiv(ch, _c(r * r)), b.urem(ch, _c(r * r))
        i, j = b.udiv(rem, _c(r)), b.urem(rem, _c(r))
        return lead + [c, b.add(b.mul(h, _c(r)), i), b.add(b.mul(w, _c(r)), j)]
    return [view(x, out_shape(node), mapper)]


@rule("glu")
def _glu(lw, node, ins):
    """a * sigmoid(b) for the halves a, b of ``dim``, with the eager kernel's 1 / (1 + exp(-b))."""
    x = ins[0]
    if not X.is_float(x.dt):
        raise NotImplementedError("glu of a non-float tensor")
    d = wrap_dim(node.attrs.get("dim", -1), x.ndim, "glu")
    shape = out_shape(node)
    half = shape[d]
    dt = x.dt

    def fn(fc, idx):
        b = fc.b
        a = x.load(fc, idx)
        other = list(idx)
        other[d] = b.add(idx[d], fc.size(half))
        g = x.load(fc, other)
        one = X.fconst(dt, 1.0)
        sig = b.fdiv(one, b.fadd(one, X.libm(b, "exp", dt, b.fneg(g))))
        return b.fmul(a, sig)
    return [Lazy(shape, dt, fn, cost=3 + cost(x))]
