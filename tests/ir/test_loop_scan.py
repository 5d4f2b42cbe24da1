"""Loop scan outputs (``Loop(..., n_scan=K)``): the body returns (cond, *carried, *scan values)
and the node's last K outputs are the per-iteration values stacked on a new leading dim.
Interpreter (generated code and generic path) against numpy, zero iterations, data-dependent
iteration counts, verifier, text round trip, dce, shape_prop and the ``.code`` text; errors
inside a compiled loop body name the failing node."""
import numpy as np
import pytest

from graphtorch.eager.tensor import wrap
from graphtorch.ir import parse
from graphtorch.ir import symbolic as S
from graphtorch.ir.graph import Graph
from graphtorch.ir.interpreter import Interpreter
from graphtorch.ir.passes import run_pipeline
from graphtorch.ir.pycode import to_python
from graphtorch.ir.types import BOOL, FLOAT, INT, TensorType
from graphtorch.ir.verifier import VerifyError, verify
from graphtorch.ops import dtypes as D

f32, b8 = D.float32, D.bool
T = S.sym("T")


def tt(*shape):
    return TensorType(f32, shape)


def const(g, value, typ, block=None):
    return g.create("Constant", (), {"value": value}, [typ], block=block).output()


def scan_graph(extra_trip=0, lead=None):
    """acc = 0; for t in range(T): acc += x[t]; scans: acc (running sum) and 2 * x[t]."""
    g = Graph()
    x = g.add_input(tt(T, 3), "x")
    z = g.add_input(tt(3), "z")
    trip = const(g, S.add(T, extra_trip) if extra_trip else T, INT)
    true = const(g, True, BOOL)
    lead = T if lead is None else lead
    node = g.create("Loop", [trip, true, z], {"n_scan": 2}, [tt(3), tt(lead, 3), tt(lead, 3)],
                    source="m.py:5")
    body = g.add_block(node)
    i = body.add_param(INT, "i")
    acc = body.add_param(tt(3), "acc")
    xt = g.create("select", [x], {"dim": 0, "index": i}, [tt(3)], block=body,
                  source="m.py:6").output()
    acc2 = g.create("add", [acc, xt], out_types=[tt(3)], block=body).output()
    two = const(g, 2.0, FLOAT, block=body)
    dbl = g.create("mul", [xt, two], out_types=[tt(3)], block=body).output()
    body.returns[:] = [true, acc2, acc2, dbl]
    g.block.returns.extend(node.outputs)
    return g


def _x(n):
    return np.arange(n * 3, dtype=np.float32).reshape(n, 3) - 4


@pytest.mark.parametrize("path", ["generated", "generic"])
@pytest.mark.parametrize("n", [0, 1, 5])
def test_scan_outputs_stack_the_steps(path, n):
    g = scan_graph()
    verify(g)
    it = Interpreter(g)
    x, z = _x(n), np.zeros(3, np.float32)
    args = [wrap(x), wrap(z)]
    acc, cums, dbl = it.run(args) if path == "generated" else it._slow(args)
    np.testing.assert_array_equal(acc._data, x.sum(0))
    np.testing.assert_array_equal(cums._data, np.cumsum(x, 0).reshape(n, 3))
    np.testing.assert_array_equal(dbl._data, (x * 2).reshape(n, 3))
    assert cums.dtype is f32


def test_data_dependent_scan_binds_its_leading_symbol():
    """while acc.sum() < 20: acc = acc + 1, scanning acc; then ones(u0) uses the count."""
    g = Graph()
    z = g.add_input(tt(2), "z")
    node = g.create("Loop", [const(g, 2 ** 63 - 1, INT), const(g, True, BOOL), z],
                    {"n_scan": 1}, [tt(2), tt(S.sym("u0"), 2)])
    body = g.add_block(node)
    body.add_param(INT, "i")
    acc = body.add_param(tt(2), "acc")
    one = const(g, 1.0, FLOAT, block=body)
    acc2 = g.create("add", [acc, one], out_types=[tt(2)], block=body).output()
    s = g.create("sum", [acc2], out_types=[tt()], block=body).output()
    lim = const(g, 20.0, FLOAT, block=body)
    cond = g.create("lt", [s, lim], out_types=[TensorType(b8, ())], block=body).output()
    body.returns[:] = [cond, acc2, acc2]
    count = g.create("full", [], {"size": [S.sym("u0")], "fill_value": 1.0, "dtype": f32},
                     [tt(S.sym("u0"))]).output()
    g.block.returns.extend([node.outputs[1], count])
    verify(g)
    for start in (0.0, 5.0):
        seq, ones = Interpreter(g)(wrap(np.full(2, start, np.float32)))
        want, acc = [], np.full(2, start, np.float32)
        while True:
            acc = acc + 1
            want.append(acc)
            if acc.sum() >= 20:
                break
        np.testing.assert_array_equal(seq._data, np.stack(want))
        assert ones.shape == (len(want),)


def test_round_trip_and_verifier():
    g = scan_graph()
    text = str(g)
    assert "n_scan=2" in text and "index=%i" in text
    assert str(parse(text)) == text
    verify(parse(text))
    with pytest.raises(VerifyError, match=r"declared f32\[T \+ 1, 3\]"):
        verify(scan_graph(lead=S.add(T, 1)))
    bad = scan_graph()
    bad.nodes[2].attrs["n_scan"] = 1
    with pytest.raises(VerifyError, match="Loop body must return 3 values"):
        verify(bad)


def test_error_in_a_compiled_loop_body_names_the_node():
    it = Interpreter(scan_graph(extra_trip=1))  # one step too many: x[T] is out of range
    with pytest.raises(IndexError, match="select at m.py:6"):
        it(wrap(_x(3)), wrap(np.zeros(3, np.float32)))


def test_dce_drops_unread_scans():
    g = scan_graph()
    g.block.returns[:] = [g.nodes[2].outputs[0], g.nodes[2].outputs[1]]  # drop 2 * x[t]
    g = run_pipeline(g, ["dce"], verify=True)
    loop = g.nodes[-1]
    assert loop.attrs["n_scan"] == 1 and len(loop.outputs) == 2
    assert "mul" not in {n.kind for n in loop.blocks[0].nodes}
    acc, cums = Interpreter(g)(wrap(_x(4)), wrap(np.zeros(3, np.float32)))
    np.testing.assert_array_equal(cums._data, np.cumsum(_x(4), 0))
    g.block.returns[:] = [loop.outputs[0]]
    g = run_pipeline(g, ["dce"], verify=True)
    assert "n_scan" not in g.nodes[-1].attrs and len(g.nodes[-1].outputs) == 1


def test_pipeline_and_shape_prop_keep_scan_types():
    g = run_pipeline(scan_graph(), verify=True)
    loop = next(n for n in g.walk() if n.kind == "Loop")
    assert [str(o.type) for o in loop.outputs[1:]] == ["f32[T, 3]", "f32[T, 3]"]
    out = Interpreter(g)(wrap(_x(3)), wrap(np.zeros(3, np.float32)))
    np.testing.assert_array_equal(out[2]._data, _x(3) * 2)


def test_code_text_stacks_the_scans():
    code = to_python(scan_graph(), "f", n_user=2)
    assert code.count("torch.stack(") == 2 and ".append(" in code
