"""Regressions found by the H12d conformance programs (part 1), compared with torch 2.13."""
import io

import numpy as np
import pytest

import graphtorch as gt
from tests.helpers import assert_close

torch = pytest.importorskip("torch")


def _both(fn):
    """fn(module) under torch and graphtorch: (torch result, graphtorch result)."""
    return fn(torch), fn(gt)


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__
    return "no error"


# ---------------------------------------------------------------- autograd saving
def test_mul_by_scalar_saves_nothing_so_inplace_after_is_fine():
    def f(m):
        e = m.tensor([1.0, 2.0], requires_grad=True)
        x = e + 1
        y = x * 2   # saves nothing of x: the in-place below must not break backward
        x.add_(1)
        y.sum().backward()
        return e.grad
    t, g = _both(f)
    assert_close(g, t)


def test_mul_still_saves_what_the_other_grad_needs():
    def f(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.tensor([3.0, 4.0])
        c = a * b
        b.add_(1)
        return _err(lambda: c.sum().backward())
    t, g = _both(f)
    assert t == g == "RuntimeError"


def test_mul_double_backward():
    def f(m):
        x = m.tensor([1.0, -2.0], dtype=m.float64, requires_grad=True)
        (g,) = m.autograd.grad((x * x * 3).sum(), x, create_graph=True)
        return m.autograd.grad(g.sum(), x)[0]
    t, g = _both(f)
    assert_close(g, t)


# ---------------------------------------------------------------- dtype errors
@pytest.mark.parametrize("case", ["linear_x", "linear_b", "addmm_in", "module"])
def test_matmul_family_rejects_mixed_dtypes(case):
    def f(m):
        a = m.ones(2, 3)
        calls = {
            "linear_x": lambda: m.nn.functional.linear(a.double(), m.ones(2, 3)),
            "linear_b": lambda: m.nn.functional.linear(a, m.ones(2, 3), m.ones(2).double()),
            "addmm_in": lambda: m.addmm(m.ones(2).double(), a, m.ones(3, 2)),
            "module": lambda: m.nn.Linear(3, 2)(a.double()),
        }
        return _err(calls[case])
    t, g = _both(f)
    assert g == t == "RuntimeError"


def test_softmax_of_int_is_not_implemented_error():
    t, g = _both(lambda m: (_err(lambda: m.tensor([1, 2]).softmax(0)),
                            _err(lambda: m.tensor([1, 2]).log_softmax(0))))
    assert g == t


@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
def test_half_softmax_rounds_once_like_torch(dt):
    x = np.random.RandomState(1).standard_normal((9, 37)).astype(np.float32)

    def f(m):
        h = m.tensor(x).to(getattr(m, dt))
        return m.softmax(h, 1).float(), m.log_softmax(h, 0).float()
    (ts, tl), (gs, gl) = _both(f)
    assert_close(gs, ts, rtol=0, atol=0)
    assert_close(gl, tl, rtol=0, atol=0)


def test_pointwise_inplace_on_expanded_tensor_raises():
    for expr in ("add_(1)", "mul_(2)", "relu_()", "copy_(m.ones(2, 3))", "fill_(2)",
                 "masked_fill_(m.ones(2, 3, dtype=m.bool), 1)"):
        def f(m):
            e = m.zeros(1, 3).expand(2, 3)
            return _err(lambda: eval("e." + expr, {"e": e, "m": m}))
        t, g = _both(f)
        assert g == t, expr


def test_linalg_error_type_name():
    t, g = _both(lambda m: _err(lambda: m.linalg.inv(m.zeros(2, 2))))
    assert g == t == "_LinAlgError"
    assert isinstance(gt.linalg.LinAlgError("x"), RuntimeError)


def test_calculate_gain_types():
    names = ("linear", "conv2d", "sigmoid", "tanh", "relu", "selu")
    t, g = _both(lambda m: [m.nn.init.calculate_gain(n) for n in names])
    assert [type(x) for x in g] == [type(x) for x in t] and g == pytest.approx(t)


# ---------------------------------------------------------------- new functions
def test_isin():
    def f(m):
        v = m.tensor([3, 1, 2, 3, 7])
        return (m.isin(v, m.tensor([1, 7])), m.isin(v, 3), m.isin(3, m.tensor([1, 3])),
                m.isin(m.tensor([1.5, float("nan")]), m.tensor([1.5, float("nan")])),
                m.isin(v, m.tensor([2.0]), invert=True),
                m.isin(v, m.tensor([], dtype=m.long)),
                _err(lambda: m.isin(m.tensor([True]), m.tensor([True]))))
    t, g = _both(f)
    for a, b in zip(g[:-1], t[:-1]):
        assert_close(a, b)
    assert g[-1] == t[-1]


@pytest.mark.parametrize("interp", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("dim,keepdim", [(None, False), (None, True), (1, False), (-1, True)])
def test_quantile(interp, dim, keepdim):
    x = np.random.RandomState(2).standard_normal((3, 5, 4))
    x[0, 1, 2] = np.nan

    def f(m):
        t = m.tensor(x, requires_grad=True)
        q = m.tensor([0.1, 0.5, 0.95], dtype=m.float64)
        a = m.quantile(t, q, dim=dim, keepdim=keepdim, interpolation=interp)
        b = m.nanquantile(t, 0.3, dim=dim, keepdim=keepdim, interpolation=interp)
        b.nan_to_num().sum().backward()
        return a, b, t.grad
    t, g = _both(f)
    for a, b in zip(g, t):
        assert_close(a, b)


def test_quantile_errors_and_0d():
    def f(m):
        x = m.tensor([[1.0, 2.0]])
        return [m.quantile(m.tensor(3.0), 0.5).shape, m.quantile(m.tensor(3.0), 0.5, 0, True).shape,
                m.tensor([1.0, 2.0, 3.0, 4.0]).quantile(0.5, interpolation="nearest").item(),
                m.nanquantile(m.tensor([float("nan")] * 2), 0.3).isnan().item(),
                _err(lambda: m.quantile(m.tensor([1, 2]), 0.5)),
                _err(lambda: m.quantile(x, 1.5)),
                _err(lambda: m.quantile(x, 0.5, interpolation="foo")),
                _err(lambda: m.quantile(m.tensor([]), 0.5)),
                _err(lambda: m.quantile(x, m.tensor([0.5], dtype=m.float64))),
                _err(lambda: m.quantile(x, m.ones(1, 1) * 0.5))]
    t, g = _both(f)
    assert [tuple(v) if hasattr(v, "__len__") else v for v in g] == \
        [tuple(v) if hasattr(v, "__len__") else v for v in t]


def test_dist():
    def f(m):
        a = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        b = m.tensor([0.0, 1.0])
        out = [m.dist(a, b), m.dist(a, b, 0), m.dist(a, b, float("inf")), a.dist(b, p=3)]
        out[0].backward()
        return out + [a.grad]
    t, g = _both(f)
    for a, b in zip(g, t):
        assert_close(a, b)


# ---------------------------------------------------------------- utils.checkpoint
@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_grads_match_plain(reentrant):
    rs = np.random.RandomState(0)
    ws = [rs.standard_normal((4, 6)).astype(np.float32), rs.standard_normal((6, 2)).astype(np.float32)]
    xv = rs.standard_normal((3, 4)).astype(np.float32)

    def f(m, ckpt):
        from importlib import import_module
        cp = import_module(m.__name__ + ".utils.checkpoint")
        w1, w2 = (m.tensor(w, requires_grad=True) for w in ws)
        x = m.tensor(xv, requires_grad=True)
        seg = lambda t: m.tanh(t @ w1) @ w2  # noqa: E731
        y = cp.checkpoint(seg, x, use_reentrant=reentrant) if ckpt else seg(x)
        (y ** 2).sum().backward()
        return x.grad, w1.grad, w2.grad, type(y.grad_fn).__name__
    t = f(torch, True)
    g = f(gt, True)
    plain = f(gt, False)
    for a, b, c in zip(g[:3], t[:3], plain[:3]):
        assert_close(a, b)
        assert_close(a, c)
    assert g[3] == t[3]


def test_checkpoint_replays_dropout_rng():
    from graphtorch.utils.checkpoint import checkpoint
    gt.manual_seed(3)
    seg = gt.nn.Sequential(gt.nn.Linear(5, 5), gt.nn.Dropout(0.5))
    x = gt.randn(4, 5, requires_grad=True)
    gt.manual_seed(7)
    y = checkpoint(seg, x, use_reentrant=True)
    y.sum().backward()
    g_ck = x.grad.clone()
    x.grad = None
    gt.manual_seed(7)
    seg(x).sum().backward()  # same RNG state: same mask
    assert_close(g_ck, x.grad)


def test_checkpoint_sequential():
    def f(m):
        from importlib import import_module
        cp = import_module(m.__name__ + ".utils.checkpoint")
        seq = m.nn.Sequential(m.nn.Linear(3, 4), m.nn.ReLU(), m.nn.Linear(4, 2), m.nn.Tanh())
        with m.no_grad():
            for i, p in enumerate(seq.parameters()):
                p.copy_(m.linspace(-1, 1, p.numel()).reshape(p.shape) * (i + 1) / 3)
        x = m.linspace(-2, 2, 6).reshape(2, 3).requires_grad_()
        cp.checkpoint_sequential(seq, 2, x, use_reentrant=False).sum().backward()
        return [x.grad] + [p.grad for p in seq.parameters()]
    t, g = _both(f)
    for a, b in zip(g, t):
        assert_close(a, b)


# ---------------------------------------------------------------- jit
def test_trace_same_tensor_twice_keeps_inputs_separate():
    def f(m):
        x = m.ones(2, 3)
        tf = m.jit.trace(lambda a, b: a * b + a.sum(), (x, x))
        return tf(x, x + 1)
    t, g = _both(f)
    assert_close(g, t)


def test_scripted_module_saves_every_specialization():
    class Gate(gt.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = gt.nn.Linear(3, 3)

        def forward(self, x, n: int):
            for _ in range(n):
                x = gt.tanh(self.lin(x))
            return x
    g = gt.jit.script(Gate())
    x = gt.ones(2, 3)
    want = {n: g(x, n) for n in (2, 0, 1)}
    buf = io.BytesIO()
    gt.jit.save(g, buf)
    buf.seek(0)
    ld = gt.jit.load(buf)
    for n, w in want.items():
        assert_close(ld(x, n), w)
