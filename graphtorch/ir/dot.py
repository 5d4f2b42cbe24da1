"""A picture of a graph: Graphviz DOT text (``to_dot``) and an SVG/PNG file (``render``).

Each IR node is one box labelled with its kind, short attributes, output types and source
line; edges follow the values (labelled with the value's name).  Graph inputs are ``invhouse``
shapes, graph outputs ``house`` shapes, block parameters ellipses; the blocks of ``If``,
``Loop`` and ``FusionGroup`` nodes are dashed clusters whose ``->`` node feeds the owner.
The text is deterministic: ids follow the graph order."""
from __future__ import annotations

import os
import shutil
import subprocess

from .printer import format_attr

__all__ = ["to_dot", "render"]

_ATTR_MAX = 48  # longer attribute texts are cut so boxes stay readable


def _q(text: str) -> str:
    """A DOT double-quoted string (newlines become centered line breaks)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class _Dot:
    def __init__(self, graph):
        self.graph = graph
        self.lines: list = []
        self.src: dict = {}   # Value -> DOT id of what produces it
        # edges go after all nodes, outside clusters: an edge written inside a cluster would
        # pull its endpoints (possibly outer nodes) into that cluster
        self.edges: list = []
        self.count = 0

    def new_id(self, prefix):
        self.count += 1
        return f"{prefix}{self.count}"

    def emit(self, indent, text):
        self.lines.append("  " * indent + text)

    def run(self, name):
        self.emit(0, f"digraph {_q(name)} {{")
        self.emit(1, "rankdir=TB;")
        self.emit(1, 'node [fontname="monospace", fontsize=10, shape=box, style=rounded];')
        self.emit(1, 'edge [fontname="monospace", fontsize=9];')
        for v in self.graph.inputs:
            vid = self.new_id("in")
            self.src[v] = vid
            self.emit(1, f'{vid} [shape=invhouse, style=filled, fillcolor="#dbeafe", '
                         f'label={_q(f"%{v.name}: {v.type}")}];')
        self.block_nodes(self.graph.block, 1)
        for i, v in enumerate(self.graph.outputs):
            oid = self.new_id("out")
            self.emit(1, f'{oid} [shape=house, style=filled, fillcolor="#dcfce7", '
                         f'label={_q(f"output {i}: %{v.name}")}];')
            self.edge(v, oid, 1)
        self.lines.extend("  " + e for e in self.edges)
        self.emit(0, "}")
        return "\n".join(self.lines) + "\n"

    def block_nodes(self, block, indent):
        for n in block.nodes:
            nid = self.new_id("n")
            self.emit(indent, f"{nid} [label={_q(self.label(n))}"
                              f"{', style=dashed' if not n.outputs else ''}];")
            for v in n.operands():
                self.edge(v, nid, indent)
            for k, b in enumerate(n.blocks):
                self.cluster(n, k, b, nid, indent)
            for v in n.outputs:
                self.src[v] = nid

    def cluster(self, node, k, block, owner_id, indent):
        cid = self.new_id("cluster_b")
        self.emit(indent, f"subgraph {cid} {{")
        self.emit(indent + 1, f"label={_q(f'{node.kind} block{k}')}; style=dashed;")
        for p in block.params:
            pid = self.new_id("p")
            self.src[p] = pid
            self.emit(indent + 1, f"{pid} [shape=ellipse, label={_q(f'%{p.name}: {p.type}')}];")
        self.block_nodes(block, indent + 1)
        rid = self.new_id("ret")
        self.emit(indent + 1, f'{rid} [shape=cds, label="->"];')
        for v in block.returns:
            self.edge(v, rid, indent + 1)
        self.emit(indent, "}")
        self.edges.append(f"{rid} -> {owner_id} [style=dotted, arrowhead=empty];")

    def edge(self, v, dst, indent):
        src = self.src.get(v)
        if src is None:  # a value with no visible producer (a malformed graph): show it
            src = self.new_id("undef")
            self.src[v] = src
            self.emit(indent, f'{src} [shape=octagon, color=red, label={_q("?%" + v.name)}];')
        self.edges.append(f"{src} -> {dst} [label={_q('%' + v.name)}];")

    def label(self, n) -> str:
        rows = [n.kind]
        for k, a in n.attrs.items():
            try:
                # no graph: big constants print as tensor(<f32[...]>), and graph.constants
                # is left untouched
                text = format_attr(a, None)
            except TypeError:
                text = f"<{type(a).__name__}>"
            if len(text) > _ATTR_MAX:
                text = text[:_ATTR_MAX - 3] + "..."
            rows.append(f"{k}={text}")
        rows += [f"%{v.name}: {v.type}" for v in n.outputs]
        where = " ".join(x for x in (n.source, f"[{n.scope}]" if n.scope else "") if x)
        if where:
            rows.append(where)
        return "\n".join(rows)


def to_dot(graph, name: str = "graph") -> str:
    """The graph as Graphviz DOT text (render it with ``dot -Tsvg``).

    Args:
        graph: an ``ir.Graph``.
        name: the DOT graph's name.
    """
    return _Dot(graph).run(name)


def render(graph, path, format=None) -> str:  # noqa: A002 - graphviz's word
    """Draw the graph into ``path`` with the Graphviz ``dot`` program and return ``path``.

    Args:
        graph: an ``ir.Graph``.
        path: the file to write.
        format: ``'svg'``, ``'png'``, ``'pdf'``... (default: from ``path``'s suffix, else svg).
    """
    path = os.fspath(path)
    fmt = format or (os.path.splitext(path)[1].lstrip(".").lower() or "svg")
    exe = shutil.which("dot")
    if exe is None:
        raise RuntimeError("render() needs Graphviz's 'dot' program, which is not installed "
                           "(install graphviz, e.g. 'apt-get install graphviz'); "
                           "graph.to_dot() still gives the DOT text")
    proc = subprocess.run([exe, f"-T{fmt}", "-o", path], input=to_dot(graph).encode(),
                          capture_output=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"Graphviz 'dot -T{fmt}' failed: "
                           f"{proc.stderr.decode(errors='replace').strip()}")
    return path
