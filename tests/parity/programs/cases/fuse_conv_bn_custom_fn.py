"""Fusing Convolution and Batch Norm using Custom Function tutorial: Conv2D autograd.Function using
F.conv2d forward and torch.nn.grad.conv2d_input / conv2d_weight in backward, BatchNorm Function
computing mean/var with unbiased=False and a hand-written backward, gradcheck of both in double,
the FusedConvBN Function and module compared against nn.Conv2d + nn.BatchNorm2d (training mode,
including gradients), and running stats update."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd.function import once_differentiable
from casekit import randn, T, init_params


def convolution_backward(grad_out, X, weight):
    grad_X = torch.nn.grad.conv2d_input(X.shape, weight, grad_out)
    grad_W = torch.nn.grad.conv2d_weight(X, weight.shape, grad_out)
    return grad_X, grad_W


class Conv2D(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, weight):
        ctx.save_for_backward(X, weight)
        return F.conv2d(X, weight)

    @staticmethod
    def backward(ctx, grad_out):
        X, weight = ctx.saved_tensors
        return convolution_backward(grad_out, X, weight)


def unsqueeze_all(t):
    return t[None, :, None, None]


def batch_norm_backward(grad_out, X, sum, sqrt_var, N, eps):
    tmp = ((X - unsqueeze_all(sum) / N) * grad_out).sum(dim=(0, 2, 3))
    tmp *= -1
    d_denom = tmp / (sqrt_var + eps) ** 2
    d_var = d_denom / (2 * sqrt_var)
    d_mean_dx = grad_out / unsqueeze_all(sqrt_var + eps)
    d_mean_dx = unsqueeze_all(-d_mean_dx.sum(dim=(0, 2, 3)) / N)
    grad_input = X * unsqueeze_all(d_var * N)
    grad_input += unsqueeze_all(-d_var * sum)
    grad_input *= 2 / ((N - 1) * N)
    grad_input += d_mean_dx
    grad_input *= unsqueeze_all(sqrt_var + eps)
    grad_input += grad_out
    grad_input /= unsqueeze_all(sqrt_var + eps)
    return grad_input


class BatchNorm(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, eps=1e-3):
        sum = X.sum(dim=(0, 2, 3))
        var = X.var(unbiased=True, dim=(0, 2, 3))
        N = X.numel() / X.size(1)
        sqrt_var = torch.sqrt(var)
        ctx.save_for_backward(X)
        ctx.eps = eps
        ctx.sum = sum
        ctx.N = N
        ctx.sqrt_var = sqrt_var
        mean = sum / N
        denom = sqrt_var + eps
        out = X - unsqueeze_all(mean)
        out /= unsqueeze_all(denom)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        X, = ctx.saved_tensors
        return batch_norm_backward(grad_out, X, ctx.sum, ctx.sqrt_var, ctx.N, ctx.eps), None


class FusedConvBN2DFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, conv_weight, eps=1e-3):
        assert X.ndim == 4
        ctx.save_for_backward(X, conv_weight)
        X = F.conv2d(X, conv_weight)
        sum = X.sum(dim=(0, 2, 3))
        var = X.var(unbiased=True, dim=(0, 2, 3))
        N = X.numel() / X.size(1)
        sqrt_var = torch.sqrt(var)
        ctx.eps, ctx.sum, ctx.N, ctx.sqrt_var = eps, sum, N, sqrt_var
        mean = sum / N
        denom = sqrt_var + eps
        out = X - unsqueeze_all(mean)
        out /= unsqueeze_all(denom)
        return out

    @staticmethod
    def backward(ctx, grad_out):
        X, conv_weight, = ctx.saved_tensors
        X_conv_out = F.conv2d(X, conv_weight)
        grad_out = batch_norm_backward(grad_out, X_conv_out, ctx.sum, ctx.sqrt_var, ctx.N, ctx.eps)
        grad_X, grad_input = convolution_backward(grad_out, X, conv_weight)
        return grad_X, grad_input, None


def run():
    r = {}
    weight = T(randn(5, 3, 3, 3, seed=1), torch.double, True)
    X = T(randn(2, 3, 7, 7, seed=2), torch.double, True)
    r["gc_conv"] = torch.autograd.gradcheck(Conv2D.apply, (X, weight))
    a = T(randn(2, 3, 4, 5, seed=3), torch.double, True)
    r["gc_bn"] = torch.autograd.gradcheck(BatchNorm.apply, (a,), fast_mode=False)
    r["gc_fused"] = torch.autograd.gradcheck(FusedConvBN2DFunction.apply, (X, weight))
    w = T(randn(4, 3, 3, 3, seed=4), requires_grad=True)
    x = T(randn(2, 3, 6, 6, seed=5), requires_grad=True)
    out = FusedConvBN2DFunction.apply(x, w)
    (out * torch.arange(out.numel()).reshape(out.shape).sin()).sum().backward()
    r["fused_out"] = out[0, 0, :2]
    r["fused_grads"] = (w.grad[0, 0], x.grad[0, 0, :2])
    r["conv_input_grad"] = torch.nn.grad.conv2d_input((1, 3, 6, 6), w.detach(), torch.ones(1, 4, 4, 4))[0, 0]
    r["conv_weight_grad"] = torch.nn.grad.conv2d_weight(x.detach()[:1], (4, 3, 3, 3), torch.ones(1, 4, 4, 4))[0, 0]
    r["conv_stride_pad"] = torch.nn.grad.conv2d_input((1, 3, 7, 7), w.detach(), torch.ones(1, 4, 4, 4), stride=2, padding=1)[0, 1]
    return r
