"""Regressions from tutorial programs (helper H16a): torch.func.jvp / stack_module_state /
jacrev over a dict of parameters, torch.nn.grad, torch.empty(memory_format=...),
torch.utils.benchmark.Timer; compared with torch 2.13."""
import importlib

import numpy as np
import pytest

import graphtorch as gt

torch = pytest.importorskip("torch")


def _both(fn):
    """fn(lib, func_module) under graphtorch and torch."""
    return [fn(L, importlib.import_module(L.__name__ + ".func")) for L in (gt, torch)]


def _close(a, b, tol=1e-5):
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _close(a[k], b[k], tol)
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _close(x, y, tol)
    else:
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


X = np.array([0.3, -1.2, 2.0], np.float32)


@pytest.mark.parametrize("case", ["cos", "two_inputs", "linear", "constant", "vmap"])
def test_func_jvp(case):
    def run(L, f):
        x = L.tensor(X)
        if case == "cos":
            return f.jvp(lambda x: x.cos(), (x,), (L.ones(3),))
        if case == "two_inputs":
            return f.jvp(lambda a, b: (a * b, a.sum()), (x, x * 2),
                         (L.ones(3), L.tensor([1., 0., 2.])))
        if case == "linear":
            return f.jvp(lambda x: x * 3, (x,), (L.tensor([1., 2., 3.]),))
        if case == "constant":
            return f.jvp(lambda x: L.ones(2), (x,), (x,))
        w = L.tensor([[1., 2., 3.], [0., 1., -1.]])
        return f.vmap(lambda t: f.jvp(lambda x: (w @ x).tanh(), (x,), (t,))[1])(L.eye(3))
    a, b = _both(run)
    _close(a, b)


def test_jvp_needs_tuples():
    with pytest.raises(RuntimeError):
        gt.func.jvp(lambda x: x, gt.ones(2), (gt.ones(2),))


def _mlp(L, seed):
    m = L.nn.Sequential(L.nn.Linear(3, 4), L.nn.Tanh(), L.nn.Linear(4, 2))
    r = np.random.RandomState(seed)
    with L.no_grad():
        for p in m.parameters():
            p.copy_(L.tensor(r.uniform(-.5, .5, tuple(p.shape)).astype(np.float32)))
    return m


def test_stack_module_state_ensemble():
    """Model-ensembling tutorial: stack_module_state + vmap(functional_call)."""
    def run(L, f):
        models = [_mlp(L, s) for s in range(3)]
        p, b = f.stack_module_state(models)
        x = L.tensor(np.random.RandomState(9).randn(5, 3).astype(np.float32))
        out = f.vmap(lambda p, b, x: f.functional_call(models[0], (p, b), (x,)),
                     in_dims=(0, 0, None))(p, b, x)
        return p, out, [v.requires_grad for v in p.values()], [v.is_leaf for v in p.values()]
    (pa, oa, ra, la), (pb, ob, rb, lb) = _both(run)
    _close(pa, pb)
    _close(oa, ob)
    assert ra == rb and la == lb


def test_jacrev_over_parameter_dict():
    """NTK tutorial: vmap(jacrev(f), (None, 0))(params_dict, x) gives a dict of Jacobians."""
    def run(L, f):
        m = _mlp(L, 1)
        params = {k: v.detach() for k, v in m.named_parameters()}
        x = L.tensor(np.random.RandomState(2).randn(4, 3).astype(np.float32))
        single = lambda p, x: f.functional_call(m, p, (x.unsqueeze(0),)).squeeze(0)
        return f.vmap(f.jacrev(single), (None, 0))(params, x), f.jacrev(single, argnums=(0, 1))(params, x[0])
    a, b = _both(run)
    _close(a, b)


@pytest.mark.parametrize("nd,stride,padding,groups", [(1, 2, 0, 1), (2, 1, 1, 1), (2, 2, 1, 2),
                                                       (3, 1, 0, 1)])
def test_nn_grad_conv(nd, stride, padding, groups):
    """Fusing conv + bn tutorial: torch.nn.grad.conv{n}d_input / conv{n}d_weight."""
    r = np.random.RandomState(0)
    xs = (2, 4) + (7,) * nd
    ws = (6, 4 // groups) + (3,) * nd
    x, w = r.randn(*xs), r.randn(*ws)
    res = []
    for L in (gt, torch):
        F = L.nn.functional
        conv = (F.conv1d, F.conv2d, F.conv3d)[nd - 1]
        xt, wt = L.tensor(x, requires_grad=True), L.tensor(w, requires_grad=True)
        out = conv(xt, wt, None, stride, padding, 1, groups)
        go = L.tensor(r.randn(*out.shape) if L is gt else res[0][2])
        gi = getattr(L.nn.grad, f"conv{nd}d_input")(xs, wt, go, stride, padding, 1, groups)
        gw = getattr(L.nn.grad, f"conv{nd}d_weight")(xt, ws, go, stride, padding, 1, groups)
        (gi.sum() + gw.sum()).backward()   # differentiable w.r.t. the other operand
        res.append((gi.detach().numpy(), gw.detach().numpy(), go.numpy(), xt.grad.numpy(),
                    wt.grad.numpy()))
    for a, b in zip(res[0], res[1]):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-8)


def test_empty_memory_format():
    for L in (gt, torch):
        assert L.empty(2, 3, 4, 5, memory_format=L.channels_last).stride() == (60, 1, 15, 3)
        assert L.empty(2, 3, 4, 5, 6, memory_format=L.channels_last_3d).stride() == \
            (360, 1, 90, 18, 3)
        assert L.empty(2, 3, memory_format=L.contiguous_format).stride() == (3, 1)
        with pytest.raises(RuntimeError, match="rank 4"):
            L.empty(2, 3, memory_format=L.channels_last)


def test_benchmark_timer():
    import graphtorch.utils.benchmark as gb
    t = gb.Timer(stmt="a + b", globals={"a": gt.ones(3), "b": gt.ones(3)}, label="add")
    m = t.timeit(20)
    assert m.number_per_run == 20 and len(m.times) == 1 and m.mean > 0 and m.median > 0
    m = t.blocked_autorange(min_run_time=0.01)
    assert len(m.times) >= 1 and m.mean > 0 and "a + b" in repr(m)
    calls = []
    gb.Timer(lambda: None).blocked_autorange(lambda n, t: calls.append(n), min_run_time=0.001)
    assert calls


def test_profiler_recipe(tmp_path):
    """Profiler recipe: profile + record_function + key_averages().table + chrome trace +
    schedule/step; the schedule's actions match torch's."""
    import json
    tp = importlib.import_module("torch.profiler")
    gp = gt.profiler
    for s in range(12):
        a = tp.schedule(wait=1, warmup=1, active=2, repeat=2, skip_first=1)(s)
        b = gp.schedule(wait=1, warmup=1, active=2, repeat=2, skip_first=1)(s)
        assert a.name == b.name
    m = gt.nn.Linear(3, 2)
    with gp.profile(activities=[gp.ProfilerActivity.CPU], record_shapes=True) as prof:
        with gp.record_function("model_inference"):
            m(gt.ones(2, 3))
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=10)
    assert "model_inference" in table
    prof.export_chrome_trace(str(tmp_path / "t.json"))
    assert json.loads((tmp_path / "t.json").read_text())["traceEvents"][0]["name"] == \
        "model_inference"
    ready = []
    with gp.profile(schedule=gp.schedule(wait=1, warmup=1, active=2),
                    on_trace_ready=lambda p: ready.append(p.step_num)) as p:
        for _ in range(5):
            p.step()
    assert ready == [4]
    assert gt.profiler is importlib.import_module("graphtorch.profiler")
