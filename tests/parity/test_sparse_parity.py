"""Sparse COO tensors vs torch 2.13: values, layouts, reprs, errors and gradients."""
import warnings

import numpy as np
import pytest

import graphtorch as gt
from tests.helpers import assert_close

torch = pytest.importorskip("torch")
warnings.filterwarnings("ignore", message="Sparse")

IDX = [[0, 1, 1, 2], [2, 0, 2, 1]]
VAL = [3.0, 4.0, 5.0, -1.5]
DUP = ([[0, 0, 1], [1, 1, 0]], [1.0, 2.0, 3.0])


def _both(idx=IDX, val=VAL, size=(3, 3), **kw):
    return (gt.sparse_coo_tensor(idx, val, size, **kw), torch.sparse_coo_tensor(idx, val, size,
                                                                                **kw))


def _same_sparse(a, b):
    assert a.is_sparse and b.is_sparse
    assert tuple(a.shape) == tuple(b.shape) and a.is_coalesced() == b.is_coalesced()
    assert a._indices().tolist() == b._indices().tolist()
    assert_close(a._values(), b._values())


@pytest.mark.parametrize("kw", [{}, {"dtype": torch.float64}, {"requires_grad": True}])
def test_repr(kw):
    gkw = {k: (getattr(gt, str(v).split(".")[-1]) if k == "dtype" else v) for k, v in kw.items()}
    g = gt.sparse_coo_tensor(IDX, VAL, (3, 3), **gkw)
    t = torch.sparse_coo_tensor(IDX, VAL, (3, 3), **kw)
    assert repr(g) == repr(t)
    assert repr(g.coalesce()) == repr(t.coalesce())


def test_repr_empty_and_hybrid():
    g = gt.sparse_coo_tensor(gt.zeros(2, 0, dtype=gt.int64), gt.zeros(0), (2, 3))
    t = torch.sparse_coo_tensor(torch.zeros(2, 0, dtype=torch.long), torch.zeros(0), (2, 3))
    assert repr(g) == repr(t)
    assert repr(gt.eye(3).to_sparse(1)) == repr(torch.eye(3).to_sparse(1))
    assert repr(gt.sparse_coo_tensor([[0, 1], [1, 0]], [1, 2])) == \
        repr(torch.sparse_coo_tensor([[0, 1], [1, 0]], [1, 2]))


def test_coalesce_and_conversions():
    g, t = _both(*DUP, size=(2, 2))
    _same_sparse(g, t)
    _same_sparse(g.coalesce(), t.coalesce())
    x = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, -1.0]], np.float32)
    _same_sparse(gt.tensor(x).to_sparse(), torch.tensor(x).to_sparse())
    g, t = _both()
    assert_close(g.to_dense(), t.to_dense())
    for f in (lambda s: s.t(), lambda s: s * 2, lambda s: -s, lambda s: s / 4, lambda s: s + s,
              lambda s: s * s, lambda s: s.double(), lambda s: s.sqrt(), lambda s: s.abs(),
              lambda s: s - s.coalesce()):
        a, b = f(g), f(t)
        assert a.dtype.name == str(b.dtype).split(".")[-1]
        assert_close(a.to_dense(), b.to_dense())


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1)])
def test_sparse_sum(dim):
    g, t = _both()
    a = gt.sparse.sum(g) if dim is None else gt.sparse.sum(g, dim)
    b = torch.sparse.sum(t) if dim is None else torch.sparse.sum(t, dim)
    assert a.is_sparse == b.is_sparse
    if a.is_sparse:
        _same_sparse(a, b)
    else:
        assert_close(a, b)


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dim", [0, 1])
def test_softmax(log, dim):
    g, t = _both()
    fg = gt.sparse.log_softmax if log else gt.sparse.softmax
    ft = torch.sparse.log_softmax if log else torch.sparse.softmax
    _same_sparse(fg(g, dim), ft(t, dim))


def test_products_and_grads():
    rng = np.random.default_rng(3)
    dn = rng.standard_normal((3, 4))
    for name in ("sparse.mm", "addmm", "matmul_op", "dense_left"):
        g = gt.sparse_coo_tensor(IDX, VAL, (3, 3), dtype=gt.float64, requires_grad=True)
        t = torch.sparse_coo_tensor(IDX, VAL, (3, 3), dtype=torch.float64, requires_grad=True)
        gd, td = gt.tensor(dn, requires_grad=True), torch.tensor(dn, requires_grad=True)
        if name == "sparse.mm":
            og, ot = gt.sparse.mm(g, gd), torch.sparse.mm(t, td)
        elif name == "addmm":
            og = gt.sparse.addmm(gt.ones(3, 4, dtype=gt.float64), g, gd, beta=0.5, alpha=2.0)
            ot = torch.sparse.addmm(torch.ones(3, 4, dtype=torch.float64), t, td, beta=0.5,
                                    alpha=2.0)
        elif name == "matmul_op":
            og, ot = g @ gd, t @ td
        else:
            og, ot = gd.t() @ g, td.t() @ t
        assert_close(og, ot)
        w = rng.standard_normal(tuple(ot.shape))
        (og * gt.tensor(w)).sum().backward()
        (ot * torch.tensor(w)).sum().backward()
        assert_close(gd.grad, td.grad)
        if name == "sparse.mm":  # torch.sparse.mm gives a sparse grad on the pattern
            _same_sparse(g.grad, t.grad)


def test_to_dense_grad_and_values_grad():
    gv = gt.tensor(VAL, dtype=gt.float64, requires_grad=True)
    tv = torch.tensor(VAL, dtype=torch.float64, requires_grad=True)
    w = np.arange(9.0).reshape(3, 3)
    (gt.sparse_coo_tensor(IDX, gv, (3, 3)).to_dense() * gt.tensor(w)).sum().backward()
    (torch.sparse_coo_tensor(IDX, tv, (3, 3)).to_dense() * torch.tensor(w)).sum().backward()
    assert_close(gv.grad, tv.grad)
    g = gt.sparse_coo_tensor(IDX, VAL, (3, 3), requires_grad=True)
    t = torch.sparse_coo_tensor(IDX, VAL, (3, 3), requires_grad=True)
    (g.to_dense() * gt.tensor(w, dtype=gt.float32)).sum().backward()
    (t.to_dense() * torch.tensor(w, dtype=torch.float32)).sum().backward()
    _same_sparse(g.grad, t.grad)


@pytest.mark.parametrize("case", ["oob", "neg", "nnz", "ndim", "dense"])
def test_errors(case):
    args = {"oob": ([[0, 5]], [1.0, 1.0], (3,)), "neg": ([[0, -1]], [1.0, 1.0], (3,)),
            "nnz": ([[0, 1]], [1.0, 1.0, 1.0], (3,)), "ndim": ([[0, 1]], [1.0, 1.0], (3, 3)),
            "dense": None}[case]
    if case == "dense":
        fg = [lambda: gt.sparse_coo_tensor(IDX, VAL).exp(), lambda: gt.sparse_coo_tensor(IDX, VAL) + 1,
              lambda: gt.sparse.mm(gt.sparse_coo_tensor(IDX, VAL), gt.ones(4, 2))]
        ft = [lambda: torch.sparse_coo_tensor(IDX, VAL).exp(),
              lambda: torch.sparse_coo_tensor(IDX, VAL) + 1,
              lambda: torch.sparse.mm(torch.sparse_coo_tensor(IDX, VAL), torch.ones(4, 2))]
    else:
        fg = [lambda: gt.sparse_coo_tensor(*args)]
        ft = [lambda: torch.sparse_coo_tensor(*args, check_invariants=True)]
    for a, b in zip(fg, ft):
        with pytest.raises(Exception) as eg:
            a()
        with pytest.raises(Exception) as et:
            b()
        assert eg.type is et.type
        assert str(et.value).split(" (")[0][:40] in str(eg.value)


def test_load_torch_saved_file(tmp_path):
    t = torch.sparse_coo_tensor(IDX, VAL, (3, 3))
    p = tmp_path / "s.pt"
    torch.save({"adj": t, "c": t.coalesce()}, p)
    out = gt.load(p)
    _same_sparse(out["adj"], t)
    _same_sparse(out["c"], t.coalesce())
    gt.save({"adj": out["adj"]}, tmp_path / "g.pt")
    back = torch.load(tmp_path / "g.pt")
    _same_sparse(out["adj"], back["adj"])
