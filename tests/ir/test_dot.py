"""Graphviz pictures of graphs: DOT text structure and render()."""
import os
import re
import shutil
import stat
import sys

import numpy as np
import pytest

from graphtorch.ir import dot
from graphtorch.ir.parser import parse

TEXT = """graph(%x: f32[N, 784], %fc1.weight: f32[512, 784], %n: int):
  %0: f32[N, 512] = linear(%x, %fc1.weight, bias=None)  # m.py:3 [fc1]
  %1: b8[] = Constant(value=tensor(True, b8))
  %2: f32[N, 512] = If(%1)  # m.py:4
    block0():
      %3: f32[N, 512] = relu(%0)  # m.py:5
      -> (%3)
    block1():
      -> (%0)
  %c: bool = Constant(value=True)
  %4: f32[N, 512] = Loop(%n, %c, %2)
    block0(%i: int, %acc: f32[N, 512]):
      %5: f32[N, 512] = add(%acc, %0, alpha=1)
      %6: f32[N, 512], %7: i64[N, 512] = sort(%5, dim=-1, msg='a "quoted" {brace} \\\\ x')
      -> (%c, %6)
  Guard(lhs=N, cmp='gt', rhs=1)  # m.py:7
  return (%4, %0)
"""

_STR = re.compile(r'"(?:[^"\\]|\\.)*"')


def _unquoted(text):
    return _STR.sub('""', text)


def test_dot_structure():
    g = parse(TEXT)
    text = dot.to_dot(g)
    assert text == dot.to_dot(parse(TEXT))  # deterministic
    assert text.startswith('digraph "graph" {') and text.rstrip().endswith("}")
    bare = _unquoted(text)
    assert bare.count("{") == bare.count("}")
    depth = 0
    for ch in bare:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    # each statement line is a node, an edge, a cluster open/close or a graph setting
    stmt = re.compile(r'^\s*(\w+ \[.*\];|\w+ -> \w+ \[.*\];|subgraph cluster_\w+ \{|\}|'
                      r'digraph "" \{|\w+=.*;|(node|edge) \[.*\];)$')
    for line in text.splitlines():
        assert stmt.match(_unquoted(line)), line
    node_decls = re.findall(r"^\s*(n\d+) \[label=\"(\w+)", text, re.M)
    assert [k for _, k in node_decls] == [n.kind for n in g.walk()]
    ids = dict(zip((n for n in g.walk()), (i for i, _ in node_decls)))
    edges = re.findall(r"^\s*(\w+) -> (\w+) \[label=\"%([\w.]+)\"\];", text, re.M)
    # one edge per operand read, per block return and per graph output
    uses = sum(len(list(n.operands())) for n in g.walk())
    rets = sum(len(b.returns) for n in g.walk() for b in n.blocks)
    assert len(edges) == uses + rets + len(g.outputs)
    for n in g.walk():
        for v in n.operands():
            assert any(d == ids[n] and name == v.name for _, d, name in edges), (n.kind, v)
    declared = set(re.findall(r"^\s*(\w+) \[", text, re.M))
    assert all(s in declared and d in declared for s, d, _ in edges)
    assert len(re.findall(r"subgraph cluster_", text)) == 3
    assert text.count("shape=invhouse") == 3 and text.count("shape=house") == 2
    assert "m.py:3 [fc1]" in text and "%6: f32[N, 512]\\n%7: i64[N, 512]" in text
    assert text.count('style=dotted') == 3  # block -> owner


def test_dot_big_constant_does_not_touch_graph():
    g = parse("graph(%x: f32[100]):\n  %y: f32[100] = add(%x, other=tensor('w'))\n"
              "  return (%y)\n", constants={"w": np.zeros(100, np.float32)})
    before = dict(g.constants)
    text = dot.to_dot(g)
    assert "tensor(<f32[100]>)" in text and g.constants == before


def test_render_without_graphviz(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="not installed.*to_dot"):
        dot.render(parse(TEXT), tmp_path / "g.svg")


def _fake_dot(tmp_path, rc=0):
    script = tmp_path / "dot"
    script.write_text(f"#!{sys.executable}\nimport sys\n"
                      "args = sys.argv[1:]\n"
                      f"if {rc}:\n    sys.stderr.write('syntax error'); sys.exit({rc})\n"
                      "out = args[args.index('-o') + 1]\n"
                      "open(out, 'w').write(args[0] + '\\n' + sys.stdin.read())\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_render_plumbing_with_a_fake_dot(monkeypatch, tmp_path):
    exe = _fake_dot(tmp_path)
    monkeypatch.setattr(shutil, "which", lambda name: exe if name == "dot" else None)
    g = parse(TEXT)
    out = dot.render(g, tmp_path / "g.png")
    body = open(out).read()
    assert body == "-Tpng\n" + dot.to_dot(g)
    dot.render(g, str(tmp_path / "g2"), format="svg")
    assert open(tmp_path / "g2").read().startswith("-Tsvg\n")


def test_render_reports_dot_failure(monkeypatch, tmp_path):
    exe = _fake_dot(tmp_path, rc=2)
    monkeypatch.setattr(shutil, "which", lambda name: exe)
    with pytest.raises(RuntimeError, match="syntax error"):
        dot.render(parse(TEXT), tmp_path / "g.svg")


@pytest.mark.skipif(shutil.which("dot") is None,
                    reason="Graphviz 'dot' is not installed on this machine")
def test_render_with_graphviz(tmp_path):
    out = dot.render(parse(TEXT), tmp_path / "g.svg")
    assert os.path.getsize(out) > 0 and "<svg" in open(out).read()
