"""Tests of the advanced IR passes: shape_prop, decompose, bn_fold, fusion, memory_plan.

Graphs are written as IR text (ir.parser), checked with the verifier, compared as text where
the expected result is exact, and run through the interpreter before and after each pass."""
from __future__ import annotations

import textwrap

import numpy as np
import pytest

import graphtorch  # noqa: F401 - registers the ops
from graphtorch.ir import symbolic as S
from graphtorch.ir.interpreter import run_graph
from graphtorch.ir.parser import parse
from graphtorch.ir.passes import bn_fold, decompose, fusion, memory_plan, shape_prop
from graphtorch.ir.printer import print_graph
from graphtorch.ir.verifier import verify
from graphtorch.ops import registry as R

RNG = np.random.default_rng(0)


def ir(text, **consts):
    g = parse(textwrap.dedent(text).strip() + "\n", constants=consts or None)
    verify(g)
    return g


def same_text(g, text):
    assert print_graph(g) == textwrap.dedent(text).strip() + "\n"


def f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def run(g, *inputs):
    return [o.numpy() for o in run_graph(g, *inputs)]


def kinds(g):
    return [n.kind for n in g.walk()]


# ------------------------------------------------------------------ shape_prop
MLP = """
graph(%x: f32[N, 16], %w1: f32[32, 16], %w2: f32[4, 32]):
  %0: Tensor = linear(%x, %w1)  # m.py:2
  %1: Tensor = relu(%0)  # m.py:3
  %2: Tensor = linear(%1, %w2)  # m.py:4
  %3: Tensor = view(%2, shape=[2*N, -1])  # m.py:5
  %4: Tensor = sum(%3, dim=[1], keepdim=False)  # m.py:6
  Guard(lhs=N, cmp='gt', rhs=1)  # m.py:7
  return (%4, %3)
"""


def test_shape_prop_symbolic():
    g = shape_prop.run(ir(MLP))
    verify(g)
    same_text(g, """
        graph(%x: f32[N, 16], %w1: f32[32, 16], %w2: f32[4, 32]):
          %0: f32[N, 32] = linear(%x, %w1)  # m.py:2
          %1: f32[N, 32] = relu(%0)  # m.py:3
          %2: f32[N, 4] = linear(%1, %w2)  # m.py:4
          %3: f32[2*N, 2] = view(%2, shape=[2*N, -1])  # m.py:5
          %4: f32[2*N] = sum(%3, dim=[1], keepdim=False)  # m.py:6
          Guard(lhs=N, cmp='gt', rhs=1)  # m.py:7
          return (%4, %3)
        """)


def test_shape_prop_conv_symbolic_dims():
    g = shape_prop.run(ir("""
        graph(%x: f32[N, 3, H, W], %w: f32[8, 3, 3, 3]):
          %0: Tensor = convolution(%x, %w, stride=2, padding=1)
          %1: Tensor = mean(%0, dim=[2, 3], keepdim=False)
          return (%1)
        """))
    t0 = g.nodes[0].outputs[0].type
    assert S.expr_str(t0.shape[2]) == "(H - 1)//2 + 1" and t0.shape[:2] == (S.sym("N"), 8)
    assert str(g.nodes[1].outputs[0].type) == "f32[N, 8]"
    env = {"N": 2, "H": 9, "W": 6}
    x, w = f32(2, 3, 9, 6), f32(8, 3, 3, 3)
    assert run(g, x, w)[0].shape == (2, 8)
    assert [S.evaluate(d, env) for d in t0.shape] == [2, 8, 5, 3]


def test_shape_prop_specialize_removes_holding_guards():
    g = shape_prop.run(ir(MLP), specialize={"N": 4})
    verify(g)
    same_text(g, """
        graph(%x: f32[4, 16], %w1: f32[32, 16], %w2: f32[4, 32]):
          %0: f32[4, 32] = linear(%x, %w1)  # m.py:2
          %1: f32[4, 32] = relu(%0)  # m.py:3
          %2: f32[4, 4] = linear(%1, %w2)  # m.py:4
          %3: f32[8, 2] = view(%2, shape=[8, -1])  # m.py:5
          %4: f32[8] = sum(%3, dim=[1], keepdim=False)  # m.py:6
          return (%4, %3)
        """)
    x, w1, w2 = f32(4, 16), f32(32, 16), f32(4, 32)
    ref = np.maximum(x @ w1.T, 0) @ w2.T
    np.testing.assert_allclose(run(g, x, w1, w2)[1], ref.reshape(8, 2), rtol=1e-5)


def test_shape_prop_input_shapes_and_failing_guard():
    g = shape_prop.run(ir(MLP), input_shapes=[(3, 16), None, None])
    assert str(g.inputs[0].type) == "f32[3, 16]" and str(g.outputs[0].type) == "f32[6]"
    assert "Guard" not in kinds(g)
    g = ir(MLP)
    before = print_graph(g)
    with pytest.raises(RuntimeError, match=r"m\.py:7"):
        shape_prop.run(g, specialize={"N": 1})
    assert print_graph(g) == before  # a failing guard leaves the graph untouched
    with pytest.raises(RuntimeError, match="symbol N"):
        shape_prop.run(ir("""
            graph(%a: f32[N], %b: f32[N]):
              %0: Tensor = add(%a, %b)
              return (%0)
            """), input_shapes=[(3,), (4,)])


def test_shape_prop_if_and_structural():
    g = shape_prop.run(ir("""
        graph(%x: f32[N, 5], %c: bool):
          %0: Tensor = If(%c)
            block0():
              %1: Tensor = exp(%x)
              -> (%1)
            block1():
              %2: Tensor = neg(%x)
              -> (%2)
          %3: Tensor = sum(%0, dim=[0], keepdim=True)
          %4: Tuple[Tensor, Tensor] = TupleConstruct(%0, %3)
          %5: Tensor = TupleIndex(%4, index=1)
          return (%5)
        """))
    verify(g)
    assert str(g.nodes[0].outputs[0].type) == "f32[N, 5]"
    assert str(g.nodes[0].blocks[1].returns[0].type) == "f32[N, 5]"
    assert str(g.outputs[0].type) == "f32[1, 5]"


# ------------------------------------------------------------------ decompose
NN = """
graph(%x: f32[N, 16], %w: f32[8, 16], %b: f32[8], %g: f32[8], %beta: f32[8]):
  %0: f32[N, 8] = linear(%x, %w, %b)  # m.py:2
  %1: f32[N, 8] = gelu(%0)  # m.py:3
  %2: f32[N, 8] = softmax(%1, dim=1)  # m.py:4
  %3: f32[N, 8] = layer_norm(%2, %g, %beta, normalized_shape=[8], eps=1e-05)  # m.py:5
  return (%3)
"""


def _nn_inputs(n=5):
    return f32(n, 16), f32(8, 16), f32(8), f32(8), f32(8)


@pytest.mark.parametrize("ops", [("linear",), ("gelu",), ("softmax",), ("layer_norm",),
                                 ("linear", "gelu", "softmax", "layer_norm")])
def test_decompose_numbers_and_lines(ops):
    g = ir(NN)
    args = _nn_inputs()
    ref = run(g, *args)[0]
    decompose.run(g, supported=lambda name: name not in ops, backend="toy")
    verify(g)
    assert not set(ops) & set(kinds(g))
    assert str(g.inputs[0].type) == "f32[N, 16]" and str(g.outputs[0].type) == "f32[N, 8]"
    np.testing.assert_allclose(run(g, *args)[0], ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(run(g, *_nn_inputs(3))[0].shape, (3, 8))  # still symbolic
    lines = {n.source for n in g.nodes}
    assert lines <= {"m.py:2", "m.py:3", "m.py:4", "m.py:5"}


def test_decompose_fixpoint_to_primitives():
    g = ir(NN)
    args = _nn_inputs()
    ref = run(g, *args)[0]
    decompose.run(g, supported="primitives")
    verify(g)
    assert all(R.get(k).decomp is None for k in kinds(g) if R.has(k))
    np.testing.assert_allclose(run(g, *args)[0], ref, rtol=1e-5, atol=1e-6)


def test_decompose_noop_and_errors():
    g = ir(NN)
    before = print_graph(g)
    assert print_graph(decompose.run(g)) == before  # no backend given: nothing to lower
    assert print_graph(decompose.run(g, supported={"linear", "gelu", "softmax",
                                                    "layer_norm"})) == before
    supported = {"linear", "gelu", "softmax", "layer_norm"} - {"linear"}
    with pytest.raises(NotImplementedError, match=r"'matmul'.*'mybackend'.*m\.py:2"):
        decompose.run(ir(NN), supported=lambda n: n in supported or
                      (n not in ("linear", "matmul") and R.get(n).decomp is None),
                      backend="mybackend")


# ------------------------------------------------------------------ bn_fold
def _bn_consts(c):
    return {"g": f32(c), "be": f32(c), "m": f32(c), "v": np.abs(f32(c)) + 0.5}


CONV_BN = """
graph(%x: f32[N, 3, 6, 6]):
  %w: f32[4, 3, 3, 3] = Constant(value=tensor('w'))
  %b: f32[4] = Constant(value=tensor('b'))
  %g: f32[4] = Constant(value=tensor('g'))
  %be: f32[4] = Constant(value=tensor('be'))
  %m: f32[4] = Constant(value=tensor('m'))
  %v: f32[4] = Constant(value=tensor('v'))
  %0: f32[N, 4, 6, 6] = convolution(%x, %w, %b, padding=1)  # m.py:2
  %1: f32[N, 4, 6, 6], %2: f32[4], %3: f32[4] = batch_norm(%0, %g, %be, %m, %v, training=False, eps=0.001)  # m.py:3
  %4: f32[N, 4, 6, 6] = relu(%1)  # m.py:4
  return (%4)
"""


def test_bn_fold_conv():
    consts = dict(_bn_consts(4), w=f32(4, 3, 3, 3), b=f32(4))
    g = ir(CONV_BN, **consts)
    x = f32(2, 3, 6, 6)
    ref = run(g, x)[0]
    bn_fold.run(g)
    verify(g)
    assert kinds(g) == ["Constant", "Constant", "convolution", "relu"]
    conv = g.nodes[2]
    assert conv.source == "m.py:2" and conv.inputs[1].node.kind == "Constant"
    np.testing.assert_allclose(run(g, x)[0], ref, rtol=1e-4, atol=1e-5)


def test_bn_fold_linear_without_bias_and_affine():
    text = """
    graph(%x: f32[N, 5]):
      %w: f32[3, 5] = Constant(value=tensor('w'))
      %m: f32[3] = Constant(value=tensor('m'))
      %v: f32[3] = Constant(value=tensor('v'))
      %no: None = Constant(value=None)
      %0: f32[N, 3] = linear(%x, %w)  # m.py:2
      %1: f32[N, 3], %2: f32[3], %3: f32[3] = batch_norm(%0, %no, %no, %m, %v, training=False)
      return (%1)
    """
    c = _bn_consts(3)
    g = ir(text, w=f32(3, 5), m=c["m"], v=c["v"])
    x = f32(4, 5)
    ref = run(g, x)[0]
    bn_fold.run(g)
    verify(g)
    assert kinds(g) == ["Constant", "Constant", "linear"]  # old weight, None, stats dropped
    np.testing.assert_allclose(run(g, x)[0], ref, rtol=1e-4, atol=1e-5)


def test_bn_fold_leaves_unfoldable():
    consts = dict(_bn_consts(4), w=f32(4, 3, 3, 3), b=f32(4))
    training = CONV_BN.replace("training=False", "training=True")
    g = ir(training, **consts)
    before = print_graph(g)
    assert print_graph(bn_fold.run(g)) == before
    # parameters are graph inputs (not frozen): nothing to fold
    g = ir("""
        graph(%x: f32[2, 3, 4, 4], %w: f32[4, 3, 1, 1], %m: f32[4], %v: f32[4]):
          %no: None = Constant(value=None)
          %0: f32[2, 4, 4, 4] = convolution(%x, %w)
          %1: f32[2, 4, 4, 4], %2: f32[4], %3: f32[4] = batch_norm(%0, %no, %no, %m, %v, training=False)
          return (%1)
        """)
    before = print_graph(g)
    assert print_graph(bn_fold.run(g)) == before
    # the conv output has a second use: folding would change it
    g = ir(CONV_BN.replace("return (%4)", "return (%4, %0)"), **consts)
    assert "batch_norm" in kinds(bn_fold.run(g))


# ------------------------------------------------------------------ fusion
GELU_LN = """
graph(%x: f32[N, 8], %w: f32[8, 8]):
  %h: float = Constant(value=0.5)
  %r: float = Constant(value=0.7071067811865476)
  %one: int = Constant(value=1)
  %0: f32[N, 8] = matmul(%x, %w)
  %1: f32[N, 8] = mul(%0, %r)
  %2: f32[N, 8] = erf(%1)
  %3: f32[N, 8] = add(%2, %one)
  %4: f32[N, 8] = mul(%0, %h)
  %5: f32[N, 8] = mul(%4, %3)
  %6: f32[N, 1] = mean(%5, dim=[1], keepdim=True)
  %7: f32[N, 8] = sub(%5, %6)
  %8: f32[N, 8] = mul(%7, %7)
  %9: f32[N, 1] = mean(%8, dim=[1], keepdim=True)
  %10: f32[N, 1] = rsqrt(%9)
  %11: f32[N, 8] = mul(%7, %10)
  return (%11)
"""


def _groups(g):
    return [[m.kind for m in n.blocks[0].nodes] for n in g.walk() if n.kind == "FusionGroup"]


def test_fusion_gelu_layernorm_chain():
    g = ir(GELU_LN)
    args = f32(5, 8), f32(8, 8)
    ref = run(g, *args)[0]
    fusion.run(g)
    verify(g)
    assert _groups(g) == [["mul", "erf", "add", "mul", "mul", "mean"],
                          ["sub", "mul", "mean"], ["rsqrt", "mul"]]
    assert [n.kind for n in g.nodes if n.kind != "Constant"] == \
        ["matmul", "FusionGroup", "FusionGroup", "FusionGroup"]
    np.testing.assert_allclose(run(g, *args)[0], ref, rtol=1e-5, atol=1e-6)
    g2 = fusion.run(ir(GELU_LN), reductions=False)
    assert _groups(g2) == [["mul", "erf", "add", "mul", "mul"], ["sub", "mul"],
                           ["rsqrt", "mul"]]
    np.testing.assert_allclose(run(g2, *args)[0], ref, rtol=1e-5, atol=1e-6)


def test_fusion_after_decompose_and_single_nodes():
    g = ir(NN)
    args = _nn_inputs()
    ref = run(g, *args)[0]
    decompose.run(g, supported="primitives")
    fusion.run(g)
    verify(g)
    assert sum(k == "FusionGroup" for k in kinds(g)) >= 2
    np.testing.assert_allclose(run(g, *args)[0], ref, rtol=1e-5, atol=1e-6)
    single = ir("""
        graph(%x: f32[3], %w: f32[3, 3]):
          %0: f32[3] = exp(%x)
          %1: f32[3] = matmul(%w, %0)
          %2: f32[3] = neg(%1)
          return (%2)
        """)
    assert "FusionGroup" not in kinds(fusion.run(single))


def test_fusion_avoids_cycles_and_respects_blocks():
    g = ir("""
        graph(%x: f32[4, 4], %c: bool):
          %0: f32[4, 4] = exp(%x)
          %1: f32[4, 4] = matmul(%0, %x)
          %2: f32[4, 4] = add(%0, %1)
          %3: f32[4, 4] = neg(%2)
          %4: f32[4, 4] = If(%c)
            block0():
              %5: f32[4, 4] = sin(%3)
              %6: f32[4, 4] = cos(%5)
              -> (%6)
            block1():
              %7: f32[4, 4] = tanh(%3)
              -> (%7)
          return (%4, %0)
        """)
    x = f32(4, 4)
    refs = [run(g, x, c) for c in (True, False)]
    fusion.run(g)
    verify(g)
    # exp cannot join add/neg: the path exp -> matmul -> add leaves the group
    assert _groups(g) == [["add", "neg"], ["sin", "cos"]]
    assert g.nodes[0].kind == "exp" and g.nodes[-1].kind == "If"
    for c, ref in zip((True, False), refs):
        for a, b in zip(run(g, x, c), ref):
            np.testing.assert_allclose(a, b, rtol=1e-6)


def test_fusion_broadcast_into_group_shape():
    g = ir("""
        graph(%x: f32[N, 8], %b: f32[8], %y: f32[N, 3]):
          %0: f32[8] = exp(%b)
          %1: f32[N, 8] = mul(%x, %0)
          %2: f32[N, 8] = sigmoid(%1)
          %3: f32[N, 3] = tanh(%y)
          %4: f32[N, 3] = neg(%3)
          return (%2, %4)
        """)
    args = f32(2, 8), f32(8), f32(2, 3)
    ref = run(g, *args)
    fusion.run(g)
    verify(g)
    assert _groups(g) == [["exp", "mul", "sigmoid"], ["tanh", "neg"]]
    for a, b in zip(run(g, *args), ref):
        np.testing.assert_allclose(a, b, rtol=1e-6)


# ------------------------------------------------------------------ memory_plan
def test_memory_plan_mlp_chain_reuse():
    g = ir("""
        graph(%x: f32[64, 128], %w1: f32[128, 128], %w2: f32[128, 128], %w3: f32[10, 128]):
          %0: f32[64, 128] = linear(%x, %w1)
          %1: f32[64, 128] = relu(%0)
          %2: f32[64, 128] = linear(%1, %w2)
          %3: f32[64, 128] = relu(%2)
          %4: f32[64, 10] = linear(%3, %w3)
          return (%4)
        """)
    before = print_graph(g)
    memory_plan.run(g)
    assert print_graph(g) == before  # the plan does not rewrite the graph
    plan = g.meta["memory_plan"]
    a = plan.assignment
    assert a["0"] != a["1"] and a["2"] == a["0"] and a["3"] == a["1"]
    assert plan.num_buffers == 3
    big = 64 * 128 * 4
    assert plan.total_bytes() == 4 * big + 64 * 10 * 4
    assert plan.peak_bytes() == 2 * big + 64 * 10 * 4
    assert plan.live_peak_bytes() == 2 * big
    assert 0.4 < plan.saving() < 0.5


def test_memory_plan_symbolic_views_and_if():
    g = ir("""
        graph(%x: f32[N, 16], %c: bool):
          %0: f32[N, 16] = exp(%x)
          %1: f32[16, N] = t(%0)
          %2: f32[N, 16] = neg(%x)
          %3: f32[16, N] = sin(%1)
          %4: f32[N, 16] = If(%c)
            block0():
              %5: f32[N, 16] = mul(%2, %2)
              -> (%5)
            block1():
              -> (%x)
          %6: f32[N, 16] = cos(%4)
          %7: f32[N, 16] = tanh(%6)
          return (%7, %3)
        """)
    memory_plan.run(g)
    plan = g.meta["memory_plan"]
    a = plan.assignment
    assert plan.aliases == {"1": "0"} and a["1"] == a["0"]  # t is a view: no buffer
    # %0 lives until its alias %1 is read by sin; %2 until the If that reads it inside
    assert plan.intervals["0"] == (0, 3) and plan.intervals["2"] == (2, 4)
    assert a["3"] not in (a["0"], a["2"])
    assert a["6"] in (a["0"], a["2"]) and a["7"] != a["6"]  # reuse after the If ends
    n = S.sym("N")
    assert plan.total_bytes() == S.mul(64 * 6, n)  # %0 %2 %3 %4 %6 %7, 64*N bytes each
    assert plan.peak_bytes({"N": 3}) < plan.total_bytes({"N": 3})
    assert plan.live_peak_bytes({"N": 2}) == 3 * 2 * 64
    with pytest.raises(ValueError, match="symbolic"):
        plan.live_peak_bytes()
