"""The autograd engine: ordering, accumulation, retain_graph, create_graph, hooks, version
counters, buffer ownership, grad modes, anomaly mode."""
import time
import warnings

import numpy as np
import pytest

import graphtorch as torch
from graphtorch.eager import engine_ops
from tests.helpers import T


def leaf(*vals):
    return T(np.array(vals, dtype=np.float32), requires_grad=True)


def test_long_chain_no_recursion_and_fast():
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    t = time.perf_counter()
    y.sum().backward()
    assert time.perf_counter() - t < 5.0
    assert x.grad.tolist() == [1.0]


def test_diamond_accumulates():
    x = leaf(2.0, 3.0)
    a = x * 3
    b = x * x
    (a + b).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 + 2 * np.array([2.0, 3.0]))


def test_fan_in_many_uses_in_place_buffer_is_private():
    x = leaf(1.0)
    y = x
    for _ in range(50):
        y = y + x
    g0 = x * 1  # a tensor the user holds must never be touched by the engine's sums
    y.sum().backward()
    assert x.grad.tolist() == [51.0]
    assert g0.tolist() == [1.0]


def test_retain_graph_false_second_backward_raises():
    x = leaf(1.0, 2.0)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
        y.backward()


def test_retain_graph_true_accumulates_twice():
    x = leaf(1.0, 2.0)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])


def test_grad_accumulates_across_calls_in_place():
    x = leaf(1.0, 2.0)
    (x * 2).sum().backward()
    g = x.grad
    (x * 3).sum().backward()
    assert x.grad is g
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])


def test_grads_never_share_memory():
    x, y = leaf(1.0, 2.0, 3.0), leaf(4.0, 5.0, 6.0)
    (x + y).sum().backward()
    assert not np.shares_memory(x.grad._data, y.grad._data)
    x.grad.mul_(10)
    assert y.grad.tolist() == [1.0, 1.0, 1.0]
    a, b = leaf(1.0), leaf(2.0)
    z = a + b
    z.backward(torch.ones(1))
    assert not np.shares_memory(a.grad._data, b.grad._data)


def test_user_grad_tensor_not_stolen():
    x = leaf(1.0, 2.0)
    g = torch.ones(2)
    (x * 1).backward(g)
    x.grad.add_(1)
    assert g.tolist() == [1.0, 1.0]
    y = leaf(1.0, 2.0)
    y.backward(g)
    assert y.grad is not g and not np.shares_memory(y.grad._data, g._data)


def test_autograd_grad_returns_and_leaves_grad_alone():
    x = leaf(1.0, 2.0)
    (gx,) = torch.autograd.grad((x * x).sum(), x)
    np.testing.assert_allclose(gx.numpy(), [2.0, 4.0])
    assert x.grad is None


def test_grad_allow_unused_and_materialize():
    x, y = leaf(1.0), leaf(2.0)
    out = (x * 2).sum()
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        torch.autograd.grad(out, [x, y], retain_graph=True)
    gx, gy = torch.autograd.grad(out, [x, y], allow_unused=True, retain_graph=True)
    assert gy is None
    gx, gy = torch.autograd.grad(out, [x, y], materialize_grads=True)
    assert gy.tolist() == [0.0]


def test_grad_errors():
    x = leaf(1.0, 2.0)
    with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
        torch.autograd.grad(torch.ones(2).sum(), x)
    with pytest.raises(RuntimeError, match="implicitly created only for scalar outputs"):
        torch.autograd.grad(x * 2, x)
    with pytest.raises(RuntimeError, match="got 2 tensors and 1 gradients"):
        torch.autograd.backward([x.sum(), x.sum()], [torch.tensor(1.0)])
    with pytest.raises(TypeError, match="gradients can be either Tensors or None"):
        torch.autograd.backward((x * 2).sum(), [3.0])
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        torch.autograd.backward(x * 2, torch.ones(3))
    with pytest.raises(RuntimeError, match="cannot be empty"):
        torch.autograd.backward((x * 2).sum(), inputs=[])
    with pytest.raises(RuntimeError, match="does not require grad"):
        torch.autograd.grad((x * 2).sum(), torch.ones(2))


def test_grad_output_dtype_is_cast():
    x = leaf(1.0, 2.0)
    (g,) = torch.autograd.grad((x * 2).sum(), x, torch.tensor(1.0, dtype=torch.float64))
    assert g.dtype == torch.float32


def test_is_grads_batched():
    x = leaf(1.0, 2.0)
    y = x * 3
    (g,) = torch.autograd.grad(y, x, torch.eye(2), is_grads_batched=True)
    np.testing.assert_allclose(g.numpy(), 3 * np.eye(2))


def test_backward_inputs_only_those_accumulate():
    x, w = leaf(1.0, 2.0), leaf(3.0, 4.0)
    (x * w).sum().backward(inputs=[w])
    assert x.grad is None
    np.testing.assert_allclose(w.grad.numpy(), [1.0, 2.0])
    y = x * 2
    (y * 3).sum().backward(inputs=[y])
    np.testing.assert_allclose(y._grad.numpy(), [3.0, 3.0])
    assert x.grad is None


def test_grad_wrt_intermediate():
    x = leaf(1.0, 2.0)
    y = x * 2
    z = y * y
    gy, gx = torch.autograd.grad(z.sum(), [y, x])
    np.testing.assert_allclose(gy.numpy(), [4.0, 8.0])
    np.testing.assert_allclose(gx.numpy(), [8.0, 16.0])


def test_create_graph_higher_order():
    x = T(np.array(1.5), requires_grad=True)
    y = x * x * x * x
    (g1,) = torch.autograd.grad(y, x, create_graph=True)
    (g2,) = torch.autograd.grad(g1, x, create_graph=True)
    (g3,) = torch.autograd.grad(g2, x)
    assert g1.item() == pytest.approx(4 * 1.5 ** 3)
    assert g2.item() == pytest.approx(12 * 1.5 ** 2)
    assert g3.item() == pytest.approx(24 * 1.5)


def test_create_graph_backward_grad_has_graph():
    x = leaf(2.0)
    (x * x).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    g = x.grad
    x.grad = None
    g.sum().backward()
    assert x.grad.tolist() == [2.0]


def test_tensor_hooks_order_replace_remove():
    x = leaf(1.0, 2.0)
    calls = []
    h1 = x.register_hook(lambda g: calls.append("h1") or g * 2)
    x.register_hook(lambda g: calls.append(("h2", g.tolist())))
    (x * 1).sum().backward()
    assert calls == ["h1", ("h2", [2.0, 2.0])]
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])
    h1.remove()
    x.grad = None
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


def test_non_leaf_hook_and_retain_grad():
    x = leaf(1.0, 2.0)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g * 3)
    (y * 1).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [3.0, 3.0])  # retain_grad sees the hooked grad
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        torch.ones(1).register_hook(lambda g: g)


def test_leaf_hook_applies_to_autograd_grad():
    x = leaf(1.0)
    x.register_hook(lambda g: g * 5)
    (g,) = torch.autograd.grad((x * 1).sum(), x)
    assert g.tolist() == [5.0]


def test_node_pre_and_post_hooks():
    x = leaf(1.0, 2.0)
    y = x * 2
    seen = {}
    y.grad_fn.register_prehook(lambda go: seen.update(pre=go[0].tolist()))
    h = y.grad_fn.register_hook(lambda gi, go: (gi[0] * 10, None))
    y.sum().backward(retain_graph=True)
    assert seen["pre"] == [1.0, 1.0]
    np.testing.assert_allclose(x.grad.numpy(), [20.0, 20.0])
    h.remove()
    x.grad = None
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_post_accumulate_grad_hook():
    x = leaf(1.0)
    got = []
    x.register_post_accumulate_grad_hook(lambda t: got.append(t.grad.tolist()))
    (x * 3).sum().backward()
    assert got == [[3.0]]
    with pytest.raises(RuntimeError, match="non-leaf"):
        (x * 1).register_post_accumulate_grad_hook(lambda t: None)


def test_node_api():
    x = leaf(1.0)
    y = x * 2
    fn = y.grad_fn
    assert fn.name() == "MulBackward0"
    (acc, nr), = [e for e in fn.next_functions if e[0] is not None]
    assert type(acc).__name__ == "AccumulateGrad" and acc.variable is x and nr == 0
    assert fn.metadata == {}
    fn.metadata["k"] = 1
    assert y.grad_fn.metadata["k"] == 1
    assert isinstance(fn, torch.autograd.graph.Node)
    edge = torch.autograd.graph.get_gradient_edge(y)
    assert edge.node is fn and edge.output_nr == 0


def test_version_counter_error_text():
    x = leaf(1.0, 2.0, 3.0)
    a = x * 1
    b = a * a
    a.add_(1)
    with pytest.raises(RuntimeError) as e:
        b.sum().backward()
    assert str(e.value) == (
        "one of the variables needed for gradient computation has been modified by an inplace "
        "operation: [torch.FloatTensor [3]], which is output 0 of Add, is at version 1; "
        "expected version 0 instead. Hint: enable anomaly detection to find the operation that "
        "failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, "
        "check_nan=False).")


def test_leaf_in_place_errors_and_requires_grad_rules():
    x = leaf(1.0)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used"):
        x.add_(1)
    with torch.no_grad():
        x.add_(1)
    assert x.tolist() == [2.0]
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        torch.ones(2, dtype=torch.int64).requires_grad_()
    y = x * 2
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf"):
        y.requires_grad_(False)
    assert y.requires_grad_() is y
    z = torch.ones(2)
    z.requires_grad = True
    assert z.is_leaf and z.requires_grad


def test_grad_modes_context_and_decorators():
    x = leaf(1.0)
    with torch.no_grad():
        assert not (x * 2).requires_grad
        with torch.enable_grad():
            assert (x * 2).requires_grad

    @torch.no_grad()
    def f():
        return x * 2

    @torch.no_grad
    def f2():
        return x * 2

    @torch.enable_grad()
    def g():
        return x * 2

    assert not f().requires_grad and not f2().requires_grad
    with torch.no_grad():
        assert g().requires_grad
    assert torch.is_grad_enabled()


def test_grad_mode_on_generators():
    x = leaf(1.0)

    @torch.no_grad()
    def gen():
        for _ in range(2):
            yield (x * 2).requires_grad, torch.is_grad_enabled()

    out = list(gen())
    assert out == [(False, False), (False, False)]
    assert torch.is_grad_enabled()


def test_set_grad_enabled_function_and_context():
    x = leaf(1.0)
    torch.set_grad_enabled(False)
    assert not (x * 2).requires_grad
    torch.set_grad_enabled(True)
    with torch.set_grad_enabled(False):
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()

    @torch.set_grad_enabled(False)
    def f():
        return torch.is_grad_enabled()

    assert torch.is_grad_enabled()  # decorating does not change the mode
    assert f() is False and torch.is_grad_enabled()


def test_inference_mode():
    x = leaf(1.0)
    with torch.inference_mode():
        assert torch.is_inference_mode_enabled()
        y = x * 2
        assert not y.requires_grad and y.is_inference()
    assert not torch.is_inference_mode_enabled()
    assert not (x * 2).is_inference()

    @torch.inference_mode
    def f():
        return torch.is_inference_mode_enabled()

    @torch.inference_mode(False)
    def g():
        return torch.is_inference_mode_enabled()

    assert f() and not g()


def test_anomaly_mode_reports_forward_trace_and_nan():
    assert not torch.autograd.is_anomaly_enabled()
    x = leaf(1.0, 2.0)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with torch.autograd.detect_anomaly():
            assert torch.autograd.is_anomaly_enabled()
            a = x * 1
            b = a * a
            a.add_(1)
            with pytest.raises(RuntimeError, match="Good luck!"):
                b.sum().backward()
    msgs = [str(m.message) for m in w]
    assert any("Error detected in MulBackward0" in m and "test_autograd.py" in m for m in msgs)
    assert not torch.autograd.is_anomaly_enabled()
    z = leaf(0.0)
    with torch.autograd.set_detect_anomaly(True):
        y = z * float("nan")
        with pytest.raises(RuntimeError, match="returned nan values in its 0th output"):
            y.sum().backward()
    torch.autograd.set_detect_anomaly(True, check_nan=False)
    assert torch.autograd.is_anomaly_enabled() and not torch.autograd.is_anomaly_check_nan_enabled()
    torch.autograd.set_detect_anomaly(False)
    assert not torch.autograd.is_anomaly_enabled()


def test_engine_ops_owned():
    assert engine_ops.owned(T(np.ones(3)))
    assert not engine_ops.owned(T(np.ones(3)).expand(2, 3))
