"""The verifier's choice of sizes: generic (prime) sizes where the graph allows them, and sizes
satisfying the graph's size guards and the shape checks recorded while tracing
(``graph.meta["size_constraints"]``) where the generic ones break them."""
import warnings

import pytest

import graphtorch as torch
from graphtorch.ir import parse
from graphtorch.ir import symbolic as S
from graphtorch.ir.graph import Graph
from graphtorch.ir.types import TensorType
from graphtorch.ir.verifier import VerifyError, verify
from graphtorch.ops import dtypes as D

N, H = S.sym("N"), S.sym("H")


def _view_graph(declared_last=4, guard=True):
    """x: [N, H] viewed as [N, 4, last]; valid only where H == 16 (H - 4 == 12)."""
    g = Graph()
    x = g.add_input(TensorType(D.float32, (N, H)), "x")
    if guard:
        g.create("Guard", [], {"lhs": S.sub(H, 4), "cmp": "eq", "rhs": 12}, [], source="m.py:2")
    out = g.create("view", [x], {"shape": [N, 4, 4]},
                   [TensorType(D.float32, (N, 4, declared_last))], source="m.py:3")
    g.block.returns.append(out.output())
    return g


def test_generic_sizes_break_an_unrecorded_condition():
    with pytest.raises(VerifyError, match="view rejects its input types"):
        verify(_view_graph(guard=False))


def test_size_guard_picks_valid_sizes_and_survives_a_round_trip():
    g = _view_graph()
    verify(g)
    verify(parse(str(g)))  # guards are part of the text


def test_a_wrong_type_is_still_caught_at_the_chosen_sizes():
    with pytest.raises(VerifyError, match="meta gives dim 2"):
        verify(_view_graph(declared_last=5))


def test_meta_constraints_with_trace_sizes():
    g = _view_graph(guard=False)
    g.meta["size_constraints"] = [(S.mul(N, H), "eq", S.mul(N, 16))]  # two symbols
    g.meta["size_hints"] = {"N": 3, "H": 16}
    verify(g)


def test_traced_view_records_the_shape_check_meta_took():
    def f(x):
        return x.reshape(x.shape[0], 4, 4)

    x = torch.randn(3, 2, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.jit.trace(f, (x,))
    g = t.graph
    assert g.meta["size_constraints"], str(g)  # numel == N*16 is not a bare-symbol equality
    verify(g)
    g.meta.pop("size_constraints")
    with pytest.raises(VerifyError):
        verify(g)
