"""torch.autograd.Function: user-defined forward/backward pairs as grad_fn nodes.

``Function.apply`` runs the user's forward under no_grad, then attaches one ``<Name>Backward``
node (which is also the ``ctx`` the user saw) to the differentiable outputs.  The node checks
what the user's backward returns (count, non-tensor inputs, shapes) with PyTorch's messages."""
from __future__ import annotations

import functools
import warnings

import numpy as np

from . import autograd as AG
from .grad_mode import STATE, no_grad
from .tensor import Tensor, make_view, wrap

__all__ = ["Function", "FunctionCtx", "BackwardCFunction", "once_differentiable",
           "InplaceFunction", "NestedIOFunction"]


class FunctionCtx:
    """The methods available on ``ctx`` inside forward / setup_context / backward."""

    def save_for_backward(self, *tensors):
        """Save tensors (or None) for backward; read them back with ``ctx.saved_tensors``."""
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self._to_save = tensors

    def save_for_forward(self, *tensors):
        self._saved_for_forward = tensors

    def mark_dirty(self, *args):
        """Declare inputs modified in place by forward (they must also be returned)."""
        self._dirty = args

    def mark_non_differentiable(self, *args):
        """Declare outputs that never get a gradient (their grads arrive as zeros/None)."""
        self._non_differentiable = args

    def set_materialize_grads(self, value: bool):
        """With False, undefined output grads reach backward as None instead of zeros."""
        self._materialize = bool(value)


class BackwardCFunction(AG.Node, FunctionCtx):
    """Base of every ``<Name>Backward`` node: the grad_fn of a custom Function's outputs."""

    _forward_cls = None

    def __init__(self):  # nodes are built by Function.apply, never by users
        raise RuntimeError("backward nodes of custom Functions are created by Function.apply")

    # --------------------------------------------------------------- saved tensors
    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is None:
            raise RuntimeError(AG._FREED)
        for t, v in self._saved_versions:
            if t._vc[0] != v:
                raise RuntimeError(AG.version_error(t, v, self))
        unpack = getattr(self, "_unpack_saved", None)
        if unpack is not None:
            return tuple(unpack(p.obj) if isinstance(p, AG._Packed) else p for p in saved)
        return saved

    @property
    def saved_variables(self):
        warnings.warn("'saved_variables' is deprecated; use 'saved_tensors'", DeprecationWarning)
        return self.saved_tensors

    def release(self):
        self._saved = None
        self._saved_versions = ()

    # --------------------------------------------------------------- backward
    def apply(self, grads):
        grads = self._materialized(grads)
        fn = self._forward_cls
        out = fn.backward(self, *grads)
        if not isinstance(out, tuple):
            out = (out,)
        return self._check_grads(out)

    def _materialized(self, grads):
        if not self._materialize:
            return grads
        res = []
        for g, meta in zip(grads, self._output_meta):
            if g is None and meta is not None:
                g = wrap(np.zeros(meta[0], dtype=meta[1].np))
                g._dtype = meta[1]
            res.append(g)
        return res

    def _check_grads(self, out):
        n = len(self._arg_is_tensor)
        if len(out) > n and all(g is None for g in out[n:]):
            out = out[:n]
        if len(out) != n:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                               f"gradients (expected {n}, got {len(out)})")
        grads = []
        for i, (g, is_t) in enumerate(zip(out, self._arg_is_tensor)):
            if not is_t:
                if g is not None:
                    raise RuntimeError(
                        f"function {self.name()} returned a gradient different than None at "
                        f"position {i + 1}, but the corresponding forward input was not a "
                        "Variable")
                continue
            if g is not None:
                self._check_shape(i, g, len(grads))
            grads.append(g)
        return grads

    def _check_shape(self, i, g, k):
        if not isinstance(g, Tensor):
            raise TypeError(f"function {self.name()} returned a gradient of type "
                            f"{type(g).__name__} at position {i + 1}; expected a Tensor or None")
        meta = self._input_meta[k]
        if meta is None or tuple(g._data.shape) == tuple(meta[0]):
            return
        if not _expandable(tuple(meta[0]), tuple(g._data.shape)):
            raise RuntimeError(f"Function {self.name()} returned an invalid gradient at index "
                               f"{k} - got [{', '.join(map(str, g._data.shape))}] but expected "
                               f"shape compatible with [{', '.join(map(str, meta[0]))}]")


def _node_class(fn_cls):
    """The ``<Name>Backward`` node class of Function subclass ``fn_cls`` (made once)."""
    cls = fn_cls.__dict__.get("_backward_cls")
    if cls is None:
        cls = type(fn_cls.__name__ + "Backward", (BackwardCFunction,),
                   {"_forward_cls": fn_cls, "__module__": fn_cls.__module__})
        fn_cls._backward_cls = cls
    return cls


class _FunctionMeta(type):
    def __init__(cls, name, bases, attrs):
        cls._backward_cls = None
        super().__init__(name, bases, attrs)


class Function(FunctionCtx, metaclass=_FunctionMeta):
    """Base class of custom differentiable operations.

    Subclass it with ``@staticmethod forward(ctx, *args)`` (or ``forward(*args)`` plus
    ``setup_context(ctx, inputs, output)``) and ``@staticmethod backward(ctx, *grad_outputs)``
    returning one gradient (or None) per forward input; call it with ``Fn.apply(*args)``.

    Example::

        >>> class Double(torch.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         return x * 2
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         return g * 2
        >>> Double.apply(torch.ones(2, requires_grad=True)).sum().backward()
    """

    generate_vmap_rule = False

    def __init__(self, *args, **kwargs):
        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd functions "
                      "are all static, so you should invoke them on the class itself. "
                      "Instantiating an autograd function will raise an error in a future "
                      "version of PyTorch.", DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is "
                           "deprecated. Please use new-style autograd function with static "
                           "forward method. (Example: https://pytorch.org/docs/stable/"
                           "autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward and record the backward node (see the class docstring)."""
        return _apply(cls, _node_class(cls), args, kwargs)


class InplaceFunction(Function):
    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class NestedIOFunction(Function):
    pass


# ------------------------------------------------------------------------ once_differentiable
_TWICE = ("trying to differentiate twice a function that was marked with "
          "@once_differentiable")


class _DelayedError(AG.Node):
    """Stands for a once_differentiable backward in a recorded graph; fails when reached."""

    __slots__ = ()

    def name(self):
        return "DelayedError"

    def apply(self, grads):
        raise RuntimeError(_TWICE)


def once_differentiable(fn):
    """Decorate a Function's backward that is not itself differentiable: it runs under
    no_grad, and differentiating its result (create_graph) raises an error."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outs = fn(ctx, *args)
        if not STATE.enabled:
            return outs
        needing = [a for a in args if isinstance(a, Tensor) and a._requires_grad]
        if not needing:
            return outs
        single = not isinstance(outs, tuple)
        seq = (outs,) if single else outs
        node = _DelayedError(tuple(AG.edge_of(a) for a in needing),
                             tuple((a._data.shape, a._dtype) for a in needing), len(seq))
        res = []
        for i, o in enumerate(seq):
            if isinstance(o, Tensor) and o._dtype.category >= 2:
                o = o.detach()
                o._requires_grad, o.grad_fn, o._output_nr = True, node, i
            res.append(o)
        return res[0] if single else tuple(res)
    return wrapper


def _expandable(shape, desired) -> bool:
    """Whether ``shape`` broadcasts to ``desired`` (a gradient may then be summed down)."""
    if len(shape) > len(desired):
        return False
    return all(s == d or s == 1 for s, d in zip(reversed(shape), reversed(desired)))


# ------------------------------------------------------------------------ Function.apply
def _apply(cls, node_cls, args, kwargs):
    is_tensor = tuple(isinstance(a, Tensor) for a in args)
    ctx = _new_ctx(node_cls, args, is_tensor)
    with no_grad():
        if _has_setup_context(cls):
            out = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args if not kwargs else args + tuple(kwargs.values()), out)
        else:
            out = cls.forward(ctx, *args, **kwargs)
    differentiable = STATE.enabled and any(ctx.needs_input_grad)
    if differentiable:
        ctx.next_functions = tuple(AG.edge_of(a) if a._requires_grad else (None, 0)
                                   for a, t in zip(args, is_tensor) if t)
    for d in ctx._dirty:
        if d.grad_fn is None and d._requires_grad and differentiable:
            raise RuntimeError("a leaf Variable that requires grad has been used in an "
                               "in-place operation.")
    single = not isinstance(out, tuple)
    outs = _wrap_outputs(ctx, args, (out,) if single else out, differentiable)
    _save(ctx)
    return outs[0] if single else outs


def _has_setup_context(cls) -> bool:
    return getattr(cls.setup_context, "__func__", cls.setup_context) is not \
        Function.__dict__["setup_context"].__func__


def _new_ctx(node_cls, args, is_tensor):
    ctx = node_cls.__new__(node_cls)
    ctx.next_functions = ()
    ctx._input_meta = tuple((a._data.shape, a._dtype) for a, t in zip(args, is_tensor) if t)
    ctx._n_out = 1
    ctx._seq = next(AG._seq)
    ctx._pre_hooks = ctx._post_hooks = ctx._tensor_hooks = None
    ctx.metadata = {"traceback_": AG.anomaly_traceback()} if STATE.anomaly else None
    ctx._arg_is_tensor = is_tensor
    ctx.needs_input_grad = tuple(t and a._requires_grad for a, t in zip(args, is_tensor))
    ctx._to_save = None
    ctx._dirty = ()
    ctx._non_differentiable = ()
    ctx._materialize = True
    ctx._saved = None
    ctx._saved_versions = ()
    ctx._output_meta = ()
    return ctx


def _is_in(t, seq) -> bool:
    return any(t is s for s in seq)


def _wrap_outputs(ctx, args, outs, differentiable):
    dirty, nondiff = ctx._dirty, ctx._non_differentiable
    for d in dirty:
        if not _is_in(d, outs):
            raise RuntimeError("Some elements marked as dirty during the forward method were "
                               "not returned as output. The inputs that are modified inplace "
                               "must all be outputs of the Function.")
    for d in dirty:
        d._vc[0] += 1  # PyTorch bumps a dirty tensor's version once more when rebasing it
    res, metas = [], []
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            res.append(o)
            metas.append(None)
            continue
        if not _is_in(o, dirty) and _is_in(o, args):
            o = _alias_view(o)  # torch returns a view, never the input object itself
        if differentiable and o._dtype.category >= 2 and not _is_in(outs[i], nondiff):
            o.grad_fn, o._output_nr, o._requires_grad = ctx, i, True
        elif differentiable and _is_in(outs[i], nondiff) and o.grad_fn is None:
            o._requires_grad = False
        res.append(o)
        metas.append((tuple(o._data.shape), o._dtype))
    ctx._n_out = len(outs)
    ctx._output_meta = tuple(metas)
    return tuple(res)


def _alias_view(t):
    v = make_view(t._data, t)
    v._dtype = t._dtype
    return v


def _save(ctx):
    saved = ctx._to_save
    ctx._to_save = None
    saved = tuple(saved) if saved is not None else ()
    ctx._saved_versions = tuple((t, t._vc[0]) for t in saved if t is not None)
    if AG.SAVED_HOOKS:
        # saved_tensors_hooks / save_on_cpu: pack now, unpack on each ctx.saved_tensors
        pack, unpack = AG.SAVED_HOOKS[-1]
        saved = tuple(AG._Packed(pack(t)) if t is not None else None for t in saved)
        ctx._unpack_saved = unpack
    ctx._saved = saved
