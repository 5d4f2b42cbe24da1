"""Padding and shape modules: ZeroPad1d/2d/3d, ConstantPad, ReflectionPad1d/2d/3d,
ReplicationPad1d/2d/3d, CircularPad1d/2d/3d with asymmetric tuples, negative padding,
nn.Unflatten, nn.ChannelShuffle, nn.Fold/Unfold round trip, nn.Softmax2d, nn.Bilinear;
gradients through reflect/replicate/circular pads."""
import torch
import torch.nn as nn
from casekit import init_params, randn


def run():
    r = {}
    x1 = torch.tensor(randn(1, 2, 5, seed=1), requires_grad=True)
    x2 = torch.tensor(randn(1, 2, 4, 5, seed=2), requires_grad=True)
    x3 = torch.tensor(randn(1, 1, 3, 4, 4, seed=3), requires_grad=True)
    mods = {
        "zero1": nn.ZeroPad1d((1, 2)), "zero2": nn.ZeroPad2d((1, 0, 2, 1)), "zero3": nn.ZeroPad3d(1),
        "const2": nn.ConstantPad2d((0, 1, 1, 0), -2.5),
        "refl1": nn.ReflectionPad1d((2, 3)), "refl2": nn.ReflectionPad2d((1, 2, 3, 0)),
        "refl3": nn.ReflectionPad3d((1, 0, 2, 1, 1, 1)),
        "rep1": nn.ReplicationPad1d(3), "rep2": nn.ReplicationPad2d((0, 2, 1, 3)), "rep3": nn.ReplicationPad3d(1),
        "circ1": nn.CircularPad1d((1, 3)), "circ2": nn.CircularPad2d((2, 1, 1, 2)), "circ3": nn.CircularPad3d(1),
        "zero2_neg": nn.ZeroPad2d((-1, 1, 0, -2)),
    }
    total = 0
    for name, m in mods.items():
        x = {"1": x1, "2": x2, "3": x3}[name[-1] if name[-1] in "123" else "2"]
        y = m(x)
        r[name] = y
        total = total + (y * y).sum()
        r[name + "_repr"] = repr(m)
    total.backward()
    r["g1"], r["g2"], r["g3"] = x1.grad, x2.grad, x3.grad
    t = torch.arange(48.0).reshape(2, 24)
    r["unflatten"] = nn.Unflatten(1, (2, 3, 4))(t).shape
    r["shuffle"] = nn.ChannelShuffle(3)(torch.arange(12.0).reshape(1, 6, 1, 2))
    img = torch.tensor(randn(1, 2, 6, 6, seed=4))
    unf = nn.Unfold(kernel_size=2, stride=2)
    fold = nn.Fold(output_size=(6, 6), kernel_size=2, stride=2)
    r["fold_roundtrip"] = torch.equal(fold(unf(img)), img)
    unf2 = nn.Unfold(kernel_size=3, padding=1, dilation=1)
    ones = torch.ones(1, 2, 6, 6)
    r["fold_overlap_counts"] = nn.Fold((6, 6), 3, padding=1)(unf2(ones))[0, 0]
    r["softmax2d"] = nn.Softmax2d()(img)[0, :, 0, 0]
    bil = init_params(nn.Bilinear(3, 2, 4), seed=5)
    r["bilinear"] = bil(torch.tensor(randn(5, 3, seed=6)), torch.tensor(randn(5, 2, seed=7)))
    return r
