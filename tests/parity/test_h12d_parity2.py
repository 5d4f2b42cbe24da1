"""Regressions found by the H12d conformance programs (part 2: autocast, torch.func,
pruning, antialiased resize, orthogonal, complex autograd, lazy modules, old norm hooks,
adaptive softmax), compared with torch 2.13."""
import numpy as np
import pytest

import graphtorch as gt
from tests.helpers import assert_close
from tests.parity.test_h12d_parity import _both, _err

torch = pytest.importorskip("torch")


# ---------------------------------------------------------------- autocast / GradScaler
def _ac_ops(m):
    F = m.nn.functional
    rs = np.random.RandomState(4)
    x = m.tensor(rs.standard_normal((4, 6)).astype(np.float32))
    w = m.tensor(rs.standard_normal((3, 6)).astype(np.float32))
    b = m.tensor(rs.standard_normal(3).astype(np.float32))
    img = m.tensor(rs.standard_normal((1, 2, 5, 5)).astype(np.float32))
    k = m.tensor(rs.standard_normal((3, 2, 3, 3)).astype(np.float32))
    xb, tgt = x.bfloat16(), m.tensor([0, 1, 2, 0])
    return {
        "linear": lambda: F.linear(x, w, b), "matmul": lambda: x @ w.T,
        "bmm": lambda: m.bmm(x[None], w.T[None]), "addmm": lambda: m.addmm(b, x, w.T),
        "einsum": lambda: m.einsum("ij,kj->ik", x, w), "conv2d": lambda: F.conv2d(img, k),
        "mv": lambda: m.mv(x, w[0]), "f64": lambda: F.linear(x.double(), w.double()),
        "softmax": lambda: m.softmax(xb, 1), "mse": lambda: F.mse_loss(xb, xb * 2),
        "ce": lambda: F.cross_entropy(xb, tgt), "nll": lambda: F.nll_loss(xb, tgt),
        "l1": lambda: F.l1_loss(xb, xb * 2), "gelu": lambda: F.gelu(xb),
        "add_mixed": lambda: xb + x,
    }


@pytest.mark.parametrize("name", list(_ac_ops(gt)))
def test_autocast_cpu_bfloat16_dtypes_and_values(name):
    def f(m):
        fn = _ac_ops(m)[name]
        with m.autocast("cpu", dtype=m.bfloat16):
            inside = fn()
        return inside, fn(), m.is_autocast_enabled("cpu")
    (ti, to, te), (gi, go, ge) = _both(f)
    assert str(gi.dtype) == str(ti.dtype) and str(go.dtype) == str(to.dtype) and ge == te
    assert_close(gi.float(), ti.float(), rtol=2e-2, atol=2e-2, check_dtype=False)


def test_autocast_states_nesting_and_decorator():
    def f(m):
        x, w = m.ones(2, 3), m.ones(4, 3)
        out = []
        with m.autocast("cpu"):
            out.append(m.nn.functional.linear(x, w).dtype)
            with m.autocast("cpu", enabled=False):
                out.append(m.nn.functional.linear(x, w).dtype)
            out.append(m.get_autocast_dtype("cpu"))
        with m.autocast("cpu", dtype=m.float16):
            out.append((x @ w.T).dtype)
        with m.autocast("cuda"):
            out.append((x @ w.T).dtype)

        @m.autocast("cpu")
        def g():
            return (x @ w.T).dtype
        out += [g(), (x @ w.T).dtype, m.is_autocast_enabled(), m.is_autocast_enabled("cpu")]
        return [str(o) for o in out]
    t, g = _both(f)
    assert g == t


def test_autocast_backward_gives_float32_param_grads():
    def f(m):
        lin = m.nn.Linear(3, 2)
        with m.no_grad():
            lin.weight.copy_(m.linspace(-1, 1, 6).reshape(2, 3))
            lin.bias.fill_(0.1)
        x = m.linspace(0, 1, 12).reshape(4, 3)
        with m.autocast("cpu", dtype=m.bfloat16):
            loss = m.nn.functional.mse_loss(lin(x), m.ones(4, 2))
        loss.backward()
        return loss, lin.weight.grad, str(lin.weight.grad.dtype), str(loss.dtype)
    t, g = _both(f)
    assert g[2:] == t[2:]
    assert_close(g[0], t[0], rtol=1e-2, atol=1e-3)
    assert_close(g[1], t[1], rtol=2e-2, atol=1e-2)


def test_grad_scaler_cpu_scales_skips_inf_and_adapts():
    def f(m):
        p = m.nn.Parameter(m.tensor([1.0, -2.0]))
        opt = m.optim.SGD([p], lr=0.1)
        sc = m.amp.GradScaler("cpu", init_scale=8.0, growth_interval=2)
        out = []
        for bad in (False, True, False, False, False):
            opt.zero_grad()
            loss = (p * p).sum() * (float("inf") if bad else 1.0)
            scaled = sc.scale(loss)
            scaled.backward()
            out.append(float(scaled.detach()) if not bad else "inf")
            sc.step(opt)
            sc.update()
            out.append((sc.get_scale(), p.detach().tolist()))
        opt.zero_grad()
        sc.scale((p * 3).sum()).backward()
        sc.unscale_(opt)
        out.append(p.grad.tolist())
        out.append(_err(lambda: sc.unscale_(opt)))
        out.append(sorted(sc.state_dict()))
        return out
    t, g = _both(f)
    assert g == pytest.approx(t) if False else repr(g) == repr(t)


def test_grad_scaler_disabled_passthrough():
    def f(m):
        sc = m.amp.GradScaler("cpu", enabled=False)
        x = m.tensor(2.0)
        return sc.scale(x).item(), sc.get_scale(), sc.state_dict(), sc.is_enabled()
    t, g = _both(f)
    assert g == t


def test_torch_level_helpers():
    def f(m):
        m.use_deterministic_algorithms(True)
        a = m.are_deterministic_algorithms_enabled()
        m.use_deterministic_algorithms(False)
        return (a, m.are_deterministic_algorithms_enabled(), m.is_anomaly_enabled(),
                m.cpu.is_available(), m.cpu.device_count(), m.ones(2).is_same_size(m.ones(2)))
    t, g = _both(f)
    assert g == t


def test_fill_diagonal_and_pdist_and_gumbel():
    def f(m):
        x = m.tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 6.0]], requires_grad=True)
        d = m.nn.functional.pdist(x)
        d.sum().backward()
        return (m.zeros(7, 3).fill_diagonal_(5, wrap=True), m.zeros(3, 5).fill_diagonal_(2),
                m.zeros(2, 2, 2).fill_diagonal_(1), d, x.grad, m.pdist(x.detach(), p=1),
                _err(lambda: m.zeros(2, 3, 2).fill_diagonal_(1)))
    t, g = _both(f)
    for a, b in zip(g[:-1], t[:-1]):
        assert_close(a, b)
    assert g[-1] == t[-1]
    gt.manual_seed(0)
    y = gt.nn.functional.gumbel_softmax(gt.randn(50, 4, requires_grad=True), tau=0.5, hard=True)
    assert set(y.sum(1).tolist()) == {1.0} and set(y.flatten().tolist()) <= {0.0, 1.0}


@pytest.mark.parametrize("dt", ["bfloat16", "float16"])
def test_half_linear_and_activations_round_once(dt):
    rs = np.random.RandomState(0)
    x, w = rs.standard_normal((5, 7)).astype(np.float32), rs.standard_normal((3, 7)).astype(np.float32)

    def f(m):
        F, d = m.nn.functional, getattr(m, dt)
        xx = m.tensor(x).to(d)
        return [F.linear(xx, m.tensor(w).to(d))] + [
            getattr(F, n)(xx) for n in ("gelu", "silu", "elu", "mish", "softplus", "hardswish")]
    t, g = _both(f)
    for a, b in zip(g, t):
        assert str(a.dtype) == str(b.dtype)
        assert_close(a.float(), b.float(), rtol=0, atol=0, check_dtype=False)


# ---------------------------------------------------------------- torch.func
def test_func_transforms_match_torch():
    def f(m):
        from importlib import import_module
        F = import_module(m.__name__ + ".func")
        x = m.tensor([0.5, -1.0, 2.0])
        y = m.tensor([1.5, 0.25, -0.5])
        fn = lambda a, b: (a * b.exp()).sum() + (a ** 3).sum()  # noqa: E731
        out = [F.grad(fn)(x, y), F.grad(fn)(x, y).requires_grad, F.grad(fn, argnums=(0, 1))(x, y),
               F.grad(F.grad(lambda t: t ** 3))(m.tensor(2.0))]
        g, aux = F.grad(lambda a: ((a ** 2).sum(), a.mean()), has_aux=True)(x)
        out += [g, aux, aux.requires_grad, F.grad_and_value(lambda a: a.sin().sum())(x)]
        o, vfn = F.vjp(lambda a: a.exp() * 2, x)
        out += [o, vfn(m.ones(3)), F.jacrev(lambda a, b: a * b, argnums=1)(x, y),
                F.jacfwd(lambda a: a.outer(a))(x), F.hessian(lambda a: (a.exp() * a).sum())(x),
                F.vmap(F.vmap(m.mul))(m.ones(2, 3), m.arange(6.).reshape(2, 3)),
                F.vmap(lambda a: (a, a.sum()))(m.arange(6.).reshape(2, 3)),
                F.vmap(lambda a, b: a * b, in_dims=(1, None))(m.ones(3, 2), x),
                F.grad(lambda a: (a * a).sum())(m.tensor([1.0, 2.0], requires_grad=True)).requires_grad,
                _err(lambda: F.grad(lambda a: a * 2)(x)),
                _err(lambda: F.vmap(m.add)(m.ones(2), m.ones(3)))]
        lin = m.nn.Linear(3, 1)
        with m.no_grad():
            lin.weight.fill_(0.5)
            lin.bias.fill_(0.1)
        p = {"weight": m.ones(1, 3), "bias": m.zeros(1)}
        out += [F.functional_call(lin, p, (x,)), lin(x),
                F.functional_call(lin, ({"weight": m.ones(1, 3)}, {"bias": m.ones(1)}), x),
                F.grad(lambda pp: F.functional_call(lin, pp, (x,)).sum())(p)]
        xs, ys = m.arange(12.).reshape(4, 3) / 10, m.arange(4.).reshape(4, 1)
        loss = lambda pp, xb, yb: ((F.functional_call(lin, pp, (xb[None],)) - yb) ** 2).mean()  # noqa: E731
        out.append(F.vmap(F.grad(loss), in_dims=(None, 0, 0))(p, xs, ys))
        return out
    t, g = _both(f)
    norm = lambda r: r.replace("graphtorch", "torch").replace("-0.0000", " 0.0000")  # noqa: E731
    assert norm(repr(g)) == norm(repr(t))


# ---------------------------------------------------------------- nn.utils.prune / fusion
def test_prune_matches_torch():
    def f(m):
        from importlib import import_module
        prune = import_module(m.__name__ + ".nn.utils.prune")
        nn, out = m.nn, []
        lin = nn.Linear(4, 3)
        with m.no_grad():
            lin.weight.copy_(m.tensor([[0.1, -0.5, 0.3, 0.9], [-0.2, 0.05, 0.7, -0.6],
                                       [0.4, -0.35, 0.15, 0.8]]))
            lin.bias.copy_(m.tensor([0.3, -0.1, 0.2]))
        prune.l1_unstructured(lin, "weight", amount=0.25)
        out += [sorted(n for n, _ in lin.named_parameters()),
                sorted(n for n, _ in lin.named_buffers()), lin.weight, lin.weight_mask]
        prune.l1_unstructured(lin, "weight", amount=2)  # among the still unpruned entries
        y = lin(m.ones(2, 4))
        y.sum().backward()
        out += [lin.weight_mask, y, lin.weight_orig.grad, prune.is_pruned(lin),
                _err(lambda: prune.ln_structured(lin, "bias", amount=1, n=1, dim=0))]
        prune.identity(lin, "bias")
        prune.remove(lin, "weight")
        out += [sorted(n for n, _ in lin.named_parameters()), lin.weight,
                type(lin.weight).__name__, list(lin.state_dict())]
        c = nn.Conv2d(2, 4, 2)
        with m.no_grad():
            c.weight.copy_(m.arange(32.).reshape(4, 2, 2, 2) - 15.5)
        prune.ln_structured(c, "weight", amount=0.5, n=2, dim=0)
        a, b = nn.Linear(2, 2), nn.Linear(2, 3)
        with m.no_grad():
            a.weight.copy_(m.tensor([[1., -2.], [3., 0.5]]))
            b.weight.copy_(m.tensor([[0.1, 5.], [-4., 0.2], [2.5, 6.]]))
        prune.global_unstructured([(a, "weight"), (b, "weight")],
                                  pruning_method=prune.L1Unstructured, amount=4)
        r = nn.Linear(5, 5)
        prune.random_unstructured(r, "weight", 0.4)
        out += [c.weight_mask.sum((1, 2, 3)), a.weight_mask, b.weight_mask,
                int((r.weight_mask == 0).sum()),
                _err(lambda: prune.remove(nn.Linear(1, 1), "weight")),
                _err(lambda: prune.l1_unstructured(nn.Linear(1, 1), "weight", amount=1.5))]
        return out
    t, g = _both(f)
    norm = lambda r: r.replace("graphtorch", "torch").replace("-0.0000", " 0.0000")  # noqa: E731
    assert norm(repr(g)) == norm(repr(t))


def test_fuse_conv_bn_and_linear_bn():
    def f(m):
        fu = m.nn.utils.fusion
        conv, bn = m.nn.Conv2d(2, 3, 3, padding=1), m.nn.BatchNorm2d(3)
        lin, bn1 = m.nn.Linear(4, 3), m.nn.BatchNorm1d(3)
        with m.no_grad():
            for mod in (conv, bn, lin, bn1):
                for p in mod.parameters():
                    p.copy_(m.linspace(-0.7, 0.9, p.numel()).reshape(p.shape))
            for b_ in (bn, bn1):
                b_.running_mean.copy_(m.tensor([0.1, -0.2, 0.3]))
                b_.running_var.copy_(m.tensor([1.5, 0.5, 2.0]))
        for mod in (conv, bn, lin, bn1):
            mod.eval()
        img = m.linspace(-1, 1, 50).reshape(1, 2, 5, 5)
        x = m.linspace(-1, 1, 8).reshape(2, 4)
        fc, fl = fu.fuse_conv_bn_eval(conv, bn), fu.fuse_linear_bn_eval(lin, bn1)
        return fc(img), bn(conv(img)), fl(x), bn1(lin(x)), type(fc.weight).__name__
    t, g = _both(f)
    for a, b in zip(g[:4], t[:4]):
        assert_close(a, b, rtol=1e-5, atol=1e-6)
    assert g[4] == t[4]


# ---------------------------------------------------------------- interpolate antialias
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("kw", [{"size": (5, 4)}, {"size": (8, 13)}, {"size": (30, 20)},
                                {"scale_factor": 0.37}, {"scale_factor": (0.5, 1.7)},
                                {"size": (6, 6), "align_corners": True}])
def test_interpolate_antialias(mode, kw):
    x = np.random.RandomState(0).standard_normal((2, 3, 17, 13)).astype(np.float32)

    def f(m):
        t = m.tensor(x, requires_grad=True)
        y = m.nn.functional.interpolate(t, mode=mode, antialias=True, **kw)
        y.pow(2).sum().backward()
        return y, t.grad
    t, g = _both(f)
    assert_close(g[0], t[0], rtol=1e-4, atol=1e-5)
    assert_close(g[1], t[1], rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------- orthogonal parametrization
@pytest.mark.parametrize("shape,mp", [((4, 4), None), ((4, 4), "cayley"), ((5, 3), None),
                                      ((3, 5), None), ((5, 3), "matrix_exp")])
def test_orthogonal_parametrization_trains_like_torch(shape, mp):
    def f(m):
        lin = m.nn.Linear(shape[1], shape[0])
        with m.no_grad():
            lin.weight.copy_(m.linspace(-1, 1, shape[0] * shape[1]).reshape(shape).sin()
                             + m.eye(*shape))
            lin.bias.fill_(0.1)
        m.nn.utils.parametrizations.orthogonal(lin, orthogonal_map=mp)
        out = [lin.weight.detach().clone(), sorted(lin.state_dict())]
        opt = m.optim.SGD(lin.parameters(), lr=0.1)
        x = m.linspace(-1, 1, 2 * shape[1]).reshape(2, shape[1])
        for _ in range(3):
            opt.zero_grad()
            lin(x).pow(2).sum().backward()
            opt.step()
        w = lin.weight
        small = w.T @ w if shape[0] >= shape[1] else w @ w.T
        return out + [w, m.allclose(small, m.eye(min(shape)), atol=1e-5)]
    t, g = _both(f)
    assert g[1] == t[1] and g[3] == t[3] is True
    assert_close(g[0], t[0], rtol=1e-5, atol=1e-5)
    assert_close(g[2], t[2], rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- complex autograd
def test_complex_polar_angle_gradients():
    def f(m):
        a = m.tensor([3.0, 1.0], requires_grad=True)
        b = m.tensor([4.0, -2.0], requires_grad=True)
        c = m.complex(a, b)
        out = [c.requires_grad, c.detach()]
        c.abs().sum().backward()
        out += [a.grad.clone(), b.grad.clone()]
        a.grad = b.grad = None
        p = m.polar(a, b)
        (p.abs() + p.angle()).sum().backward()
        out += [p.detach(), a.grad, b.grad]
        w = m.tensor([3 + 4j, 0j, 1 - 2j], requires_grad=True)
        w.angle().sum().backward()
        r = m.tensor([-1.0, 2.0], requires_grad=True)
        r.angle().sum().backward()
        return out + [w.grad, r.grad, m.ones(1).is_pinned(),
                      _err(lambda: m.ones(1).pin_memory())]
    t, g = _both(f)
    assert g[0] == t[0] and g[-2:] == t[-2:]
    for a, b in zip(g[1:-2], t[1:-2]):
        assert_close(a, b)


# ---------------------------------------------------------------- lazy modules, old norm hooks
def test_lazy_conv_and_batchnorm():
    def f(m):
        nn, out = m.nn, []
        cases = [(nn.LazyConv2d(6, 3), m.zeros(1, 2, 5, 5)),
                 (nn.LazyConv1d(4, 2, 1, 0, 1, 2, False), m.zeros(3, 4, 7)),
                 (nn.LazyConvTranspose2d(3, 2, stride=2), m.zeros(1, 4, 3, 3)),
                 (nn.LazyConv2d(6, 3), m.zeros(2, 5, 5)),
                 (nn.LazyBatchNorm1d(), m.linspace(0, 1, 12).reshape(4, 3)),
                 (nn.LazyBatchNorm2d(affine=False), m.ones(2, 3, 2, 2))]
        for mod, x in cases:
            before = type(mod).__name__
            y = mod(x)
            out.append((before, type(mod).__name__, tuple(y.shape),
                        [(n, tuple(p.shape)) for n, p in mod.named_parameters()],
                        [(n, tuple(b.shape)) for n, b in mod.named_buffers()]))
        bn = nn.LazyBatchNorm1d()
        bn(m.linspace(0, 1, 12).reshape(4, 3))
        return out, bn.running_mean, bn.running_var, int(bn.num_batches_tracked)
    t, g = _both(f)
    assert g[0] == t[0] and g[3] == t[3]
    assert_close(g[1], t[1])
    assert_close(g[2], t[2])


def test_old_style_weight_norm_and_spectral_norm():
    def f(m):
        nn, out = m.nn, []
        lin = nn.Linear(4, 3)
        with m.no_grad():
            lin.weight.copy_(m.linspace(-1, 1, 12).reshape(3, 4))
            lin.bias.fill_(0.2)
        lin = nn.utils.weight_norm(lin)
        x = m.linspace(-1, 1, 8).reshape(2, 4)
        y = lin(x)
        y.sum().backward()
        out += [[n for n, _ in lin.named_parameters()], list(lin.state_dict()), y,
                lin.weight_g.grad]
        with m.no_grad():
            lin.weight_g.mul_(2)
        out.append(lin(x))
        nn.utils.remove_weight_norm(lin)
        out += [[n for n, _ in lin.named_parameters()], lin.weight.detach()]
        sn = nn.Linear(4, 3)
        with m.no_grad():
            sn.weight.copy_(m.linspace(-1, 1, 12).reshape(3, 4).cos())
        sn = nn.utils.spectral_norm(sn, n_power_iterations=30)
        out += [sorted(n for n, _ in sn.named_parameters()),
                sorted(n for n, _ in sn.named_buffers()), list(sn.state_dict())]
        for _ in range(3):
            sn(x)
        out.append(m.linalg.matrix_norm(sn.weight.detach(), 2))
        nn.utils.remove_spectral_norm(sn)
        out += [[n for n, _ in sn.named_parameters()],
                m.linalg.matrix_norm(sn.weight.detach(), 2),
                _err(lambda: nn.utils.remove_weight_norm(nn.Linear(1, 1)))]
        return out
    t, g = _both(f)
    for a, b in zip(g, t):
        if hasattr(b, "shape"):
            assert_close(a, b, rtol=1e-4, atol=1e-5)
        else:
            assert a == b


def test_adaptive_log_softmax_with_loss():
    def f(m):
        asm = m.nn.AdaptiveLogSoftmaxWithLoss(8, 20, cutoffs=[5, 12], div_value=2.0)
        with m.no_grad():
            for i, p in enumerate(asm.parameters()):
                p.copy_(m.linspace(-0.5, 0.5, p.numel()).reshape(p.shape).sin() * (i + 1))
        h = m.linspace(-1, 1, 48).reshape(6, 8).cos().requires_grad_()
        out = asm(h, m.tensor([0, 7, 19, 4, 12, 6]))
        out.loss.backward()
        return [[(n, tuple(p.shape)) for n, p in asm.named_parameters()], repr(asm),
                type(out).__name__, out.output, out.loss, h.grad, asm.tail[1][0].weight.grad,
                asm.log_prob(h.detach()), asm.predict(h.detach()),
                asm(h[0].detach(), m.tensor(3)).output,
                _err(lambda: asm(h, m.tensor([0, 1, 2, 3, 4, 25]))),
                _err(lambda: m.nn.AdaptiveLogSoftmaxWithLoss(8, 20, [12, 5]))]
    t, g = _both(f)
    for a, b in zip(g, t):
        if hasattr(b, "shape"):
            assert_close(a, b, rtol=1e-5, atol=1e-6)
        else:
            assert a == b
