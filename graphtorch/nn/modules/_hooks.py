"""Module.__call__ with forward pre/post hooks and full backward (pre-)hooks.

Backward hooks are identity grad nodes inserted around the module: one on the outputs records
grad_output (and runs backward pre-hooks), one on the tensor inputs runs the hooks with
(grad_input, grad_output) when the input gradients are known."""
from __future__ import annotations

from ...eager import autograd as AG
from ...eager.grad_mode import STATE
from ...eager.tensor import Tensor, _alias


class ModuleHandle:
    """A removable handle that also clears the hook's flags (with_kwargs, always_call)."""

    def __init__(self, handle, *extra):
        self.handle, self.extra, self.id = handle, extra, handle.id

    def remove(self):
        self.handle.remove()
        for table in self.extra:
            table.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def call_module(module, args, kwargs, gpre, ghooks):
    d = module.__dict__
    if not (d["_forward_hooks"] or d["_forward_pre_hooks"] or d["_backward_hooks"] or
            d["_backward_pre_hooks"] or gpre or ghooks):
        return module.forward(*args, **kwargs)
    for hid, hook in list(gpre.items()) + list(d["_forward_pre_hooks"].items()):
        if hid in d["_forward_pre_hooks_with_kwargs"]:
            r = hook(module, args, kwargs)
            if r is not None:
                if not (isinstance(r, tuple) and len(r) == 2):
                    raise RuntimeError("forward pre-hook must return None or a tuple of (new_args,"
                                       f" new_kwargs), but got {r}.")
                args, kwargs = r
        else:
            r = hook(module, args)
            if r is not None:
                args = r if isinstance(r, tuple) else (r,)
    bw = _BackwardHooks(module) if (d["_backward_hooks"] or d["_backward_pre_hooks"]) \
        and module._is_full_backward_hook is not False and STATE.enabled else None
    if bw is not None:
        args = bw.wrap_inputs(args)
    try:
        result = module.forward(*args, **kwargs)
    except Exception:
        for hid, hook in d["_forward_hooks"].items():
            if hid in d["_forward_hooks_always_called"]:
                try:
                    _run_forward_hook(module, hid, hook, args, kwargs, None)
                except Exception:  # noqa: BLE001 - the forward's error wins
                    pass
        raise
    for hid, hook in list(ghooks.items()) + list(d["_forward_hooks"].items()):
        r = _run_forward_hook(module, hid, hook, args, kwargs, result)
        if r is not None:
            result = r
    if bw is not None:
        result = bw.wrap_outputs(result)
    return result


def _run_forward_hook(module, hid, hook, args, kwargs, result):
    if hid in module._forward_hooks_with_kwargs:
        return hook(module, args, kwargs, result)
    return hook(module, args, result)


class _IdentityNode(AG.Node):
    """A multi-output identity in the backward graph that calls ``on_grads`` first."""

    __slots__ = ("on_grads",)

    def apply(self, grads):
        out = self.on_grads(list(grads))
        return out


def _wrap(tensors, on_grads, name):
    idx = [i for i, t in enumerate(tensors) if isinstance(t, Tensor) and t.requires_grad]
    if not idx:
        return tensors, None
    cls = AG.node_class(name) if False else type(name, (_IdentityNode,), {"__slots__": ()})
    node = cls.__new__(cls)
    AG.Node.__init__(node, tuple(AG.edge_of(tensors[i]) for i in idx),
                     tuple((tuple(tensors[i].shape), tensors[i].dtype) for i in idx), len(idx))
    node.on_grads = on_grads
    out = list(tensors)
    for k, i in enumerate(idx):
        t = _alias(tensors[i])
        t._vc = tensors[i]._vc
        t._requires_grad, t.grad_fn, t._output_nr = True, node, k
        out[i] = t
    return out, idx


class _BackwardHooks:
    def __init__(self, module):
        self.module = module
        self.grad_output = None
        self.n_inputs = 0

    def wrap_inputs(self, args):
        out, idx = _wrap(list(args), self._on_input_grads, "BackwardHookFunctionBackward")
        self.input_idx = idx
        self.n_inputs = len(args)
        return tuple(out)

    def wrap_outputs(self, result):
        single = isinstance(result, Tensor)
        outs = [result] if single else list(result) if isinstance(result, (tuple, list)) \
            else [result]
        wrapped, idx = _wrap(outs, self._on_output_grads, "BackwardHookFunctionBackward")
        self.output_idx = idx
        if idx is None:
            return result
        return wrapped[0] if single else type(result)(wrapped) if isinstance(result, tuple) \
            else wrapped

    def _on_output_grads(self, grads):
        m = self.module
        for hook in m._backward_pre_hooks.values():
            r = hook(m, tuple(grads))
            if r is not None:
                grads = list(r)
        self.grad_output = tuple(grads)
        if self.input_idx is None:  # no input needs grad: hooks run with grad_input = None
            for hook in m._backward_hooks.values():
                hook(m, (None,) * max(self.n_inputs, 1), self.grad_output)
        return grads

    def _on_input_grads(self, grads):
        m = self.module
        full = [None] * self.n_inputs
        for k, i in enumerate(self.input_idx):
            full[i] = grads[k]
        for hook in m._backward_hooks.values():
            r = hook(m, tuple(full), self.grad_output)
            if r is not None:
                if len(r) != len(full):
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                       f"got {len(r)}, but expected {len(full)}")
                full = list(r)
        return [full[i] for i in self.input_idx]
