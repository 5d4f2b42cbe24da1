"""Sparse gradients vs torch 2.13: Embedding(sparse=True) / EmbeddingBag grads (layout,
indices, values, coalesced flag, accumulation), optimizers on sparse grads (3-step
trajectories and errors), zero_grad, sparse leaves through dense-gradient ops, in-place ops."""
import warnings

import numpy as np
import pytest

import graphtorch as gt
from tests.helpers import assert_close

torch = pytest.importorskip("torch")
warnings.filterwarnings("ignore", message="Sparse")

W0 = (np.arange(12, dtype=np.float32).reshape(6, 2) - 5.5) / 3


def _same(a, b, rtol=1e-6, atol=1e-6):
    """Same layout; sparse: same shape, flag, indices and values; dense: same values."""
    assert a.is_sparse == b.is_sparse
    assert tuple(a.shape) == tuple(b.shape)
    if b.is_sparse:
        assert a.is_coalesced() == b.is_coalesced()
        assert a._indices().tolist() == b._indices().tolist()
        assert_close(a._values(), b._values().numpy(), rtol=rtol, atol=atol)
    else:
        assert_close(a.detach(), b.detach().numpy(), rtol=rtol, atol=atol)


def _emb_pair(**kw):
    g = gt.nn.Embedding(6, 2, sparse=True, _weight=gt.tensor(W0), **kw)
    t = torch.nn.Embedding(6, 2, sparse=True, _weight=torch.tensor(W0), **kw)
    return g, t


LOOKUPS = [[1, 3, 1], [[0, 5], [5, 2]], [4], [], [2, 0, 3, 1]]


@pytest.mark.parametrize("idx", LOOKUPS)
@pytest.mark.parametrize("padding_idx", [None, 1, 5])
@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_embedding_grad(idx, padding_idx, scale):
    g, t = _emb_pair(padding_idx=padding_idx)
    for m, lib in ((g, gt), (t, torch)):
        out = m(lib.tensor(idx, dtype=lib.int64))
        (out.sum() if scale == 1.0 else (out * scale).sum()).backward()
    _same(g.weight.grad, t.weight.grad)
    assert repr(g.weight.grad) == repr(t.weight.grad)


@pytest.mark.parametrize("second", ["sum", "mul", "linear"])
def test_embedding_grad_accumulates_over_two_backwards(second):
    g, t = _emb_pair(padding_idx=2)
    for m, lib in ((g, gt), (t, torch)):
        m(lib.tensor([0, 2, 2, 4, 0])).sum().backward()
        out = m(lib.tensor([[4, 1], [0, 0]]))
        if second == "sum":
            out.sum().backward()
        elif second == "mul":
            (out * 3).sum().backward()
        else:
            (out @ lib.ones(2, 3)).pow(2).sum().backward()
    _same(g.weight.grad, t.weight.grad, rtol=1e-5)


@pytest.mark.parametrize("first, second", [([3], [0, 3]), ([0, 2], [1, 3]), ([3], [0])])
def test_embedding_grad_accumulation_layouts(first, second):
    gw = gt.tensor(W0, requires_grad=True)
    tw = torch.tensor(W0, requires_grad=True)
    for w, lib in ((gw, gt), (tw, torch)):
        for idx in (first, second):
            (lib.nn.functional.embedding(lib.tensor(idx), w, sparse=True) * 2).sum().backward()
    _same(gw.grad, tw.grad)


def test_embedding_functional_int32_and_2d():
    gw = gt.tensor(W0, requires_grad=True)
    tw = torch.tensor(W0, requires_grad=True)
    for w, lib in ((gw, gt), (tw, torch)):
        out = lib.nn.functional.embedding(lib.tensor([[3, 1], [1, 0]], dtype=lib.int32), w,
                                          sparse=True)
        (out * lib.tensor([1.0, -2.0])).sum().backward()
        assert out.grad_fn.name() == "EmbeddingBackward0"
    _same(gw.grad, tw.grad)


def test_embedding_sparse_mixed_with_dense_use():
    results = []
    for lib in (gt, torch):
        w = lib.tensor(W0, requires_grad=True)
        (lib.nn.functional.embedding(lib.tensor([1, 2]), w, sparse=True).sum() +
         (w * 2).sum()).backward()
        a = w.grad
        w2 = lib.tensor(W0, requires_grad=True)
        (w2 * 1).sum().backward()
        lib.nn.functional.embedding(lib.tensor([1]), w2, sparse=True).sum().backward()
        b = w2.grad
        w3 = lib.tensor(W0, requires_grad=True)
        lib.nn.functional.embedding(lib.tensor([1]), w3, sparse=True).sum().backward()
        (w3 * 1).sum().backward()
        results.append((a, b, w3.grad))
    for x, y in zip(*results):
        _same(x, y)


def test_embedding_sparse_errors():
    for lib in (gt, torch):
        w = lib.tensor(W0, requires_grad=True)
        out = lib.nn.functional.embedding(lib.tensor([1, 1]), w, sparse=True,
                                          scale_grad_by_freq=True)
        with pytest.raises(RuntimeError, match="scale_grad_by_freq not supported"):
            out.sum().backward()
        with pytest.raises(ValueError, match="max mode does not support sparse weights"):
            lib.nn.EmbeddingBag(4, 2, mode="max", sparse=True)(lib.tensor([[0, 1]]))


@pytest.mark.parametrize("mode, padding_idx", [("sum", None), ("mean", None), ("mean", 2),
                                               ("sum", 2)])
def test_embedding_bag_sparse_grad(mode, padding_idx):
    mods = [lib.nn.EmbeddingBag(6, 2, mode=mode, sparse=True, padding_idx=padding_idx,
                                _weight=lib.tensor(W0)) for lib in (gt, torch)]
    for m, lib in zip(mods, (gt, torch)):
        out = m(lib.tensor([0, 2, 2, 4, 5]), lib.tensor([0, 2]))
        (out * lib.tensor([1.0, 3.0])).sum().backward()
    _same(mods[0].weight.grad, mods[1].weight.grad)


# ----------------------------------------------------------------------------- optimizers
OPTIMS = [
    ("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.5, dampening=0.3, maximize=True)),
    ("Adagrad", dict(lr=0.1)), ("Adagrad", dict(lr=0.1, lr_decay=0.1, maximize=True)),
    ("Adagrad", dict(lr=0.2, initial_accumulator_value=0.5)),
    ("SparseAdam", dict(lr=0.1)), ("SparseAdam", dict(lr=0.05, betas=(0.8, 0.9),
                                                      maximize=True)),
]


def _train(lib, name, kw, steps=3):
    m = lib.nn.Embedding(6, 2, sparse=True, _weight=lib.tensor(W0))
    opt = getattr(lib.optim, name)(list(m.parameters()), **kw)
    batches = [[1, 3, 1], [[0, 5], [5, 1]], [2, 3, 3, 3]]
    for b in batches[:steps]:
        opt.zero_grad()
        (m(lib.tensor(b)) ** 2).sum().backward()
        opt.step()
    return m.weight.detach(), opt


@pytest.mark.parametrize("name, kw", OPTIMS)
def test_optimizer_trajectory_on_sparse_grads(name, kw):
    gw, gopt = _train(gt, name, kw)
    tw, topt = _train(torch, name, kw)
    assert_close(gw, tw.numpy(), rtol=1e-5, atol=1e-6)
    if name == "SGD" and kw.get("momentum"):
        gb = gopt.state[gopt.param_groups[0]["params"][0]]["momentum_buffer"]
        tb = topt.state[topt.param_groups[0]["params"][0]]["momentum_buffer"]
        assert gb.is_sparse and tb.is_sparse
        assert_close(gb.to_dense(), tb.to_dense().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, kw, msg", [
    ("Adam", {}, "Adam does not support sparse gradients, please consider SparseAdam instead"),
    ("AdamW", {}, "Adam does not support sparse gradients, please consider SparseAdam"),
    ("RMSprop", {}, "RMSprop does not support sparse gradients"),
    ("Adadelta", {}, "Adadelta does not support sparse gradients"),
    ("Adamax", {}, "Adamax does not support sparse gradients"),
    ("NAdam", {}, "NAdam does not support sparse gradients"),
    ("RAdam", {}, "RAdam does not support sparse gradients"),
    ("ASGD", {}, "ASGD does not support sparse gradients"),
    ("Rprop", {}, "Rprop does not support sparse gradients"),
    ("SGD", dict(lr=0.1, weight_decay=0.1), "add\\(sparse, dense\\) is not supported"),
    ("Adagrad", dict(weight_decay=0.1), "weight_decay option is not compatible"),
])
def test_optimizer_sparse_grad_errors(name, kw, msg):
    for lib in (gt, torch):
        with pytest.raises(RuntimeError, match=msg):
            _train(lib, name, kw, steps=1)


def test_sparse_adam_rejects_dense_grads():
    for lib in (gt, torch):
        m = lib.nn.Embedding(4, 2, sparse=False)
        opt = lib.optim.SparseAdam(list(m.parameters()))
        m(lib.tensor([1])).sum().backward()
        with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients"):
            opt.step()


def test_zero_grad_keep_sparse_grad():
    grads = []
    for lib in (gt, torch):
        m = lib.nn.Embedding(6, 2, sparse=True, _weight=lib.tensor(W0))
        opt = lib.optim.SGD(m.parameters(), lr=0.1)
        m(lib.tensor([1, 3, 1])).sum().backward()
        opt.zero_grad(set_to_none=False)
        first = m.weight.grad
        z = (first.is_sparse, first._nnz(), first.is_coalesced(), repr(first))
        m(lib.tensor([4, 3])).sum().backward()
        grads.append((z, m.weight.grad))
        opt.zero_grad()
        assert m.weight.grad is None
    assert grads[0][0] == grads[1][0]
    _same(grads[0][1], grads[1][1])


def test_clip_grad_norm_sparse_grad_raises_as_torch():
    for lib in (gt, torch):
        m = lib.nn.Embedding(6, 2, sparse=True)
        m(lib.tensor([1, 3])).sum().backward()
        with pytest.raises(NotImplementedError):
            lib.nn.utils.clip_grad_norm_(m.parameters(), 0.5)
        assert_close(m.weight.grad.to_dense().sum(), np.float32(4.0))


def test_sparse_grads_summed_in_one_graph_keep_creation_order():
    out = []
    for lib in (gt, torch):
        f = lib.nn.functional
        w = lib.zeros(6, 2, requires_grad=True)
        a, b, c = (f.embedding(lib.tensor(i), w, sparse=True) for i in ([1, 4], [2, 0], [3]))
        (c.sum() * 2 + a.sum() + b.sum() * 3).backward()
        w2 = lib.zeros(6, 2, requires_grad=True)
        x, y = (f.embedding(lib.tensor(i), w2, sparse=True) for i in ([5, 1], [1, 0]))
        ((x * 2).sum() + (y * 3).sum()).backward()  # contiguous values: torch's merge walk
        out.append((w.grad, w2.grad))
    for x, y in zip(*out):
        _same(x, y)


# ----------------------------------------------------------------------------- sparse leaves
DUP_IDX = [[0, 1, 0, 2], [1, 0, 1, 2]]
DUP_VAL = [1.0, 2.0, 3.0, 4.0]
LEAF_CASES = {
    "to_dense": lambda lib, S, D, G: (S.to_dense() * G).sum(),
    "mul2_to_dense": lambda lib, S, D, G: ((S * 2).to_dense() * G).sum(),
    "sparse.mm": lambda lib, S, D, G: lib.sparse.mm(S, D).sum(),
    "torch.mm": lambda lib, S, D, G: (lib.mm(S, D) * D[:, :1]).sum(),
    "matmul": lambda lib, S, D, G: lib.matmul(S, D).pow(2).sum(),
    "@": lambda lib, S, D, G: (S @ D).sum(),
    "addmm": lambda lib, S, D, G: lib.addmm(lib.ones(3, 2, dtype=lib.float64), S, D,
                                           beta=0.5, alpha=2.0).sum(),
    "sparse.addmm": lambda lib, S, D, G: lib.sparse.addmm(lib.zeros(3, 2, dtype=lib.float64),
                                                          S, D).sum(),
    "sum": lambda lib, S, D, G: S.sum(),
    "coalesce": lambda lib, S, D, G: (S.coalesce().to_dense() * G).sum(),
    "dense@S": lambda lib, S, D, G: (D.t() @ S).sum(),
    "softmax": lambda lib, S, D, G: (lib.sparse.softmax(S, 1).to_dense() * G).sum(),
    "mul_dense": lambda lib, S, D, G: (S * G).to_dense().sum(),
}


@pytest.mark.parametrize("coalesced", [False, True])
@pytest.mark.parametrize("case", list(LEAF_CASES))
def test_sparse_leaf_grad_layout_and_values(case, coalesced):
    grads = []
    for lib in (gt, torch):
        S = lib.sparse_coo_tensor(DUP_IDX, lib.tensor(DUP_VAL, dtype=lib.float64), (3, 3))
        if coalesced:
            S = S.coalesce()
        S.requires_grad_()
        D = lib.arange(6.0, dtype=lib.float64).reshape(3, 2)
        G = lib.arange(9.0, dtype=lib.float64).reshape(3, 3) + 1
        LEAF_CASES[case](lib, S, D, G).backward()
        grads.append(S.grad)
    g, t = grads
    assert g.is_sparse == t.is_sparse
    if t.is_sparse:
        assert g._indices().tolist() == t._indices().tolist()
        assert_close(g._values(), t._values().numpy())
    else:
        assert_close(g, t.numpy())


def test_sparse_leaf_grad_accumulates_dense_and_sparse():
    grads = []
    for lib in (gt, torch):
        S = lib.sparse_coo_tensor(DUP_IDX, lib.tensor(DUP_VAL, dtype=lib.float64), (3, 3),
                                  requires_grad=True)
        D = lib.arange(6.0, dtype=lib.float64).reshape(3, 2)
        lib.sparse.mm(S, D).sum().backward()
        lib.sparse.mm(S, D).sum().backward()
        first = S.grad.to_dense()
        lib.mm(S, D).sum().backward()
        grads.append((first, S.grad))
    assert not grads[0][1].is_sparse and not grads[1][1].is_sparse
    assert_close(grads[0][0], grads[1][0].numpy())
    assert_close(grads[0][1], grads[1][1].numpy())


# ----------------------------------------------------------------------------- in-place ops
INPLACE = {
    "mul_2": lambda lib, s: s.mul_(2), "mul_0d": lambda lib, s: s.mul_(lib.tensor(2.0)),
    "div_2": lambda lib, s: s.div_(2), "zero_": lambda lib, s: s.zero_(),
    "add_": lambda lib, s: s.add_(s.clone()),
    "add_alpha": lambda lib, s: s.add_(lib.sparse_coo_tensor([[1], [1]], [7.0], (2, 3)),
                                       alpha=2),
    "sub_": lambda lib, s: s.sub_(s.clone()),
    "copy_": lambda lib, s: s.copy_(lib.sparse_coo_tensor([[0], [1]], [7.0], (2, 3))),
    "copy_int": lambda lib, s: s.copy_(lib.sparse_coo_tensor([[0], [1]], [7], (2, 3))),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace_ops(name):
    res = []
    for lib in (gt, torch):
        s = lib.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3))
        r = INPLACE[name](lib, s)
        assert r is s
        res.append(s)
    _same(*res)


@pytest.mark.parametrize("name, exc", [
    ("add_dense", RuntimeError), ("copy_dense", RuntimeError), ("dense_copy_sparse",
                                                                RuntimeError)])
def test_inplace_errors(name, exc):
    for lib in (gt, torch):
        s = lib.sparse_coo_tensor([[0, 1], [2, 0]], [3.0, 4.0], (2, 3))
        with pytest.raises(exc):
            if name == "add_dense":
                s.add_(lib.ones(2, 3))
            elif name == "copy_dense":
                s.copy_(lib.ones(2, 3))
            else:
                lib.ones(2, 3).copy_(s)


def test_dense_add_sparse_inplace():
    res = []
    for lib in (gt, torch):
        s = lib.sparse_coo_tensor([[0, 1, 0], [2, 0, 2]], [3.0, 4.0, 5.0], (2, 3))
        d = lib.ones(2, 3)
        assert d.add_(s, alpha=2) is d
        res.append(d)
    assert_close(res[0], res[1].numpy())


# ----------------------------------------------------------------------------- add layout
@pytest.mark.parametrize("seed", range(6))
def test_sparse_add_layout_matches_torch(seed):
    rng = np.random.default_rng(seed)
    outs = []
    specs = []
    for _ in range(2):
        n = int(rng.integers(0, 6))
        idx = rng.integers(0, 3, size=(2, n)).tolist()
        val = rng.standard_normal(n).astype(np.float32).tolist()
        specs.append((idx, val, bool(rng.integers(0, 2))))
    for lib in (gt, torch):
        a, b = (lib.sparse_coo_tensor(i, v, (3, 3)) for i, v, _ in specs)
        a = a.coalesce() if specs[0][2] else a
        b = b.coalesce() if specs[1][2] else b
        outs.append((a + b, a - b * 2, b.add(a, alpha=0.5)))
    for x, y in zip(*outs):
        _same(x, y)


def test_clip_grad_value_sparse_grad_raises_as_torch():
    for lib in (gt, torch):
        m = lib.nn.Embedding(6, 2, sparse=True)
        m(lib.tensor([1, 3])).sum().backward()
        with pytest.raises(NotImplementedError, match="clamp_"):
            lib.nn.utils.clip_grad_value_(m.parameters(), 0.1)


# ----------------------------------------------------------------------------- autograd.grad
GRAD_CASES = {
    "sparse.mm": lambda lib, S, D: lib.sparse.mm(S, D).sum(),
    "mm": lambda lib, S, D: lib.mm(S, D).sum(),
    "both": lambda lib, S, D: lib.mm(S, D).sum() + lib.sparse.mm(S, D).pow(2).sum(),
    "to_dense": lambda lib, S, D: (S.to_dense() ** 2).sum(),
}


@pytest.mark.parametrize("case", list(GRAD_CASES))
def test_autograd_grad_of_sparse_leaf(case):
    res = []
    for lib in (gt, torch):
        S = lib.sparse_coo_tensor(DUP_IDX, lib.tensor(DUP_VAL, dtype=lib.float64), (3, 3),
                                  requires_grad=True)
        D = lib.arange(6.0, dtype=lib.float64).reshape(3, 2)
        (g,) = lib.autograd.grad(GRAD_CASES[case](lib, S, D), S)
        assert S.grad is None
        res.append(g)
    g, t = res
    assert g.is_sparse == t.is_sparse
    if t.is_sparse:
        assert g._indices().tolist() == t._indices().tolist()
        assert g.is_coalesced() == t.is_coalesced()
        assert_close(g._values(), t._values().numpy())
    else:
        assert_close(g, t.numpy())


def test_autograd_grad_unused_sparse_leaf_and_backward_inputs():
    msgs = []
    for lib in (gt, torch):
        S = lib.sparse_coo_tensor(DUP_IDX, lib.tensor(DUP_VAL, dtype=lib.float64), (3, 3),
                                  requires_grad=True)
        x = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError) as e:
            lib.autograd.grad((x * 2).sum(), [x, S])
        msgs.append(str(e.value))
        gx, gs = lib.autograd.grad((x * 2).sum(), [x, S], allow_unused=True)
        assert gs is None and gx.tolist() == [2.0, 2.0]
        D = lib.arange(6.0, dtype=lib.float64).reshape(3, 2)
        lib.sparse.mm(S, D).sum().backward(inputs=[S])
        msgs.append(S.grad.to_dense().tolist())
    assert msgs[0] == msgs[2] and msgs[1] == msgs[3]


@pytest.mark.parametrize("p", ["fro", 2, 1, float("inf"), 3])
def test_sparse_norm(p):
    res = []
    for lib in (gt, torch):
        s = lib.sparse_coo_tensor([[0, 0, 1], [1, 1, 0]], [1.0, 2.0, -3.0], (2, 2))
        res.append((s.norm(p), lib.norm(s, p)))
        with pytest.raises(RuntimeError, match="only supports full reductions"):
            s.norm(dim=0)
    for a, b in zip(*res):
        assert not a.is_sparse and a.shape == b.shape
        assert_close(a, b.numpy(), rtol=1e-6)


@pytest.mark.parametrize("expanded", [False, True])
def test_sparse_add_nnz_bound(expanded):
    res = []
    for lib in (gt, torch):
        v = lib.tensor([1.0]).expand(3) if expanded else lib.tensor([1.0, 2.0, 3.0])
        a = lib.sparse_coo_tensor([[0, 0, 1]], v, (2,))
        b = lib.sparse_coo_tensor([[0, 1, 1]], lib.tensor([1.0, 2.0, 3.0]), (2,))
        res.append(a + b)
    _same(*res)


def test_embedding_bag_per_sample_weights_2d_and_preset_grad():
    res = []
    for lib in (gt, torch):
        b = lib.nn.EmbeddingBag(6, 2, mode="sum", sparse=True, _weight=lib.tensor(W0))
        b(lib.tensor([0, 2, 2, 4, 5]), lib.tensor([0, 2]),
          per_sample_weights=lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
        m = lib.nn.EmbeddingBag(6, 2, mode="mean", sparse=True, _weight=lib.tensor(W0))
        m(lib.tensor([[0, 2], [2, 4]])).sum().backward()
        w = lib.zeros(3, 2, requires_grad=True)
        w.grad = lib.sparse_coo_tensor([[1]], [[1.0, 2.0]], (3, 2))
        lib.nn.functional.embedding(lib.tensor([0]), w, sparse=True).sum().backward()
        e = lib.nn.Embedding.from_pretrained(lib.tensor(W0), freeze=False, sparse=True)
        e(lib.tensor([5, 1])).sum().backward()
        res.append((b.weight.grad, m.weight.grad, w.grad, e.weight.grad))
    for x, y in zip(*res):
        _same(x, y)
