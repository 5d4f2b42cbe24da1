"""Reductions, order statistics and scans against torch 2.13: values, dtypes, shapes, named
tuple types and reprs, exception types and gradients (including ties)."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import graphtorch as gt  # noqa: E402
from tests.helpers import assert_close  # noqa: E402

R = np.random.RandomState(0)
ARRAYS = {
    "f": R.permutation(12).reshape(3, 4).astype(np.float32) / 3 - 1.5,  # no ties
    "d": R.randn(2, 3, 4),
    "i": R.randint(-2, 3, size=(3, 4)).astype(np.int64),  # many ties
    "i32": R.randint(0, 5, size=(6,)).astype(np.int32),
    "b": R.rand(3, 4) > 0.5,
    "u": R.randint(0, 4, size=(3, 4)).astype(np.uint8),
    "h": (R.permutation(12).reshape(3, 4) / 4).astype(np.float16),
    "n": np.array([[1.0, np.nan, 2.0, 0.5], [3.0, 1.0, -1.0, 2.0], [np.nan, np.nan, 0.0, 1.0]]),
    "s": np.array(2.5, np.float32),
    "e": np.zeros((0, 3), np.float32),
    "v": np.array([3.0, 1.0, 3.0, 2.0, 3.0, 1.0]),  # ties, 1-d
    "z": np.array([[1.5, 0.0, 2.0, 0.5], [0.0, 1.2, 0.0, 0.7]]),
    "srt": np.array([1, 3, 5, 7, 9], np.int64),
    "q": np.array([[0, 4, 8], [10, 2, 1]], np.int64),
    "idx": np.array([1, 1, 3, 0, 5], np.int64),
    "f1": np.array([[0.5], [1.0], [-1.0]], np.float32),
    "f2": np.array([[0.5, 2.0], [1.0, 0.0], [-1.0, 3.0]], np.float32),
    "w": np.array([0.5, 0.5, 1.0, 2.0, 1.5], np.float32),
}


def env(lib):
    d = {k: (torch.from_numpy(v.copy()) if lib is torch else gt.from_numpy(v.copy()))
         for k, v in ARRAYS.items()}
    d["L"] = lib
    d["inf"] = math.inf
    return d


# expressions evaluated with L = torch and L = graphtorch; "[idx]" marks results whose
# indices are compared only for values (ties make the index unspecified in torch)
VALUE_CASES = [
    # sum / mean / nansum / nanmean / prod
    "f.sum()", "i.sum(1)", "b.sum()", "u.sum(0)", "h.sum(dim=(0, 1))", "i.sum(dtype=L.float32)",
    "f.mean()", "f.mean(1)", "d.mean((0, 2), keepdim=True)", "i.mean(dtype=L.float64)",
    "h.mean(0)", "e.mean()", "e.mean(0)", "s.mean(0)", "f.mean([])", "d.mean(-1)",
    "L.nansum(n)", "L.nansum(n, 1)", "i.nansum()", "L.nanmean(n)", "L.nanmean(n, 0)",
    "L.nanmean(n, 1, keepdim=True)", "f.prod()", "i.prod()", "b.prod()", "f.prod(1)",
    "i.prod(0, keepdim=True)", "z.prod(1)", "e.prod()", "i.prod(dtype=L.float32)", "u.prod()",
    "L.prod(i32)", "i32.sum()",
    # var / std
    "f.var()", "f.std()", "f.var(1)", "f.std(0, True)", "f.std(True)", "f.std(False)",
    "d.var((0, 2))", "d.std(1, keepdim=True)", "f.var(unbiased=False)", "f.var(correction=2)",
    "d.var(dim=1, correction=0)", "L.var_mean(f, 1)", "L.std_mean(f)", "L.std_mean(d, (0, 1))",
    "L.var_mean(f, correction=0)", "h.var()", "f.var(1, False, True)",
    # logsumexp / norm
    "f.logsumexp(1)", "L.logsumexp(d, (0, 2))", "i.logsumexp(0)", "e.logsumexp(0)",
    "e.logsumexp(1)", "f.logsumexp(1, keepdim=True)", "f.norm()", "f.norm(1)",
    "f.norm(p='fro', dim=1)", "f.norm(inf)", "f.norm(-inf, 0)", "f.norm(0)", "f.norm(3, 1)",
    "L.norm(d, dim=(0, 1), p=3)", "f.norm(2, 1, True)", "f.norm(dtype=L.float64)",
    "L.norm(f, p=None)", "d.norm(0.5)", "s.norm()",
    # all / any / count_nonzero
    "f.all()", "i.all()", "i.all(0)", "b.any(1)", "u.all()", "u.any(dim=(0, 1))",
    "i.all(dim=(0, 1))", "b.all(dim=())", "e.all()", "e.any()", "L.count_nonzero(i)",
    "L.count_nonzero(i, (0, 1))", "i.count_nonzero(1)", "L.any(n)",
    # amax / amin / max / min / argmax / argmin
    "f.amax()", "i.amax(1)", "d.amin((0, 2))", "f.amax(0, True)", "n.amax(1)", "e.amax(1)",
    "f.max()", "i.min()", "b.max()", "n.max()", "h.max()", "s.max()", "f.max(1)", "i.max(1)",
    "i.min(0)", "i.max(1, keepdim=True)", "L.max(f, 0, True)", "s.max(0)", "n.max(1)",
    "e.max(1)", "f.max(f * -1)", "L.min(f, f * 2)", "i.argmax()", "i.argmin(1)",
    "f.argmax(0, keepdim=True)", "f.argmax(keepdim=True)", "n.argmax(1)", "n.argmin()",
    "s.argmax()", "f.aminmax()", "i.aminmax(dim=0)", "L.aminmax(f, dim=1, keepdim=True)",
    # sort family
    "f.sort()", "f.sort(0, descending=True)", "i.sort(stable=True)",
    "i.sort(dim=1, descending=True, stable=True)", "v.sort(stable=True)",
    "v.sort(descending=True, stable=True)", "n.sort(1)", "n.sort(1, descending=True)",
    "b.sort(stable=True)", "s.sort()", "e.sort()", "f.argsort()", "i.argsort(stable=True)",
    "v.argsort(descending=True, stable=True)", "i.msort()", "f.topk(2)", "f.topk(2, 0)",
    "f.topk(3, largest=False)", "s.topk(1)", "f.topk(0)", "f.kthvalue(2)",
    "f.kthvalue(3, 0, True)", "d.kthvalue(1, 1)",
    # median / nanmedian / mode
    "f.median()", "i.median()", "v.median()", "n.median()", "e.median()", "f.median(1)",
    "f.median(0, keepdim=True)", "n.median(1)", "n.nanmedian()", "n.nanmedian(1)",
    "n.nanmedian(0)", "s.median(0)", "i.mode()", "v.mode()", "i.mode(0)", "s.mode()",
    # scans
    "f.cumsum(1)", "i.cumsum(0)", "b.cumsum(1)", "u.cumsum(0)", "f.cumsum(0, dtype=L.float64)",
    "s.cumsum(0)", "h.cumsum(1)", "f.cumprod(1)", "i.cumprod(0)", "z.cumprod(1)",
    "i.cummax(1)", "v.cummax(0)", "v.cummin(0)", "n.cummax(1)", "n.cummin(1)", "f.cummin(0)",
    "f.logcumsumexp(1)", "d.logcumsumexp(0)", "f.diff()", "i.diff(2, 0)", "b.diff()",
    "i.diff(n=3, dim=0)", "f.diff(prepend=f1, append=f2)", "f.diff(0)",
    # unique / bincount / histc / searchsorted / bucketize
    "i.unique()", "i.unique(return_inverse=True, return_counts=True)", "v.unique(sorted=False)",
    "q.unique(dim=1)", "L.unique(i, dim=0, return_inverse=True, return_counts=True)",
    "L.unique_consecutive(v)", "L.unique_consecutive(v, return_inverse=True, return_counts=True)",
    "L.unique_consecutive(i, dim=1)", "b.unique()", "L.bincount(idx)", "L.bincount(idx, w)",
    "L.bincount(idx, minlength=9)", "L.bincount(idx, idx)", "L.histc(f, bins=4)",
    "L.histc(f, 5, -1, 1)", "L.histc(d)", "L.searchsorted(srt, q)",
    "L.searchsorted(srt, q, right=True)", "L.searchsorted(srt, 5)",
    "L.searchsorted(srt, q, side='right', out_int32=True)", "L.bucketize(q, srt)",
    "L.bucketize(q, srt, right=True)", "L.searchsorted(f.sort(1).values, f2)",
    "L.histogram(f, 4)",
]


def _compare(a, b, expr):
    if isinstance(b, tuple):
        assert isinstance(a, tuple) and len(a) == len(b), expr
        assert type(a).__name__ == type(b).__name__, (expr, type(a), type(b))
        for x, y in zip(a, b):
            _compare(x, y, expr)
        return
    assert isinstance(a, gt.Tensor), expr
    assert str(a.dtype) == str(b.dtype), (expr, a.dtype, b.dtype)
    assert tuple(a.shape) == tuple(b.shape), (expr, a.shape, b.shape)
    assert_close(a, b, rtol=2e-3 if "h." in expr else None, check_dtype=False)


@pytest.mark.parametrize("expr", VALUE_CASES)
def test_values_match_torch(expr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = eval(expr, env(torch))
        actual = eval(expr, env(gt))
    _compare(actual, expected, expr)


ERROR_CASES = [
    "f.sum(2)", "f.mean(2)", "i.mean()", "f.mean(dtype=L.int64)", "i.nanmean()", "i.std()",
    "i.var(0)", "i.norm()", "f.max(2)", "e.max()", "e.max(0)", "e.amax()", "e.amax(0)",
    "e.argmax()", "e.argmin(0)", "e.aminmax()", "s.max(1)", "f.topk(5)", "f.kthvalue(5)",
    "f.kthvalue(0)", "L.bincount(f)", "L.bincount(i)", "L.bincount(q)", "L.histc(i)",
    "i.logcumsumexp(0)", "f.sum((0, 0))", "f.prod((0, 1))", "s.diff()", "f.diff(-1, 0)",
    "L.bucketize(q, q)", "L.searchsorted(q, f)", "f.sort(3)", "f.cumsum(2)", "f.max(dim=(0, 1))",
    "L.histc(f, -1)", "b.argmax()", "b.argmin(0)", "f.median(5)", "e.median(0)", "L.logsumexp(f)",
]


@pytest.mark.parametrize("expr", ERROR_CASES)
def test_errors_match_torch(expr):
    with pytest.raises(Exception) as te:
        eval(expr, env(torch))
    with pytest.raises(Exception) as ge:
        eval(expr, env(gt))
    assert type(ge.value) is type(te.value), (expr, ge.value, te.value)


def test_dim_error_message():
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                       r"\[-2, 1\], but got 2\)"):
        gt.ones(2, 3).max(2)
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype"):
        gt.ones(2, dtype=gt.int64).mean()


GRAD_CASES = [
    "x.mean()", "x.mean(1)", "x.sum((0, 1))", "x.nansum(1)", "x.prod()", "x.prod(1)",
    "x.var()", "x.std(1)", "x.var(0, correction=0)", "L.std_mean(x, 1)[0] + L.std_mean(x, 1)[1]",
    "L.var_mean(x)[1]", "x.logsumexp(1)", "x.norm()", "x.norm(1, 1)", "x.norm(inf)",
    "x.norm(3, 0)", "x.amax()", "x.amax(1)", "x.amin(0)", "x.max()", "x.min()",
    "x.max(1).values", "x.min(0, keepdim=True)[0]", "x.aminmax().max", "x.sort(1)[0]",
    "x.sort(dim=0, descending=True, stable=True).values", "x.topk(2)[0]", "x.kthvalue(2)[0]",
    "x.median()", "x.median(1)[0]", "x.nanmedian()", "x.mode(1)[0]", "x.cumsum(1)",
    "x.cumprod(1)", "x.cummax(1)[0]", "x.cummin(0)[0]", "x.logcumsumexp(1)", "x.diff()",
    "x.diff(2, 0)", "x.msort()",
]
GRAD_INPUTS = {
    "plain": np.array([[0.5, -1.2, 2.0, 0.3], [1.1, 0.7, -0.4, 1.9], [-0.8, 1.4, 0.9, -1.5]]),
    "ties": np.array([[2.0, 1.0, 2.0, 0.5], [1.0, 1.0, 3.0, 3.0], [0.0, 2.0, 2.0, 2.0]]),
    "zeros": np.array([[0.5, 0.0, 2.0, 0.3], [0.0, 0.7, 0.0, 1.9], [0.8, 1.4, 0.9, 1.5]]),
}
# ties make some indices unspecified (sort/topk/kthvalue/median along dim/mode): those run on
# the tie-free input only
TIE_SAFE = ("amax", "amin", "x.max()", "x.min()", "max(1)", "min(0", "aminmax", "x.median()",
            "nanmedian", "cummax", "cummin", "stable=True", "mean", "sum", "var", "std",
            "logsumexp", "norm", "cumsum", "diff", "prod")


def _grad(lib, expr, arr):
    x = (torch.tensor if lib is torch else gt.tensor)(arr, requires_grad=True)
    e = env(lib)
    e["x"] = x
    out = eval(expr, e)
    wts = np.linspace(0.5, 1.5, max(out.numel(), 1)).reshape(tuple(out.shape))
    w = (torch.tensor if lib is torch else gt.tensor)(wts)
    (out * w).sum().backward()
    return x.grad, out.grad_fn.name() if out.grad_fn is not None else None


# with ties torch leaves the selected index unspecified, so tie inputs are used only for the
# expressions whose gradient is defined for ties; zero inputs only matter for products
_GRAD_PAIRS = [(e, w) for e in GRAD_CASES for w in sorted(GRAD_INPUTS)
               if not (w == "ties" and not any(k in e for k in TIE_SAFE))
               and not (w == "zeros" and "prod" not in e)]


@pytest.mark.parametrize("expr,which", _GRAD_PAIRS)
def test_gradients_match_torch(expr, which):
    arr = GRAD_INPUTS[which]
    gt_grad, gt_name = _grad(gt, expr, arr)
    t_grad, t_name = _grad(torch, expr, arr)
    assert_close(gt_grad, t_grad)
    if "L." not in expr and "+" not in expr and ".values" not in expr and "[0]" not in expr:
        assert gt_name == t_name, (gt_name, t_name)


def test_named_tuple_repr_and_fields():
    for lib in (gt, torch):
        r = lib.tensor([1.0, 3.0, 2.0]).max(0)
        assert r.values.item() == 3.0 and r.indices.item() == 1
    a = repr(gt.tensor([1.0, 3.0]).max(0))
    assert a == "torch.return_types.max(\nvalues=tensor(3.),\nindices=tensor(1))"
    assert repr(gt.tensor([1.0, 3.0]).aminmax()).startswith("torch.return_types.aminmax(\nmin=")
    v, i = gt.tensor([[1.0, 3.0]]).sort(1)
    assert i.dtype is gt.int64 and not i.requires_grad
