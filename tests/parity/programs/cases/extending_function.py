"""Extending PyTorch notes: LinearFunction with ctx.needs_input_grad, optional bias (None grads),
ctx.mark_non_differentiable, once_differentiable backward (double backward raises), setup_context
style (forward without ctx + setup_context staticmethod), MulConstant with a non-tensor arg,
gradcheck of LinearFunction in double, ctx.set_materialize_grads(False), a Module wrapper, and
a custom function returning multiple outputs with one unused."""
import torch
import torch.nn as nn
from torch.autograd import Function, gradcheck
from torch.autograd.function import once_differentiable
from casekit import randn, T, init_params


class LinearFunction(Function):
    @staticmethod
    def forward(ctx, input, weight, bias=None):
        ctx.save_for_backward(input, weight, bias)
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


class MulConstant(Function):
    @staticmethod
    def forward(tensor, constant):
        return tensor * constant

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.constant = inputs[1]

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.constant, None


class SortOnce(Function):
    @staticmethod
    def forward(ctx, x):
        vals, idx = x.sort()
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)
        return vals, idx

    @staticmethod
    @once_differentiable
    def backward(ctx, g, gidx):
        idx, = ctx.saved_tensors
        out = torch.zeros_like(g)
        out.scatter_(0, idx, g)
        return out


class MyLinear(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(o, i))
        self.bias = nn.Parameter(torch.empty(o))

    def forward(self, x):
        return LinearFunction.apply(x, self.weight, self.bias)

    def extra_repr(self):
        return 'input_features={}, output_features={}'.format(self.weight.shape[1], self.weight.shape[0])


def run():
    r = {}
    inp = (T(randn(6, 4, seed=1), torch.double, True), T(randn(3, 4, seed=2), torch.double, True))
    r["gradcheck"] = gradcheck(LinearFunction.apply, inp, eps=1e-6, atol=1e-4)
    x = T(randn(2, 4, seed=3))
    w = T(randn(3, 4, seed=4), requires_grad=True)
    out = LinearFunction.apply(x, w)
    out.sum().backward()
    r["no_bias"] = (out, w.grad, x.grad is None)
    m = init_params(MyLinear(4, 3), seed=5)
    r["repr"] = repr(m)
    y = m(x)
    y.pow(2).sum().backward()
    r["module_grads"] = (m.weight.grad, m.bias.grad)
    a = T(randn(3, seed=6), requires_grad=True)
    c = MulConstant.apply(a, 2.5)
    c.sum().backward()
    r["mulconst"] = (c, a.grad, type(c.grad_fn).__name__)
    s = T([3.0, 1.0, 2.0], requires_grad=True)
    vals, idx = SortOnce.apply(s)
    r["idx_req"] = (idx.requires_grad, vals.requires_grad)
    g, = torch.autograd.grad((vals * torch.tensor([1., 2., 3.])).sum(), s, create_graph=True)
    r["sort_grad"] = g
    try:
        g.sum().backward()
        r["double_bw"] = "no error"
    except RuntimeError:
        r["double_bw"] = "RuntimeError"
    return r
