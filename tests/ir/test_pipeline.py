"""The pass pipeline: order, lazy passes, print_after / GRAPHTORCH_PRINT_AFTER, the verify hook,
unknown names, register_pass and node counts; and its first pass, inline."""
import numpy as np
import pytest

from graphtorch.ir import passes as P
from graphtorch.ir.interpreter import run_graph
from graphtorch.ir.parser import parse
from graphtorch.ir.passes import inline
from graphtorch.ir.printer import print_graph

from .test_passes_basic import X23, _functions, _norm, check

SRC = """graph(%x: f32[2, 3]):
  %one: int = Constant(value=1)
  %a: f32[3] = Constant(value=tensor([1.0, 2.0, 3.0], f32))
  %0: f32[2, 3] = mul(%x, %one)
  %1: f32[3] = exp(%a)
  %2: f32[2, 3] = add(%0, %1)
  %3: f32[2, 3] = add(%0, %1)
  %4: f32[2, 3] = neg(%x)
  %5: f32[2, 3] = mul(%2, %3)
  return (%5)
"""
CLEANUP = ["inline", "simplify", "constant_fold", "cse", "dce"]


def test_pipeline_order_and_names():
    names = P.pass_names()
    assert names == CLEANUP + ["shape_prop", "bn_fold", "decompose", "fusion", "memory_plan"]
    assert [n for n, _ in P.PIPELINE] == names


def test_cleanup_pipeline_result_and_values():
    x = np.random.randn(2, 3).astype(np.float32)
    ref = run_graph(parse(SRC), x)
    g = P.run_pipeline(parse(SRC), CLEANUP, verify=True)
    kinds = [n.kind for n in g.nodes]
    assert kinds == ["Constant", "add", "mul"], print_graph(g)
    np.testing.assert_array_equal(run_graph(g, x)[0].numpy(), ref[0].numpy())
    c = P.count_nodes(g)
    assert c["total"] == 3 and c["add"] == 1
    report = P.pass_report(parse(SRC), g)
    assert "total" in report and "exp" in report


def test_default_pipeline_runs_available_passes():
    x = np.random.randn(2, 3).astype(np.float32)
    ref = run_graph(parse(SRC), x)
    g = P.run_pipeline(parse(SRC))
    out = run_graph(g, x)
    np.testing.assert_allclose(out[0].numpy(), ref[0].numpy(), rtol=1e-6)


def test_print_after(capsys):
    P.run_pipeline(parse(SRC), CLEANUP, print_after=["cse", "dce"])
    out = capsys.readouterr().out
    assert "--- after inline ---" not in out
    assert out.index("--- after cse ---") < out.index("--- after dce ---")
    after_dce = out.split("--- after dce ---\n")[1]
    assert after_dce.startswith("graph(%x: f32[2, 3]):") and "exp" not in after_dce
    P.run_pipeline(parse(SRC), CLEANUP, print_after="all")
    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if line.startswith("---")] == \
        [f"--- after {n} ---" for n in CLEANUP]


def test_print_after_env(capsys, monkeypatch):
    monkeypatch.setenv("GRAPHTORCH_PRINT_AFTER", "cse,dce")
    P.run_pipeline(parse(SRC), CLEANUP)
    heads = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("---")]
    assert heads == ["--- after cse ---", "--- after dce ---"]
    monkeypatch.setenv("GRAPHTORCH_PRINT_AFTER", "all")
    P.run_pipeline(parse(SRC), ["simplify"])
    assert capsys.readouterr().out.startswith("--- after simplify ---\ngraph(")
    monkeypatch.delenv("GRAPHTORCH_PRINT_AFTER")
    P.run_pipeline(parse(SRC), CLEANUP)
    assert capsys.readouterr().out == ""


def test_unknown_pass_raises_with_known_names():
    with pytest.raises(ValueError, match="unknown pass 'nope'.*cse.*dce"):
        P.run_pipeline(parse(SRC), ["cse", "nope"])
    with pytest.raises(ValueError, match="known passes"):
        P.register_pass("x", lambda g, **o: g, after="nope")


def _breaker(graph, **options):
    """A deliberately wrong pass: declares a wrong output type."""
    graph.nodes[-1].outputs[0].type = parse("graph(%q: f64[7]):\n  return (%q)\n").inputs[0].type
    return graph


def test_verify_hook_and_register_pass(monkeypatch):
    monkeypatch.setattr(P, "PIPELINE", list(P.PIPELINE))
    calls = []

    def spy(graph, **options):
        calls.append(options)
        return graph

    P.register_pass("spy", spy, after="cse")
    assert P.pass_names().index("spy") == P.pass_names().index("cse") + 1
    P.run_pipeline(parse(SRC), ["cse", "spy"], backend="llvm", limit=5)
    assert calls == [{"backend": "llvm", "limit": 5}]
    P.register_pass("breaker", _breaker)
    assert P.pass_names()[-1] == "breaker"
    g = P.run_pipeline(parse(SRC), ["breaker"])  # no verification: goes through
    assert str(g.outputs[0].type) == "f64[7]"
    with pytest.raises(RuntimeError, match="after pass 'breaker'"):
        P.run_pipeline(parse(SRC), ["cse", "breaker"], verify=True)


def test_pass_returning_new_graph_is_used(monkeypatch):
    monkeypatch.setattr(P, "PIPELINE", list(P.PIPELINE))
    other = parse("graph(%y: f32[1]):\n  return (%y)\n")
    P.register_pass("replace", lambda g, **o: other)
    assert P.run_pipeline(parse(SRC), ["dce", "replace"]) is other


# ------------------------------------------------------------------ inline
FN_ADD = """graph(%a: f32[3], %b: f32[3]):
  %s: f32[3] = add(%a, %b)  # f.py:2 [inner]
  %r: f32[3] = relu(%s)  # f.py:3
  return (%r, %a)
"""

def test_inline_renames_and_keeps_sources_and_scopes():
    src = """graph(%x: f32[3], %y: f32[3]):
  %0: f32[3], %1: f32[3] = Call(%x, %y, fn='add')  # m.py:1 [blk]
  %2: f32[3] = mul(%0, %1)
  return (%2)
"""
    exp = """graph(%x: f32[3], %y: f32[3]):
  %3: f32[3] = add(%x, %y)  # f.py:2 [blk.inner]
  %4: f32[3] = relu(%3)  # f.py:3 [blk]
  %2: f32[3] = mul(%4, %x)
  return (%2)
"""
    check(inline, src, exp, (X23[0], X23[1]), functions={"add": FN_ADD})


def test_inline_recursive_functions_and_blocks():
    fn_twice = """graph(%a: f32[3], %cond: bool):
  %u: f32[3], %v: f32[3] = Call(%a, %a, fn='add')  # g.py:5
  %w: f32[3] = If(%cond)
    block0():
      -> (%u)
    block1():
      %n: f32[3] = neg(%v)
      -> (%n)
  return (%w)
"""
    src = """graph(%x: f32[3], %c: bool):
  %0: f32[3] = Call(%x, %c, fn='twice')
  %1: f32[3] = If(%c)
    block0():
      %2: f32[3] = Call(%0, %c, fn='twice')
      -> (%2)
    block1():
      -> (%0)
  return (%1)
"""
    fns = {"add": FN_ADD, "twice": fn_twice}
    for c in (True, False):
        g = check(inline, src, _inline_expected(src, fns), (X23[0], c), functions=fns)
        assert not any(n.kind == "Call" for n in g.walk())


def _inline_expected(src, fns):
    g = parse(src)
    g.functions = _functions(fns)
    return print_graph(inline.run(g))


def test_inline_recursion_raises_and_missing_function_kept():
    rec = """graph(%a: f32[3]):
  %b: f32[3] = Call(%a, fn='rec')
  return (%b)
"""
    g = parse(rec)
    g.functions = {"rec": parse(rec)}
    with pytest.raises(RuntimeError, match="recursive"):
        inline.run(g)
    g = parse(rec)  # no functions at all: nothing to do
    assert print_graph(inline.run(g)) == _norm(rec)
