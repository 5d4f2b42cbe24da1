"""The IR: ``Graph`` / ``Block`` / ``Node`` / ``Value`` (SSA).

A ``Graph`` owns a top-level ``Block``; a block has parameters (the graph's inputs, or a loop's
iteration variables), nodes in order, and returned values (the graph's outputs).  A ``Node`` has a
kind (a registry op name or a structural kind such as ``If``/``Loop``/``Constant``), input
Values, attributes, output Values, nested blocks and the user's source location.

Attribute values are Python constants (int, float, bool, str, None, dtype, lists/tuples of
them), symbolic size expressions (``ir.symbolic.Expr``: sizes computed from input dims while
tracing) or Values (sizes computed at run time, e.g. by scripted code).  ``Node.operands()`` is
every Value a node reads, inputs and attribute Values alike.

Uses are not stored: passes that rewrite call ``Graph.replace_uses`` (one walk) or build a new
graph; graphs are small enough that this keeps every pass simple and the structure always
consistent."""
from __future__ import annotations

import itertools
from typing import Iterator, Optional

from .types import Type

__all__ = ["Value", "Node", "Block", "Graph", "STRUCTURAL"]

# kinds that are not registry ops; see ir/prim.py for their semantics
STRUCTURAL = frozenset({"Constant", "If", "Loop", "TupleConstruct", "TupleIndex",
                        "TupleUnpack", "ListConstruct", "ListUnpack", "ListIndex", "Guard",
                        "Call", "FusionGroup", "size", "numel",
                        "PythonCall", "Print"})  # side effects: call back into Python, print


class Value:
    """One SSA value: produced by a node output or a block parameter."""

    __slots__ = ("name", "type", "node", "index", "block")

    def __init__(self, name: str, type: Type, node=None, index: int = 0, block=None):
        self.name = name
        self.type = type
        self.node = node      # the producing Node, or None for a block parameter
        self.index = index    # output position in node, or parameter position in block
        self.block = block    # for parameters: the owning Block

    def __repr__(self):
        return f"%{self.name}: {self.type}"


class Node:
    """One operation.  ``source`` is the user's ``file:line``; ``scope`` the module path."""

    __slots__ = ("kind", "inputs", "attrs", "outputs", "blocks", "source", "scope", "owner")

    def __init__(self, kind: str, inputs=(), attrs=None, source: str = "", scope: str = ""):
        self.kind = kind
        self.inputs = list(inputs)
        self.attrs = dict(attrs or {})
        self.outputs: list[Value] = []
        self.blocks: list[Block] = []
        self.source = source
        self.scope = scope
        self.owner: Optional[Block] = None

    def operands(self) -> Iterator[Value]:
        """Every Value this node reads directly: inputs, then Values inside attributes."""
        yield from self.inputs
        for v in self.attrs.values():
            yield from _attr_values(v)

    def output(self) -> Value:
        if len(self.outputs) != 1:
            raise RuntimeError(f"node {self.kind} has {len(self.outputs)} outputs, not 1")
        return self.outputs[0]

    def where(self) -> str:
        """``kind`` plus the source line, for error messages."""
        return f"{self.kind}" + (f" at {self.source}" if self.source else "")

    def __repr__(self):
        from .printer import node_line
        return node_line(self).strip()


def _attr_values(v):
    if type(v) is Value:
        yield v
    elif type(v) in (list, tuple):
        for x in v:
            yield from _attr_values(x)


def map_attr_values(v, fn):
    """``v`` with every Value inside replaced by ``fn(value)``."""
    if type(v) is Value:
        return fn(v)
    if type(v) in (list, tuple):
        return type(v)(map_attr_values(x, fn) for x in v)
    return v


class Block:
    """An ordered list of nodes with parameters and returned values."""

    __slots__ = ("params", "nodes", "returns", "owner", "graph")

    def __init__(self, graph, owner: Optional[Node] = None):
        self.params: list[Value] = []
        self.nodes: list[Node] = []
        self.returns: list[Value] = []
        self.owner = owner
        self.graph = graph

    def add_param(self, type: Type, name: Optional[str] = None) -> Value:
        v = Value(self.graph.fresh_name(name), type, None, len(self.params), self)
        self.params.append(v)
        return v

    def append(self, node: Node) -> Node:
        node.owner = self
        self.nodes.append(node)
        return node

    def walk(self) -> Iterator[Node]:
        """Every node in this block and, depth first, in nested blocks."""
        for n in self.nodes:
            yield n
            for b in n.blocks:
                yield from b.walk()


class Graph:
    """An SSA graph: ``inputs`` (the top block's params), ``nodes``, ``outputs``.

    ``insert_point`` is the block new nodes are appended to by ``create``; the tracer moves it
    into an ``If``/``Loop`` body while recording a branch."""

    def __init__(self):
        self._names: set = set()
        self._counter = itertools.count()
        self.block = Block(self)
        self.insert_point = self.block
        self.constants: dict = {}  # key -> ndarray for large tensor constants
        self.functions: dict = {}  # name -> Graph called by Call nodes
        self.meta: dict = {}       # analysis results (e.g. "memory_plan"); not printed

    # ----------------------------------------------------------------- structure
    @property
    def inputs(self) -> list[Value]:
        return self.block.params

    @property
    def outputs(self) -> list[Value]:
        return self.block.returns

    @property
    def nodes(self) -> list[Node]:
        return self.block.nodes

    def walk(self) -> Iterator[Node]:
        return self.block.walk()

    def fresh_name(self, hint: Optional[str] = None) -> str:
        if hint is not None and hint not in self._names:
            self._names.add(hint)
            return hint
        while True:
            n = next(self._counter)
            name = f"{hint}.{n}" if hint is not None and not hint.isdigit() else str(n)
            if name not in self._names:
                self._names.add(name)
                return name

    def add_input(self, type: Type, name: Optional[str] = None) -> Value:
        return self.block.add_param(type, name)

    def create(self, kind: str, inputs=(), attrs=None, out_types=(), source="", scope="",
               block: Optional[Block] = None, names=None) -> Node:
        """Make a node with outputs of ``out_types`` and append it to ``block`` (default: the
        insert point)."""
        node = Node(kind, inputs, attrs, source, scope)
        for i, t in enumerate(out_types):
            node.outputs.append(Value(self.fresh_name(names[i] if names else None), t, node, i))
        (block or self.insert_point).append(node)
        return node

    def add_block(self, node: Node) -> Block:
        b = Block(self, node)
        node.blocks.append(b)
        return b

    # ----------------------------------------------------------------- rewriting
    def replace_uses(self, mapping: dict) -> None:
        """Replace every read of Value ``old`` by ``mapping[old]`` (inputs, attributes, block
        returns), in all blocks."""
        if not mapping:
            return
        get = mapping.get

        def sub(v):
            return get(v, v)

        for blk in self.blocks():
            for n in blk.nodes:
                n.inputs = [get(v, v) for v in n.inputs]
                if n.attrs:
                    n.attrs = {k: map_attr_values(a, sub) for k, a in n.attrs.items()}
            blk.returns = [get(v, v) for v in blk.returns]

    def blocks(self) -> Iterator[Block]:
        yield self.block
        for n in self.walk():
            yield from n.blocks

    def uses(self) -> dict:
        """Value -> list of (node or block-return marker) reading it."""
        out: dict = {}
        for blk in self.blocks():
            for n in blk.nodes:
                for v in n.operands():
                    out.setdefault(v, []).append(n)
            for v in blk.returns:
                out.setdefault(v, []).append(blk)
        return out

    def remove(self, node: Node) -> None:
        node.owner.nodes.remove(node)
        node.owner = None

    def symbol_sources(self) -> dict:
        """symbol -> (input index, dim) for every size symbol bound by an input's shape."""
        from . import symbolic as S
        out: dict = {}
        for i, v in enumerate(self.inputs):
            shape = getattr(v.type, "shape", None)
            for d, e in enumerate(shape or ()):
                name = S.bare_symbol(e)
                if name is not None:
                    out.setdefault(name, (i, d))
        return out

    def copy(self) -> "Graph":
        """A deep copy (same names, shared constant arrays)."""
        from .parser import parse
        from .printer import print_graph
        g = parse(print_graph(self), constants=self.constants)
        g.functions = {k: f.copy() for k, f in self.functions.items()}
        g.meta = {**self.meta, **g.meta}  # the parsed size facts are fresh lists / dicts:
        return g  # a pass that adds a constraint to the copy leaves the original alone

    def to_dot(self, name: str = "graph") -> str:
        """The graph as Graphviz DOT text (see ``ir.dot``)."""
        from .dot import to_dot
        return to_dot(self, name)

    def render(self, path, format=None):
        """Write an SVG/PNG picture of the graph (needs the graphviz ``dot`` program)."""
        from .dot import render
        return render(self, path, format)

    def __str__(self):
        from .printer import print_graph
        return print_graph(self)

    __repr__ = __str__
