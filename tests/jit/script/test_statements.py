"""Every kind of Python statement either compiles (scripted == eager on inputs that take
different paths, data-dependent control flow kept as If/Loop nodes) or raises
NotSupportedError (see test_errors.py)."""
from __future__ import annotations

import pytest

import graphtorch as torch
from graphtorch.jit.script import script

from .helpers import check, kinds

POS, NEG = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([-1.0, -2.0, 0.5])
M = torch.tensor([[1.0, 2.0], [3.0, -9.0], [-8.0, 1.0], [0.5, 0.5]])


def if_elif_else(x):
    if x.sum() > 3:
        y = x * 2
    elif x.sum() > -1:
        y = x + 10
    else:
        y = -x
    return y


def test_if_elif_else_on_data_is_an_if_node():
    check(if_elif_else, (POS,), (NEG,), (torch.full((3,), -5.0),), kinds=["If"])


def python_if(x, flag: bool):
    if flag:
        return x + 1
    return x - 1


def test_if_on_bool_argument_is_an_if_node():
    # a bool argument is a run-time graph input (as in TorchScript): one graph, an If
    sf = check(python_if, (POS, True), (POS, False))
    assert "If" in kinds(sf.graph)
    assert len(sf._variants.items) == 1


def python_if_none(x, mode: str = "add", bias=None):
    if mode == "add" and bias is None:
        return x + 1
    return x - 1


def test_if_on_python_value_picks_a_branch_at_compile_time():
    # strings and None stay Python values: the branch is chosen while compiling
    sf = check(python_if_none, (POS, "add"), (POS, "sub"), (POS, "add", 1.0))
    assert "If" not in kinds(sf.graph)


def early_return(x):
    if x.sum() > 0:
        return x * 2
    y = x - 1
    if y.max() > 0:
        return y
    return y * 3


def test_return_inside_branches():
    check(early_return, (POS,), (NEG,), (torch.tensor([-5.0, 1.5]),), kinds=["If"])


def assign_forms(x):
    a, b = x, x * 2
    (c, d), e = (a + 1, b + 1), 3
    f = g = a * e
    h, *rest = [a, b, c]
    return a + b + c + d + f + g + h + rest[0] + rest[1]


def test_assignments_and_unpacking():
    check(assign_forms, (POS,), (NEG,))


def aug(x, v: float):
    y = x.clone()
    y += v
    y *= 2
    y -= x
    y /= 3
    n = 1
    n += 2
    y[0] += 1.0
    return y * n


def test_augmented_assignment_and_subscript_update():
    check(aug, (POS, 0.5), (NEG, 2.0))


def annotated(x):
    y: torch.Tensor = x * 2
    z: int
    z = 3
    return y + z


def test_annotated_assignment():
    check(annotated, (POS,))


def for_range_python(x):
    for i in range(3):
        x = x + i
    return x


def test_for_over_short_python_range_unrolls():
    sf = check(for_range_python, (POS,), (NEG,))
    assert "Loop" not in kinds(sf.graph)


def for_range_size(x):
    h = torch.zeros(x.shape[1:])
    for i in range(x.size(0)):
        h = h * 0.5 + x[i]
    return h


def test_for_over_symbolic_range_is_a_loop_at_any_length():
    sf = check(for_range_size, (M,), (torch.ones(7, 2),), (torch.ones(2, 2),), kinds=["Loop"])
    assert len(sf._variants.items) == 1  # one graph for every length


def for_range_step(x):
    acc = torch.zeros(x.shape[1:])
    for i in range(x.size(0) - 1, -1, -2):
        acc = acc * 2 + x[i]
    return acc


def test_for_over_range_with_start_stop_step():
    check(for_range_step, (M,), (torch.arange(10.0).reshape(5, 2),), kinds=["Loop"])


def for_tensor_rows(x):
    acc = torch.zeros(x.shape[1:])
    for row in x:
        acc = torch.maximum(acc, row)
    return acc


def test_for_over_a_tensor_first_dim():
    check(for_tensor_rows, (M,), (torch.randn(9, 2),), kinds=["Loop"])


def for_containers(x, ys: list, d: dict):
    for y in ys:
        x = x + y
    for t in (1.0, 2.0):
        x = x * t
    for k, v in d.items():
        x = x + v
    for i, y in enumerate(ys):
        x = x + i * y
    for a, b in zip(ys, [2.0, 3.0]):
        x = x + a * b
    return x


def test_for_over_list_tuple_dict_enumerate_zip():
    check(for_containers, (POS, [POS, NEG], {"a": POS}), (NEG, [NEG, NEG], {"b": NEG}))


def enum_symbolic(x):
    acc = torch.zeros(x.shape[1:])
    for i, row in enumerate(x):
        acc = acc + row * i
    return acc


def test_enumerate_a_tensor_with_symbolic_length_is_a_loop():
    check(enum_symbolic, (M,), (torch.ones(6, 2),), kinds=["Loop"])


def while_data(x):
    n = 0
    while x.abs().sum() < 100:
        x = x * 3
        n += 1
    return x, n


def test_while_on_data_is_a_loop_with_carried_counter():
    sf = check(while_data, (POS,), (torch.full((3,), 50.0),), (torch.full((3,), 0.01),),
               kinds=["Loop"])
    assert type(sf(POS)[1]) is int  # a data-dependent count is graph data, returned as int


def while_python(x):
    i = 0
    while i < 4:
        x = x + i
        i += 1
    return x


def test_while_on_python_value_unrolls():
    sf = check(while_python, (POS,))
    assert "Loop" not in kinds(sf.graph)


def brk(x):
    acc = torch.zeros(x.shape[1:])
    for i in range(x.size(0)):
        if x[i].sum() < 0:
            break
        acc = acc + x[i]
    return acc


def test_break_on_data():
    check(brk, (M,), (torch.ones(5, 2),), (-torch.ones(3, 2),), kinds=["Loop", "If"])


def cont(x):
    acc = torch.zeros(x.shape[1:])
    for i in range(x.size(0)):
        if x[i].sum() < 0:
            continue
        acc = acc + x[i]
    return acc


def test_continue_on_data():
    check(cont, (M,), (-torch.ones(4, 2),), kinds=["Loop", "If"])


def ret_in_loop(x):
    for i in range(x.size(0)):
        if x[i].sum() < 0:
            return x[i] * 100
    return x.sum(0)


def test_return_inside_a_loop():
    check(ret_in_loop, (M,), (torch.ones(5, 2),), kinds=["Loop"])


def for_else(x):
    for i in range(3):
        if i == 5:
            break
    else:
        x = x + 1
    n = 0
    while n < 2:
        n += 1
    else:
        x = x * 2
    return x


def test_for_else_and_while_else():
    check(for_else, (POS,))


def nested_loops(x):
    out = torch.zeros(x.shape[1:])
    for i in range(x.size(0)):
        for j in range(2):
            if j == 1:
                continue
            out = out + x[i] * (j + 1)
    return out


def test_nested_loops_with_python_continue():
    check(nested_loops, (M,), (torch.ones(3, 2),))


def with_stmt(x):
    with torch.no_grad():
        y = x * 2
    return y


def test_with_statement():
    check(with_stmt, (POS,))


def raises(x):
    if x.sum() < 0:
        raise ValueError("negative input")
    assert x.dim() == 1, "expected a vector"
    return x + 1


def test_raise_and_assert():
    sf = script(raises)
    assert float(sf(POS).sum()) == float(raises(POS).sum())
    with pytest.raises(ValueError, match="negative input"):
        sf(torch.tensor([-5.0, 1.0]))
    with pytest.raises(AssertionError, match="expected a vector"):
        sf(torch.ones(2, 2))
    assert float(sf(POS * 2).sum()) == float(raises(POS * 2).sum())


def nested_def(x):
    def double(y):
        if y.sum() > 0:
            return y * 2
        return y
    scale = 3.0
    triple = lambda y: y * scale  # noqa: E731
    return triple(double(x))


def test_nested_functions_and_lambdas():
    check(nested_def, (POS,), (NEG,), kinds=["If"])


def pass_and_expr(x):
    pass
    x.sum()
    if x.sum() > 0:
        pass
    return x


def test_pass_and_expression_statements():
    check(pass_and_expr, (POS,), (NEG,))


def delete_item(x, d: dict):
    lst = [x, x * 2, x * 3]
    del lst[0]
    d = dict(d)
    del d["a"]
    return lst[0] + len(d)


def test_del_of_list_items_and_dict_keys():
    check(delete_item, (POS, {"a": 1, "b": 2}))


def inplace_in_loop(x):
    out = torch.zeros(x.shape)
    for i in range(x.size(0)):
        out[i] = x[i] * 2
    return out


def test_subscript_assignment_with_loop_counter():
    check(inplace_in_loop, (M,), (torch.ones(6, 2),), kinds=["Loop"])


def list_append_loop(x):
    outs = []
    for i in range(x.size(0)):
        outs.append(x[i] * 2)
    return torch.stack(outs)


def test_list_append_in_a_size_loop_is_a_scan_loop():
    sf = check(list_append_loop, (M,), (torch.ones(6, 2),), (M,), kinds=("Loop",))
    assert len(sf._variants.items) == 1  # one graph for every length (a scan output)
