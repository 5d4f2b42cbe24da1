"""Size facts recorded while tracing (``graph.meta["size_hints"]`` and
``["size_constraints"]``) are part of the IR text (``hints`` / ``assume`` lines), so they
survive print -> parse and jit.save -> jit.load, and the verifier still finds valid sizes for
fixed-size models; the decompose pass traces decompositions at those sizes."""
import io
import warnings

import numpy as np
import pytest

import graphtorch as torch
from graphtorch.ir import parse, print_graph
from graphtorch.ir import symbolic as S
from graphtorch.ir.interpreter import Interpreter
from graphtorch.ir.parser import IRParseError
from graphtorch.ir.passes import decompose
from graphtorch.ir.verifier import VerifyError, verify
from tests.jit import zoo

N, H = S.sym("N"), S.sym("H")

TEXT = """graph(%x: f32[N, H]):
  hints N=3, H=16
  assume H*N == 16*N, H >= 5, (H - 4)//2 != 0, H%4 == 0
  %0: f32[N, 4, 4] = view(%x, shape=[N, 4, 4])
  return (%0)
"""


def test_text_round_trip_of_hints_and_constraints():
    g = parse(TEXT)
    assert g.meta["size_hints"] == {"N": 3, "H": 16}
    assert g.meta["size_constraints"] == [
        (S.mul(H, N), "eq", S.mul(16, N)), (H, "ge", 5),
        (S.floordiv(S.sub(H, 4), 2), "ne", 0), (S.mod(H, 4), "eq", 0)]
    assert print_graph(g) == TEXT
    verify(g)


def test_without_the_facts_the_generic_sizes_break_the_view():
    lines = [ln for ln in TEXT.splitlines() if not ln.lstrip().startswith(("hints", "assume"))]
    with pytest.raises(VerifyError):
        verify(parse("\n".join(lines)))


@pytest.mark.parametrize("bad", ["  hints N=x", "  assume N +", "  assume N"])
def test_malformed_fact_lines_name_the_line(bad):
    text = TEXT.replace("  hints N=3, H=16", bad)
    with pytest.raises(IRParseError, match="line 2"):
        parse(text)


def test_a_node_named_like_a_keyword_is_still_a_node():
    g = parse("graph(%x: f32[3]):\n  %hints: f32[3] = relu(%x)\n  return (%hints)\n")
    assert [n.kind for n in g.nodes] == ["relu"]


def _graph_of(traced):
    return next(iter(traced._compiled.values())).trace.graph


@pytest.mark.parametrize("name", ["mnist", "lenet"])
def test_fixed_size_models_verify_after_parse_and_save_load(name, tmp_path):
    m = zoo.build(name, torch).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tm = torch.jit.trace(m, zoo.example(name, torch, 2))
    g = _graph_of(tm)
    text = print_graph(g)
    assert "\n  assume " in text and "\n  hints " in text
    g2 = parse(text, constants=g.constants)
    assert g2.meta["size_constraints"] == g.meta["size_constraints"]
    assert g2.meta["size_hints"] == g.meta["size_hints"]
    verify(g2)
    buf = io.BytesIO()
    torch.jit.save(tm, buf)
    buf.seek(0)
    loaded = torch.jit.load(buf)
    g3 = _graph_of(loaded)
    assert g3.meta["size_constraints"] == g.meta["size_constraints"]
    verify(g3)
    x = zoo.example(name, torch, 3)
    x = x if isinstance(x, tuple) else (x,)
    with torch.no_grad():
        np.testing.assert_allclose(loaded(*x).numpy(), m(*x).numpy(), rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------ decompose at trace sizes
def _traced(fn, *shapes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tf = torch.jit.trace(fn, tuple(torch.randn(*s) for s in shapes), check_trace=False)
    return _graph_of(tf) if hasattr(tf, "_compiled") else tf.graph


@pytest.mark.parametrize("fn, shape, other", [
    (lambda x: torch.nn.functional.group_norm(x, 3), (2, 6, 5), (3, 6, 7)),
    (lambda x: torch.nn.functional.adaptive_max_pool2d(x, (3, 2)), (2, 3, 7, 5), None),
    (lambda x: torch.nn.functional.interpolate(x, size=(7, 3), mode="bilinear",
                                               align_corners=True), (2, 2, 4, 5), (3, 2, 4, 5)),
], ids=["group_norm", "adaptive_max_pool", "upsample"])
def test_decompose_traces_at_the_graphs_sizes(fn, shape, other):
    g = _traced(fn, shape)
    d = decompose.run(g.copy(), supported="primitives")
    verify(d)
    for s in [shape] + ([other] if other else []):
        x = torch.randn(*s)
        got = Interpreter(d).run([x])[0]
        np.testing.assert_allclose(got.numpy(), fn(x).numpy(), rtol=1e-5, atol=1e-5)


def test_a_decomposition_that_fixes_a_size_fixes_the_graphs_input():
    """upsample's decomposition builds its interpolation weights from the spatial sizes: the
    decomposed graph is valid at those sizes only, and says so in its input types (an entry
    error at other sizes, never a silently wrong result)."""
    def fn(x):
        return torch.nn.functional.interpolate(x, size=(7, 3), mode="bilinear")

    d = decompose.run(_traced(fn, (2, 2, 4, 5)).copy(), supported="primitives")
    assert d.inputs[0].type.shape[2:] == (4, 5), d.inputs[0].type
    with pytest.raises(RuntimeError, match="must have size 4"):
        Interpreter(d).run([torch.randn(2, 2, 6, 5)])


def test_index_select_keeps_a_symbolic_index_length():
    def f(x, i):
        return torch.index_select(x, 0, i) * 2

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tf = torch.jit.trace(f, (torch.randn(5, 3), torch.tensor([0, 2, 4])))
    g = _graph_of(tf) if hasattr(tf, "_compiled") else tf.graph
    out = [n for n in g.nodes if n.kind == "index_select"][0].outputs[0]
    assert not any(s.startswith("u") for s in out.type.symbols()), out.type
    x, i = torch.randn(6, 3), torch.tensor([5, 0])
    np.testing.assert_allclose(tf(x, i).numpy(), f(x, i).numpy())


def test_copy_has_its_own_size_facts():
    g = parse(TEXT)
    c = g.copy()
    assert c.meta["size_constraints"] == g.meta["size_constraints"]
    c.meta["size_constraints"].append((N, "ge", 2))
    c.meta["size_hints"]["N"] = 5
    assert len(g.meta["size_constraints"]) == 4 and g.meta["size_hints"]["N"] == 3


def test_a_constraint_starting_with_a_parenthesis():
    text = "graph(%x: f32[N]):\n  assume (3*N)%6 == 0, (N + 1)//2 > 1\n  return (%x)\n"
    g = parse(text)
    assert g.meta["size_constraints"][0] == (S.mod(S.mul(3, N), 6), "eq", 0)
    assert print_graph(g) == text
