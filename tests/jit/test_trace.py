"""torch.jit.trace: trace at one input, run at another.  Guards (data and size decisions),
specialization, training-mode retracing, buffer write-back, in-place through views, nested
containers, strict mode, the trace checker, trace_module, torch.cond / torch.while_loop,
scopes, symbolic factories, randomness and source lines in errors."""
from __future__ import annotations

import copy
import os
import warnings
from collections import namedtuple

import numpy as np
import pytest

import graphtorch as torch

HERE = os.path.basename(__file__)


def _line(fn, marker):
    """``test_trace.py:<line>`` of the line of ``fn``'s source containing ``marker``."""
    import inspect
    lines, start = inspect.getsourcelines(fn)
    for i, text in enumerate(lines):
        if marker in text:
            return f"{HERE}:{start + i}"
    raise AssertionError(marker)


def _trace(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        return torch.jit.trace(fn, *args, **kw)


def _close(a, b, tol=1e-5):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


# ------------------------------------------------------------------ data guards
def branchy(x):
    if x.sum() > 0:  # data branch
        return x * 2
    return x - 1


def test_data_branch_guard_names_line_and_suggests_script_or_cond():
    t = _trace(branchy, torch.ones(3))
    _close(t(torch.full((5,), 2.0)), torch.full((5,), 4.0))
    with pytest.raises(RuntimeError) as ei:
        t(-torch.ones(3))
    msg = str(ei.value)
    assert _line(branchy, "# data branch") in msg
    assert "torch.jit.script" in msg and "torch.cond" in msg


def item_user(x):
    s = x.sum().item()  # item here
    return x * s


def test_item_guard_and_tracer_warning_once_per_line():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        t = torch.jit.trace(item_user, torch.ones(2), check_trace=False)
        t2 = torch.jit.trace(branchy, torch.ones(2), check_trace=False)
    tw = [x for x in w if issubclass(x.category, torch.jit.TracerWarning)]
    assert len(tw) == 2
    assert _line(item_user, "# item here") in str(tw[0].message)
    _close(t(torch.ones(2)), torch.full((2,), 2.0))
    with pytest.raises(RuntimeError, match=_line(item_user, "# item here")):
        t(torch.full((2,), 3.0))
    assert t2 is not None


def loop_warner(x):
    for _ in range(3):
        if bool(x.max() > 0):  # same line thrice
            x = x + 1
    return x


def test_tracer_warning_once_per_line_in_a_loop():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        torch.jit.trace(loop_warner, torch.ones(2), check_trace=False)
    assert sum(issubclass(x.category, torch.jit.TracerWarning) for x in w) == 1


# ------------------------------------------------------------------ size guards
def size_branch(x):
    if x.shape[0] > 4:  # size branch
        return x * 2
    return x - 1


def test_size_branch_guard():
    t = _trace(size_branch, torch.ones(6, 2))
    assert "Guard" in str(t.graph)
    _close(t(torch.ones(9, 3)), torch.full((9, 3), 2.0))
    with pytest.raises(RuntimeError) as ei:
        t(torch.ones(3, 2))
    assert _line(size_branch, "# size branch") in str(ei.value)


def specialize(x):
    n = int(x.shape[0])  # int specializes
    return x.reshape(n, -1) + n


def test_int_of_size_specializes():
    t = _trace(specialize, torch.ones(6, 2))
    _close(t(torch.full((6, 2), 1.0)), torch.full((6, 2), 7.0))
    _close(t(torch.ones(6, 3)), torch.full((6, 3), 7.0))  # other dims stay free
    with pytest.raises(RuntimeError) as ei:
        t(torch.ones(3, 2))
    assert _line(specialize, "# int specializes") in str(ei.value)


def uses_len(x):
    return x + len(x)  # len here


def test_len_specializes_with_guard():
    t = _trace(uses_len, torch.ones(6, 2))
    # never a silently wrong answer: right result or a guard naming the line
    try:
        got = t(torch.ones(3, 2))
    except RuntimeError as e:
        assert _line(uses_len, "# len here") in str(e)
    else:
        _close(got, uses_len(torch.ones(3, 2)))


def sym_sizes(x):
    b, n = x.shape
    return x.reshape(n, b).sum(0) * x.size(1) + x.numel()


def test_symbolic_sizes_run_at_other_shapes():
    t = _trace(sym_sizes, torch.randn(4, 6))
    for shape in ((4, 6), (2, 3), (5, 7)):
        x = torch.randn(*shape)
        _close(t(x), sym_sizes(x))


def unbinder(x):
    return torch.stack([r * 2 for r in x.unbind(1)], 1)  # unbind over a size


def test_unbind_over_symbolic_dim_guards_or_works():
    t = _trace(unbinder, torch.randn(2, 5))
    x = torch.randn(2, 3)
    try:
        got = t(x)
    except RuntimeError as e:  # a guard, not an internal error
        assert _line(unbinder, "# unbind over a size") in str(e)
    else:
        _close(got, unbinder(x))


def sym_scalar(x):
    n = x.numel()
    return x * n / (n - 1)  # size as scalar operand


def test_symbolic_size_as_scalar_operand():
    t = _trace(sym_scalar, torch.ones(4, 3))
    x = torch.ones(2, 5)
    _close(t(x), sym_scalar(x))


# ------------------------------------------------------------------ modes and buffers
class ModeNet(torch.nn.Module):
    def forward(self, x):
        return x * 2 if self.training else x - 1


def test_train_eval_switch_retraces():
    m = ModeNet()
    t = _trace(m, torch.ones(2))
    _close(t(torch.ones(2)), torch.full((2,), 2.0))
    t.eval()
    _close(t(torch.ones(2)), torch.zeros(2))
    t.train()
    _close(t(torch.ones(3)), torch.full((3,), 2.0))


def test_train_eval_switch_dropout_model():
    m = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Dropout(0.5))
    t = _trace(m.eval(), torch.ones(3, 4))
    x = torch.randn(3, 4)
    _close(t(x), m(x))
    t.train()
    torch.manual_seed(0)
    y = t(x)
    assert (y == 0).any()  # dropout active after .train()


class Acc(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("count", torch.zeros((), dtype=torch.int64))
        self.register_buffer("total", torch.zeros(()))

    def forward(self, x):
        self.count += 1
        self.total.add_(x.sum())
        return x * self.count


class Count(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("count", torch.zeros((), dtype=torch.int64))

    def forward(self, x):
        self.count += 1
        return x * self.count


@pytest.mark.parametrize("cls", [Count, Acc])
def test_buffers_written_back_over_three_calls(cls):
    m = cls()
    ref = copy.deepcopy(m)
    x0 = torch.ones(2)
    t = _trace(m, x0, check_trace=False)
    ref(x0)
    for i in range(3):
        x = torch.full((2 + i,), float(i + 1))
        _close(t(x), ref(x))
        for (n, a), (_, b) in zip(m.named_buffers(), ref.named_buffers()):
            assert a.item() == b.item(), n


def test_buffers_unchanged_by_check_trace():
    m = Count()
    _trace(m, torch.ones(2))  # check_trace=True runs the trace again
    assert m.count.item() == 1


def view_writes(x):
    y = x.clone()
    y[:, 0] = 0
    y[1] += 1
    return y


def test_inplace_through_views():
    t = _trace(view_writes, torch.randn(3, 4))
    for shape in ((3, 4), (5, 2)):
        x = torch.randn(*shape)
        _close(t(x), view_writes(x))


def view_chain(x):
    y = x.clone()
    z = y.view(-1)
    z.mul_(2)
    w = y.t()
    w[0].add_(1)
    return y


def test_inplace_through_view_chain():
    t = _trace(view_chain, torch.randn(3, 4))
    x = torch.randn(3, 4)
    _close(t(x), view_chain(x))


def test_inplace_on_input_written_back():
    def f(x):
        x.add_(1)
        return x * 2
    a, b = torch.zeros(3), torch.zeros(3)
    t = _trace(f, torch.zeros(3), check_trace=False)
    out = t(a)
    f(b)
    _close(a, b)
    _close(a, torch.ones(3))
    _close(out, torch.full((3,), 2.0))
    t(a)
    _close(a, torch.full((3,), 2.0))


# ------------------------------------------------------------------ containers
NT = namedtuple("NT", "a b")


def nested(d, lst, nt):
    return {"s": d["x"] + lst[0], "t": NT(nt.a * 2, lst[1])}, [d["y"]]


def _nested_args(n):
    return ({"x": torch.randn(n), "y": torch.randn(n)}, [torch.randn(n), torch.randn(n)],
            NT(torch.randn(n), torch.randn(n)))


def test_nested_containers_in_and_out():
    t = _trace(nested, _nested_args(3), strict=False)
    args = _nested_args(5)
    got, want = t(*args), nested(*args)
    assert isinstance(got, tuple) and isinstance(got[0], dict) and isinstance(got[1], list)
    assert isinstance(got[0]["t"], NT)
    _close(got[0]["s"], want[0]["s"])
    _close(got[0]["t"].a, want[0]["t"].a)
    _close(got[0]["t"].b, want[0]["t"].b)
    _close(got[1][0], want[1][0])


def test_strict_list_and_dict_outputs_as_pytorch():
    # PyTorch 2.13 accepts lists of tensors at the output even with strict=True; dicts raise
    def f(x):
        return [x, x * 2]
    out = _trace(f, torch.ones(2))(torch.ones(3))
    assert isinstance(out, list) and len(out) == 2 and out[1].shape == (3,)
    with pytest.raises(RuntimeError, match="strict=False"):
        torch.jit.trace(lambda x: {"a": x}, torch.ones(2))
    out = _trace(lambda x: {"a": x + 1}, torch.ones(2), strict=False)(torch.ones(3))
    assert isinstance(out, dict)
    _close(out["a"], torch.full((3,), 2.0))


def test_strict_allows_namedtuple_and_tuple_outputs():
    def f(x):
        return NT(x, (x + 1, x + 2))
    out = _trace(f, torch.ones(2))(torch.ones(4))
    assert isinstance(out, NT) and out.b[1].shape == (4,)


def test_wrong_structure_at_call_raises():
    t = _trace(lambda d: d["x"] * 2, ({"x": torch.ones(2)},))
    with pytest.raises(RuntimeError):
        t({"y": torch.ones(2)})


# ------------------------------------------------------------------ checker
def test_check_inputs_with_data_branch_raises_tracing_check_error():
    with pytest.raises(torch.jit.TracingCheckError) as ei:
        _trace(branchy, torch.ones(3), check_inputs=[(torch.ones(3),), (-torch.ones(3),)])
    assert "Tracing failed sanity checks" in str(ei.value)


def test_check_inputs_graph_diff():
    def f(x):
        return x * 2 if x.sum() > 0 else x.exp()
    with pytest.raises(torch.jit.TracingCheckError) as ei:
        _trace(f, torch.ones(3), check_inputs=[(-torch.ones(3),)])
    # either a graph diff or the guard failing on the check input
    assert "Graphs differed" in str(ei.value) or "guard" in str(ei.value)


def test_check_inputs_pass_at_other_sizes():
    t = _trace(sym_sizes, torch.randn(4, 6), check_inputs=[(torch.randn(2, 3),)])
    x = torch.randn(3, 3)
    _close(t(x), sym_sizes(x))


# ------------------------------------------------------------------ entry points
class KW(torch.nn.Module):
    def forward(self, x, scale=None, bias=None):
        return x * scale + bias


def test_example_kwarg_inputs():
    m = KW()
    t = _trace(m, example_kwarg_inputs={"x": torch.ones(2), "scale": torch.full((2,), 2.0),
                                        "bias": torch.ones(2)})
    _close(t(x=torch.ones(3), scale=torch.full((3,), 3.0), bias=torch.zeros(3)),
           torch.full((3,), 3.0))


def test_function_with_kwargs_and_args():
    def f(x, y):
        return x - y
    t = _trace(f, (torch.ones(2),), example_kwarg_inputs={"y": torch.full((2,), 3.0)})
    _close(t(torch.ones(4), y=torch.ones(4)), torch.zeros(4))


class TwoMethods(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(3, 2)

    def forward(self, x):
        return self.fc1(x)

    def encode(self, x):
        return self.fc1(x).relu() * 2


def test_bound_method_tracing():
    m = TwoMethods()
    t = _trace(m.encode, torch.randn(4, 3))
    x = torch.randn(6, 3)
    _close(t(x), m.encode(x))


def test_trace_module_two_methods():
    m = TwoMethods()
    t = torch.jit.trace_module(m, {"forward": torch.randn(4, 3), "encode": torch.randn(4, 3)})
    x = torch.randn(2, 3)
    _close(t(x), m(x))
    _close(t.encode(x), m.encode(x))
    assert isinstance(t, torch.jit.ScriptModule)


def test_trace_non_callable_raises():
    with pytest.raises((TypeError, RuntimeError, AttributeError)):
        torch.jit.trace(3, torch.ones(2))


def test_trace_module_requires_module_and_dict():
    with pytest.raises(AttributeError):
        torch.jit.trace_module(lambda x: x, {"forward": torch.ones(2)})
    with pytest.raises(AttributeError):
        torch.jit.trace_module(TwoMethods(), torch.ones(2, 3))


# ------------------------------------------------------------------ control flow
def cond_fn(x):
    return torch.cond(x.sum() > 0, lambda a: a * 2, lambda a: a - 1, (x,))


def test_cond_eager_and_traced_both_branches():
    _close(cond_fn(torch.ones(2)), torch.full((2,), 2.0))
    _close(cond_fn(-torch.ones(2)), torch.full((2,), -2.0))
    t = _trace(cond_fn, torch.ones(3))
    assert "If(" in str(t.graph)
    _close(t(torch.ones(4)), torch.full((4,), 2.0))
    _close(t(-torch.ones(4)), torch.full((4,), -2.0))


def test_cond_with_python_bool_pred():
    t = _trace(lambda x: torch.cond(True, lambda a: a + 1, lambda a: a - 1, (x,)),
               torch.ones(2))
    _close(t(torch.ones(2)), torch.full((2,), 2.0))


def loop_fn(x):
    def c(i, v):
        return i < v.sum()

    def body(i, v):
        return i + 1, v * 1.0

    return torch.while_loop(c, body, (torch.zeros((), dtype=torch.float32), x))


def test_while_loop_traced_vs_eager_different_counts():
    i, _ = loop_fn(torch.full((2,), 1.5))
    assert i.item() == 3.0
    t = _trace(loop_fn, torch.full((2,), 1.5))
    assert "Loop(" in str(t.graph)
    for fill in (0.5, 1.5, 4.0):
        x = torch.full((2,), fill)
        got, want = t(x), loop_fn(x)
        _close(got[0], want[0])
        _close(got[1], want[1])


# ------------------------------------------------------------------ misc
class Tracing(torch.nn.Module):
    def forward(self, x):
        return x + 1 if torch.jit.is_tracing() else x - 1


def test_is_tracing_inside_forward():
    assert not torch.jit.is_tracing()
    m = Tracing()
    t = _trace(m, torch.zeros(2), check_trace=False)
    _close(t(torch.zeros(2)), torch.ones(2))
    _close(m(torch.zeros(2)), -torch.ones(2))


class Outer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(3, 4)
        self.block = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.ReLU())

    def forward(self, x):
        return self.block(self.fc1(x))


def test_nested_module_scopes_in_graph_text():
    text = str(_trace(Outer(), torch.randn(2, 3)).graph)
    assert "[fc1]" in text and "[block.0]" in text and "[block.1]" in text
    assert "%fc1.weight" in text and "%block.0.bias" in text


def factories(x):
    z = torch.zeros(x.size(0), 3)
    o = torch.ones(x.shape[0], x.shape[1])
    r = torch.arange(x.size(1))
    f = torch.full((x.size(0), 1), 2.0)
    e = torch.empty(x.shape).fill_(1.0)
    return x[:, :3] + z + f, o * r + e


def test_factories_with_symbolic_sizes():
    t = _trace(factories, torch.randn(4, 5))
    for shape in ((4, 5), (2, 3), (6, 7)):
        x = torch.randn(*shape)
        got, want = t(x), factories(x)
        _close(got[0], want[0])
        _close(got[1], want[1])


def test_like_factories_follow_input():
    def f(x):
        return torch.zeros_like(x) + torch.ones_like(x) * 2 + torch.randn_like(x) * 0
    t = _trace(f, torch.randn(2, 3))
    _close(t(torch.randn(5, 4)), torch.full((5, 4), 2.0))


def test_randn_in_forward_differs_per_call():
    def f(x):
        return x + torch.randn(x.shape[0], 3)
    t = _trace(f, torch.zeros(2, 3))
    a, b = t(torch.zeros(4, 3)), t(torch.zeros(4, 3))
    assert a.shape == (4, 3)
    assert not np.allclose(a.numpy(), b.numpy())


def test_gradients_through_traced_function():
    def f(x, w):
        return (x @ w).tanh().sum()
    t = _trace(f, (torch.randn(3, 4), torch.randn(4, 2)))
    x, w = torch.randn(5, 4, requires_grad=True), torch.randn(4, 2, requires_grad=True)
    x2, w2 = x.detach().clone().requires_grad_(), w.detach().clone().requires_grad_()
    t(x, w).backward()
    f(x2, w2).backward()
    _close(x.grad, x2.grad)
    _close(w.grad, w2.grad)


def bad_shape(x):
    return x.reshape(5, -1)  # bad reshape


def test_runtime_error_names_user_line():
    t = _trace(bad_shape, torch.ones(10))
    with pytest.raises(RuntimeError) as ei:
        t(torch.ones(7))
    assert _line(bad_shape, "# bad reshape") in str(ei.value)


def test_wrong_dtype_or_rank_raises():
    t = _trace(lambda x: x * 2, torch.ones(2, 3))
    with pytest.raises(RuntimeError):
        t(torch.ones(2, 3, 4))
    with pytest.raises(RuntimeError):
        t(torch.ones(2, 3, dtype=torch.float64))


def test_graph_reads_back():
    from graphtorch.ir.parser import parse
    g = _trace(Outer(), torch.randn(2, 3)).graph
    assert str(parse(str(g), constants=getattr(g, "constants", None))) == str(g)


def new_factories(x):
    return x + x.new_zeros(x.shape) + x.new_ones(x.size(0), x.size(1)) + x.new_full(x.shape, 2.0)


def test_new_factories_with_symbolic_sizes():
    t = _trace(new_factories, torch.randn(2, 4))
    x = torch.randn(3, 5)
    _close(t(x), new_factories(x))


def test_dropout_training_traces_at_other_batch():
    def f(x):
        return torch.nn.functional.dropout(x, 0.5, True)
    t = _trace(f, torch.ones(2, 4))
    y = t(torch.ones(3, 4))
    assert y.shape == (3, 4)
    assert set(np.unique(y.numpy())) <= {0.0, 2.0}
    assert "tensor(" not in str(t.graph)  # the mask is drawn per call, not baked
