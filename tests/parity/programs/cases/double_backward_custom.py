"""Double backward with custom functions tutorial: Square Function saving the input (double
backward through a differentiable backward), Exp saving the output (result), Sinh with
intermediate results saved by returning them as outputs (mark_non_differentiable), gradcheck and
gradgradcheck on each, torch.autograd.grad with create_graph then backward of the grad."""
import torch
from casekit import randn, T


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 2

    @staticmethod
    def backward(ctx, grad_out):
        x, = ctx.saved_tensors
        return grad_out * 2 * x


class Exp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        result = torch.exp(x)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_out):
        result, = ctx.saved_tensors
        return result * grad_out


class Sinh(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        expx = torch.exp(x)
        expnegx = torch.exp(-x)
        ctx.save_for_backward(expx, expnegx)
        return (expx - expnegx) / 2, expx, expnegx

    @staticmethod
    def backward(ctx, grad_out, _grad_out_exp, _grad_out_negexp):
        expx, expnegx = ctx.saved_tensors
        grad_input = grad_out * (expx + expnegx) / 2
        if _grad_out_exp is not None:
            grad_input += _grad_out_exp * expx
        if _grad_out_negexp is not None:
            grad_input -= _grad_out_negexp * expnegx
        return grad_input


def sinh(x):
    return Sinh.apply(x)[0]


def run():
    r = {}
    x = T(randn(3, 3, seed=1), torch.double, True)
    r["gc_square"] = (torch.autograd.gradcheck(Square.apply, x), torch.autograd.gradgradcheck(Square.apply, x))
    r["gc_exp"] = (torch.autograd.gradcheck(Exp.apply, x), torch.autograd.gradgradcheck(Exp.apply, x))
    r["gc_sinh"] = (torch.autograd.gradcheck(sinh, x), torch.autograd.gradgradcheck(sinh, x))
    y = T(randn(4, seed=2), requires_grad=True)
    out = Square.apply(y)
    g, = torch.autograd.grad(out.sum(), y, create_graph=True)
    g.sum().backward()
    r["sq_grad2"] = (g, y.grad)
    y.grad = None
    e = Exp.apply(y)
    g, = torch.autograd.grad(e.sum(), y, create_graph=True)
    (g * y).sum().backward()
    r["exp_grad2"] = y.grad
    y.grad = None
    s, ex, enx = Sinh.apply(y)
    (s + ex).sum().backward()
    r["sinh_grads"] = y.grad
    r["grad_fn_name"] = type(s.grad_fn).__name__
    return r
