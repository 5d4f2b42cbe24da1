"""Eager dispatch: ``call(op, *inputs, **attrs)`` runs one registry op on Tensors.

Hot path (every user op goes through here): unwrap arrays, promote dtypes (cached), run the
kernel, wrap; a grad_fn is built only when grad mode is on and an input requires grad; the tracer
hook costs one check.  Kernel failures are turned into PyTorch-typed errors by re-running the
op's meta, which raises the message PyTorch would."""
from __future__ import annotations

import numpy as np

from ..ops import dtypes as D
from ..ops.meta import TensorSpec, fmt_shape
from . import autograd as AG
from ..amp._state import AMP
from .grad_mode import STATE
from .tensor import Tensor, wrap

__all__ = ["call", "call_inplace", "HOOKS"]

_ndarray = np.ndarray


class _Hooks:
    __slots__ = ("tracer",)

    def __init__(self):
        # while tracing: an object with call(op, args, attrs) -> result and
        # call_inplace(op, target, args, attrs) -> target, which run the op and record it
        self.tracer = None


HOOKS = _Hooks()


def _unwrap(args):
    return [a._data if isinstance(a, Tensor) else a for a in args]


def call(op, *args, **attrs):
    """Run registry op ``op`` on ``args`` (Tensors, numbers, None) with attributes ``attrs``."""
    if AMP.dtype is not None and op.name in AMP.policy:
        # before the tracer: the casts are ops of their own, so a graph captured under
        # autocast holds them and computes what eager did (not float32 ops typed bfloat16)
        from ..amp.autocast_mode import cast_args
        args = cast_args(op, args)
    if HOOKS.tracer is not None:
        return HOOKS.tracer.call(op, args, attrs)
    arrays = [a._data if isinstance(a, Tensor) else a for a in args]
    try:
        if op.prepare is not None:
            arrays, _ = op.prepare(arrays)
        out = op.kernel(np, *arrays, **attrs)
    except Exception as e:  # noqa: BLE001 - every kernel failure becomes a PyTorch error
        raise translate_error(op, args, attrs, e) from None
    if type(out) is tuple:
        result = tuple(_wrap_out(op, o, args) for o in out)
    else:
        result = _wrap_out(op, out, args)
    if STATE.enabled and op.vjp is not None:
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad:
                record(op, args, attrs, result)
                break
    return result


def _call_plain(op, *args, **attrs):
    """``call`` with the tracer switched off (the tracer runs ops through this)."""
    saved, HOOKS.tracer = HOOKS.tracer, None
    try:
        return call(op, *args, **attrs)
    finally:
        HOOKS.tracer = saved


def _call_inplace_plain(op, target, *args, **attrs):
    """``call_inplace`` with the tracer switched off."""
    saved, HOOKS.tracer = HOOKS.tracer, None
    try:
        return call_inplace(op, target, *args, **attrs)
    finally:
        HOOKS.tracer = saved


_NO_CONJ = frozenset({"real", "imag", "view_as_real", "view_as_complex"})


def _wrap_out(op, arr, args):
    if op.view:
        src = args[0]
        if op.view is True or _shares(arr, src._data):
            t = wrap(arr)
            t._base = src._base if src._base is not None else src
            t._vc = src._vc
            if src.__dict__ and src.__dict__.get("_conj_bit") and op.name not in _NO_CONJ:
                t._conj_bit = True  # views of a conj() result keep torch's conjugate bit
            return t
    return wrap(arr)


def _shares(a, b) -> bool:
    return type(a) is _ndarray and a.size > 0 and np.may_share_memory(a, b)


def _keep_needed(op, args, keep):
    """Narrow ``keep`` (saved input positions) by ``op.save_if``: drop an input whose
    readers (the inputs whose grad formula uses it) all need no grad."""
    need = [isinstance(a, Tensor) and a._requires_grad for a in args]
    pos = range(len(args)) if keep is None else keep
    return tuple(i for i in pos if i not in op.save_if
                 or any(j < len(need) and need[j] for j in op.save_if[i]))


def record(op, args, attrs, result):
    """Attach a grad_fn for ``op`` to ``result`` (a Tensor or tuple of Tensors)."""
    outs = result if type(result) is tuple else (result,)
    nexts, metas, saved, versions = [], [], [], []
    keep = op.save_inputs
    if op.save_if is not None:
        keep = _keep_needed(op, args, keep)
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            if a._requires_grad:
                fn = a.grad_fn
                nexts.append((fn, a._output_nr) if fn is not None else (AG.accumulator(a), 0))
            else:
                nexts.append(_NO_EDGE)
            metas.append((a._data.shape, a._dtype))
            if keep is None or i in keep:
                saved.append(a)
                versions.append((a, a._vc[0]))
            else:
                saved.append(None)
        else:
            nexts.append(_NO_EDGE)
            metas.append(None)
            saved.append(a)
    gn = op.grad_name
    cls = _classes.get(gn) if type(gn) is str else AG.node_class(
        gn(attrs) if gn.__code__.co_argcount == 1 else gn(attrs, args))
    if cls is None:
        cls = _classes[gn] = AG.node_class(gn)
    node = cls.__new__(cls)
    node._edges = tuple(nexts)
    node._input_meta = tuple(metas)
    node._n_out = len(outs)
    node._seq = next(AG._seq)
    node._pre_hooks = node._post_hooks = node._tensor_hooks = node._metadata = None
    node.op = op
    node.attrs = attrs
    node._inputs = tuple(saved)
    node.needs_input_grad = tuple(n[0] is not None for n in nexts)
    node.saved = None
    if op.save_output:
        node._output = result
        # save_output may name the outputs the vjp reads (e.g. only the indices of max_pool):
        # an in-place write to the others (ReLU(inplace=True) after a pool) stays legal
        read = op.save_output
        for i, o in enumerate(outs):
            if read is True or i in read:
                versions.append((o, o._vc[0]))
    else:
        node._output = None
    node._versions = versions
    node._unpack = None
    if AG.SAVED_HOOKS:
        AG.pack_saved(node)
    if STATE.anomaly:
        node._metadata = {"traceback_": AG.anomaly_traceback()}
    nd = op.nondiff_outputs
    for i, o in enumerate(outs):
        if o._dtype.category >= D._FLOAT and i not in nd:
            o._requires_grad = True
            o.grad_fn = node
            o._output_nr = i
    if op.view and type(result) is not tuple and result._base is not None:
        # a later in-place write through another view of the same base must refresh this one
        from .view_inplace import track_view
        track_view(result)
    return node


_NO_EDGE = (None, 0)
_classes: dict = {}


# ------------------------------------------------------------------------------ in-place
def call_inplace(op, target: Tensor, *args, **attrs):
    """``target.<op>_(*args)``: compute ``op(target, *args)`` and write it into ``target``."""
    if HOOKS.tracer is not None:
        return HOOKS.tracer.call_inplace(op, target, args, attrs)
    if 0 in target._data.strides and ("pointwise" in op.tags or op.name == "copy"):
        _check_overlap(target._data)
    needs_grad = STATE.enabled and op.vjp is not None and (
        target._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args))
    if needs_grad:
        return _inplace_autograd(op, target, args, attrs)
    arrays = [target._data] + _unwrap(args)
    try:
        if op.prepare is not None:
            arrays, dt = op.prepare(arrays)
            if dt is not None and not D.can_cast(dt, target._dtype):
                raise RuntimeError(f"result type {D.SCALAR_NAMES[dt]} can't be cast to the "
                                   f"desired output type {D.SCALAR_NAMES[target._dtype]}")
            if op.ufunc is not None and not attrs and arrays[0] is target._data and \
                    target._data.flags.writeable and _fits(arrays, target._data.shape):
                getattr(np, op.ufunc)(*arrays, out=target._data)  # no temporary
                target._vc[0] += 1
                return target
        out = op.kernel(np, *arrays, **attrs)
    except RuntimeError:
        raise
    except Exception as e:  # noqa: BLE001
        raise translate_error(op, (target,) + args, attrs, e) from None
    _write(target, out)
    return target


def _check_overlap(a) -> None:
    """torch refuses pointwise writes into an expanded tensor (several elements share one
    memory location: the result would depend on the write order); fill_/masked_fill_ allow it."""
    if a.size > 1 and any(st == 0 and n > 1 for st, n in zip(a.strides, a.shape)):
        raise RuntimeError("unsupported operation: more than one element of the written-to "
                           "tensor refers to a single memory location. Please clone() the "
                           "tensor before performing the operation.")


def _fits(arrays, shape) -> bool:
    """Every operand broadcasts to ``shape`` without enlarging it."""
    nd = len(shape)
    for a in arrays[1:]:
        s = a.shape
        if len(s) > nd or any(x != 1 and x != y for x, y in zip(s[::-1], shape[::-1])):
            return False
    return True


def _write(target, out):
    tshape = target._data.shape
    oshape = getattr(out, "shape", ())
    if oshape != tshape:
        try:
            b = np.broadcast_shapes(oshape, tshape)
        except ValueError:
            b = None
        if b != tshape:
            raise RuntimeError(f"output with shape {fmt_shape(tshape)} doesn't match the "
                               f"broadcast shape {fmt_shape(b if b else oshape)}")
    if not target._data.flags.writeable:
        raise RuntimeError("unsupported operation: the tensor's memory is read-only "
                           "(it came from a read-only numpy array)")
    np.copyto(target._data, out, casting="unsafe")
    target._vc[0] += 1


def _inplace_autograd(op, target, args, attrs):
    if target.grad_fn is None and target._requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    base = target._base
    if base is not None and base.grad_fn is None and base._requires_grad:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    keep = op.save_inputs
    old = _snapshot(target, copy=keep is None or 0 in keep)
    result = call(op, old, *args, **attrs)
    if result._dtype is not target._dtype and not D.can_cast(result._dtype, target._dtype):
        raise RuntimeError(f"result type {D.SCALAR_NAMES[result._dtype]} can't be cast to the "
                           f"desired output type {D.SCALAR_NAMES[target._dtype]}")
    _write(target, result._data)
    if base is None or not (base._requires_grad or result._requires_grad):
        target.grad_fn = result.grad_fn
        target._output_nr = result._output_nr
        target._requires_grad = result._requires_grad
    else:
        from .view_inplace import rebase_view
        rebase_view(target, result)
    return target


def _snapshot(t: Tensor, copy: bool) -> Tensor:
    """A tensor with ``t``'s autograd identity and (a copy of) its current values."""
    s = wrap(t._data.copy() if copy else t._data)
    s._dtype = t._dtype
    s.grad_fn = t.grad_fn
    s._output_nr = t._output_nr
    s._requires_grad = t._requires_grad
    if t.grad_fn is None and t._requires_grad:
        s._acc = t._acc
    return s


# ------------------------------------------------------------------------------ errors
def spec(a):
    if isinstance(a, Tensor):
        return TensorSpec(tuple(a._data.shape), a._dtype, str(a.device))
    return a


def translate_error(op, args, attrs, e):
    """The PyTorch-typed error for a failed kernel: meta's error if meta rejects the inputs;
    else the kernel's own deliberate error; else a RuntimeError naming the op, the input shapes
    and dtypes.  (numpy raises its errors from C code, so a traceback without numpy frames does
    not prove an error is ours: meta is consulted first, and ValueError/TypeError pass through
    only when marked ``_graphtorch``.)"""
    if getattr(e, "_graphtorch", False):
        return e
    try:
        op.meta(*[spec(a) for a in args], **attrs)
    except (RuntimeError, TypeError, IndexError, ValueError, NotImplementedError) as m:
        return m
    except Exception:  # noqa: BLE001 - a meta that cannot judge these inputs
        pass
    if type(e) in (RuntimeError, IndexError, NotImplementedError) and _ours(e):
        return e
    desc = ", ".join(f"{fmt_shape(a._data.shape)} {a._dtype.name}" if isinstance(a, Tensor)
                     else repr(a) for a in args)
    return RuntimeError(f"{op.name}(): failed for inputs ({desc}): {e}")


def _ours(e) -> bool:
    """Errors raised deliberately by our kernels carry no numpy frames."""
    tb = e.__traceback__
    while tb is not None:
        mod = tb.tb_frame.f_globals.get("__name__", "")
        if mod.startswith("numpy") or mod.startswith("scipy"):
            return False
        tb = tb.tb_next
    return True
