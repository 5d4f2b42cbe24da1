"""Parity with torch 2.13 for conv_transpose, fold/unfold, interpolate, grid_sample,
affine_grid, pixel/channel shuffle, max_unpool, lp_pool, fractional and adaptive max pooling,
and the spatial modules: outputs, input/weight gradients, grad_fn names, reprs, errors."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as TF  # noqa: E402

import graphtorch as gt  # noqa: E402
from graphtorch.nn import _spatial_functional as SF  # noqa: E402
from graphtorch.nn.modules import spatial as SM  # noqa: E402
from tests.helpers import T, assert_close  # noqa: E402

RNG = np.random.RandomState(0)


def rand(*shape, dtype=np.float64):
    return RNG.randn(*shape).astype(dtype)


def run_both(gfn, tfn, arrays, grad=True, rtol=1e-6, atol=1e-6, name=True, n_grad=None):
    """Call gfn / tfn on copies of ``arrays``; compare outputs, grads of the first ``n_grad``
    float inputs and the grad_fn name."""
    n_grad = len(arrays) if n_grad is None else n_grad
    req = [grad and a.dtype.kind == "f" and i < n_grad for i, a in enumerate(arrays)]
    ga = [T(a, requires_grad=r) for a, r in zip(arrays, req)]
    ta = [torch.tensor(a, requires_grad=r) for a, r in zip(arrays, req)]
    go, to = gfn(*ga), tfn(*ta)
    go_t = go if isinstance(go, tuple) else (go,)
    to_t = to if isinstance(to, tuple) else (to,)
    for a, b in zip(go_t, to_t):
        assert_close(a, b, rtol=rtol, atol=atol)
    if not grad:
        return go
    names = (type(go_t[0].grad_fn).__name__, type(to_t[0].grad_fn).__name__)
    if name and names[1] != "SqueezeBackward1":  # torch's 1-d / unbatched paths squeeze
        assert names[0] == names[1]
    w = rand(*to_t[0].shape, dtype=arrays[0].dtype)
    (go_t[0] * T(w)).sum().backward()
    (to_t[0] * torch.tensor(w)).sum().backward()
    for a, b in zip(ga, ta):
        if b.requires_grad:
            assert_close(a.grad, b.grad, rtol=rtol * 10, atol=atol * 10)
    return go


# ----------------------------------------------------------------------------- conv_transpose
CT_CASES = [
    (1, (2, 3, 6), (3, 4, 3), dict(stride=2, padding=1, output_padding=1)),
    (1, (3, 5), (3, 2, 2), dict(dilation=2)),
    (1, (1, 2, 4), (2, 2, 2), dict(dilation=3, output_padding=2)),   # output_padding >= stride
    (2, (2, 4, 5, 4), (4, 3, 3, 2), dict(stride=(2, 1), padding=(1, 0), groups=2)),
    (2, (1, 2, 3, 3), (2, 1, 3, 3), dict(stride=3, output_padding=(2, 1), dilation=(1, 2))),
    (2, (1, 2, 4, 4), (2, 2, 1, 1), dict()),
    (3, (1, 2, 3, 2, 3), (2, 2, 2, 2, 2), dict(stride=(1, 2, 2), padding=(0, 1, 0))),
]


@pytest.mark.parametrize("nd,xs,ws,kw", CT_CASES)
@pytest.mark.parametrize("bias", [False, True])
def test_conv_transpose(nd, xs, ws, kw, bias):
    g = kw.get("groups", 1)
    arrays = [rand(*xs), rand(*ws)] + ([rand(ws[1] * g)] if bias else [])
    gfn = getattr(SF, f"conv_transpose{nd}d")
    tfn = getattr(TF, f"conv_transpose{nd}d")
    run_both(lambda *a: gfn(*a, **kw), lambda *a: tfn(*a, **kw), arrays)


def test_conv_transpose_float32_and_double_backward():
    x, w = rand(1, 2, 4, 4, dtype=np.float32), rand(2, 3, 3, 3, dtype=np.float32)
    run_both(lambda a, b: SF.conv_transpose2d(a, b, stride=2),
             lambda a, b: TF.conv_transpose2d(a, b, stride=2), [x, w], rtol=1e-4, atol=1e-4)
    xd, wd = rand(1, 2, 3, 3), rand(2, 2, 2, 2)
    gx, gw = T(xd, True), T(wd, True)
    tx, tw = torch.tensor(xd, requires_grad=True), torch.tensor(wd, requires_grad=True)
    g1 = gt.autograd.grad(SF.conv_transpose2d(gx, gw, stride=2).square().sum(), [gx],
                          create_graph=True)[0]
    t1 = torch.autograd.grad(TF.conv_transpose2d(tx, tw, stride=2).square().sum(), [tx],
                             create_graph=True)[0]
    assert_close(g1, t1)
    g1.sum().backward()
    t1.sum().backward()
    assert_close(gw.grad, tw.grad)


def test_conv_transpose_module():
    torch.manual_seed(0)
    tm = torch.nn.ConvTranspose2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2))
    gm = SM.ConvTranspose2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2))
    assert repr(gm) == repr(tm)
    assert tuple(gm.weight.shape) == tuple(tm.weight.shape)
    for args in [(16, 33, 3), (4, 6, 3, 2, 1, 1, 2, False, 2)]:
        assert repr(SM.ConvTranspose1d(*args)) == repr(torch.nn.ConvTranspose1d(*args))
        assert repr(SM.ConvTranspose3d(*args)) == repr(torch.nn.ConvTranspose3d(*args))
    # default init: kaiming_uniform(a=sqrt(5)) over fan_in = out/groups * prod(k)
    m = SM.ConvTranspose2d(8, 4, 3)
    bound = 1 / np.sqrt(4 * 9)
    assert np.abs(m.weight.detach().numpy()).max() <= bound + 1e-6
    # output_size in forward
    tm = torch.nn.ConvTranspose2d(4, 2, 3, stride=2)
    gm = SM.ConvTranspose2d(4, 2, 3, stride=2)
    gm.load_state_dict({k: T(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = rand(1, 4, 5, 5, dtype=np.float32)
    for size in [(11, 11), (12, 11), (1, 2, 12, 12)]:
        assert_close(gm(T(x), output_size=size), tm(torch.tensor(x), output_size=size),
                     rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="valid sizes range from"):
        gm(T(x), output_size=(20, 20))
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        SM.ConvTranspose2d(4, 2, 3, padding_mode="reflect")


# ------------------------------------------------------------------------------ fold / unfold
FOLD = [dict(kernel_size=2), dict(kernel_size=(3, 2), dilation=(2, 1), padding=1, stride=(2, 3)),
        dict(kernel_size=3, padding=2, stride=2)]


@pytest.mark.parametrize("kw", FOLD)
def test_unfold_fold(kw):
    x = rand(2, 3, 7, 6)
    run_both(lambda a: SF.unfold(a, **kw), lambda a: TF.unfold(a, **kw), [x])
    run_both(lambda a: SF.unfold(a, **kw), lambda a: TF.unfold(a, **kw), [x[0]], name=False)
    cols = TF.unfold(torch.tensor(x), **kw).numpy()
    run_both(lambda a: SF.fold(a, (7, 6), **kw), lambda a: TF.fold(a, (7, 6), **kw), [cols])
    assert repr(SM.Fold((7, 6), **kw)) == repr(torch.nn.Fold((7, 6), **kw))
    assert repr(SM.Unfold(**kw)) == repr(torch.nn.Unfold(**kw))


# ------------------------------------------------------------------------------ interpolate
INTERP = [((2, 3, 5), m) for m in ("nearest", "nearest-exact", "linear", "area")] + \
    [((1, 2, 5, 7), m) for m in ("nearest", "nearest-exact", "bilinear", "bicubic", "area")] + \
    [((1, 2, 3, 4, 5), m) for m in ("nearest", "trilinear", "area")]
SIZES = [dict(size=7), dict(size=3), dict(scale_factor=2), dict(scale_factor=1.7),
         dict(scale_factor=0.6), dict(scale_factor=0.6, recompute_scale_factor=True),
         dict(scale_factor=(2.3, 0.5, 1.2))]


@pytest.mark.parametrize("shape,mode", INTERP)
def test_interpolate(shape, mode):
    nd = len(shape) - 2
    acs = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
    for kw, ac, dt in itertools.product(SIZES, acs, (np.float32, np.float64)):
        if isinstance(kw.get("scale_factor"), tuple):
            kw = dict(scale_factor=kw["scale_factor"][:nd])
            # torch's 3-d nearest backward ignores the depth scale factor (its forward does
            # not): graphtorch's gradient is the true adjoint, so compare values only there
            grad = not (mode == "nearest" and nd == 3)
        else:
            grad = True
        tol = 1e-5 if dt == np.float32 else 1e-10
        x = rand(*shape, dtype=dt)
        run_both(lambda a: SF.interpolate(a, mode=mode, align_corners=ac, **kw),
                 lambda a: TF.interpolate(a, mode=mode, align_corners=ac, **kw), [x],
                 grad=grad, rtol=tol, atol=tol, name=not (mode == "area" and nd == 1))


def test_upsample_modules_and_aliases():
    x = rand(1, 2, 3, 4)
    for gm, tm in [(SM.Upsample(scale_factor=2), torch.nn.Upsample(scale_factor=2)),
                   (SM.Upsample(size=(5, 3), mode="bilinear"),
                    torch.nn.Upsample(size=(5, 3), mode="bilinear")),
                   (SM.Upsample(scale_factor=(2, 1.5), mode="bicubic", align_corners=True),
                    torch.nn.Upsample(scale_factor=(2, 1.5), mode="bicubic",
                                      align_corners=True)),
                   (SM.UpsamplingNearest2d(scale_factor=2),
                    torch.nn.UpsamplingNearest2d(scale_factor=2)),
                   (SM.UpsamplingBilinear2d(size=(2, 3)),
                    torch.nn.UpsamplingBilinear2d(size=(2, 3)))]:
        assert repr(gm) == repr(tm)
        assert_close(gm(T(x)), tm(torch.tensor(x)))
    with pytest.warns(UserWarning, match="deprecated"):
        out = SF.upsample_bilinear(T(x), scale_factor=2)
    assert_close(out, TF.interpolate(torch.tensor(x), scale_factor=2, mode="bilinear",
                                     align_corners=True))


def test_interpolate_double_backward():
    x = rand(1, 1, 3, 4)
    gx, tx = T(x, True), torch.tensor(x, requires_grad=True)
    g1 = gt.autograd.grad(SF.interpolate(gx, scale_factor=2, mode="bicubic").square().sum(), [gx],
                          create_graph=True)[0]
    t1 = torch.autograd.grad(TF.interpolate(tx, scale_factor=2, mode="bicubic").square().sum(),
                             [tx], create_graph=True)[0]
    assert_close(g1, t1)
    g2 = gt.autograd.grad(g1.sum(), [gx])[0]
    t2 = torch.autograd.grad(t1.sum(), [tx])[0]
    assert_close(g2, t2)


# --------------------------------------------------------------------- grid_sample / affine
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample(mode, padding_mode, align_corners):
    for nd, dt in itertools.product((2, 3), (np.float32, np.float64)):
        if mode == "bicubic" and nd == 3:
            continue
        x = rand(*(2, 3, 4, 5, 6)[:nd + 2], dtype=dt)
        g = (RNG.rand(*((2, 3, 4, 2, nd) if nd == 3 else (2, 3, 4, nd))) * 3 - 1.5).astype(dt)
        tol = 1e-4 if dt == np.float32 else 1e-9
        run_both(lambda a, b: SF.grid_sample(a, b, mode, padding_mode, align_corners),
                 lambda a, b: TF.grid_sample(a, b, mode, padding_mode, align_corners), [x, g],
                 rtol=tol, atol=tol)


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 3, 4, 2), (2, 1, 2, 3)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid(size, align_corners):
    theta = rand(2, len(size) - 2, len(size) - 1)
    run_both(lambda t: SF.affine_grid(t, size, align_corners),
             lambda t: TF.affine_grid(t, size, align_corners), [theta])


# -------------------------------------------------------------------------------- shuffles
def test_shuffles():
    run_both(lambda a: SF.pixel_shuffle(a, 2), lambda a: TF.pixel_shuffle(a, 2),
             [rand(2, 8, 3, 2)])
    run_both(lambda a: SF.pixel_shuffle(a, 3), lambda a: TF.pixel_shuffle(a, 3),
             [rand(2, 1, 9, 2, 1)])
    run_both(lambda a: SF.pixel_unshuffle(a, 2), lambda a: TF.pixel_unshuffle(a, 2),
             [rand(2, 3, 4, 6)])
    run_both(lambda a: SF.channel_shuffle(a, 3), lambda a: TF.channel_shuffle(a, 3),
             [rand(2, 6, 2, 2)])
    for g, t in [(SM.PixelShuffle(2), torch.nn.PixelShuffle(2)),
                 (SM.PixelUnshuffle(3), torch.nn.PixelUnshuffle(3)),
                 (SM.ChannelShuffle(2), torch.nn.ChannelShuffle(2))]:
        assert repr(g) == repr(t)


# ---------------------------------------------------------------------------------- pooling
@pytest.mark.parametrize("nd", [1, 2, 3])
def test_max_unpool(nd):
    x = torch.tensor(rand(*(2, 3, 6, 4, 4)[:nd + 2]))
    pool = getattr(TF, f"max_pool{nd}d")
    v, i = pool(x, 2, stride=2, return_indices=True)
    gfn, tfn = getattr(SF, f"max_unpool{nd}d"), getattr(TF, f"max_unpool{nd}d")
    run_both(lambda a, b: gfn(a, b, 2), lambda a, b: tfn(a, b, 2), [v.numpy(), i.numpy()],
             name=nd != 1)
    size = tuple(s + 1 for s in x.shape[2:])
    run_both(lambda a, b: gfn(a, b, 2, output_size=size),
             lambda a, b: tfn(a, b, 2, output_size=size), [v.numpy(), i.numpy()], name=False)
    gm, tm = getattr(SM, f"MaxUnpool{nd}d")(2, 2), getattr(torch.nn, f"MaxUnpool{nd}d")(2, 2)
    assert repr(gm) == repr(tm)


@pytest.mark.parametrize("nd", [1, 2, 3])
@pytest.mark.parametrize("p", [2.0, 3, 1.5])
def test_lp_pool(nd, p):
    x = np.abs(rand(*(2, 3, 6, 5, 4)[:nd + 2])) + 0.1
    gfn, tfn = getattr(SF, f"lp_pool{nd}d"), getattr(TF, f"lp_pool{nd}d")
    for kw in [dict(kernel_size=2), dict(kernel_size=3, stride=2, ceil_mode=True)]:
        run_both(lambda a: gfn(a, p, **kw), lambda a: tfn(a, p, **kw), [x])
        gm = getattr(SM, f"LPPool{nd}d")(p, **kw)
        tm = getattr(torch.nn, f"LPPool{nd}d")(p, **kw)
        assert repr(gm) == repr(tm)
        assert_close(gm(T(x)), tm(torch.tensor(x)))


@pytest.mark.parametrize("nd", [2, 3])
def test_fractional_max_pool(nd):
    for dt in (np.float32, np.float64):
        shape = (2, 3, 11, 9, 8)[:nd + 2]
        x = rand(*shape, dtype=dt)
        s = RNG.rand(2, 3, nd).astype(dt)
        gfn = getattr(SF, f"fractional_max_pool{nd}d")
        tfn = getattr(TF, f"fractional_max_pool{nd}d")
        for kw in [dict(kernel_size=2, output_size=4), dict(kernel_size=3, output_ratio=(0.5, 0.6, 0.5)[:nd]),
                   dict(kernel_size=(3, 2, 2)[:nd], output_size=(5, 4, 3)[:nd])]:
            run_both(lambda a, b: gfn(a, _random_samples=b, return_indices=True, **kw),
                     lambda a, b: tfn(a, _random_samples=b, return_indices=True, **kw), [x, s],
                     n_grad=1)
            # unbatched input reads the first batch's samples
            run_both(lambda a, b: gfn(a, _random_samples=b, **kw),
                     lambda a, b: tfn(a, _random_samples=b, **kw), [x[0], s[:1]], n_grad=1)
        gm = getattr(SM, f"FractionalMaxPool{nd}d")(2, output_size=3, return_indices=True)
        tm = getattr(torch.nn, f"FractionalMaxPool{nd}d")(2, output_size=3, return_indices=True)
        assert repr(gm) == repr(tm)
        v, i = gm(T(x))
        assert tuple(v.shape) == shape[:2] + (3,) * nd and i.dtype == gt.int64


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_adaptive_max_pool_indices(nd):
    x = rand(*(2, 3, 7, 6, 5)[:nd + 2])
    gfn, tfn = getattr(SF, f"adaptive_max_pool{nd}d"), getattr(TF, f"adaptive_max_pool{nd}d")
    for out in [3, (4, 2, 5)[:nd], 1]:
        run_both(lambda a: gfn(a, out, return_indices=True),
                 lambda a: tfn(a, out, return_indices=True), [x])
        run_both(lambda a: gfn(a, out), lambda a: tfn(a, out), [x[0]], name=False)
    if nd == 2:
        run_both(lambda a: gfn(a, (None, 3), True), lambda a: tfn(a, (None, 3), True), [x])


# ---------------------------------------------------------------------------------- padding
PADS = [("ZeroPad1d", (1, 2)), ("ZeroPad2d", (1, 1, 2, 0)), ("ZeroPad2d", 2),
        ("ZeroPad3d", 1), ("ConstantPad1d", 2), ("ConstantPad2d", (1, 0, 2, 1)),
        ("ConstantPad3d", (1, 1, 0, 1, 1, 0)), ("ReflectionPad1d", (2, 1)),
        ("ReflectionPad2d", 1), ("ReflectionPad3d", (1, 0, 1, 1, 0, 1)),
        ("ReplicationPad1d", 3), ("ReplicationPad2d", (2, 0, 1, 3)), ("ReplicationPad3d", 1),
        ("CircularPad1d", 2), ("CircularPad2d", (1, 2, 0, 1)), ("CircularPad3d", 1)]


@pytest.mark.parametrize("name,pad", PADS)
def test_padding_modules(name, pad):
    args = (pad, 3.5) if name.startswith("Constant") else (pad,)
    gm, tm = getattr(SM, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(gm) == repr(tm)
    nd = int(name[-2])
    x = rand(*(2, 3, 4, 5, 4)[:nd + 2])
    assert_close(gm(T(x)), tm(torch.tensor(x)))
    assert_close(gm(T(x[0])), tm(torch.tensor(x[0])))
