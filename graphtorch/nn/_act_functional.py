"""Activation functions of torch.nn.functional over the activation ops (in-place variants go
through the in-place dispatcher, so autograd sees them as PyTorch does)."""
from __future__ import annotations

from ..eager.dispatch import call, call_inplace
from ..ops import registry as R

_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _run(name, input, inplace=False, **attrs):
    op = R.get(name)
    return call_inplace(op, input, **attrs) if inplace else call(op, input, **attrs)


def gelu(input, approximate: str = "none"):
    """x * Phi(x) (Phi the standard normal CDF), or its tanh approximation."""
    return _run("gelu", input, approximate=approximate) if approximate != "none" else \
        _run("gelu", input)


def silu(input, inplace=False):
    """x * sigmoid(x)."""
    return _run("silu", input, inplace)


def mish(input, inplace=False):
    return _run("mish", input, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _run("leaky_relu", input, inplace, negative_slope=negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


def elu(input, alpha=1.0, inplace=False):
    return _run("elu", input, inplace, alpha=alpha)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def selu(input, inplace=False):
    return _run("elu", input, inplace, alpha=_SELU_ALPHA, scale=_SELU_SCALE)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _run("elu", input, inplace, alpha=alpha, input_scale=1.0 / alpha)


def softplus(input, beta=1.0, threshold=20.0):
    return _run("softplus", input, beta=beta, threshold=threshold)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _run("hardtanh", input, inplace, min_val=min_val, max_val=max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def hardswish(input, inplace=False):
    return _run("hardswish", input, inplace)


def hardsigmoid(input, inplace=False):
    return _run("hardsigmoid", input, inplace)


def logsigmoid(input):
    return _run("log_sigmoid", input)


def softshrink(input, lambd=0.5):
    return _run("softshrink", input, lambd=lambd)


def hardshrink(input, lambd=0.5):
    return _run("hardshrink", input, lambd=lambd)


def tanhshrink(input):
    return input - input.tanh()


def softsign(input):
    return input / (input.abs() + 1)


def threshold(input, threshold, value, inplace=False):
    return _run("threshold", input, inplace, threshold=threshold, value=value)


def threshold_(input, threshold, value):
    return _run("threshold", input, True, threshold=threshold, value=value)


def glu(input, dim=-1):
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    return call(R.get("glu"), input, dim=dim)


def prelu(input, weight):
    return call(R.get("prelu"), input, weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: a random slope in [lower, upper] per element when training."""
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    slope = input.new_empty(input.shape).uniform_(lower, upper)
    out = input.where(input >= 0, input * slope)
    return input.copy_(out) if inplace else out


def sigmoid(input):
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def relu_(input):
    return input.relu_()
