"""Every kind of Python expression compiles: scripted == eager on inputs taking different
paths; boolean operators short-circuit; ternaries on data are If nodes."""
from __future__ import annotations

import math

import graphtorch as torch
import graphtorch.nn.functional as F
from graphtorch.jit.script import script

from .helpers import check, kinds

POS, NEG = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([-1.0, -2.0, 0.5])
SCALE = 2.5


def arith(x, y):
    return (x + y, x - y, x * y, x / (y.abs() + 1), x // 1, x % 2, x ** 2, -x, +x,
            x @ y, 3 - x, 2 / (x.abs() + 1))


def test_binary_and_unary_operators():
    check(arith, (POS, NEG), (NEG, POS))


def compare(x, n: int):
    return (x > 0, x >= 1, x < 2, x <= 0, x == 1, x != 1, 0 < n < 5, n is None,
            n is not None, n in [1, 2, 3], n not in (4,))


def test_comparisons_chains_identity_membership():
    check(compare, (POS, 3), (NEG, 7))


def boolops(x, flag: bool):
    a = flag and x.sum() > 0
    b = flag or x.sum() > 0
    c = not flag
    d = x.sum() > 0 and x.max() < 2.5
    e = x.sum() > 0 or x.min() > -1
    f = not (x.sum() > 0)
    return a, b, c, d, e, f


def test_boolean_operators_python_and_data():
    check(boolops, (POS, True), (POS, False), (NEG, True), (NEG, False))


def short_circuit(x, d: dict):
    if "k" in d and d["k"] > 0:  # d["k"] only evaluated when the key is there
        return x * d["k"]
    return x


def test_short_circuit_skips_the_right_operand():
    check(short_circuit, (POS, {}), (POS, {"k": 2.0}))


def ternary(x):
    y = x * 2 if x.sum() > 0 else x - 1
    z = 1.0 if x.numel() > 2 else 2.0
    return y * z


def test_ternary_on_data_is_an_if():
    check(ternary, (POS,), (NEG,), (torch.ones(2),), kinds=["If"])


def literals(x):
    lst = [x, x + 1]
    tup = (x, 2)
    dct = {"a": x, "b": x * 2}
    st = {1, 2, 2}
    return lst[1] + tup[0] * tup[1] + dct["b"] + len(st) + len(dct)


def test_list_tuple_dict_set_literals():
    check(literals, (POS,))


def comprehensions(x):
    sq = [x * i for i in range(3)]
    ev = {i: x + i for i in range(2)}
    st = {i % 2 for i in range(5)}
    gen = sum(v.sum() for v in sq)
    filt = [v for v in sq if v.sum() > 0]
    return torch.stack(sq).sum(0) + ev[1] + len(st) + gen + len(filt)


def test_comprehensions_and_generators():
    check(comprehensions, (POS,), (NEG,))


def indexing(x):
    m = x.reshape(2, 3)
    return (m[0], m[-1], m[:, 1], m[0, 1:], m[..., ::2], m[None, 1], m[:, :2].T, x[1:-1])


def test_indexing_and_slicing():
    check(indexing, (torch.arange(6.0) - 2,), (torch.ones(6),))


def attributes(x):
    return x.shape[0], x.dtype == torch.float32, x.T.shape, x.ndim, x.device.type == "cpu"


def test_attributes():
    check(attributes, (POS,))


def calls(x, *rest, scale=1.0, **kw):
    y = torch.relu(x) + F.gelu(x) + math.sqrt(4.0) + math.pi
    z = max(1, 2) + min(x.size(0), 9) + abs(-3) + len(rest) + len(kw)
    return y * scale + z + SCALE + torch.cat([x, *rest]).sum()


def test_calls_with_star_args_keywords_and_math():
    check(calls, (POS, NEG), (POS,))
    sf = script(calls)
    out = sf(POS, NEG, scale=2.0, extra=1)
    ref = calls(POS, NEG, scale=2.0, extra=1)
    assert torch.allclose(out, ref)


def fstrings(x, name: str):
    msg = f"{name}: {x.size(0)} items, {3.5:.1f}"
    return x * len(msg)


def test_fstrings():
    check(fstrings, (POS, "ab"))


def lambdas(x):
    f = lambda a, b=2: a * b  # noqa: E731
    g = (lambda v: v + 1)
    return f(x) + g(x) + (lambda: 3)()


def test_lambdas_and_defaults():
    check(lambdas, (POS,))


def starred(x):
    a, *b = [x, x * 2, x * 3]
    return torch.stack([*b, a]).sum(0)


def test_starred_expressions():
    check(starred, (POS,))


def isinstance_refine(x, y=None):
    if y is None:
        return x
    if isinstance(y, float):
        return x * y
    return x + y


def test_is_none_and_isinstance_refinement():
    check(isinstance_refine, (POS,), (POS, 2.0), (POS, NEG))


def closure_factory(k):
    def inner(x):
        if x.sum() > k:
            return x * k
        return x
    return inner


def test_closures_resolve_live_values():
    fn = closure_factory(1.0)
    sf = script(fn)
    check(fn, (POS,), (NEG,))
    assert "If" in kinds(script(fn).graph_for(POS))
    assert sf(POS).tolist() == [1.0, 2.0, 3.0]


def uses_global(x):
    return x * SCALE


def test_globals_resolve_live_values():
    global SCALE
    sf = script(uses_global)
    assert sf(POS).tolist() == [2.5, 5.0, 7.5]
    saved, SCALE = SCALE, 1.0
    try:
        sf2 = script(lambda x: uses_global(x) + 0)
        assert sf2(POS).tolist() == [1.0, 2.0, 3.0]
    finally:
        SCALE = saved


def size_math(x):
    n = x.size(0)
    h = n * 2 - 1
    return torch.zeros(h) + (n - 1)


def test_symbolic_size_arithmetic_stays_symbolic():
    sf = check(size_math, (torch.ones(4),), (torch.ones(8),))
    assert len(sf._variants.items) == 1
