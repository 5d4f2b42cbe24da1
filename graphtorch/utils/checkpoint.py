"""torch.utils.checkpoint: trade compute for memory by recomputing a segment in backward.

``use_reentrant=True`` runs the segment under no_grad and re-runs it (with the RNG state of
the first run, so dropout masks match) when backward reaches it: the activations inside are
not kept.  ``use_reentrant=False`` (PyTorch's recommended mode, which lets gradients reach
parameters even when no input requires grad) runs the segment normally here: the gradients
are the same, only the memory saving is not made.
"""
from __future__ import annotations

import contextlib
import warnings

__all__ = ["checkpoint", "checkpoint_sequential", "CheckpointError", "CheckpointFunction",
           "detach_variable", "noop_context_fn", "check_backward_validity"]


class CheckpointError(RuntimeError):
    """Raised when a checkpointed segment misbehaves on recomputation."""


def noop_context_fn():
    """The default ``context_fn``: two do-nothing context managers."""
    return contextlib.nullcontext(), contextlib.nullcontext()


def detach_variable(inputs):
    """Detach each tensor of ``inputs`` keeping its requires_grad flag."""
    from ..eager.tensor import Tensor
    if not isinstance(inputs, tuple):
        raise RuntimeError("Only tuple of tensors is supported. Got Unsupported input type: "
                           f"{type(inputs).__name__}")
    out = []
    for x in inputs:
        if isinstance(x, Tensor):
            d = x.detach()
            d.requires_grad_(x.requires_grad)
            x = d
        out.append(x)
    return tuple(out)


def check_backward_validity(inputs) -> None:
    from ..eager.tensor import Tensor
    if not any(isinstance(x, Tensor) and x.requires_grad for x in inputs):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None")


def _function_class():
    from ..autograd.function import Function
    from ..eager.tensor import Tensor
    from .. import autograd, random
    from ..eager import grad_mode

    class CheckpointFunction(Function):
        @staticmethod
        def forward(ctx, run_function, preserve_rng_state, *args):
            check_backward_validity(args)
            ctx.run_function = run_function
            ctx.rng_state = random.get_rng_state() if preserve_rng_state else None
            ctx.pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
            ctx.others = list(args)
            ctx.save_for_backward(*[args[i] for i in ctx.pos])
            with grad_mode.no_grad():
                return run_function(*args)

        @staticmethod
        def backward(ctx, *grads):
            args = list(ctx.others)
            for i, t in zip(ctx.pos, ctx.saved_tensors):
                args[i] = t
            inputs = detach_variable(tuple(args))
            with random.fork_rng(enabled=ctx.rng_state is not None):
                if ctx.rng_state is not None:
                    random.set_rng_state(ctx.rng_state)
                with grad_mode.enable_grad():
                    outs = ctx.run_function(*inputs)
            outs = outs if isinstance(outs, tuple) else (outs,)
            pairs = [(o, g) for o, g in zip(outs, grads)
                     if isinstance(o, Tensor) and o.requires_grad and g is not None]
            if not pairs:
                raise RuntimeError("none of output has requires_grad=True, this checkpoint() "
                                   "is not necessary")
            autograd.backward([o for o, _ in pairs], [g for _, g in pairs])
            return (None, None) + tuple(x.grad if isinstance(x, Tensor) else None
                                        for x in inputs)

    return CheckpointFunction


_CLS = []


def __getattr__(name):
    if name == "CheckpointFunction":
        return _checkpoint_function()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _checkpoint_function():
    if not _CLS:
        _CLS.append(_function_class())
    return _CLS[0]


def checkpoint(function, *args, use_reentrant=None, context_fn=noop_context_fn,
               determinism_check="default", debug=False, early_stop=True,
               preserve_rng_state=True, **kwargs):
    """Run ``function(*args, **kwargs)`` without keeping its activations for backward.

    Args:
        function: the segment (a module or any callable).
        use_reentrant: True: recompute in backward (keyword arguments not allowed);
            False: gradients also reach parameters when no input requires grad.
        preserve_rng_state: replay the RNG state on recomputation (same dropout masks).
    """
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint: the use_reentrant parameter should be passed "
                      "explicitly. use_reentrant=False is recommended.", stacklevel=2)
        use_reentrant = True
    if use_reentrant:
        if context_fn is not noop_context_fn or debug:
            raise ValueError("Passing `context_fn` or `debug` is only supported when "
                             "use_reentrant=False.")
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        return _checkpoint_function().apply(function, preserve_rng_state, *args)
    ctx_fwd, _ = context_fn()
    with ctx_fwd:
        return function(*args, **kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Checkpoint a Sequential (or list of modules) in ``segments`` chunks; the last chunk
    runs normally."""
    from ..nn import Sequential
    if use_reentrant is None:
        warnings.warn("torch.utils.checkpoint.checkpoint_sequential: the use_reentrant "
                      "parameter should be passed explicitly.", stacklevel=2)
        use_reentrant = True
    if isinstance(functions, Sequential):
        functions = list(functions.children())
    size = len(functions) // segments
    end = -1

    def run(start, stop):
        def f(x):
            for j in range(start, stop + 1):
                x = functions[j](x)
            return x
        return f

    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, **kwargs)
    return run(end + 1, len(functions) - 1)(input)
