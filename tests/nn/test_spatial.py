"""Spatial nn ops without torch: numpy references, edge cases and PyTorch's error types."""
from __future__ import annotations

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.nn import _spatial_functional as SF
from graphtorch.nn.modules import spatial as SM
from graphtorch.ops.nn_interp import interp_matrix
from graphtorch.ops.nn_spatial_pool import fractional_intervals
from tests.helpers import T, assert_close

RNG = np.random.RandomState(1)


def rand(*shape):
    return RNG.randn(*shape)


def test_conv_transpose_is_adjoint_of_conv():
    # <conv(x, w), y> == <x, conv_transpose(y, w)>
    x, w = rand(2, 3, 7, 6), rand(4, 3, 3, 2)
    y = gt.nn.functional.conv2d(T(x), T(w), stride=2, padding=1)
    g = rand(*y.shape)
    xt = SF.conv_transpose2d(T(g), T(w), stride=2, padding=1)
    assert tuple(xt.shape) == x.shape
    assert np.isclose((y.numpy() * g).sum(), (xt.numpy() * x).sum())


def test_conv_transpose_reference_1d():
    x, w, b = rand(1, 2, 4), rand(2, 3, 2), rand(3)
    out = SF.conv_transpose1d(T(x), T(w), T(b), stride=2).numpy()
    ref = np.zeros((1, 3, 8)) + b[None, :, None]
    for i in range(4):
        for k in range(2):
            ref[0, :, 2 * i + k] += x[0, :, i] @ w[:, :, k]
    assert_close(T(out), T(ref))


def test_conv_transpose_errors():
    x, w = T(rand(1, 4, 5, 5)), T(rand(4, 2, 3, 3))
    with pytest.raises(RuntimeError, match="output padding must be smaller"):
        SF.conv_transpose2d(x, w, output_padding=1)
    with pytest.raises(RuntimeError, match="expected input"):
        SF.conv_transpose2d(x, T(rand(3, 2, 3, 3)))
    with pytest.raises(RuntimeError, match="divisible by 3"):
        SF.conv_transpose2d(x, w, groups=3)
    with pytest.raises(RuntimeError, match="Expected 3D"):
        SF.conv_transpose2d(T(rand(5, 5)), w)
    with pytest.raises(RuntimeError, match="Output size is too small"):
        SF.conv_transpose2d(x, w, padding=5)
    with pytest.raises(RuntimeError, match="should be the same"):
        SF.conv_transpose2d(x, T(rand(4, 2, 3, 3).astype(np.float32)))


def test_unfold_reference_and_fold_adjoint():
    x = rand(2, 3, 5, 4)
    cols = SF.unfold(T(x), (2, 3), padding=1).numpy()
    xp = np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)])
    blocks = [xp[:, :, i:i + 2, j:j + 3].reshape(2, -1) for i in range(6) for j in range(4)]
    assert_close(T(cols), T(np.stack(blocks, -1)))
    g = rand(*cols.shape)
    back = SF.fold(T(g), (5, 4), (2, 3), padding=1).numpy()
    assert np.isclose((cols * g).sum(), (back * x).sum())
    # unbatched
    assert tuple(SF.unfold(T(x[0]), 2).shape) == (12, 12)
    assert tuple(SF.fold(T(rand(12, 12)), (5, 4), 2).shape) == (3, 5, 4)


def test_fold_errors():
    with pytest.raises(RuntimeError, match="divisible by the product"):
        SF.fold(T(rand(1, 5, 9)), (4, 4), 2)
    with pytest.raises(RuntimeError, match="sliding blocks"):
        SF.fold(T(rand(1, 4, 8)), (4, 4), 2)
    with pytest.raises(RuntimeError, match="Expected 2D or 3D"):
        SF.fold(T(rand(1, 2, 4, 8)), (4, 4), 2)
    with pytest.raises(RuntimeError, match="Expected 3D or 4D"):
        SF.unfold(T(rand(1, 2, 3, 4, 4)), 2)
    with pytest.raises(RuntimeError, match="at least one"):
        SF.unfold(T(rand(1, 2, 3, 3)), 4)


def test_interp_matrices():
    # rows sum to one for every mode; nearest picks floor(dst * in / out)
    for mode in ("nearest", "nearest-exact", "linear", "bicubic", "area"):
        m = interp_matrix(mode, 5, 8, None, False)
        assert np.allclose(m.sum(1), 1)
    m = interp_matrix("nearest", 4, 6)
    assert list(m.argmax(1)) == [0, 0, 1, 2, 2, 3]
    m = interp_matrix("linear", 3, 5, None, True)
    assert np.allclose(m @ np.array([0., 1., 2.]), [0, .5, 1, 1.5, 2])


def test_interpolate_reference_bilinear_align_corners():
    x = rand(1, 1, 3, 4)
    out = SF.interpolate(T(x), size=(5, 7), mode="bilinear", align_corners=True).numpy()
    ys, xs = np.linspace(0, 2, 5), np.linspace(0, 3, 7)
    ref = np.empty((5, 7))
    for i, y in enumerate(ys):
        for j, xx in enumerate(xs):
            y0, x0 = min(int(y), 1), min(int(xx), 2)
            ty, tx = y - y0, xx - x0
            p = x[0, 0]
            ref[i, j] = ((1 - ty) * ((1 - tx) * p[y0, x0] + tx * p[y0, x0 + 1]) +
                         ty * ((1 - tx) * p[y0 + 1, x0] + tx * p[y0 + 1, x0 + 1]))
    assert_close(T(out[0, 0]), T(ref))


def test_interpolate_errors():
    x = T(rand(1, 2, 4, 5))
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        SF.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        SF.interpolate(x)
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        SF.interpolate(x, size=(3,))
    with pytest.raises(ValueError, match="align_corners option"):
        SF.interpolate(x, size=3, align_corners=True)
    with pytest.raises(NotImplementedError, match="linear mode needs 3D"):
        SF.interpolate(x, size=3, mode="linear")
    with pytest.raises(NotImplementedError, match="Input Error"):
        SF.interpolate(T(rand(2, 2)), size=3)
    with pytest.raises(ValueError, match="recompute_scale_factor"):
        SF.interpolate(x, size=3, recompute_scale_factor=True)
    with pytest.raises(RuntimeError, match="greater than 0"):
        SF.interpolate(x, scale_factor=0.1)


def test_grid_sample_identity_and_errors():
    x = rand(2, 3, 4, 5)
    theta = np.tile(np.array([[1., 0, 0], [0, 1, 0]]), (2, 1, 1))
    for ac in (False, True):
        grid = SF.affine_grid(T(theta), (2, 3, 4, 5), align_corners=ac)
        for mode in ("bilinear", "nearest", "bicubic"):
            assert_close(SF.grid_sample(T(x), grid, mode, align_corners=ac), T(x))
    grid = T(RNG.rand(2, 3, 3, 2))
    with pytest.raises(ValueError, match="expected mode"):
        SF.grid_sample(T(x), grid, mode="foo", align_corners=False)
    with pytest.raises(ValueError, match="padding_mode"):
        SF.grid_sample(T(x), grid, padding_mode="foo", align_corners=False)
    with pytest.raises(RuntimeError, match="same batch size"):
        SF.grid_sample(T(x[:1]), grid, align_corners=False)
    with pytest.raises(RuntimeError, match="size 2 in last dimension"):
        SF.grid_sample(T(x), T(RNG.rand(2, 3, 3, 1)), align_corners=False)
    with pytest.raises(RuntimeError, match="expected scalar type"):
        SF.grid_sample(T(x), T(RNG.rand(2, 3, 3, 2).astype(np.float32)), align_corners=False)
    with pytest.warns(UserWarning, match="align_corners=False"):
        SF.grid_sample(T(x), grid)
    with pytest.raises(ValueError, match="Nx2x3"):
        SF.affine_grid(T(rand(1, 3, 3)), (1, 1, 3, 3), align_corners=False)
    with pytest.raises(NotImplementedError, match="4D and 5D"):
        SF.affine_grid(T(rand(1, 2, 3)), (1, 1, 3), align_corners=False)
    with pytest.raises(ValueError, match="positive output size"):
        SF.affine_grid(T(rand(1, 2, 3)), (1, 1, 0, 3), align_corners=False)


def test_shuffles_roundtrip_and_errors():
    x = rand(2, 8, 3, 2)
    y = SF.pixel_shuffle(T(x), 2)
    assert tuple(y.shape) == (2, 2, 6, 4)
    assert y.numpy()[0, 1, 3, 1] == x[0, 4 + 2 * 1 + 1, 1, 0]
    assert_close(SF.pixel_unshuffle(y, 2), T(x))
    assert_close(SF.channel_shuffle(SF.channel_shuffle(T(x), 2), 4), T(x))
    xi = T(np.arange(24).reshape(1, 6, 2, 2))   # integers shuffle too
    assert SF.channel_shuffle(xi, 2).numpy()[0, :, 0, 0].tolist() == [0, 12, 4, 16, 8, 20]
    with pytest.raises(RuntimeError, match="divisible by the square"):
        SF.pixel_shuffle(T(rand(1, 3, 2, 2)), 2)
    with pytest.raises(RuntimeError, match="at least 3 dimensions"):
        SF.pixel_shuffle(T(rand(3, 2)), 2)
    with pytest.raises(RuntimeError, match="height to be divisible"):
        SF.pixel_unshuffle(T(rand(1, 1, 3, 4)), 2)
    with pytest.raises(RuntimeError, match="divisible by groups"):
        SF.channel_shuffle(T(rand(1, 4, 2, 2)), 3)


def test_max_unpool_reference_and_errors():
    x = T(rand(1, 2, 4, 4))
    v, i = gt.nn.functional.max_pool2d(x, 2, return_indices=True)
    out = SF.max_unpool2d(v, i, 2).numpy().reshape(1, 2, -1)
    ref = np.zeros((1, 2, 16))
    np.put_along_axis(ref, i.numpy().reshape(1, 2, -1), v.numpy().reshape(1, 2, -1), -1)
    assert_close(T(out), T(ref))
    with pytest.raises(RuntimeError, match="invalid max index"):
        SF.max_unpool2d(v, i * 5, 2)
    with pytest.raises(ValueError, match="invalid output_size"):
        SF.max_unpool2d(v, i, 2, output_size=(7, 7))
    with pytest.raises(RuntimeError, match="int64"):
        SF.max_unpool2d(v, i.double(), 2)
    m = SM.MaxUnpool2d(2)
    assert repr(m) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"


def test_fractional_intervals_and_errors():
    seq = fractional_intervals(np.float64(0.3), 10, 4, 3)
    alpha = (10 - 3) / 3
    assert seq.tolist() == [int((i + .3) * alpha) - int(.3 * alpha) for i in range(3)] + [7]
    x = T(rand(1, 2, 7, 7))
    with pytest.raises(ValueError, match="output_size or an output_ratio"):
        SF.fractional_max_pool2d(x, 3)
    with pytest.raises(RuntimeError, match="too large relative"):
        SF.fractional_max_pool2d(x, 3, output_size=6)
    with pytest.raises(TypeError):
        SF.fractional_max_pool2d(x, 3, output_ratio=0.5)
    with pytest.raises(ValueError, match="either an output size"):
        SM.FractionalMaxPool2d(3)
    with pytest.raises(ValueError, match="only one of"):
        SM.FractionalMaxPool2d(3, output_size=2, output_ratio=0.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        SM.FractionalMaxPool2d(3, output_ratio=1.5)
    v, i = SF.fractional_max_pool2d(x, 2, output_size=3, return_indices=True)
    flat = x.numpy().reshape(1, 2, -1)
    assert_close(v, T(np.take_along_axis(flat, i.numpy().reshape(1, 2, -1), -1)
                      .reshape(1, 2, 3, 3)))


def test_adaptive_max_pool_indices_reference():
    x = rand(2, 7)
    v, i = SF.adaptive_max_pool1d(T(x), 3, return_indices=True)
    bounds = [(0, 3), (2, 5), (4, 7)]
    assert_close(v, T(np.stack([x[:, a:b].max(1) for a, b in bounds], 1)))
    assert i.numpy().tolist() == np.stack([x[:, a:b].argmax(1) + a for a, b in bounds],
                                          1).tolist()


def test_padding_and_misc_reprs():
    assert repr(SM.ZeroPad2d((1, 1, 2, 0))) == "ZeroPad2d((1, 1, 2, 0))"
    assert repr(SM.ZeroPad2d(2)) == "ZeroPad2d((2, 2, 2, 2))"
    assert repr(SM.ConstantPad1d(2, 3.5)) == "ConstantPad1d(padding=(2, 2), value=3.5)"
    assert repr(SM.ReflectionPad3d(1)) == "ReflectionPad3d((1, 1, 1, 1, 1, 1))"
    assert repr(SM.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(SM.PixelShuffle(2)) == "PixelShuffle(upscale_factor=2)"
    assert repr(SM.LPPool2d(2, 3)) == \
        "LPPool2d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"
    out = SM.ZeroPad2d((1, 0, 0, 2))(T(np.ones((1, 2, 2))))
    assert out.numpy()[0].tolist() == [[0, 1, 1], [0, 1, 1], [0, 0, 0], [0, 0, 0]]
