"""The verifier: valid graphs pass; every class of violation raises VerifyError naming the node
(its text line) and its source line."""
import numpy as np
import pytest

from graphtorch.ir import prim
from graphtorch.ir import symbolic as S
from graphtorch.ir.graph import Graph, Value
from graphtorch.ir.types import ANY, BOOL, INT, ListType, TensorType
from graphtorch.ir.verifier import VerifyError, verify
from graphtorch.ops import dtypes as D

from .graph_samples import op_samples, sample_graph
from .test_interpreter import guard_graph, if_graph, loop_graph, mlp_graph

f32, f64 = D.float32, D.float64
N = S.sym("N")


def tt(*shape, dt=f32):
    return TensorType(dt, shape)


def bad(g, *fragments):
    """verify(g) must fail with a message holding every fragment."""
    with pytest.raises(VerifyError) as ei:
        verify(g)
    msg = str(ei.value)
    assert msg.startswith("graph verification failed: ")
    for f in fragments:
        assert f in msg, (f, msg)
    return msg


# ------------------------------------------------------------------ valid graphs
@pytest.mark.parametrize("make", [mlp_graph, if_graph, lambda: loop_graph(True),
                                  lambda: loop_graph(False), guard_graph])
def test_valid_graphs_pass(make):
    verify(make())


@pytest.mark.filterwarnings("ignore")
def test_every_registry_sample_graph_passes():
    n = 0
    for name, op, s in op_samples():
        verify(sample_graph(op, s))
        n += 1
    assert n > 200


def test_symbolic_meta_check_passes_through_view():
    g = Graph()
    x = g.add_input(tt(N, 512), "x")
    g.block.returns.append(g.create("view", [x], {"shape": [S.mul(2, N), -1]},
                                    [tt(S.mul(2, N), 256)], source="m.py:2").output())
    verify(g)


# ------------------------------------------------------------------ SSA
def test_use_before_definition():
    g = mlp_graph()
    g.nodes[0], g.nodes[1] = g.nodes[1], g.nodes[0]
    bad(g, "%0 is used before its definition", "relu(%0)", "at m.py:4")


def test_use_outside_scope():
    g = if_graph()
    inner = g.nodes[0].blocks[0].nodes[0].output()
    g.create("neg", [inner], out_types=[tt(3)], source="m.py:30")
    bad(g, f"%{inner.name} is used before its definition or outside its scope", "neg(",
        "at m.py:30")


def test_block_return_outside_scope_and_undefined_value():
    g = if_graph()
    g.block.returns[:] = [g.nodes[0].blocks[0].nodes[0].output()]
    bad(g, "outside its scope", "return (")
    g = mlp_graph()
    stray = Value("ghost", tt(3))
    g.nodes[1].inputs[0] = stray
    bad(g, "%ghost is not defined in this graph", "at m.py:4")


def test_name_defined_twice():
    g = mlp_graph()
    g.nodes[1].outputs[0].name = g.nodes[0].outputs[0].name
    bad(g, "defined twice", "at m.py:4")


def test_inconsistent_back_pointers():
    g = mlp_graph()
    g.nodes[2].outputs[0].index = 3
    bad(g, "back-pointers", "linear(%1", "at m.py:5 [fc2]")
    g = mlp_graph()
    g.nodes[2].outputs[0].node = g.nodes[0]
    bad(g, "back-pointers", "at m.py:5")
    g = mlp_graph()
    g.inputs[0].index = 2
    bad(g, "back-pointers")


def test_unknown_kind():
    g = mlp_graph()
    g.nodes[1].kind = "not_an_op"
    bad(g, "unknown node kind 'not_an_op'", "not_an_op(%0)", "at m.py:4")


# ------------------------------------------------------------------ block structure
def test_if_structure():
    g = if_graph()
    g.nodes[0].blocks.pop()
    bad(g, "If must have 2 block(s), has 1", "If(%c)", "at m.py:9")
    g = if_graph()
    g.nodes[0].blocks[1].returns.append(g.inputs[1])
    bad(g, "If block1 returns 2 values", "at m.py:9")
    g = if_graph()
    g.nodes[0].blocks[0].add_param(tt(3), "p")
    bad(g, "If block0 must have no parameters")


def test_loop_structure():
    g = loop_graph(False)
    g.nodes[-1].blocks[0].returns.pop()
    bad(g, "Loop body must return 2 values", "Loop(%n", "at m.py:12")
    g = loop_graph(False)
    g.nodes[-1].blocks[0].add_param(tt(3), "extra")
    bad(g, "Loop body must have 2 parameters")
    g = loop_graph(False)
    loop = g.nodes[-1]
    loop.outputs.append(Value("o2", tt(3), loop, 1))
    bad(g, "Loop has 1 carried values but 2 outputs")


def test_fusion_group_structure_and_carried_types():
    g = Graph()
    x = g.add_input(tt(3), "x")
    fg = g.create("FusionGroup", [x], {}, [tt(3)], source="f.py:1")
    b = g.add_block(fg)
    b.add_param(tt(3), "p")
    b.add_param(tt(3), "q")
    b.returns.append(b.params[0])
    g.block.returns.append(fg.output())
    bad(g, "FusionGroup block has 2 parameters for 1 inputs", "at f.py:1")
    g = if_graph()
    g.nodes[0].outputs[0].type = INT
    bad(g, "does not match", "at m.py:9")


# ------------------------------------------------------------------ types
def test_wrong_output_dtype():
    g = mlp_graph()
    g.nodes[1].outputs[0].type = tt(N, 5, dt=f64)
    bad(g, "declared f64[N, 5]", "dtype torch.float32", "relu(%0)", "at m.py:4")


def test_wrong_output_dim_and_rank():
    g = mlp_graph()
    g.nodes[0].outputs[0].type = tt(N, 4)
    bad(g, "declared f32[N, 4]", "dim 1 = 5", "at m.py:3 [fc1]")
    g = mlp_graph()
    g.nodes[0].outputs[0].type = tt(S.mul(2, N), 5)
    bad(g, "dim 0 = N", "at m.py:3")
    g = mlp_graph()
    g.nodes[1].outputs[0].type = tt(N, 5, 1)
    bad(g, "rank 2", "at m.py:4")


def test_symbolic_dim_swap_caught():
    M = S.sym("M")
    g = Graph()
    x = g.add_input(tt(N, M), "x")
    g.block.returns.append(g.create("permute", [x], {"dims": [1, 0]}, [tt(N, M)],
                                    source="p.py:1").output())
    bad(g, "dim 0 = M", "at p.py:1")


def test_meta_rejects_inputs():
    g = mlp_graph()
    g.inputs[1].type = tt(5, 7)
    bad(g, "linear rejects its input types", "RuntimeError", "at m.py:3")


def test_unknown_input_types_skip_meta():
    g = mlp_graph()
    g.inputs[1].type = TensorType()  # unknown: nothing to check against
    verify(g)


def test_structural_type_rules():
    g = Graph()
    lst = g.add_input(ListType(tt(3)), "l")
    g.block.returns.append(g.create("size", [lst], {"dim": 0}, [INT], source="s.py:2").output())
    bad(g, "size needs a tensor input", "size(%l, dim=0)", "at s.py:2")
    g = Graph()
    a = g.add_input(INT, "a")
    g.block.returns.append(g.create("scalar.add", [a, a], {}, [BOOL], source="s.py:3").output())
    bad(g, "declared bool but scalar.add gives int", "at s.py:3")
    g = Graph()
    g.block.returns.append(g.create("Constant", (), {"value": np.zeros(3, np.float64)},
                                    [tt(3)], source="s.py:4").output())
    bad(g, "Constant gives f64[3]", "at s.py:4")
    g = Graph()
    g.create("Guard", (), {"lhs": N, "cmp": "gte", "rhs": 1}, source="s.py:5")
    bad(g, "Guard cmp must be one of", "at s.py:5")


def test_prim_helpers():
    assert prim.is_structural("If") and prim.is_structural("scalar.add")
    assert not prim.is_structural("linear")
    g = guard_graph()
    guards = [n for n in g.nodes if n.kind == "Guard"]
    assert guards and not any(prim.is_pure(n) for n in guards)
    assert prim.is_pure(g.nodes[-1])  # relu
    from graphtorch.ops import registry as R
    rnd = [o.name for o in R.all_ops() if "random" in o.tags]
    for name in rnd[:1]:
        n = g.create(name, [g.inputs[0]], out_types=[tt(N, 2)])
        assert not prim.is_pure(n)
    n = g.create("add_", [g.inputs[0], g.inputs[0]], out_types=[tt(N, 2)])
    assert not prim.is_pure(n)
    assert prim.compatible(ANY, INT) and not prim.compatible(INT, BOOL)
    assert prim.IMPLS["scalar.floordiv"](7, 2) == 3 and prim.IMPLS["size"](np.zeros((2, 5)),
                                                                         dim=-1) == 5


def test_call_checks_function_and_arity():
    f = Graph()
    a = f.add_input(tt(3), "a")
    f.block.returns.append(f.create("exp", [a], out_types=[tt(3, dt=f64)],
                                    source="f.py:2").output())
    g = Graph()
    g.functions = {"f": f}
    x = g.add_input(tt(3), "x")
    g.block.returns.append(g.create("Call", [x, x], {"fn": "f"}, [tt(3)],
                                    source="c.py:1").output())
    bad(g, "Call of 'f' with 2 arguments; it takes 1", "at c.py:1")
    g.nodes[0].inputs.pop()
    bad(g, "declared f32[3] but Call gives f64[3]", "at c.py:1")
    g.nodes[0].outputs[0].type = tt(3, dt=f64)
    bad(g, "dtype torch.float32", "at f.py:2")  # the function graph is verified too
    g.nodes[0].attrs["fn"] = "nope"
    bad(g, "Call of unknown function 'nope'")
