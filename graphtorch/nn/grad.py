"""torch.nn.grad: gradients of a convolution with respect to its input or its weight (the
"fusing convolution and batch norm" tutorial writes a custom backward with them).

A convolution is linear in each operand, so each gradient is the vjp of the convolution
taken at a zero operand of the requested size; the result stays differentiable with respect
to the other operand and ``grad_output`` (graph kept when one of them requires grad)."""
from __future__ import annotations

__all__ = ["conv1d_input", "conv1d_weight", "conv2d_input", "conv2d_weight", "conv3d_input",
           "conv3d_weight"]


def _conv(nd):
    from . import functional as F
    return (F.conv1d, F.conv2d, F.conv3d)[nd - 1]


def _vjp_at_zero(nd, size, other, grad_output, wrt_input, stride, padding, dilation, groups):
    from .. import zeros
    from ..autograd import grad
    from ..eager.grad_mode import STATE
    z = zeros(tuple(size), dtype=grad_output.dtype, requires_grad=True)
    keep = STATE.enabled and (other.requires_grad or grad_output.requires_grad)
    with _enable_grad():
        x, w = (z, other) if wrt_input else (other, z)
        out = _conv(nd)(x, w, None, stride, padding, dilation, groups)
        if tuple(out.shape) != tuple(grad_output.shape):
            raise RuntimeError(f"Expected grad_output of shape {list(out.shape)} for the given "
                               f"sizes, but got {list(grad_output.shape)}")
        g, = grad(out, z, grad_output, create_graph=keep)
    return g


def _enable_grad():
    from ..eager.grad_mode import enable_grad
    return enable_grad()


def _make(nd, wrt_input):
    if wrt_input:
        def fn(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
            return _vjp_at_zero(nd, input_size, weight, grad_output, True, stride, padding,
                                dilation, groups)
        fn.__doc__ = (f"Gradient of conv{nd}d with respect to its input of size "
                      "``input_size``.")
    else:
        def fn(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
            return _vjp_at_zero(nd, weight_size, input, grad_output, False, stride, padding,
                                dilation, groups)
        fn.__doc__ = (f"Gradient of conv{nd}d with respect to its weight of size "
                      "``weight_size``.")
    fn.__name__ = f"conv{nd}d_{'input' if wrt_input else 'weight'}"
    return fn


conv1d_input, conv1d_weight = _make(1, True), _make(1, False)
conv2d_input, conv2d_weight = _make(2, True), _make(2, False)
conv3d_input, conv3d_weight = _make(3, True), _make(3, False)
