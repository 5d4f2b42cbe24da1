"""Regressions found by the h14a conformance programs, checked against torch 2.13."""
import numpy as np
import pytest

import graphtorch as gt

torch = pytest.importorskip("torch")


def _both(fn):
    return fn(gt), fn(torch)


def _close(a, b, **kw):
    np.testing.assert_allclose(np.asarray(a.detach().numpy()), b.detach().numpy(), **kw)


# ----------------------------------------------------------------------------- conv 'same'
@pytest.mark.parametrize("mode", ["reflect", "circular", "replicate", "zeros"])
@pytest.mark.parametrize("k,d", [(4, 1), (3, 2), (2, 3)])
def test_conv_same_padding_with_padding_mode(mode, k, d):
    x = np.random.RandomState(0).randn(2, 3, 9, 8).astype(np.float32)
    w = np.random.RandomState(1).randn(2, 3, k, 3).astype(np.float32)

    def run(m):
        c = m.nn.Conv2d(3, 2, (k, 3), padding="same", dilation=(d, 1), padding_mode=mode,
                        bias=False)
        with m.no_grad():
            c.weight.copy_(m.tensor(w))
        return c(m.tensor(x))
    g, t = _both(run)
    assert tuple(g.shape) == tuple(t.shape)
    _close(g, t, rtol=1e-4, atol=1e-4)


# ----------------------------------------------------------------------------- losses
def test_triplet_margin_with_distance_loss():
    a, p, n = (np.random.RandomState(s).randn(5, 4).astype(np.float32) for s in (1, 2, 3))

    def run(m):
        ta, tp, tn = (m.tensor(v, requires_grad=True) for v in (a, p, n))
        cos = lambda x, y: 1 - m.nn.functional.cosine_similarity(x, y)  # noqa: E731
        l1 = m.nn.TripletMarginWithDistanceLoss(distance_function=cos, margin=0.3, swap=True)
        l2 = m.nn.functional.triplet_margin_with_distance_loss(ta, tp, tn, reduction="none")
        out = l1(ta, tp, tn) + l2.sum()
        out.backward()
        return out, ta.grad
    (g, gg), (t, tg) = _both(run)
    _close(g, t, rtol=1e-5)
    _close(gg, tg, rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError):
        gt.nn.TripletMarginWithDistanceLoss(margin=0)


# ----------------------------------------------------------------------------- schedulers
@pytest.mark.parametrize("kind", ["sequential", "chained"])
def test_nested_scheduler_state_dict_resume(kind):
    def run(m):
        S = m.optim.lr_scheduler

        def make():
            o = m.optim.SGD([m.nn.Parameter(m.zeros(2))], lr=0.1)
            a, b = S.LinearLR(o, start_factor=0.1, total_iters=3), S.ExponentialLR(o, 0.5)
            s = S.SequentialLR(o, [a, b], milestones=[3]) if kind == "sequential" \
                else S.ChainedScheduler([a, b])
            return o, s
        o, s = make()
        for _ in range(4):
            o.step()
            s.step()
        o2, s2 = make()
        s2.load_state_dict(s.state_dict())
        traj = []
        for _ in range(4):
            o2.step()
            s2.step()
            traj.append(o2.param_groups[0]["lr"])
        return traj, s2.state_dict()["_schedulers"][0]["last_epoch"]
    g, t = _both(run)
    np.testing.assert_allclose(g[0], t[0], rtol=1e-12)
    assert g[1] == t[1]


# ----------------------------------------------------------------------------- module.to
def test_module_conversion_keeps_parameter_objects():
    lin = gt.nn.Linear(2, 2)
    w = lin.weight
    opt = gt.optim.SGD(lin.parameters(), lr=0.1)
    lin(gt.ones(1, 2)).sum().backward()
    lin.double()
    assert lin.weight is w and w.dtype == gt.float64 and w.grad.dtype == gt.float64
    assert opt.param_groups[0]["params"][0] is lin.weight
    lin.zero_grad()
    lin(gt.ones(1, 2, dtype=gt.float64)).sum().backward()  # fresh accumulator dtype
    assert w.grad.dtype == gt.float64
    lin.half()
    assert isinstance(lin.weight, gt.nn.Parameter) and lin.weight is w


# ----------------------------------------------------------------------------- swa_utils
def test_swa_utils_match_torch():
    x = np.random.RandomState(2).randn(8, 3).astype(np.float32)

    def run(m):
        from importlib import import_module
        swa_utils = import_module(m.__name__ + ".optim.swa_utils")
        net = m.nn.Sequential(m.nn.Linear(3, 4), m.nn.BatchNorm1d(4), m.nn.Linear(4, 1))
        with m.no_grad():
            for i, p in enumerate(net.parameters()):
                p.copy_(m.linspace(-0.5, 0.5, p.numel()).reshape(p.shape) * (i + 1))
        opt = m.optim.SGD(net.parameters(), lr=0.1)
        swa = swa_utils.AveragedModel(net)
        ema = swa_utils.AveragedModel(net, multi_avg_fn=swa_utils.get_ema_multi_avg_fn(0.9))
        sched = swa_utils.SWALR(opt, swa_lr=0.02, anneal_epochs=3)
        xs, lrs = m.tensor(x), []
        for _ in range(4):
            opt.zero_grad()
            net(xs).pow(2).mean().backward()
            opt.step()
            swa.update_parameters(net)
            ema.update_parameters(net)
            sched.step()
            lrs.append(opt.param_groups[0]["lr"])
        swa_utils.update_bn([(xs[:4],), (xs[4:],)], swa)
        return (lrs, swa.module[0].weight, ema.module[2].weight, swa.module[1].running_var,
                int(swa.n_averaged))
    g, t = _both(run)
    np.testing.assert_allclose(g[0], t[0], rtol=1e-10)
    for a, b in zip(g[1:4], t[1:4]):
        _close(a, b, rtol=1e-4, atol=1e-6)
    assert g[4] == t[4]


# ----------------------------------------------------------------------------- new functions
def test_trapezoid_family():
    y = np.array([[1.0, 4.0, 9.0], [2.0, 0.5, -1.0]], dtype=np.float32)

    def run(m):
        ty = m.tensor(y, requires_grad=True)
        xs = m.tensor([0.0, 1.0, 3.0])
        outs = [m.trapezoid(ty), m.trapezoid(ty, dx=0.5, dim=0), m.trapezoid(ty, xs),
                m.trapz(ty, xs), m.cumulative_trapezoid(ty, dim=1),
                m.trapezoid(m.tensor([1, 4, 9])), m.trapezoid(m.zeros(2, 0))]
        sum(o.sum() for o in outs[:5]).backward()
        return outs + [ty.grad]
    for a, b in zip(*_both(run)):
        assert a.dtype == getattr(gt, str(b.dtype).split(".")[1])
        _close(a, b, rtol=1e-6)


def test_flip_dims_keyword_and_renorm():
    x = np.arange(12.0, dtype=np.float32).reshape(3, 4) - 5
    for fn in (lambda m, t: m.flip(t, dims=(0, 1)), lambda m, t: t.flip(dims=[1]),
               lambda m, t: m.renorm(t, 2, 0, 3.0), lambda m, t: t.renorm(1, 1, 4.0),
               lambda m, t: t.clone().renorm_(float("inf"), 0, 2.0)):
        g, t = _both(lambda m: fn(m, m.tensor(x)))
        _close(g, t, rtol=1e-5)
    with pytest.raises(RuntimeError):
        gt.renorm(gt.tensor(x), 2, 0, -1.0)


def test_index_reduce():
    src = np.arange(8.0, dtype=np.float32).reshape(4, 2)
    for reduce in ("prod", "mean", "amax", "amin"):
        for inc in (True, False):
            g, t = _both(lambda m: m.ones(3, 2).index_reduce(
                0, m.tensor([0, 2, 0, 2]), m.tensor(src), reduce, include_self=inc))
            _close(g, t)
    g, t = _both(lambda m: m.ones(2, 3).index_reduce_(1, m.tensor([2, 2]),
                                                       m.tensor(src[:2]), "prod"))
    _close(g, t)
    with pytest.raises(RuntimeError):
        gt.ones(3).index_reduce(0, gt.tensor([0]), gt.ones(1), "sum")


@pytest.mark.parametrize("name", ["bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1",
                                  "modified_bessel_i0", "modified_bessel_i1",
                                  "modified_bessel_k0", "modified_bessel_k1",
                                  "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
                                  "spherical_bessel_j0", "airy_ai"])
def test_special_bessel(name):
    x = np.array([0.3, 1.5, 4.0], dtype=np.float64)
    g, t = _both(lambda m: getattr(m.special, name)(m.tensor(x)))
    _close(g, t, rtol=1e-7)  # torch uses its own (Cephes) approximations
    gi, ti = _both(lambda m: getattr(m.special, name)(m.tensor([1, 2])))
    assert str(gi.dtype) == str(ti.dtype)
    _close(gi, ti, rtol=1e-6)


def test_special_gammainc_softmax():
    a = np.array([0.5, 1.5, 3.0])
    x = np.array([0.2, 2.0, 5.0])

    def run(m):
        tx = m.tensor(x, requires_grad=True)
        p = m.special.gammainc(m.tensor(a), tx)
        q = m.special.gammaincc(m.tensor(a), tx)
        (p * 2 + q).sum().backward()
        return [p, q, tx.grad, m.special.softmax(tx.detach(), 0),
                m.special.log_softmax(tx.detach(), 0, dtype=m.float32),
                m.special.logsumexp(tx.detach(), 0)]
    for g, t in zip(*_both(run)):
        _close(g, t, rtol=1e-6)


# ----------------------------------------------------------------------------- grid_sample
@pytest.mark.parametrize("ac", [False, True])
@pytest.mark.parametrize("pm", ["zeros", "border", "reflection"])
def test_grid_sample_nearest_rounds_in_float32(ac, pm):
    img = np.random.RandomState(1).randn(2, 2, 5, 6).astype(np.float32)
    theta = np.array([[[0.9, -0.2, 0.1], [0.15, 1.1, -0.05]],
                      [[1.0, 0.0, 0.3], [0.0, 0.8, 0.0]]], dtype=np.float32)

    def run(m):
        F = m.nn.functional
        grid = F.affine_grid(m.tensor(theta), (2, 2, 4, 5), align_corners=ac)
        return F.grid_sample(m.tensor(img), grid, mode="nearest", padding_mode=pm,
                             align_corners=ac)
    g, t = _both(run)
    _close(g, t, rtol=0, atol=0)


# ----------------------------------------------------------------------------- round 2
def test_embedding_scale_grad_by_freq():
    w = np.random.RandomState(1).randn(6, 3).astype(np.float32)

    def run(m):
        e = m.nn.Embedding(6, 3, scale_grad_by_freq=True, padding_idx=5)
        with m.no_grad():
            e.weight.copy_(m.tensor(w))
        e(m.tensor([[0, 2, 2], [5, 1, 0], [2, 5, 3]])).pow(2).sum().backward()
        return e.weight.grad
    g, t = _both(run)
    _close(g, t, rtol=1e-5)


def test_einsum_sublist_with_output():
    a = np.random.RandomState(1).randn(2, 3, 4).astype(np.float32)
    b = np.random.RandomState(2).randn(2, 4, 5).astype(np.float32)
    for fn in (lambda m, x, y: m.einsum(x, [0, 1, 2], y, [0, 2, 3], [0, 1, 3]),
               lambda m, x, y: m.einsum(x, [0, 1, 2], y, [0, 2, 3]),
               lambda m, x, y: m.einsum(x, [Ellipsis, 1, 2], [Ellipsis, 2, 1])):
        g, t = _both(lambda m: fn(m, m.tensor(a), m.tensor(b)))
        _close(g, t, rtol=1e-5, atol=1e-6)


def test_frexp():
    x = np.array([0.0, -0.0, 1.5, -3.25, 1e-30, 8.0, np.inf, np.nan], dtype=np.float32)

    def run(m):
        t = m.tensor(x, requires_grad=True)
        mant, ex = m.frexp(t)
        mant.sum().backward()
        return [mant, ex, t.grad, type(m.frexp(t)).__name__, m.tensor([3.0]).frexp().exponent]
    g, t = _both(run)
    for a, b in zip(g[:3], t[:3]):
        _close(a, b)
    assert str(g[1].dtype) == str(t[1].dtype) == "torch.int32"
    assert g[3] == t[3] and g[4].tolist() == t[4].tolist()
    with pytest.raises(RuntimeError, match="floating-point"):
        gt.frexp(gt.tensor([1]))


@pytest.mark.parametrize("make", [
    lambda m: m.zeros(3, dtype=m.uint8).view(m.int16),
    lambda m: m.zeros(3, 2).t().view(m.float16),
    lambda m: m.zeros(()).view(m.int16),
])
def test_view_dtype_errors_are_runtime_errors(make):
    with pytest.raises(RuntimeError):
        make(torch)
    with pytest.raises(RuntimeError):
        make(gt)


def test_view_dtype_bitcasts():
    for make in (lambda m: m.arange(8, dtype=m.uint8).view(m.int16),
                 lambda m: m.tensor([1.0, -2.0]).view(m.uint8),
                 lambda m: m.zeros(2, 3, dtype=m.float64).view(m.float32)):
        g, t = _both(make)
        assert g.tolist() == t.tolist()


def test_cov_corrcoef():
    x = np.array([[1.0, 2, 4, 0.5], [3, 4, 0, 1], [0, 1, 1, 2]])

    def run(m):
        t = m.tensor(x, requires_grad=True)
        fw, aw = m.tensor([1, 2, 1, 3]), m.tensor([0.5, 1, 2, 1.0], dtype=m.float64)
        outs = [m.cov(t), m.cov(t, correction=0, fweights=fw, aweights=aw),
                m.cov(t, correction=2, aweights=aw), t.corrcoef(), m.cov(t[0]),
                m.cov(m.tensor([[1, 2, 4], [3, 4, 0]])), m.corrcoef(t[1])]
        sum(o.sum() for o in outs).backward()
        return outs + [t.grad]
    for a, b in zip(*_both(run)):
        assert str(a.dtype) == str(b.dtype)
        _close(a, b, rtol=1e-10 if b.dtype == torch.float64 else 1e-6)
    for bad in (lambda m: m.cov(m.ones(2, 2, 2)),
                lambda m: m.cov(m.ones(2, 3), fweights=m.tensor([1.0, 2, 3])),
                lambda m: m.cov(m.ones(2, 3), fweights=m.tensor([1, -2, 3])),
                lambda m: m.cov(m.ones(2, 3), aweights=m.tensor([1, 2, 3]))):
        with pytest.raises(RuntimeError):
            bad(gt)


def test_histogramdd():
    pts = np.random.RandomState(4).randn(20, 2).astype(np.float32)
    for kw in ({"bins": [3, 4], "range": [-2.0, 2.0, -2.0, 2.0]}, {"bins": 2, "density": True},
               {"bins": 3, "weight": "w"}):
        def run(m, kw=kw):
            kw = dict(kw)
            if kw.get("weight") == "w":
                kw["weight"] = m.arange(20.0)
            h = m.histogramdd(m.tensor(pts), **kw)
            return [h.hist] + list(h.bin_edges)
        for a, b in zip(*_both(run)):
            _close(a, b, rtol=1e-6)


def test_numpy_ufunc_on_tensor_returns_tensor():
    t = gt.tensor([1.0, -2.0])
    assert isinstance(np.add(t, 1), gt.Tensor) and np.add(t, 1).tolist() == [2.0, -1.0]
    r = np.greater(t, 0)
    assert isinstance(r, gt.Tensor) and r.dtype == gt.uint8  # as torch: bool comes back uint8
    assert isinstance(np.exp(gt.tensor(1.0)), gt.Tensor)
    assert type(np.asarray(t)) is np.ndarray


# ----------------------------------------------------------------------------- round 3
def test_linalg_composites():
    rs = np.random.RandomState(0)
    A, tau = rs.rand(2, 4, 3), rs.rand(2, 2)
    T = rs.rand(2, 3, 6) + np.eye(6).reshape(2, 3, 6)
    B = rs.rand(2, 3)

    def run(m):
        tA = m.tensor(A, requires_grad=True)
        x = m.tensor([1.0, 2, 3], requires_grad=True)
        outs = [m.linalg.householder_product(tA, m.tensor(tau)),
                m.linalg.tensorsolve(m.tensor(T), m.tensor(B)),
                m.linalg.tensorsolve(m.tensor(T).movedim(2, 0), m.tensor(B), dims=(0,)),
                m.linalg.tensorinv(m.tensor(T).reshape(6, 2, 3), ind=1),
                m.linalg.vander(x), m.linalg.vander(m.tensor([[1.0, 2], [3, 4]]), N=3),
                m.linalg.vander(m.tensor([1, 2, 3], dtype=m.int32))]
        (outs[0].sum() + outs[4].sum()).backward()
        return outs + [tA.grad, x.grad]
    for a, b in zip(*_both(run)):
        assert str(a.dtype) == str(b.dtype)
        _close(a, b, rtol=1e-7, atol=1e-10)


def test_solve_ex_reports_singular_in_info():
    def run(m):
        z = m.linalg.solve_ex(m.zeros(2, 2, dtype=m.float64), m.ones(2, dtype=m.float64))
        b = m.linalg.solve_ex(m.stack([m.eye(2), m.zeros(2, 2)]), m.ones(2, 2))
        ok = m.linalg.solve_ex(m.tensor([[2.0, 1], [1, 3]]), m.ones(2))
        return [z.info, b.info, b.result[0], ok.result, ok.info]
    for a, b in zip(*_both(run)):
        _close(a, b)
    with pytest.raises(RuntimeError):
        gt.linalg.solve_ex(gt.zeros(2, 2), gt.ones(2), check_errors=True)


def test_out_dtype_must_be_castable():
    for m in (gt, torch):
        a = m.ones(2)
        with pytest.raises(RuntimeError, match="can't be cast"):
            m.add(a, a, out=m.empty(2, dtype=m.int64))
        assert m.add(m.tensor([1, 2]), 1, out=m.empty(2)).tolist() == [2.0, 3.0]
        assert m.eq(a, a, out=m.empty(2)).tolist() == [1.0, 1.0]


def test_module_type_to_integer_dtype_raises_like_torch():
    for m in (gt, torch):
        with pytest.raises(RuntimeError, match="floating point or complex"):
            m.nn.Linear(2, 2).type(m.int8)
        p = m.nn.Parameter(m.ones(2))
        with pytest.raises(RuntimeError):
            p.data = m.ones(2, dtype=m.int64)


# ----------------------------------------------------------------------------- round 4
def test_channels_last_layouts():
    x = np.random.RandomState(0).randn(2, 3, 4, 5).astype(np.float32)
    w = np.random.RandomState(1).randn(2, 3, 3, 3).astype(np.float32)

    def run(m):
        t = m.tensor(x, requires_grad=True)
        cl = t.to(memory_format=m.channels_last)
        y = m.nn.functional.conv2d(cl, m.tensor(w))
        y.sum().backward()
        conv = m.nn.Conv2d(3, 2, 3).to(memory_format=m.channels_last)
        z = m.ones(1, 2, 3, 4, 5).to(memory_format=m.channels_last_3d)
        return [cl.stride(), cl.is_contiguous(),
                cl.is_contiguous(memory_format=m.channels_last),
                t.contiguous(memory_format=m.channels_last).stride(), cl.contiguous().stride(),
                y.stride(), y.is_contiguous(memory_format=m.channels_last),
                t.grad.stride(), m.zeros_like(cl).stride(),
                m.ones_like(cl, memory_format=m.contiguous_format).stride(),
                m.empty_like(t, memory_format=m.channels_last).stride(), (cl + 1).stride(),
                conv.weight.stride(), z.stride(), bool(m.equal(cl, t))]
    assert _both(run)[0] == _both(run)[1]


def test_apply_map_dim_order():
    def run(m):
        a = m.tensor([1.0, 2, 3])
        a.apply_(lambda v: v * 10 + 1)
        b = a.clone().map_(m.tensor([1.0]), lambda p, q: p - q)
        c = m.ones(2, 2).map2_(m.tensor([1.0, 2]), m.tensor([[3.0], [4]]),
                                lambda p, q, r: p + q * r)
        i = m.tensor([1, 2]).apply_(lambda v: v / 2)
        x = m.zeros(2, 3, 4, 5)
        d = m.arange(6.0).reshape(2, 3)
        d[:, 1].apply_(lambda v: -v)
        return [a.tolist(), b.tolist(), c.tolist(), i.tolist(), d.tolist(), x.dim_order(),
                x.to(memory_format=m.channels_last).dim_order(), x.transpose(0, 1).dim_order()]
    g, t = _both(run)
    assert g == t
    with pytest.raises(RuntimeError):
        gt.ones(2, requires_grad=True).apply_(lambda v: v)


def test_conj_bit_reporting():
    def run(m):
        z = m.tensor([1 + 2j, -0.5j])
        c = z.conj()
        return [c.is_conj(), c.clone().is_conj(), (c * 2).is_conj(), c.conj().is_conj(),
                c.resolve_conj().is_conj(), m.conj(m.ones(2)).is_conj(), z.is_conj(),
                m.is_conj(c), c.resolve_conj().tolist(), c.tolist()]
    g, t = _both(run)
    assert g == t
