"""RNN / LSTM / GRU (and cells) against torch 2.13 with identical weights: outputs, final
states, input and weight gradients, parameter names, packed sequences."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import graphtorch as gt  # noqa: E402

CONFIGS = [
    ("LSTM", dict(input_size=3, hidden_size=4)),
    ("LSTM", dict(input_size=3, hidden_size=5, num_layers=2, bidirectional=True)),
    ("LSTM", dict(input_size=3, hidden_size=5, proj_size=2, batch_first=True)),
    ("GRU", dict(input_size=3, hidden_size=4, num_layers=2)),
    ("GRU", dict(input_size=3, hidden_size=4, bidirectional=True, batch_first=True)),
    ("RNN", dict(input_size=3, hidden_size=4, nonlinearity="relu")),
    ("RNN", dict(input_size=3, hidden_size=4, bias=False, num_layers=2)),
]


def _pair(kind, cfg):
    t = getattr(torch.nn, kind)(**cfg).double()
    g = getattr(gt.nn, kind)(**cfg).double()
    assert [k for k, _ in g.named_parameters()] == [k for k, _ in t.named_parameters()]
    g.load_state_dict({k: gt.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return t, g


@pytest.mark.parametrize("kind,cfg", CONFIGS, ids=[f"{k}-{i}" for i, (k, _) in
                                                   enumerate(CONFIGS)])
def test_recurrent_layers_match_torch(kind, cfg):
    t, g = _pair(kind, cfg)
    x = np.random.RandomState(0).standard_normal((5, 2, 3))
    res = []
    for lib, m in ((torch, t), (gt, g)):
        xs = lib.tensor(x, requires_grad=True)
        out, state = m(xs)
        states = state if isinstance(state, tuple) else (state,)
        loss = out.sum() + sum((s * s).sum() for s in states)
        loss.backward()
        res.append([out.detach().numpy()] + [s.detach().numpy() for s in states] +
                   [xs.grad.numpy()] + [p.grad.numpy() for p in m.parameters()])
    for a, b in zip(res[1], res[0]):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)
    assert repr(g) == repr(t)


def test_initial_state_and_unbatched_input():
    t, g = _pair("LSTM", dict(input_size=3, hidden_size=4))
    rng = np.random.RandomState(1)
    x, h0, c0 = rng.standard_normal((5, 3)), rng.standard_normal((1, 4)), \
        rng.standard_normal((1, 4))
    o1, (h1, c1) = t(torch.tensor(x), (torch.tensor(h0), torch.tensor(c0)))
    o2, (h2, c2) = g(gt.tensor(x), (gt.tensor(h0), gt.tensor(c0)))
    for a, b in ((o2, o1), (h2, h1), (c2, c1)):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-7)


def test_cells_match_torch():
    rng = np.random.RandomState(2)
    for kind in ("LSTMCell", "GRUCell", "RNNCell"):
        t = getattr(torch.nn, kind)(3, 4).double()
        g = getattr(gt.nn, kind)(3, 4).double()
        g.load_state_dict({k: gt.tensor(v.numpy()) for k, v in t.state_dict().items()})
        x = rng.standard_normal((2, 3))
        a, b = t(torch.tensor(x)), g(gt.tensor(x))
        a, b = (a if isinstance(a, tuple) else (a,)), (b if isinstance(b, tuple) else (b,))
        for u, v in zip(b, a):
            np.testing.assert_allclose(u.detach().numpy(), v.detach().numpy(), rtol=1e-7)


def test_packed_sequences_match_torch():
    t, g = _pair("GRU", dict(input_size=3, hidden_size=4))
    rng = np.random.RandomState(3)
    seqs = [rng.standard_normal((n, 3)) for n in (2, 5, 3)]
    res = []
    for lib, m in ((torch, t), (gt, g)):
        U = lib.nn.utils.rnn
        padded = U.pad_sequence([lib.tensor(s) for s in seqs])
        packed = U.pack_padded_sequence(padded, [2, 5, 3], enforce_sorted=False)
        out, h = m(packed)
        unpacked, lengths = U.pad_packed_sequence(out)
        res.append((packed.data.detach().numpy(), packed.batch_sizes.numpy(),
                    unpacked.detach().numpy(), lengths.numpy(), h.detach().numpy()))
    for a, b in zip(res[1], res[0]):
        np.testing.assert_allclose(a, b, rtol=1e-7)
