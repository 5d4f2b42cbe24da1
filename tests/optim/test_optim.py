"""Optimizers and schedulers: hand-computed updates (always) and 100-step trajectories against
torch 2.13 (parity, skips without torch); state_dict round trips; argument errors."""
import math
import warnings

import numpy as np
import pytest

import graphtorch as gt


def _param(values):
    return gt.nn.Parameter(gt.tensor(np.asarray(values, dtype=np.float64)))


def test_sgd_momentum_matches_hand_computation():
    p = _param([1.0, -2.0])
    opt = gt.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.5)
    buf = None
    w = np.array([1.0, -2.0])
    for g in ([0.3, 0.1], [-0.2, 0.4], [0.5, 0.5]):
        p.grad = gt.tensor(np.array(g))
        opt.step()
        d = np.array(g) + 0.5 * w
        buf = d if buf is None else 0.9 * buf + d
        w = w - 0.1 * buf
        np.testing.assert_allclose(p.detach().numpy(), w, rtol=1e-12)


def test_adam_matches_hand_computation():
    p = _param([0.5, -1.5])
    opt = gt.optim.Adam([p], lr=0.01, betas=(0.8, 0.9), eps=1e-6)
    m = v = np.zeros(2)
    w = np.array([0.5, -1.5])
    for t, g in enumerate(([0.3, 0.1], [-0.2, 0.4], [0.5, 0.5]), start=1):
        g = np.array(g)
        p.grad = gt.tensor(g)
        opt.step()
        m = 0.8 * m + 0.2 * g
        v = 0.9 * v + 0.1 * g * g
        w = w - 0.01 / (1 - 0.8 ** t) * m / (np.sqrt(v) / math.sqrt(1 - 0.9 ** t) + 1e-6)
        np.testing.assert_allclose(p.detach().numpy(), w, rtol=1e-10)
    assert float(opt.state[p]["step"]) == 3.0


def test_param_groups_state_dict_roundtrip_and_zero_grad():
    a, b = _param([1.0]), _param([2.0, 3.0])
    opt = gt.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert opt.param_groups[1]["lr"] == 0.5 and opt.param_groups[0]["lr"] == 0.1
    for p in (a, b):
        p.grad = gt.ones_like(p)
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0] and sd["param_groups"][1]["params"] == [1]
    assert set(sd["state"]) == {0, 1}
    opt2 = gt.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    opt2.load_state_dict(sd)
    assert opt2.state[b]["momentum_buffer"].tolist() == [1.0, 1.0]
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_optimizer_errors():
    p = _param([1.0])
    with pytest.raises(ValueError, match="Invalid learning rate"):
        gt.optim.SGD([p], lr=-1)
    with pytest.raises(ValueError, match="empty parameter list"):
        gt.optim.Adam([])
    with pytest.raises(ValueError, match="Nesterov momentum requires"):
        gt.optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="more than one parameter group"):
        gt.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


def test_scheduler_order_warning():
    p = _param([1.0])
    opt = gt.optim.SGD([p], lr=0.1)
    sched = gt.optim.lr_scheduler.StepLR(opt, 2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()


def _trajectory(lib, opt_name, opt_kw, sched_name=None, sched_kw=None, steps=100, metric=False):
    rng = np.random.RandomState(0)
    p = lib.nn.Parameter(lib.tensor(rng.randn(5, 3).astype(np.float32)))
    opt = getattr(lib.optim, opt_name)([p], **opt_kw)
    sched = getattr(lib.optim.lr_scheduler, sched_name)(opt, **sched_kw) if sched_name else None
    lrs = []
    for i in range(steps):
        p.grad = lib.tensor(rng.randn(5, 3).astype(np.float32))
        opt.step()
        if sched is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sched.step(float(np.sin(i))) if metric else sched.step()
            lrs.append(opt.param_groups[0]["lr"])
    return p.detach().numpy(), np.array(lrs)


OPTIMIZERS = [("SGD", dict(lr=0.1)),
              ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
              ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, maximize=True)),
              ("Adam", dict(lr=0.01)), ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
              ("AdamW", dict(lr=0.01)), ("AdamW", dict(lr=0.01, amsgrad=True))]


@pytest.mark.parametrize("name,kw", OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in
                                                     enumerate(OPTIMIZERS)])
def test_optimizer_trajectories_match_torch(name, kw):
    torch = pytest.importorskip("torch")
    a, _ = _trajectory(torch, name, kw)
    b, _ = _trajectory(gt, name, kw)
    np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5)


SCHEDULERS = [("StepLR", dict(step_size=3, gamma=0.5)),
              ("MultiStepLR", dict(milestones=[2, 5, 5], gamma=0.5)),
              ("ExponentialLR", dict(gamma=0.9)), ("CosineAnnealingLR", dict(T_max=4)),
              ("LinearLR", {}), ("ConstantLR", {}), ("PolynomialLR", dict(total_iters=6,
                                                                          power=2.0)),
              ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2)),
              ("OneCycleLR", dict(max_lr=1.0, total_steps=30)),
              ("ReduceLROnPlateau", dict(patience=1)),
              ("LambdaLR", dict(lr_lambda=lambda e: 0.9 ** e)),
              ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.95)),
              ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4)),
              ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, step_size_down=5,
                                mode="triangular2")),
              ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range",
                                gamma=0.9))]


@pytest.mark.parametrize("name,kw", SCHEDULERS, ids=[f"{s[0]}-{i}" for i, s in
                                                     enumerate(SCHEDULERS)])
def test_scheduler_lrs_match_torch(name, kw):
    torch = pytest.importorskip("torch")
    metric = name == "ReduceLROnPlateau"
    _, a = _trajectory(torch, "SGD", dict(lr=0.1, momentum=0.9), name, kw, steps=30,
                       metric=metric)
    _, b = _trajectory(gt, "SGD", dict(lr=0.1, momentum=0.9), name, kw, steps=30, metric=metric)
    np.testing.assert_array_equal(b, a)


def _composed(lib, kind, steps=20):
    p = lib.nn.Parameter(lib.zeros(2))
    opt = lib.optim.SGD([p], lr=0.1, momentum=0.9)
    S = lib.optim.lr_scheduler
    if kind == "sequential":
        sched = S.SequentialLR(opt, [S.LinearLR(opt, 0.1, total_iters=3),
                                     S.ExponentialLR(opt, 0.9)], milestones=[3])
    else:
        sched = S.ChainedScheduler([S.ExponentialLR(opt, 0.9), S.StepLR(opt, 4, 0.5)])
    out = []
    for _ in range(steps):
        p.grad = lib.ones(2)
        opt.step()
        sched.step()
        out.append((opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"]))
    return np.array(out)


@pytest.mark.parametrize("kind", ["sequential", "chained"])
def test_composed_schedulers_match_torch(kind):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(_composed(gt, kind), _composed(torch, kind), rtol=1e-12)


def test_cyclic_momentum_matches_torch():
    torch = pytest.importorskip("torch")
    res = []
    for lib in (torch, gt):
        p = lib.nn.Parameter(lib.zeros(2))
        opt = lib.optim.SGD([p], lr=0.1, momentum=0.9)
        s = lib.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, step_size_up=3)
        row = []
        for _ in range(10):
            p.grad = lib.ones(2)
            opt.step()
            s.step()
            row.append((s.get_last_lr()[0], opt.param_groups[0]["momentum"]))
        res.append(np.array(row))
    np.testing.assert_allclose(res[1], res[0], rtol=1e-12)
