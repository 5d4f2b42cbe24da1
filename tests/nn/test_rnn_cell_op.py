"""The fused lstm_cell / gru_cell ops (graphtorch/ops/nn_rnn_cell.py) against the composite
per-step code of nn/modules/rnn.py and against torch 2.13: values, gradients (fused backward
kernels), double backward (composite fallback under create_graph), dtypes and errors."""
import numpy as np
import pytest

import graphtorch as gt
from graphtorch.eager.dispatch import call
from graphtorch.nn.modules import rnn as R
from graphtorch.ops import registry

torch = pytest.importorskip("torch")

LSTM_CELL, GRU_CELL = registry.get("lstm_cell"), registry.get("gru_cell")


def _t(shape, seed, dtype=np.float64, scale=1.0):
    a = np.random.RandomState(seed).uniform(-scale, scale, shape).astype(dtype)
    return gt.tensor(a, requires_grad=True)


def _grads(outs, weights, inputs):
    loss = sum((o * w).sum() for o, w in zip(outs, weights))
    return gt.autograd.grad(loss, inputs, allow_unused=True, retain_graph=True)


@pytest.mark.parametrize("proj,bias", [(0, True), (2, False)])
def test_lstm_cell_matches_composite(proj, bias):
    hid, p = 4, proj or 4
    xg, h, c = _t((3, 4 * hid), 0), _t((3, p), 1), _t((3, hid), 2)
    w, b = _t((4 * hid, p), 3), (_t((4 * hid,), 4) if bias else None)
    inputs = [xg, h, c, w] + ([b] if bias else [])
    ref = R._lstm_step(xg, h, c, w, b, None)
    got = call(LSTM_CELL, xg, h, c, w, b)[:2]
    wts = [gt.tensor(np.random.RandomState(9 + k).standard_normal((3, hid))) for k in range(2)]
    for r, g in zip(ref, got):
        np.testing.assert_allclose(g.detach().numpy(), r.detach().numpy(), atol=1e-12)
    for r, g in zip(_grads(ref, wts, inputs), _grads(got, wts, inputs)):
        np.testing.assert_allclose(g.numpy(), r.numpy(), atol=1e-12)
    # only one of the two outputs reaches the loss (e.g. loss on c_n alone)
    for k in range(2):
        r = _grads(ref[k:k + 1], wts[k:k + 1], inputs)
        g = _grads(got[k:k + 1], wts[k:k + 1], inputs)
        for a, e in zip(g, r):
            np.testing.assert_allclose(a.numpy(), e.numpy(), atol=1e-12)


@pytest.mark.parametrize("bias", [True, False])
def test_gru_cell_matches_composite(bias):
    hid = 4
    xg, h, w = _t((3, 3 * hid), 0), _t((3, hid), 1), _t((3 * hid, hid), 3)
    b = _t((3 * hid,), 4) if bias else None
    inputs = [xg, h, w] + ([b] if bias else [])
    ref = R._gru_step(xg, h, w, b)
    got = call(GRU_CELL, xg, h, w, b)[0]
    np.testing.assert_allclose(got.detach().numpy(), ref.detach().numpy(), atol=1e-12)
    wt = gt.tensor(np.random.RandomState(9).standard_normal((3, hid)))
    for r, g in zip(_grads([ref], [wt], inputs), _grads([got], [wt], inputs)):
        np.testing.assert_allclose(g.numpy(), r.numpy(), atol=1e-12)


def test_float32_stays_float32_and_saturates_cleanly():
    xg, h, c = _t((2, 8), 0, np.float32, 200.0), _t((2, 2), 1, np.float32), _t((2, 2), 2,
                                                                               np.float32)
    w = _t((8, 2), 3, np.float32)
    with np.errstate(all="raise"):  # the sigmoid must not overflow for large |x|
        h2, c2, _ = call(LSTM_CELL, xg, h, c, w, None)
        (h2.sum() + c2.sum()).backward()
    assert h2.dtype == gt.float32 and c2.dtype == gt.float32 and w.grad.dtype == gt.float32
    assert np.isfinite(w.grad.numpy()).all()
    g, _ = call(GRU_CELL, _t((2, 6), 4, np.float32), _t((2, 2), 5, np.float32),
                _t((6, 2), 6, np.float32), None)
    assert g.dtype == gt.float32


def test_grad_fn_names_and_no_grad():
    xg, h, c, w = _t((2, 8), 0), _t((2, 2), 1), _t((2, 2), 2), _t((8, 2), 3)
    h2, c2, act = call(LSTM_CELL, xg, h, c, w, None)
    assert h2.grad_fn.name() == "LstmCellBackward0" and c2.grad_fn is h2.grad_fn
    assert act.grad_fn is None and not act.requires_grad
    with gt.no_grad():
        h3, _, _ = call(LSTM_CELL, xg, h, c, w, None)
    assert h3.grad_fn is None


def test_shape_and_dtype_errors():
    xg, h, c, w = _t((2, 8), 0), _t((2, 2), 1), _t((2, 2), 2), _t((8, 2), 3)
    with pytest.raises(RuntimeError, match="inconsistent shapes"):
        call(LSTM_CELL, xg, h, _t((2, 3), 4), w, None)
    with pytest.raises(RuntimeError, match="same dtype"):
        call(LSTM_CELL, xg, h, c, _t((8, 2), 3, np.float32), None)
    with pytest.raises(RuntimeError, match="inconsistent shapes"):
        call(GRU_CELL, _t((2, 6), 0), _t((2, 2), 1), _t((6, 2), 2), _t((5,), 3))


def _pair(kind, kwargs):
    torch.manual_seed(0)
    m_t = getattr(torch.nn, kind)(**kwargs).double()
    m_g = getattr(gt.nn, kind)(**kwargs, dtype=gt.float64)
    m_g.load_state_dict({k: gt.tensor(v.detach().numpy()) for k, v in m_t.state_dict().items()})
    return m_t, m_g


@pytest.mark.parametrize("kind,kwargs", [
    ("LSTM", dict(input_size=3, hidden_size=4, num_layers=2, proj_size=2)),
    ("LSTM", dict(input_size=3, hidden_size=4, bidirectional=True, bias=False)),
    ("GRU", dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True)),
])
def test_double_backward_matches_torch(kind, kwargs):
    """create_graph=True takes the composite vjp, so second derivatives still flow."""
    x = np.random.RandomState(0).standard_normal((5, 2, 3))
    res = []
    for lib, m in zip((torch, gt), _pair(kind, kwargs)):
        xi = lib.tensor(x, requires_grad=True)
        out, state = m(xi)
        last = state[1] if kind == "LSTM" else state
        g, = lib.autograd.grad((out ** 2).sum() + last.sum(), xi, create_graph=True)
        res.append([g.detach().numpy()] + [t.numpy() for t in lib.autograd.grad(
            (g ** 2).sum(), [xi] + list(m.parameters()))])
    for a, b in zip(*res):
        np.testing.assert_allclose(b, a, atol=1e-10)


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_final_state_only_loss_matches_torch(kind):
    x = np.random.RandomState(1).standard_normal((4, 3, 3))
    res = []
    for lib, m in zip((torch, gt), _pair(kind, dict(input_size=3, hidden_size=5))):
        xi = lib.tensor(x, requires_grad=True)
        _, state = m(xi)
        loss = state[1].sum() if kind == "LSTM" else state.sum()
        res.append([t.numpy() for t in lib.autograd.grad(loss, [xi] + list(m.parameters()))])
    for a, b in zip(*res):
        np.testing.assert_allclose(b, a, atol=1e-10)


def test_input_dtype_mismatch_is_value_error_like_torch():
    for lib in (torch, gt):
        with pytest.raises(ValueError, match="does not match weight dtype"):
            lib.nn.LSTM(3, 4)(lib.zeros(2, 2, 3, dtype=lib.float64))
