"""The IR text parser: print -> parse -> print is the identity, parsed graphs are structurally
equal to the originals, and malformed text gives a ValueError naming the line."""
import math

import ml_dtypes
import numpy as np
import pytest

from graphtorch.eager.device import device
from graphtorch.ir import symbolic as S
from graphtorch.ir.graph import Graph
from graphtorch.ir.parser import parse
from graphtorch.ir.printer import print_graph
from graphtorch.ir.types import (BOOL, FLOAT, INT, ListType, OptionalType, TensorType,
                                 TupleType)
from graphtorch.ops import dtypes as D

from .graph_samples import assert_attr_equal, assert_graphs_equal, op_samples, sample_graph

N, H = S.sym("N"), S.sym("H")
F32 = D.float32


def roundtrip(g: Graph) -> Graph:
    text = print_graph(g)
    g2 = parse(text, constants=g.constants)
    assert print_graph(g2) == text
    assert_graphs_equal(g, g2)
    return g2


def t(*shape, dt=F32, dev="cpu"):
    return TensorType(dt, shape, dev)


# ------------------------------------------------------------------ hand-built graphs
def test_every_attribute_form():
    g = Graph()
    x = g.add_input(t(N, 784), "x")
    w = g.add_input(t(512, 784), "fc1.weight")
    n = g.create("linear", [x, w], {"bias": None}, [t(N, 512)], "m.py:3", "fc1")
    big = np.arange(40, dtype=np.float32).reshape(5, 8)
    attrs = {
        "i": -3, "f": 1.5e-07, "neg": -0.0, "inf": float("inf"), "ninf": float("-inf"),
        "nan": float("nan"), "c": complex(1.5, -2.0), "cinf": complex(float("inf"), 0.0),
        "s": "it's a '%x' # not a comment", "s2": 'dq "x"', "b": True, "none": None,
        "lst": [1, [2, 3], []], "tup": (1,), "tup0": (), "tup2": (2, (3,)),
        "dt": D.bfloat16, "dt2": D.int64, "dev": device("cpu"), "dev2": device("cuda", 1),
        "e": S.add(S.mul(2, N), 1), "fd": S.floordiv(S.sub(H, 4), 2), "md": S.mod(N, 3),
        "neg_e": S.neg(N), "shape": [S.mul(2, N), -1],
        "v": x, "vl": [x, (n.output(),)],
        "f32": np.array([0.5, -1.0, float("nan"), float("inf")], np.float32),
        "f64": np.array(2.0), "i64": np.array([[1, -2], [3, 4]], np.int64),
        "u8": np.array([255, 0], np.uint8), "b8": np.array([True, False]),
        "bf16": np.array([1.5, -2.0, 3.09375], ml_dtypes.bfloat16),
        "f16": np.array([0.1], np.float16), "c64": np.array([1 + 2j], np.complex64),
        "empty": np.zeros((0, 3), np.float32), "empty2": np.zeros((2, 0), np.int32),
        "big": big, "lambda": 0.5, "in": 1,
    }
    g.create("fancy.op", [x, n.output()], attrs, [t(N, 512)], "", "blocks.0.attn")
    g.block.returns = [g.nodes[-1].output(), n.output()]
    g2 = roundtrip(g)
    a = g2.nodes[-1].attrs
    assert a["big"] is big and "tensor('c0')" in print_graph(g)
    assert a["bf16"].dtype == ml_dtypes.bfloat16 and a["f16"].dtype == np.float16
    assert a["empty"].shape == (0, 3) and a["f64"].shape == () and a["dt"] is D.bfloat16
    assert isinstance(a["dev2"], device) and str(a["dev2"]) == "cuda:1"
    assert math.isinf(a["inf"]) and math.copysign(1, a["neg"]) == -1
    assert a["v"] is g2.inputs[0] and a["vl"][1][0] is g2.nodes[0].output()
    assert g2.nodes[-1].scope == "blocks.0.attn" and g2.nodes[0].source == "m.py:3"


def test_types_and_devices():
    g = Graph()
    xs = [g.add_input(ty, f"p{i}") for i, ty in enumerate([
        t(3, dt=D.bfloat16), t(dev="cuda:0"), TensorType(), TensorType(D.int64, None),
        TensorType(None, (2, N)), t(), t(S.mod(N, 2), S.floordiv(S.sub(H, 4), 2)),
        INT, FLOAT, BOOL, ListType(INT), TupleType([t(3), INT]), OptionalType(t(3)),
        TupleType([INT]), ListType(TupleType([])), t(2, dev="cuda:1")])]
    g.block.returns = list(xs)
    g2 = roundtrip(g)
    assert [v.type for v in g2.inputs] == [v.type for v in xs]


def test_multi_output_and_guards():
    g = Graph()
    x = g.add_input(t(N, 5), "x")
    n = g.create("max_dim", [x], {"dim": 1, "keepdim": False}, [t(N), t(N, dt=D.int64)])
    g.create("Guard", [], {"lhs": N, "cmp": "gt", "rhs": 1, "msg": "N > 1"}, [], "m.py:7")
    g.create("Guard", [x], {"kind": "item", "expected": 2.5, "msg": ""}, [])
    g.create("Guard", [x], {"kind": "tolist", "expected": [[1, 2], [3]]}, [], "", "a.b")
    tu = g.create("TupleConstruct", list(n.outputs), {}, [TupleType([t(N), t(N, dt=D.int64)])])
    up = g.create("TupleUnpack", [tu.output()], {}, [t(N), t(N, dt=D.int64)], names=["a", "b"])
    sz = g.create("size", [x], {"dim": 0}, [INT])
    g.create("scalar.add", [sz.output(), sz.output()], {}, [INT], names=["n2"])
    g.block.returns = [up.outputs[1], g.nodes[-1].output()]
    g2 = roundtrip(g)
    assert len(g2.nodes[1].outputs) == 0 and g2.nodes[1].attrs["lhs"] == N


def _if_graph():
    g = Graph()
    x = g.add_input(t(N, 3), "x")
    c = g.add_input(BOOL, "c")
    node = g.create("If", [c], {}, [t(N, 3)])
    b0, b1 = g.add_block(node), g.add_block(node)
    r = g.create("relu", [x], {}, [t(N, 3)], "m.py:2", block=b0)
    b0.returns = [r.output()]
    inner = g.create("If", [c], {}, [t(N, 3)], block=b1)
    i0, i1 = g.add_block(inner), g.add_block(inner)
    i0.returns = [x]
    neg = g.create("neg", [x], {}, [t(N, 3)], block=i1)
    i1.returns = [neg.output()]
    b1.returns = [inner.output()]
    g.block.returns = [node.output()]
    return g


def test_if_nested():
    g2 = roundtrip(_if_graph())
    inner = g2.nodes[0].blocks[1].nodes[0]
    assert inner.kind == "If" and inner.blocks[1].nodes[0].inputs[0] is g2.inputs[0]


def test_loop_with_carried_values():
    g = Graph()
    x = g.add_input(t(3), "x")
    n = g.add_input(INT, "n")
    cond = g.create("Constant", [], {"value": True}, [BOOL])
    loop = g.create("Loop", [n, cond.output(), x], {}, [t(3)], "m.py:4")
    body = g.add_block(loop)
    i = body.add_param(INT, "i")
    acc = body.add_param(t(3), "acc")
    one = g.create("Constant", [], {"value": 1.0}, [FLOAT], block=body)
    nxt = g.create("add", [acc, one.output()], {"alpha": 1}, [t(3)], "m.py:5", block=body)
    c2 = g.create("scalar.lt", [i, n], {}, [BOOL], block=body)
    body.returns = [c2.output(), nxt.output()]
    g.create("Call", [loop.output()], {"fn": "helper"}, [t(3)])
    fg = g.create("FusionGroup", [x, g.nodes[-1].output()], {}, [t(3)])
    fb = g.add_block(fg)
    p0, p1 = fb.add_param(t(3), "fp0"), fb.add_param(t(3), "fp1")
    m = g.create("mul", [p0, p1], {}, [t(3)], block=fb)
    fb.returns = [m.output()]
    g.block.returns = [fg.output()]
    g2 = roundtrip(g)
    lp = g2.nodes[1]
    assert [p.name for p in lp.blocks[0].params] == ["i", "acc"]
    assert lp.blocks[0].nodes[1].inputs[0] is lp.blocks[0].params[1]


def test_empty_graph_and_fresh_names_after_parse():
    g = Graph()
    g2 = roundtrip(g)
    assert g2.inputs == [] and g2.outputs == []
    g3 = parse("graph(%0: f32[2]):\n  %1: f32[2] = relu(%0)\n  return (%1)\n")
    n = g3.create("neg", [g3.outputs[0]], {}, [t(2)])
    assert n.output().name not in ("0", "1")


def test_header_word_indentation_and_comments():
    text = """
    forward(%x: f32[2]):
        # a comment line
        %y: f32[2] = relu(%x)   #  f.py:9   [m]

        return (%y)
    """
    g = parse(text)
    assert g.nodes[0].source == "f.py:9" and g.nodes[0].scope == "m"
    assert print_graph(g) == ("graph(%x: f32[2]):\n  %y: f32[2] = relu(%x)  # f.py:9 [m]\n"
                              "  return (%y)\n")


def test_graph_copy():
    g = _if_graph()
    c = g.copy()
    assert c is not g and print_graph(c) == print_graph(g)
    assert_graphs_equal(g, c)
    assert c.nodes[0] is not g.nodes[0]
    arr = np.arange(100.0)
    g2 = Graph()
    x = g2.add_input(t(100, dt=D.float64), "x")
    g2.create("add", [x], {"other": arr}, [t(100, dt=D.float64)])
    g2.block.returns = [g2.nodes[0].output()]
    assert g2.copy().nodes[0].attrs["other"] is arr


def test_nan_and_int_edge_values_in_tensors():
    g = Graph()
    vals = {"a": np.array([np.nan, -np.inf, 1e-45], np.float32),
            "b": np.array([-(2 ** 63), 2 ** 63 - 1], np.int64),
            "c": np.array(complex(float("nan"), 1.0), np.complex128),
            "d": np.array(float("-inf"), ml_dtypes.bfloat16)}
    g.create("Constant", [], {"value": vals["a"]}, [t(3)])
    g.create("foo", [], vals, [])
    g2 = roundtrip(g)
    for k, v in vals.items():
        assert_attr_equal(v, g2.nodes[1].attrs[k])


# ------------------------------------------------------------------ every registry sample
_SAMPLES = op_samples()


def test_all_op_samples_roundtrip():
    # one test over all samples (1000+) keeps the run fast; the failure names the sample
    assert len(_SAMPLES) > 100
    for sid, op, s in _SAMPLES:
        g = sample_graph(op, s)
        text = print_graph(g)
        try:
            g2 = parse(text, constants=g.constants)
            assert print_graph(g2) == text
            assert_graphs_equal(g, g2)
        except Exception as e:
            raise AssertionError(f"{sid}: {e}\n{text}") from e


# ------------------------------------------------------------------ errors
GOOD = "graph(%x: f32[2]):\n  %y: f32[2] = relu(%x)\n  return (%y)\n"


@pytest.mark.parametrize("text, line, words", [
    ("graph(%x: f32[2]):\n  %y: f32[2] = relu(%z)\n  return (%y)\n", 2, "%z"),
    ("graph(%x: f32[2]):\n  %y: f32[2] = relu(%y)\n  return (%y)\n", 2, "%y"),
    ("graph(%x: f32[2]):\n  %x: f32[2] = relu(%x)\n  return (%x)\n", 2, "twice"),
    ("graph(%x: f32[2], %x: f32[2]):\n  return (%x)\n", 1, "twice"),
    ("graph(%x: f33[2]):\n  return (%x)\n", 1, "bad type"),
    ("graph(%x: f32[2]):\n  %y: wat = relu(%x)\n  return (%y)\n", 2, "bad type"),
    ("graph(%x: f32[2]):\n  %y: f32[2] = add(%x, other=tensor('c9'))\n  return (%y)\n", 2,
     "'c9'"),
    ("graph(%x: f32[2]):\n  %y: f32[2] = relu(%x)\n  return (%q)\n", 3, "%q"),
    ("graph(%x: f32[2]):\n  %y: f32[2] = relu(%x\n  return (%y)\n", 2, "kind(args)"),
    ("graph(%x: f32[2]):\n  %y: f32[2] = relu(%x, a=[)\n  return (%y)\n", 2, "arguments"),
    ("graph(%x: f32[2]):\n  %y: f32[2] = relu(%x)\n", 2, "end of text"),
    ("grap h(%x: f32[2]):\n  return (%x)\n", 1, "header"),
    ("graph(%x: f32[2]):\n  %y: f32[2] = relu(%x, 3)\n  return (%y)\n", 2, "positional"),
    ("graph(%x: f32[2]):\n  %y: f32[2] = relu(%x, d=torch.float99)\n  return (%y)\n", 2,
     "dtype"),
    ("graph(%x: f32[2]):\n  %y: f32[2] = relu(%x, d=device('gpu'))\n  return (%y)\n", 2,
     "device"),
    ("graph(%c: bool):\n  %y: int = If(%c)\n    block0():\n      %k: int = f()\n"
     "      -> (%k)\n    block1():\n      -> (%k)\n  return (%y)\n", 7, "not visible"),
    ("graph(%c: bool):\n  %y: int = If(%c)\n    block0():\n      -> (%y)\n"
     "    block1():\n      -> (%c)\n  return (%y)\n", 4, "%y"),
    ("graph(%x: f32[2]):\n  %y: f32[2] = relu(%x)\n    %z: f32[2] = relu(%x)\n"
     "  return (%y)\n", 3, "block header"),
    ("graph(%x: f32[2]):\n  return (%x)\n  %y: f32[2] = relu(%x)\n", 3, "after"),
])
def test_errors_name_the_line(text, line, words):
    with pytest.raises(ValueError) as ei:
        parse(text)
    msg = str(ei.value)
    assert f"line {line}:" in msg and words in msg
    assert text.splitlines()[line - 1].strip() in msg


def test_constants_are_looked_up():
    arr = np.ones(3, np.float32)
    g = parse(GOOD.replace("relu(%x)", "add(%x, other=tensor('w'))"), constants={"w": arr})
    assert g.nodes[0].attrs["other"] is arr and g.constants == {"w": arr}
