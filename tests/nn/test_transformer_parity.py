"""MultiheadAttention, Transformer layers and scaled_dot_product_attention against torch 2.13
with identical weights (eval mode: dropout off): outputs, attention weights, gradients."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import graphtorch as gt  # noqa: E402


def _copy(t_mod, g_mod):
    g_mod.load_state_dict({k: gt.tensor(v.detach().numpy()) for k, v in
                           t_mod.state_dict().items()})
    t_mod.eval()
    g_mod.eval()


def _close(a, b, rtol=1e-6, atol=1e-8):
    np.testing.assert_allclose(a.detach().numpy() if hasattr(a, "detach") else a,
                               b.detach().numpy(), rtol=rtol, atol=atol)


MHA_CASES = [dict(), dict(add_bias_kv=True), dict(add_zero_attn=True), dict(kdim=4, vdim=6),
             dict(bias=False), dict(batch_first=True)]


@pytest.mark.parametrize("kw", MHA_CASES, ids=[str(k) for k in MHA_CASES])
def test_multihead_attention(kw):
    t = torch.nn.MultiheadAttention(8, 2, **kw).double()
    g = gt.nn.MultiheadAttention(8, 2, **kw).double()
    assert [k for k, _ in g.named_parameters()] == [k for k, _ in t.named_parameters()]
    _copy(t, g)
    rng = np.random.RandomState(0)
    kd, vd = kw.get("kdim", 8), kw.get("vdim", 8)
    shape = (lambda s, d: (2, s, d)) if kw.get("batch_first") else (lambda s, d: (s, 2, d))
    q, k, v = rng.randn(*shape(3, 8)), rng.randn(*shape(5, kd)), rng.randn(*shape(5, vd))
    mask = np.triu(np.ones((3, 5), dtype=bool), 1)
    kpm = np.zeros((2, 5), dtype=bool)
    kpm[1, -1] = True
    res = []
    for lib, m in ((torch, t), (gt, g)):
        qs = lib.tensor(q, requires_grad=True)
        out, w = m(qs, lib.tensor(k), lib.tensor(v), attn_mask=lib.tensor(mask),
                   key_padding_mask=lib.tensor(kpm))
        (out.sum() + w.sum()).backward()
        res.append((out, w, qs.grad))
    for a, b in zip(res[1], res[0]):
        _close(a, b)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_decoder(norm_first):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.nn.Transformer(8, 2, 2, 1, 16, norm_first=norm_first,
                                 activation="gelu").double()
    g = gt.nn.Transformer(8, 2, 2, 1, 16, norm_first=norm_first, activation="gelu").double()
    assert [k for k, _ in g.named_parameters()] == [k for k, _ in t.named_parameters()]
    _copy(t, g)
    rng = np.random.RandomState(1)
    src, tgt = rng.randn(5, 2, 8), rng.randn(4, 2, 8)
    res = []
    for lib, m in ((torch, t), (gt, g)):
        s = lib.tensor(src, requires_grad=True)
        mask = m.generate_square_subsequent_mask(4).double()
        out = m(s, lib.tensor(tgt), tgt_mask=mask)
        out.sum().backward()
        res.append((out, s.grad, m.encoder.layers[0].linear1.weight.grad))
    for a, b in zip(res[1], res[0]):
        _close(a, b, rtol=1e-5, atol=1e-7)


def test_encoder_layer_repr_matches():
    t = torch.nn.TransformerEncoderLayer(8, 2, 16)
    g = gt.nn.TransformerEncoderLayer(8, 2, 16)
    assert repr(g) == repr(t)


@pytest.mark.parametrize("kw", [dict(), dict(is_causal=True), dict(scale=0.3)])
def test_scaled_dot_product_attention(kw):
    rng = np.random.RandomState(2)
    q, k, v = rng.randn(2, 3, 4, 5), rng.randn(2, 3, 4, 5), rng.randn(2, 3, 4, 6)
    res = []
    for lib in (torch, gt):
        qs = lib.tensor(q, requires_grad=True)
        out = lib.nn.functional.scaled_dot_product_attention(qs, lib.tensor(k), lib.tensor(v),
                                                             **kw)
        out.sum().backward()
        res.append((out, qs.grad))
    for a, b in zip(res[1], res[0]):
        _close(a, b)
    mask = rng.rand(4, 4) > 0.3
    np.fill_diagonal(mask, True)
    a = torch.nn.functional.scaled_dot_product_attention(
        torch.tensor(q), torch.tensor(k), torch.tensor(v), attn_mask=torch.tensor(mask))
    b = gt.nn.functional.scaled_dot_product_attention(
        gt.tensor(q), gt.tensor(k), gt.tensor(v), attn_mask=gt.tensor(mask))
    _close(b, a)
