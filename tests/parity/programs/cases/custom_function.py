"""Custom torch.autograd.Function: save_for_backward, needs_input_grad, non-tensor args,
mark_non_differentiable, multiple outputs, once_differentiable, double backward through a
custom function, gradcheck on float64, ctx.set_materialize_grads."""
import torch
from torch.autograd import Function
from torch.autograd.function import once_differentiable
from casekit import randn


class Cube(Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x ** 3 * scale

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2 * ctx.scale, None


class SortWithIdx(Function):
    @staticmethod
    def forward(ctx, x):
        v, i = x.sort()
        ctx.mark_non_differentiable(i)
        ctx.save_for_backward(i)
        return v, i

    @staticmethod
    @once_differentiable
    def backward(ctx, gv, gi):
        (i,) = ctx.saved_tensors
        out = torch.zeros_like(gv)
        out.scatter_(-1, i, gv)
        return out


class Clip(Function):
    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return x.clamp(lo, hi)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        r = [None, None, None]
        if ctx.needs_input_grad[0]:
            r[0] = g * ((x >= ctx.lo) & (x <= ctx.hi))
        return tuple(r)


def run():
    r = {}
    x = torch.tensor(randn(5, seed=1), dtype=torch.float64, requires_grad=True)
    y = Cube.apply(x, 2.0)
    r["cube"] = y
    r["grad_fn_name"] = type(y.grad_fn).__name__
    (g,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    r["cube_grad"] = g
    (gg,) = torch.autograd.grad(g.sum(), x)
    r["cube_double"] = gg
    r["gradcheck"] = torch.autograd.gradcheck(lambda t: Cube.apply(t, 0.5), (x,))
    v, i = SortWithIdx.apply(x)
    r["sort_req"] = (v.requires_grad, i.requires_grad)
    (v * torch.arange(5, dtype=torch.float64)).sum().backward()
    r["sort_grad"] = x.grad
    x.grad = None
    z = Clip.apply(x, -0.5, 0.5)
    z.sum().backward()
    r["clip_grad"] = x.grad
    w = torch.tensor(randn(5, seed=2), dtype=torch.float64)
    r["no_grad_input"] = Clip.apply(w, -0.5, 0.5).requires_grad
    with torch.no_grad():
        r["in_no_grad"] = Cube.apply(x, 1.0).requires_grad
    def f(a):
        return Cube.apply(a, 1.0)
    r["jacobian"] = torch.autograd.functional.jacobian(f, x.detach())
    return r
