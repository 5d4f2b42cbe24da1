"""Adagrad, Adadelta, Adamax, ASGD, NAdam, RAdam, RMSprop, Rprop, LBFGS, SparseAdam: hand-computed
updates (always), 100-step trajectories, state_dict layout / resume from a torch state_dict,
LBFGS on Rosenbrock and argument errors against torch 2.13 (parity tests skip without torch)."""
import importlib
import math

import numpy as np
import pytest

import graphtorch as gt

MODULES = dict(Adagrad="adagrad", Adadelta="adadelta", Adamax="adamax", ASGD="asgd",
               NAdam="nadam", RAdam="radam", RMSprop="rmsprop", Rprop="rprop", LBFGS="lbfgs",
               SparseAdam="sparse_adam")


def _cls(name):
    return getattr(importlib.import_module("graphtorch.optim." + MODULES[name]), name)


def _param(values, dtype=np.float64):
    return gt.nn.Parameter(gt.tensor(np.asarray(values, dtype=dtype)))


GRADS = [np.array([0.3, -0.1]), np.array([-0.2, 0.4]), np.array([0.5, 0.5]),
         np.array([-0.4, 0.2]), np.array([0.1, -0.3]), np.array([0.2, 0.6]),
         np.array([-0.3, -0.2])]
W0 = np.array([1.0, -2.0])


def _run(name, kw, steps=3):
    """Yield (grad, parameter after the step) for the first ``steps`` GRADS."""
    p = _param(W0)
    opt = _cls(name)([p], **kw)
    for g in GRADS[:steps]:
        p.grad = gt.tensor(g)
        opt.step()
        yield g, p.detach().numpy(), opt.state[p]


# ---------------------------------------------------------------- hand-computed updates
def test_adagrad_hand():
    w, s = W0.copy(), np.full(2, 0.3)
    for t, (g, got, st) in enumerate(_run("Adagrad", dict(lr=0.1, lr_decay=0.5, weight_decay=0.2,
                                                          initial_accumulator_value=0.3)), 1):
        g = g + 0.2 * w
        s = s + g * g
        w = w - 0.1 / (1 + (t - 1) * 0.5) * g / (np.sqrt(s) + 1e-10)
        np.testing.assert_allclose(got, w, rtol=1e-12)
        np.testing.assert_allclose(st["sum"].numpy(), s, rtol=1e-12)
        assert float(st["step"]) == t


def test_adagrad_state_is_created_eagerly():
    p = _param(W0)
    opt = _cls("Adagrad")([p], initial_accumulator_value=0.5)
    assert opt.state[p]["sum"].tolist() == [0.5, 0.5]
    assert opt.state[p]["step"].dtype == gt.float32 and opt.state[p]["step"].dim() == 0


def test_adadelta_hand():
    w, v, u = W0.copy(), np.zeros(2), np.zeros(2)
    for g, got, st in _run("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1)):
        g = g + 0.1 * w
        v = 0.8 * v + 0.2 * g * g
        delta = np.sqrt(u + 1e-6) / np.sqrt(v + 1e-6) * g
        u = 0.8 * u + 0.2 * delta * delta
        w = w - 0.5 * delta
        np.testing.assert_allclose(got, w, rtol=1e-12)
        np.testing.assert_allclose(st["acc_delta"].numpy(), u, rtol=1e-12)


def test_adamax_hand():
    w, m, u = W0.copy(), np.zeros(2), np.zeros(2)
    for t, (g, got, st) in enumerate(_run("Adamax", dict(lr=0.1, betas=(0.8, 0.9), eps=1e-3,
                                                         maximize=True)), 1):
        g = -g
        m = 0.8 * m + 0.2 * g
        u = np.maximum(0.9 * u, np.abs(g) + 1e-3)
        w = w - 0.1 / (1 - 0.8 ** t) * m / u
        np.testing.assert_allclose(got, w, rtol=1e-12)
        np.testing.assert_allclose(st["exp_inf"].numpy(), u, rtol=1e-12)


def test_asgd_hand():
    # eta and mu live in float32 0-dim tensors (torch's scalar dtype), hence the roundings
    w, ax, eta, mu = W0.copy(), np.zeros(2), np.float32(0.1), np.float32(1.0)
    for t, (g, got, st) in enumerate(_run("ASGD", dict(lr=0.1, lambd=0.1, alpha=0.5, t0=0)), 1):
        w = w * (1 - 0.1 * float(eta)) - float(eta) * g
        ax = w.copy() if mu == 1 else ax + (w - ax) * float(mu)
        eta = np.float32(0.1 / (1 + 0.1 * 0.1 * t) ** 0.5)
        mu = np.float32(1 / max(1, t - 0))
        np.testing.assert_allclose(got, w, rtol=1e-12)
        np.testing.assert_allclose(st["ax"].numpy(), ax, rtol=1e-12)
        assert float(st["eta"]) == float(eta) and float(st["mu"]) == float(mu)
    assert st["eta"].dtype == gt.float32


@pytest.mark.parametrize("decoupled", [False, True])
def test_nadam_hand(decoupled):
    w, m, v, prod = W0.copy(), np.zeros(2), np.zeros(2), np.float32(1.0)
    kw = dict(lr=0.1, betas=(0.8, 0.9), eps=1e-6, momentum_decay=0.1, weight_decay=0.1,
              decoupled_weight_decay=decoupled)
    for t, (g, got, st) in enumerate(_run("NAdam", kw), 1):
        if decoupled:
            w = w * (1 - 0.1 * 0.1)
        else:
            g = g + 0.1 * w
        mu = 0.8 * (1 - 0.5 * 0.96 ** (t * 0.1))
        mu_next = 0.8 * (1 - 0.5 * 0.96 ** ((t + 1) * 0.1))
        prod = np.float32(prod * np.float32(mu))       # mu_product is a float32 tensor
        m = 0.8 * m + 0.2 * g
        v = 0.9 * v + 0.1 * g * g
        denom = np.sqrt(v / (1 - 0.9 ** t)) + 1e-6
        w = (w - 0.1 * (1 - mu) / (1 - float(prod)) * g / denom
             - 0.1 * mu_next / (1 - float(prod) * mu_next) * m / denom)
        np.testing.assert_allclose(got, w, rtol=1e-12)
        assert float(st["mu_product"]) == float(prod)


def test_radam_hand_switches_to_rectified_updates():
    w, m, v = W0.copy(), np.zeros(2), np.zeros(2)
    rectified = []
    for t, (g, got, _) in enumerate(_run("RAdam", dict(lr=0.1, betas=(0.8, 0.99), eps=1e-6),
                                         steps=7), 1):
        m = 0.8 * m + 0.2 * g
        v = 0.99 * v + 0.01 * g * g
        rho_inf = 2 / (1 - 0.99) - 1
        rho_t = rho_inf - 2 * t * 0.99 ** t / (1 - 0.99 ** t)
        step = 0.1 * m / (1 - 0.8 ** t)
        if rho_t > 5:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            step = step * math.sqrt(1 - 0.99 ** t) / (np.sqrt(v) + 1e-6) * rect
        rectified.append(rho_t > 5)
        w = w - step
        np.testing.assert_allclose(got, w, rtol=1e-12)
    assert rectified[0] is False and rectified[-1] is True


def test_rmsprop_centered_momentum_hand():
    w, v, ga, buf = W0.copy(), np.zeros(2), np.zeros(2), np.zeros(2)
    kw = dict(lr=0.1, alpha=0.9, eps=1e-6, momentum=0.5, centered=True, weight_decay=0.1)
    for g, got, st in _run("RMSprop", kw):
        g = g + 0.1 * w
        v = 0.9 * v + 0.1 * g * g
        ga = 0.9 * ga + 0.1 * g
        buf = 0.5 * buf + g / (np.sqrt(v - ga * ga) + 1e-6)
        w = w - 0.1 * buf
        np.testing.assert_allclose(got, w, rtol=1e-12)
    assert set(st) == {"step", "square_avg", "momentum_buffer", "grad_avg"}


def test_rmsprop_plain_hand():
    w, v = W0.copy(), np.zeros(2)
    for g, got, st in _run("RMSprop", dict(lr=0.1, alpha=0.9)):
        v = 0.9 * v + 0.1 * g * g
        w = w - 0.1 * g / (np.sqrt(v) + 1e-8)
        np.testing.assert_allclose(got, w, rtol=1e-12)
    assert set(st) == {"step", "square_avg"}


def test_rprop_hand():
    w, prev, size = W0.copy(), np.zeros(2), np.full(2, 0.1)
    for g, got, st in _run("Rprop", dict(lr=0.1, etas=(0.5, 1.2), step_sizes=(0.01, 0.15)),
                           steps=4):
        factor = np.select([g * prev > 0, g * prev < 0], [1.2, 0.5], 1.0)
        size = np.clip(size * factor, 0.01, 0.15)
        g = np.where(factor == 0.5, 0.0, g)
        w = w - np.sign(g) * size
        prev = g
        np.testing.assert_allclose(got, w, rtol=1e-12)
        np.testing.assert_allclose(st["step_size"].numpy(), size, rtol=1e-12)


def _quadratic_closure(opt, x, A, b):
    def closure():
        opt.zero_grad()
        loss = 0.5 * (x * (A @ x)).sum() - (b * x).sum()
        loss.backward()
        return loss
    return closure


def test_lbfgs_two_iterations_hand():
    A = np.array([[3.0, 0.5], [0.5, 1.0]])
    b = np.array([1.0, -1.0])
    x = _param(W0)
    opt = _cls("LBFGS")([x], lr=0.7, max_iter=2, max_eval=10)
    loss = opt.step(_quadratic_closure(opt, x, gt.tensor(A), gt.tensor(b)))
    grad = lambda w: A @ w - b  # noqa: E731
    w0 = W0.copy()
    g0 = grad(w0)
    d0, t0 = -g0, min(1.0, 1.0 / np.abs(g0).sum()) * 0.7
    w1 = w0 + t0 * d0
    g1 = grad(w1)
    y, s = g1 - g0, t0 * d0
    ro, H = 1 / y.dot(s), y.dot(s) / y.dot(y)
    q = -g1
    al = s.dot(q) * ro
    q = q - al * y
    r = H * q
    r = r + (al - y.dot(r) * ro) * s
    np.testing.assert_allclose(x.detach().numpy(), w1 + 0.7 * r, rtol=1e-12)
    assert float(loss) == pytest.approx(0.5 * w0 @ A @ w0 - b @ w0)
    st = opt.state[x]
    assert st["n_iter"] == 2 and st["func_evals"] == 2 and len(st["old_dirs"]) == 1


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
def test_lbfgs_solves_rosenbrock(line_search):
    x = _param([-1.5, 2.0])
    opt = _cls("LBFGS")([x], line_search_fn=line_search, lr=1 if line_search else 0.5)

    def closure():
        opt.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        loss.backward()
        return loss
    for _ in range(30):
        opt.step(closure)
    np.testing.assert_allclose(x.detach().numpy(), [1.0, 1.0], atol=1e-4)


def test_sparse_adam_rejects_dense_gradients():
    p = _param(W0)
    opt = _cls("SparseAdam")([p])
    p.grad = gt.tensor(GRADS[0])
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients"):
        opt.step()
    c = gt.nn.Parameter(gt.tensor(np.array([1 + 1j], dtype=np.complex64)))
    with pytest.raises(ValueError, match=r"Complex params at indices \[\[0, 0\]\]"):
        _cls("SparseAdam")([c])


def test_sparse_adam_masked_update_hand():
    from graphtorch.optim.sparse_adam import _sparse_adam_update
    p = _param(np.zeros((3, 2)))
    st = dict(step=0, exp_avg=gt.zeros(3, 2, dtype=gt.float64),
              exp_avg_sq=gt.zeros(3, 2, dtype=gt.float64))
    w, m, v = np.zeros((3, 2)), np.zeros((3, 2)), np.zeros((3, 2))
    for t, rows in enumerate(([0, 2], [2], [1, 2]), 1):
        vals = np.arange(1.0, 1 + 2 * len(rows)).reshape(len(rows), 2) * 0.1
        st["step"] = t
        _sparse_adam_update(p, st, np.array([rows]), vals, lr=0.1, beta1=0.8, beta2=0.9,
                            eps=1e-8, maximize=False)
        m[rows] = 0.8 * m[rows] + 0.2 * vals
        v[rows] = 0.9 * v[rows] + 0.1 * vals ** 2
        w[rows] -= 0.1 * math.sqrt(1 - 0.9 ** t) / (1 - 0.8 ** t) * m[rows] / (
            np.sqrt(v[rows]) + 1e-8)
        np.testing.assert_allclose(p.detach().numpy(), w, rtol=1e-12)


def test_step_bumps_version_and_float64_default_scalars():
    p = _param(W0)
    opt = _cls("NAdam")([p])
    p.grad = gt.tensor(GRADS[0])
    v = p._version
    opt.step()
    assert p._version > v
    old = gt.get_default_dtype()
    gt.set_default_dtype(gt.float64)
    try:
        q = _param(W0)
        opt = _cls("ASGD")([q])
        q.grad = gt.tensor(GRADS[0])
        opt.step()
        assert {opt.state[q][k].dtype for k in ("step", "eta", "mu")} == {gt.float64}
    finally:
        gt.set_default_dtype(old)


# ---------------------------------------------------------------- argument errors
ERRORS = [("Adagrad", dict(lr=-1), "Invalid learning rate: -1"),
          ("Adagrad", dict(lr_decay=-1), "Invalid lr_decay value: -1"),
          ("Adagrad", dict(initial_accumulator_value=-1),
           "Invalid initial_accumulator_value value: -1"),
          ("Adagrad", dict(eps=-1), "Invalid epsilon value: -1"),
          ("Adadelta", dict(rho=1.5), "Invalid rho value: 1.5"),
          ("Adadelta", dict(weight_decay=-1), "Invalid weight_decay value: -1"),
          ("Adamax", dict(betas=(1.0, 0.9)), "Invalid beta parameter at index 0: 1.0"),
          ("Adamax", dict(betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
          ("ASGD", dict(weight_decay=-0.5), "Invalid weight_decay value: -0.5"),
          ("NAdam", dict(momentum_decay=-1), "Invalid momentum_decay value: -1"),
          ("RAdam", dict(eps=-1e-3), "Invalid epsilon value: -0.001"),
          ("RMSprop", dict(alpha=-1), "Invalid alpha value: -1"),
          ("RMSprop", dict(momentum=-1), "Invalid momentum value: -1"),
          ("Rprop", dict(etas=(1.5, 2.0)), "Invalid eta values: 1.5, 2.0"),
          ("LBFGS", dict(lr=-1), "Invalid learning rate: -1"),
          ("SparseAdam", dict(lr=0.0), "Invalid learning rate: 0.0"),
          ("SparseAdam", dict(eps=0.0), "Invalid epsilon value: 0.0")]


@pytest.mark.parametrize("name,kw,msg", ERRORS, ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_argument_errors(name, kw, msg):
    with pytest.raises(ValueError) as info:
        _cls(name)([_param(W0)], **kw)
    assert str(info.value) == msg


def test_lbfgs_rejects_groups_and_unknown_line_search():
    a, b = _param(W0), _param(W0)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        _cls("LBFGS")([{"params": [a]}, {"params": [b]}])
    opt = _cls("LBFGS")([a], line_search_fn="backtracking")
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(_quadratic_closure(opt, a, gt.eye(2, dtype=gt.float64),
                                    gt.ones(2, dtype=gt.float64)))


@pytest.mark.parametrize("name,kw,msg", ERRORS, ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_argument_errors_match_torch(name, kw, msg):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as info:
        getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2))], **kw)
    assert str(info.value) == msg


# ---------------------------------------------------------------- parity with torch
CASES = [("Adagrad", {}), ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1,
                                           initial_accumulator_value=0.5, maximize=True)),
         ("Adadelta", {}), ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
         ("Adamax", {}), ("Adamax", dict(lr=0.01, weight_decay=0.1, maximize=True)),
         ("ASGD", {}), ("ASGD", dict(lr=0.05, t0=10, lambd=1e-2, weight_decay=0.1,
                                     maximize=True)),
         ("NAdam", {}), ("NAdam", dict(lr=0.01, weight_decay=0.1)),
         ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
         ("RAdam", {}), ("RAdam", dict(lr=0.01, weight_decay=0.1)),
         ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
         ("RMSprop", {}), ("RMSprop", dict(momentum=0.9, centered=True, weight_decay=0.1)),
         ("RMSprop", dict(momentum=0.5, maximize=True)), ("RMSprop", dict(centered=True)),
         ("Rprop", {}), ("Rprop", dict(lr=0.1, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2),
                                       maximize=True))]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CASES)]


def _grads(steps, dtype, shape=(5, 3), seed=1):
    rng = np.random.RandomState(seed)
    return [rng.randn(*shape).astype(dtype) for _ in range(steps)]


def _steps(lib, p, opt, grads):
    for g in grads:
        p.grad = lib.tensor(g)
        opt.step()


def _pair(torch, name, kw, dtype, init=None):
    init = np.random.RandomState(0).randn(5, 3).astype(dtype) if init is None else init
    tp, gp = torch.nn.Parameter(torch.tensor(init)), gt.nn.Parameter(gt.tensor(init))
    return tp, getattr(torch.optim, name)([tp], **kw), gp, _cls(name)([gp], **kw)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_trajectory_matches_torch(name, kw, dtype):
    torch = pytest.importorskip("torch")
    tp, topt, gp, gopt = _pair(torch, name, kw, dtype)
    grads = _grads(100, dtype)
    _steps(torch, tp, topt, grads)
    _steps(gt, gp, gopt, grads)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(gp.detach().numpy(), tp.detach().numpy(), rtol=tol, atol=tol)
    assert gp.dtype == gt.float32 if dtype == np.float32 else gt.float64
    _assert_states_match(topt.state[tp], gopt.state[gp], tol)


def _assert_states_match(ts, gs, tol):
    assert list(gs) == list(ts)
    for k, v in ts.items():
        assert str(gs[k].dtype) == str(v.dtype) and tuple(gs[k].shape) == tuple(v.shape), k
        np.testing.assert_allclose(gs[k].numpy(), v.numpy(), rtol=tol, atol=tol)


def _to_gt(torch, v):
    """A torch state_dict value converted tensor by tensor."""
    if isinstance(v, torch.Tensor):
        return gt.tensor(v.detach().numpy().copy())
    if isinstance(v, dict):
        return {k: _to_gt(torch, x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_to_gt(torch, x) for x in v)
    return v


@pytest.mark.parametrize("name,kw", CASES, ids=IDS)
def test_resume_from_torch_state_dict(name, kw):
    torch = pytest.importorskip("torch")
    tp, topt, _, _ = _pair(torch, name, kw, np.float32)
    _steps(torch, tp, topt, _grads(5, np.float32))
    sd = topt.state_dict()
    gp = gt.nn.Parameter(gt.tensor(tp.detach().numpy().copy()))
    gopt = _cls(name)([gp], **kw)
    gopt.load_state_dict(_to_gt(torch, sd))
    grads = _grads(10, np.float32, seed=2)
    _steps(torch, tp, topt, grads)
    _steps(gt, gp, gopt, grads)
    np.testing.assert_allclose(gp.detach().numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6)
    _assert_states_match(topt.state[tp], gopt.state[gp], 1e-5)
    g_sd, t_sd = gopt.state_dict(), topt.state_dict()
    assert g_sd["param_groups"][0].keys() == t_sd["param_groups"][0].keys()
    assert g_sd["param_groups"] == t_sd["param_groups"]


def _rosenbrock_run(lib, cls, dtype, steps, opt_kw, sd=None, start=(-1.5, 2.0)):
    x = lib.nn.Parameter(lib.tensor(np.array(start, dtype=dtype)))
    opt = cls([x], **opt_kw)
    if sd is not None:
        opt.load_state_dict(sd)

    def closure():
        opt.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        loss.backward()
        return loss
    path = []
    for _ in range(steps):
        opt.step(closure)
        path.append(x.detach().numpy().copy())
    return np.array(path), opt, x


LBFGS_CASES = [dict(line_search_fn=None), dict(line_search_fn="strong_wolfe"),
               dict(line_search_fn=None, lr=0.5, history_size=3, max_iter=7),
               dict(line_search_fn="strong_wolfe", lr=0.5, history_size=3, max_iter=7)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kw", LBFGS_CASES, ids=["plain", "wolfe", "plain-h3", "wolfe-h3"])
def test_lbfgs_rosenbrock_iterates_match_torch(kw, dtype):
    torch = pytest.importorskip("torch")
    steps = 10 if dtype == np.float64 else 4
    a, topt, tx = _rosenbrock_run(torch, torch.optim.LBFGS, dtype, steps, kw)
    b, gopt, gx = _rosenbrock_run(gt, _cls("LBFGS"), dtype, steps, kw)
    # each step runs up to 20 iterations on a chaotic valley: round-off grows, so compare
    # with a tolerance far above round-off but far below the distance moved per step
    tol = 1e-3 if dtype == np.float64 else 1e-2
    np.testing.assert_allclose(b, a, rtol=tol, atol=tol)
    ts, gs = topt.state[tx], gopt.state[gx]
    assert set(gs) == set(ts)
    assert (gs["func_evals"], gs["n_iter"]) == (ts["func_evals"], ts["n_iter"]) or \
        dtype == np.float32


@pytest.mark.parametrize("kw", LBFGS_CASES[:2], ids=["plain", "wolfe"])
def test_lbfgs_resume_from_torch_state_dict(kw):
    torch = pytest.importorskip("torch")
    kw = dict(kw, max_iter=3)
    _, topt, tx = _rosenbrock_run(torch, torch.optim.LBFGS, np.float64, 2, kw)
    sd = _to_gt(torch, topt.state_dict())
    start = tx.detach().numpy().copy()
    b, gopt, gx = _rosenbrock_run(gt, _cls("LBFGS"), np.float64, 3, kw, sd=sd, start=start)
    a, topt2, tx2 = _rosenbrock_run(torch, torch.optim.LBFGS, np.float64, 3, kw,
                                    sd=topt.state_dict(), start=start)
    np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)
    ts, gs = topt2.state[tx2], gopt.state[gx]
    assert (gs["n_iter"], gs["func_evals"]) == (ts["n_iter"], ts["func_evals"])
    assert gs["n_iter"] > topt.state[tx]["n_iter"]
    np.testing.assert_allclose(gs["d"].numpy(), ts["d"].numpy(), rtol=1e-9)
    assert len(gs["old_dirs"]) == len(ts["old_dirs"]) and len(gs["al"]) == len(ts["al"])


def test_sparse_adam_matches_torch_sparse_gradients():
    torch = pytest.importorskip("torch")
    from graphtorch.optim.sparse_adam import _sparse_adam_update
    init = np.random.RandomState(0).randn(4, 3).astype(np.float32)
    tp = torch.nn.Parameter(torch.tensor(init))
    topt = torch.optim.SparseAdam([tp], lr=0.01, maximize=True)
    gp = gt.nn.Parameter(gt.tensor(init))
    st = dict(step=0, exp_avg=gt.zeros(4, 3), exp_avg_sq=gt.zeros(4, 3))
    rng = np.random.RandomState(3)
    for t in range(1, 21):
        rows = np.sort(rng.choice(4, size=2, replace=False))
        vals = rng.randn(2, 3).astype(np.float32)
        tp.grad = torch.sparse_coo_tensor(torch.tensor(rows[None]), torch.tensor(vals), (4, 3),
                                          check_invariants=True)
        topt.step()
        st["step"] = t
        _sparse_adam_update(gp, st, rows[None], vals, lr=0.01, beta1=0.9, beta2=0.999,
                            eps=1e-8, maximize=True)
    np.testing.assert_allclose(gp.detach().numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st["exp_avg_sq"].numpy(), topt.state[tp]["exp_avg_sq"].numpy(),
                               rtol=1e-5, atol=1e-9)
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients"):
        tp.grad = torch.zeros(4, 3)
        topt.step()


@pytest.mark.parametrize("name", ["Adagrad", "Adadelta", "Adamax", "ASGD", "NAdam", "RAdam",
                                  "RMSprop", "Rprop"])
def test_complex_parameters_match_torch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.RandomState(0)
    init = (rng.randn(3) + 1j * rng.randn(3)).astype(np.complex64)
    kw = dict(momentum=0.5, centered=True) if name == "RMSprop" else {}
    tp, topt, gp, gopt = _pair(torch, name, kw, np.complex64, init=init)
    grads = [(rng.randn(3) + 1j * rng.randn(3)).astype(np.complex64) for _ in range(10)]
    _steps(torch, tp, topt, grads)
    _steps(gt, gp, gopt, grads)
    np.testing.assert_allclose(gp.detach().numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6)
