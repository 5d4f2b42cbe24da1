"""Matrix products: matmul (every torch broadcasting / 1-D rule), mm, bmm, mv, dot, vdot, the
fused add-products (addmm, addmv, addbmm, baddbmm, addr), einsum, trace and cross.

Kernels go straight to ``xp.matmul`` (BLAS for float/complex) with no dtype copies; torch never
promotes dtypes for these ops, so meta rejects mixed dtypes with torch's wording.  Half types
are multiplied in float32 (torch accumulates them in float32 too)."""
from __future__ import annotations

import numpy as np

from . import dtypes as D
from . import samples as S
from .meta import TensorSpec, broadcast_shapes, wrap_dim
from .registry import OpDef, Sample, register

# torch's C++ type names, used by its matmul dtype errors ("float != double")
CPP_NAMES = {D.float32: "float", D.float64: "double", D.float16: "c10::Half",
             D.bfloat16: "c10::BFloat16", D.int64: "long", D.int32: "int", D.int16: "short",
             D.int8: "signed char", D.uint8: "unsigned char", D.bool: "bool",
             D.complex64: "c10::complex<float>", D.complex128: "c10::complex<double>"}
MM_DTYPES = (D.float32, D.float64, D.complex64, D.complex128, D.int64, D.int32, D.float16)
HALF = (D.float16, D.bfloat16)


def sname(dt) -> str:
    return D.SCALAR_NAMES[dt]


def _x(shape) -> str:
    return "x".join(str(s) for s in shape)


def cj(t):
    """conj() for complex tensors; real tensors are returned as they are."""
    return t.conj() if t.dtype.is_complex else t


def mT(t):
    """Transpose of the last two dims (a view)."""
    return t.transpose(-2, -1)


def mH(t):
    return cj(mT(t))


def unsq(t, d):
    """unsqueeze through reshape."""
    s = list(t.shape)
    s.insert(d % (len(s) + 1), 1)
    return t.reshape(s)


def sq(t, d):
    """squeeze(d) of a size-1 dim through reshape."""
    s = list(t.shape)
    if s and s[d] == 1:
        s.pop(d)
    return t.reshape(s)


def narrow(t, d, start, length):
    """t.narrow(d, start, length) through constant_pad_nd's cropping (negative pads)."""
    from .registry import get
    d %= t.ndim
    pad = [0, 0] * (t.ndim - 1 - d) + [-start, start + length - t.shape[d]]
    return t._dispatch(get("constant_pad_nd"), t, pad=tuple(pad))


class KernelFail(Exception):
    """Raised by a kernel for invalid input: dispatch then re-runs meta for torch's error."""


def guarded(fn):
    """Kernel wrapper turning numpy/LAPACK failures into KernelFail (errors we raise on
    purpose carry ``_graphtorch`` and pass through)."""
    def kernel(xp, *args, **attrs):
        try:
            return fn(xp, *args, **attrs)
        except Exception as e:  # noqa: BLE001
            if getattr(e, "_graphtorch", False):
                raise
            raise KernelFail(str(e)) from None
    kernel.__name__ = fn.__name__
    return kernel


def mm_kernel(xp, a, b):
    """a @ b in BLAS; half types in float32 and cast back (no copies otherwise)."""
    dt = a.dtype
    if dt != b.dtype or dt == np.bool_ or a.ndim == 0 or b.ndim == 0:
        raise KernelFail("bad operands")  # meta words the error
    if dt.itemsize == 2 and dt.kind == "f" or dt == D.bfloat16.np:
        return xp.matmul(a.astype(np.float32), b.astype(np.float32)).astype(dt)
    try:
        return xp.matmul(a, b)
    except ValueError:
        raise KernelFail("shapes") from None


def same_dtype(a, b):
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{CPP_NAMES[a.dtype]} != {CPP_NAMES[b.dtype]}")
    if a.dtype is D.bool:
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")


# ------------------------------------------------------------------------------ matmul
def matmul_shape(a, b, op="matmul"):
    """Result shape of torch.matmul; torch's errors for the 1-D / 2-D / batched rules."""
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    same_dtype(a, b)
    if a.ndim == 1 and b.ndim == 1:
        if a.shape[0] != b.shape[0]:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                f"[{b.shape[0]}] to have the same number of elements, but got {a.shape[0]} "
                f"and {b.shape[0]} elements respectively")
        return ()
    if b.ndim == 1:
        if a.shape[-1] != b.shape[0]:
            if a.ndim == 2:
                raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat "
                                   f"({_x(a.shape)}), vec ({b.shape[0]})")
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                               f"({_x((_prod(a.shape[:-1]), a.shape[-1]))} and {b.shape[0]}x1)")
        return tuple(a.shape[:-1])
    k = a.shape[-1]
    if k != b.shape[-2]:
        rows = a.shape[0] if a.ndim <= 2 else _prod(a.shape[:-1])
        left = (rows, k) if a.ndim != 1 else (1, k)
        if a.ndim >= 3 and b.ndim >= 3:
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{_prod(broadcast_shapes(a.shape[:-2], b.shape[:-2]))}, {k}] "
                               f"but got: [{_prod(b.shape[:-2])}, {b.shape[-2]}].")
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_x(left)} and "
                           f"{_x(b.shape[-2:])})")
    if a.ndim == 1:
        return tuple(b.shape[:-2]) + (b.shape[-1],)
    batch = broadcast_shapes(a.shape[:-2], b.shape[:-2])
    return tuple(batch) + (a.shape[-2], b.shape[-1])


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _matmul_meta(a, b):
    return a.with_(shape=matmul_shape(a, b))


def matmul_vjp_pair(a, b, g, need=(True, True)):
    """Gradients of a @ b (torch.matmul rules, any ranks); the engine sums broadcast dims."""
    ga = gb = None
    if a.ndim == 1 and b.ndim == 1:
        ga = g * cj(b) if need[0] else None
        gb = g * cj(a) if need[1] else None
    elif b.ndim == 1:
        ga = unsq(g, -1) * cj(b) if need[0] else None
        gb = sq(mH(a) @ unsq(g, -1), -1) if need[1] else None
    elif a.ndim == 1:
        ga = sq(unsq(g, -2) @ mH(b), -2) if need[0] else None
        gb = unsq(cj(a), -1) * unsq(g, -2) if need[1] else None
    else:
        ga = g @ mH(b) if need[0] else None
        gb = mH(a) @ g if need[1] else None
    return ga, gb


def _matmul_vjp(ctx, g):
    a, b = ctx.inputs
    return matmul_vjp_pair(a, b, g, ctx.needs_input_grad)


def _matmul_grad_name(attrs, args):
    na, nb = args[0].ndim, args[1].ndim
    if na <= 2 and nb <= 2:
        return {(1, 1): "DotBackward0", (2, 1): "MvBackward0", (1, 2): "SqueezeBackward4",
                (2, 2): "MmBackward0"}[na, nb]
    if na == 2 and nb >= 3:
        return "CloneBackward0"
    return "UnsafeViewBackward0"


MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                 ((5, 2, 3), (3, 4)), ((2, 2, 3), (2, 3, 4)), ((2, 3), (2, 3, 4)),
                 ((2, 1, 2, 3), (3, 3, 2)), ((2, 2, 3), (3,)), ((3,), (2, 3, 4)),
                 ((0, 3), (3, 2)), ((2, 0), (0, 3))]


def _matmul_samples(dt):
    return [Sample((S.array(a, dt, i), S.array(b, dt, i + 50)), name=f"{a}@{b}")
            for i, (a, b) in enumerate(MATMUL_SHAPES)]


matmul = register(OpDef(
    name="matmul", kernel=mm_kernel, meta=_matmul_meta, vjp=_matmul_vjp, save_inputs=(0, 1),
    samples=_matmul_samples, dtypes=MM_DTYPES, grad_name=_matmul_grad_name))


# ------------------------------------------------------------------------------ mm / bmm / mv / dot
def _mm_meta(a, b):
    for name, t in (("self", a), ("mat2", b)):
        if t.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix")
    same_dtype(a, b)
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_x(a.shape)} and "
                           f"{_x(b.shape)})")
    return a.with_(shape=(a.shape[0], b.shape[1]))


def _bmm_meta(a, b):
    for name, t in (("batch1", a), ("batch2", b)):
        if t.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"expected scalar type {sname(a.dtype)} but found {sname(b.dtype)}")
    same_dtype(a, b)
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    return a.with_(shape=(a.shape[0], a.shape[1], b.shape[2]))


def _mv_meta(a, v):
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim}")
    if a.dtype is not v.dtype:
        raise RuntimeError(f"expected scalar type {sname(a.dtype)} but found {sname(v.dtype)}")
    same_dtype(a, v)
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({_x(a.shape)}), "
                           f"vec ({v.shape[0]})")
    return a.with_(shape=(a.shape[0],))


def _dot_meta_for(name):
    def meta(a, b):
        if a.ndim != 1 or b.ndim != 1:
            raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
        if a.dtype is not b.dtype:
            raise RuntimeError(f"{name} : expected both vectors to have same dtype, but found "
                               f"{sname(a.dtype)} and {sname(b.dtype)}")
        same_dtype(a, b)
        if a.shape[0] != b.shape[0]:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                f"[{b.shape[0]}] to have the same number of elements, but got {a.shape[0]} "
                f"and {b.shape[0]} elements respectively")
        return a.with_(shape=())
    return meta


def _vdot_kernel(xp, a, b):
    return xp.asarray(mm_kernel(xp, xp.conj(a), b))


def _vdot_vjp(ctx, g):
    a, b = ctx.inputs
    need = ctx.needs_input_grad
    return (cj(g) * b if need[0] else None, g * a if need[1] else None)


def _pair_samples(shapes):
    def samples(dt):
        return [Sample((S.array(a, dt, i), S.array(b, dt, i + 9)), name=f"{a}@{b}")
                for i, (a, b) in enumerate(shapes)]
    return samples


def _ranked(kernel, meta, ranks):
    """numpy's matmul accepts any rank; mm/bmm/mv/dot must reject what PyTorch rejects, so the
    kernel asks meta for the error when the ranks are not the op's."""
    def k(xp, a, b):
        if (a.ndim, b.ndim) != ranks:
            from .meta import spec_of
            meta(spec_of(a), spec_of(b))
        return kernel(xp, a, b)
    return k


def _product(name, meta, shapes, grad_name, ranks, kernel=mm_kernel, vjp=_matmul_vjp):
    return register(OpDef(name=name, kernel=_ranked(kernel, meta, ranks), meta=meta, vjp=vjp,
                          save_inputs=(0, 1), samples=_pair_samples(shapes), dtypes=MM_DTYPES,
                          grad_name=grad_name))


mm = _product("mm", _mm_meta, [((2, 3), (3, 4)), ((0, 3), (3, 2)), ((2, 0), (0, 3))],
              "MmBackward0", (2, 2))
bmm = _product("bmm", _bmm_meta, [((2, 2, 3), (2, 3, 4)), ((0, 2, 3), (0, 3, 1))],
               "BmmBackward0", (3, 3))
mv = _product("mv", _mv_meta, [((2, 3), (3,)), ((0, 3), (3,))], "MvBackward0", (2, 1))
dot = _product("dot", _dot_meta_for("dot"), [((3,), (3,)), ((0,), (0,))], "DotBackward0",
               (1, 1))
vdot = _product("vdot", _dot_meta_for("vdot"), [((3,), (3,))], "VdotBackward0", (1, 1),
                kernel=_vdot_kernel, vjp=_vdot_vjp)


# ------------------------------------------------------------------------------ add-products
def _add_product_kernel(xp, inp, a, b, beta=1, alpha=1, reduce_batch=False, outer=False):
    """beta * inp + alpha * (a @ b): one product, then in-place scaling and add."""
    if inp.dtype != a.dtype:
        raise KernelFail("dtypes")  # numpy's in-place add would cast silently; meta words it
    if outer:
        out = xp.multiply.outer(a, b)
    else:
        out = mm_kernel(xp, a, b)
        if reduce_batch:
            out = out.sum(axis=0, dtype=out.dtype)
    out = xp.asarray(out)
    if alpha != 1:
        out *= out.dtype.type(alpha)
    if beta != 0:
        out += inp * inp.dtype.type(beta) if beta != 1 else inp
    return out


def _add_product_meta_for(name):
    def meta(inp, a, b, beta=1, alpha=1, reduce_batch=False, outer=False):
        if outer:
            if a.ndim != 1 or b.ndim != 1:
                raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {a.ndim}-D")
            shape = (a.shape[0], b.shape[0])
        elif name == "addmm":
            shape = _mm_meta(a, b).shape
        elif name == "addmv":
            shape = _mv_meta(a, b).shape
        else:
            shape = _bmm_meta(a, b).shape
            shape = shape[1:] if reduce_batch else shape
        if len({inp.dtype, a.dtype, b.dtype}) != 1:
            raise RuntimeError(f"{name} input tensors must have the same dtype, but got "
                               f"{sname(inp.dtype)}, {sname(a.dtype)}, and {sname(b.dtype)}")
        same_dtype(a, b)
        if broadcast_shapes(inp.shape, shape, op=name) != tuple(shape):
            raise RuntimeError(f"The expanded size of the tensor ({shape[-1]}) must match the "
                               f"existing size ({inp.shape[-1]}) at non-singleton dimension "
                               f"{len(shape) - 1}.  Target sizes: {list(shape)}.  Tensor sizes: "
                               f"{list(inp.shape)}")
        return a.with_(shape=shape)
    return meta


def _add_product_vjp(ctx, g):
    inp, a, b = ctx.inputs
    beta, alpha = ctx.attrs.get("beta", 1), ctx.attrs.get("alpha", 1)
    need = ctx.needs_input_grad
    gi = None
    if need[0]:
        gi = g * _conj_scalar(beta) if beta != 1 else g
    ga_ = g * _conj_scalar(alpha) if alpha != 1 else g
    if ctx.op.name == "addr":
        ga = (ga_ @ cj(b)) if need[1] else None
        gb = (mT(ga_) @ cj(a)) if need[2] else None
        return gi, ga, gb
    ga, gb = matmul_vjp_pair(a, b, ga_, need[1:])
    return gi, ga, gb


def _conj_scalar(s):
    return s.conjugate() if isinstance(s, complex) else s


def _add_product(name, shapes, grad_name, **fixed):
    def samples(dt):
        out = []
        for i, (si, sa, sb) in enumerate(shapes):
            args = (S.array(si, dt, i), S.array(sa, dt, i + 3), S.array(sb, dt, i + 6))
            out.append(Sample(args, dict(fixed), name=f"{si}+{sa}@{sb}"))
        first = out[0].args
        out.append(Sample(first, dict(fixed, beta=0.5, alpha=2), name="beta_alpha"))
        out.append(Sample(first, dict(fixed, beta=0, alpha=-1), name="beta0"))
        return out

    def kernel(xp, inp, a, b, beta=1, alpha=1, reduce_batch=False, outer=False):
        return _add_product_kernel(xp, inp, a, b, beta, alpha, **fixed)

    return register(OpDef(name=name, kernel=kernel, meta=_add_product_meta_for(name),
                          vjp=_add_product_vjp, save_inputs=(1, 2), samples=samples,
                          dtypes=MM_DTYPES, grad_name=grad_name))


addmm = _add_product("addmm", [((2, 4), (2, 3), (3, 4)), ((4,), (2, 3), (3, 4))],
                     "AddmmBackward0")
addmv = _add_product("addmv", [((2,), (2, 3), (3,)), ((1,), (2, 3), (3,))], "AddmvBackward0")
baddbmm = _add_product("baddbmm", [((2, 2, 4), (2, 2, 3), (2, 3, 4)), ((2, 4), (2, 2, 3),
                                                                      (2, 3, 4))],
                       "BaddbmmBackward0")
addbmm = _add_product("addbmm", [((2, 4), (3, 2, 3), (3, 3, 4))], "AddbmmBackward0",
                      reduce_batch=True)
addr = _add_product("addr", [((2, 4), (2,), (4,)), ((4,), (2,), (4,))], "AddrBackward0",
                    outer=True)


# ------------------------------------------------------------------------------ trace / cross
def _trace_meta(x):
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    dt = D.int64 if x.dtype.category <= D._INT else x.dtype
    return x.with_(shape=(), dtype=dt)


@guarded
def _trace_kernel(xp, x):
    dt = _trace_meta(TensorSpec(x.shape, D.from_numpy_dtype(x.dtype))).dtype
    return xp.asarray(xp.trace(x, dtype=dt.np if dt not in HALF else np.float32)).astype(dt.np)


def _trace_vjp(ctx, g):
    n, m = ctx._input_meta[0][0]
    return (g * g.new_tensor(np.eye(n, m)),)


trace = register(OpDef(
    name="trace", kernel=_trace_kernel, meta=_trace_meta, vjp=_trace_vjp, save_inputs=(),
    samples=lambda dt: [Sample((S.array((3, 3), dt),)), Sample((S.array((2, 4), dt),)),
                        Sample((S.array((0, 0), dt),))],
    dtypes=S.NUMERIC + (D.complex64,), grad_name="TraceBackward0"))


def _cross_meta(a, b, dim=-1):
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    shape = broadcast_shapes(a.shape, b.shape, op="linalg.cross")
    d = wrap_dim(dim, len(shape), "linalg.cross")
    if a.shape[d] != 3 or b.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{a.shape[d]} and {b.shape[d]}")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"linalg.cross: expected both inputs to have the same dtype, but "
                           f"got {sname(a.dtype)} and {sname(b.dtype)}")
    return a.with_(shape=shape)


@guarded
def _cross_kernel(xp, a, b, dim=-1):
    if a.dtype != b.dtype or a.ndim != b.ndim:
        raise KernelFail("dtypes")
    d = wrap_dim(dim, max(a.ndim, b.ndim))
    return xp.cross(a, b, axis=d).astype(a.dtype, copy=False)


def _cross_vjp(ctx, g):
    a, b = ctx.inputs
    d = ctx.attrs.get("dim", -1)
    need = ctx.needs_input_grad
    return (cj(b).cross(g, dim=d) if need[0] else None,
            g.cross(cj(a), dim=d) if need[1] else None)


cross = register(OpDef(
    name="linalg_cross", kernel=_cross_kernel, meta=_cross_meta, vjp=_cross_vjp,
    save_inputs=(0, 1), dtypes=S.NUMERIC, grad_name="LinalgCrossBackward0",
    samples=lambda dt: [Sample((S.array((4, 3), dt), S.array((4, 3), dt, 1))),
                        Sample((S.array((3, 2), dt), S.array((3, 1), dt, 1)), {"dim": 0})]))


from . import linalg_einsum  # noqa: E402,F401 - einsum lives in its own file
