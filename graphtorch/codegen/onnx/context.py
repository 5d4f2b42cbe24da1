"""The export context: builds ONNX nodes for one IR graph.

Rules call ``ctx.emit`` to add ONNX nodes to the graph being built (``ctx.scope``: the model's
graph, or the body of an If/Loop), ``ctx.inp`` / ``ctx.tin`` to read the current IR node's
inputs as ONNX names, and ``ctx.size`` / ``ctx.shape_vec`` for sizes.  Sizes that depend on a
dynamic input dim are computed in the graph (``Shape`` of the input, then integer arithmetic),
never baked in as constants, so an exported model stays valid at every size of its dynamic
axes; symbols of static axes are replaced by their example values."""
from __future__ import annotations

import itertools

import numpy as np
from onnx import helper, numpy_helper

from ...ir import symbolic as S
from ...ir.graph import Value
from ...ir.types import TensorType
from ...ops import dtypes as D
from .types import np_dtype, scalar_dtype, to_onnx_dtype

__all__ = ["ExportContext", "Scope", "ExportError"]

_NO = object()


class ExportError(NotImplementedError):
    """A graph that cannot be expressed in ONNX at the requested opset."""


class Scope:
    """One ONNX graph under construction: its nodes and cached size computations."""

    def __init__(self, parent=None):
        self.parent = parent
        self.nodes: list = []
        self.cache: dict = {}  # key -> onnx name (sizes, symbols, casts)

    def find(self, key):
        s = self
        while s is not None:
            if key in s.cache:
                return s.cache[key]
            s = s.parent
        return None


class ExportContext:
    """State of one export: names of lowered Values, initializers, constants, symbols."""

    def __init__(self, graph, opset: int, static=None, rename=None):
        self.graph = graph
        self.opset = opset
        self.static = dict(static or {})   # symbol -> int for axes exported as fixed
        self.rename = dict(rename or {})   # symbol -> user's dynamic axis name
        self.names: dict = {}              # Value -> onnx name
        self.pyvals: dict = {}             # Value -> Python constant (scalar Constants)
        self.seqs: dict = {}               # Value -> list of onnx names (tuples/lists)
        self.initializers: list = []
        self._consts: dict = {}
        self._used: set = set()
        self._uid = itertools.count()
        self.root = self.scope = Scope()
        self.node = None                   # the IR node being lowered
        self.sym_src: dict = {}            # symbol -> (onnx name, dim, Scope)
        self.node_count = itertools.count()
        self._uses = None

    # ----------------------------------------------------------------- names
    def fresh(self, hint="t") -> str:
        hint = "".join(c if c.isalnum() or c in "._/" else "_" for c in str(hint)) or "t"
        while True:
            name = hint if hint not in self._used else f"{hint}_{next(self._uid)}"
            if name not in self._used:
                self._used.add(name)
                return name

    def reserve(self, name):
        self._used.add(name)

    # ----------------------------------------------------------------- nodes
    def emit(self, op, inputs, n_out=1, domain=None, **attrs):
        """Add an ONNX node; returns its output name (a list when ``n_out != 1``)."""
        outs = [self.fresh(f"{op.lower()}_out") for _ in range(n_out)]
        ins = ["" if x is None else x for x in inputs]
        while ins and ins[-1] == "":
            ins.pop()
        node = self.node
        scope = (node.scope.replace(".", "/") + "/") if node is not None and node.scope else ""
        name = f"/{scope}{op}_{next(self.node_count)}"
        attrs = {k: v for k, v in attrs.items() if v is not None}
        n = helper.make_node(op, ins, outs, name=name, domain=domain, **attrs)
        if node is not None and node.source:
            n.doc_string = node.source
            n.metadata_props.add(key="source", value=node.source)
        if node is not None and node.scope:
            n.metadata_props.add(key="module", value=node.scope)
        self.scope.nodes.append(n)
        return outs[0] if n_out == 1 else outs

    # ----------------------------------------------------------------- constants
    def const(self, value, dtype=None) -> str:
        """An initializer holding ``value`` (numpy array or Python number/list), cached."""
        arr = np.asarray(value, dtype=np_dtype(dtype) if dtype is not None else None)
        if arr.dtype == np.float64 and dtype is None and not isinstance(value, np.ndarray):
            arr = arr.astype(np.float32)
        key = (arr.dtype.str, arr.shape, arr.tobytes())
        name = self._consts.get(key)
        if name is None:
            # a Constant node in the main graph (visible in every subgraph): initializers are
            # kept for the model's parameters, which an importer turns into Parameters
            name = self._consts[key] = self.fresh("const")
            self.root.nodes.append(helper.make_node(
                "Constant", [], [name], value=numpy_helper.from_array(arr, name)))
        return name

    def ints(self, values) -> str:
        return self.const(np.asarray(list(values), dtype=np.int64))

    # ----------------------------------------------------------------- IR inputs
    def has(self, i) -> bool:
        """Whether input ``i`` of the current node is present (not missing / None)."""
        ins = self.node.inputs
        if i >= len(ins) or ins[i] is None:
            return False
        return self.pyvals.get(ins[i], _NO) is not None

    def value(self, i):
        return self.node.inputs[i] if i < len(self.node.inputs) else None

    def pyval(self, i, default=_NO):
        """The Python constant of input ``i`` (a scalar Constant), else ``default``."""
        v = self.value(i)
        if v is None:
            return None
        val = self.pyvals.get(v, _NO)
        if val is _NO or type(val) is S.Expr:
            if default is _NO:
                raise ExportError(f"ONNX export: input {i} of {self.where()} must be a "
                                  "constant here")
            return default
        return val

    def dtype(self, i):
        """IR dtype of input ``i`` (scalars: the dtype that carries them)."""
        v = self.value(i)
        if v is None:
            return None
        if isinstance(v.type, TensorType):
            return v.type.dtype
        val = self.pyvals.get(v, _NO)
        if val is not _NO and type(val) is not S.Expr:
            return D.scalar_dtype(val) if not isinstance(val, bool) else D.bool
        return scalar_dtype(v.type)

    def is_scalar(self, i) -> bool:
        v = self.value(i)
        return v is not None and not isinstance(v.type, TensorType)

    def rank(self, i):
        v = self.value(i)
        t = getattr(v, "type", None)
        if isinstance(t, TensorType) and t.shape is not None:
            return len(t.shape)
        return 0 if v is not None and not isinstance(t, TensorType) else None

    def shape(self, i):
        return self.value(i).type.shape

    def used(self, k) -> bool:
        """Whether output ``k`` of the current node is read anywhere (else rules may skip
        computing it)."""
        if self._uses is None:
            self._uses = self.graph.uses()
        return self.node.outputs[k] in self._uses

    def out_dtype(self, k=0):
        return self.node.outputs[k].type.dtype

    def out_rank(self, k=0):
        return len(self.node.outputs[k].type.shape)

    def inp(self, i):
        """ONNX name of input ``i`` (None when absent); scalars as 0-d tensors."""
        if not self.has(i):
            return None
        return self.name_of(self.node.inputs[i])

    def tin(self, i, dt):
        """Input ``i`` as a tensor of dtype ``dt`` (constants are made in ``dt``)."""
        if not self.has(i):
            return None
        v = self.node.inputs[i]
        val = self.pyvals.get(v, _NO)
        if val is not _NO and type(val) is not S.Expr:
            return self.const(np.asarray(val).astype(np_dtype(dt)))
        return self.cast(self.name_of(v), self.dtype(i), dt)

    def cast(self, name, src, dst):
        if src is dst or dst is None:
            return name
        key = ("cast", name, dst)
        hit = self.scope.find(key)
        if hit is None:
            hit = self.emit("Cast", [name], to=to_onnx_dtype(dst))
            self.scope.cache[key] = hit
        return hit

    def name_of(self, v: Value) -> str:
        """ONNX name of IR Value ``v``, materializing scalar constants."""
        name = self.names.get(v)
        if name is not None:
            return name
        if v in self.pyvals:
            val = self.pyvals[v]
            if type(val) is S.Expr:
                name = self.scalar(self.size(val))
            elif val is None:
                raise ExportError(f"ONNX export: a None value is used as a tensor in "
                                  f"{self.where()}")
            else:
                dt = scalar_dtype(v.type) if not isinstance(val, bool) else D.bool
                name = self.const(np.asarray(val, dtype=np_dtype(dt)))
            return name
        if v in self.seqs:
            raise ExportError(f"ONNX export: a tuple/list value %{v.name} is used as a tensor "
                              f"in {self.where()}")
        raise ExportError(f"ONNX export: value %{v.name} is used before it is defined "
                          f"({self.where()})")

    # ----------------------------------------------------------------- attributes
    def attr(self, key, default=None):
        return self.node.attrs.get(key, default)

    def static_int(self, x):
        """``x`` (int, Expr, SymInt) as a Python int, or None if it depends on a dynamic
        size."""
        if type(x) is Value:
            return None
        if isinstance(x, (int, np.integer)) and type(x) is not S.SymInt:
            return int(x)
        e = S.expr_of(x)
        try:
            return S.evaluate(e, self.static)
        except KeyError:
            return None

    def int_attr(self, key, default=None):
        x = self.node.attrs.get(key, default)
        if x is None:
            return None
        v = self.static_int(x)
        if v is None:
            raise ExportError(f"ONNX export: attribute {key}={x} of {self.where()} depends on "
                              "a dynamic size; this op needs it constant")
        return v

    def ints_attr(self, key, default=None):
        x = self.node.attrs.get(key, default)
        if x is None:
            return None
        if not isinstance(x, (list, tuple)):
            x = [x]
        out = [self.static_int(e) for e in x]
        if any(o is None for o in out):
            raise ExportError(f"ONNX export: attribute {key}={x} of {self.where()} depends on "
                              "a dynamic size; this op needs it constant")
        return out

    # ----------------------------------------------------------------- sizes
    def scalar(self, vec):
        """A [1] int64 tensor as a 0-d one."""
        return self.emit("Reshape", [vec, self.ints([])])

    def vec1(self, name):
        """A 0-d tensor as a [1] one."""
        return self.emit("Reshape", [name, self.ints([1])])

    def sym(self, s) -> str:
        """[1] int64 tensor holding the run-time value of symbol ``s``."""
        if s in self.static:
            return self.ints([self.static[s]])
        key = ("sym", s)
        hit = self.scope.find(key)
        if hit is not None:
            return hit
        src = self.sym_src.get(s)
        if src is None:
            raise ExportError(f"ONNX export: size symbol {s} has no source in the graph "
                              f"({self.where()})")
        name, d, scope = src
        saved, self.scope = self.scope, scope
        try:
            hit = self.emit("Shape", [name], start=d, end=d + 1)
        finally:
            self.scope = saved
        scope.cache[key] = hit
        return hit

    def subst(self, e):
        """Expression ``e`` with the static symbols replaced by their values."""
        if type(e) is not S.Expr:
            return int(e)
        out = 0
        for mono, c in e.terms:
            term = c
            for a in mono:
                term = S.mul(term, self._atom(a))
            out = S.add(out, term)
        return out

    def _atom(self, a):
        if type(a) is str:
            return self.static.get(a, S.sym(a))
        op, x, y = a
        x, y = self.subst(x), self.subst(y)
        return S.floordiv(x, y) if op == "//" else S.mod(x, y)

    def size(self, e) -> str:
        """[1] int64 tensor computing size expression ``e`` (int, Expr, SymInt, or an int
        Value)."""
        if type(e) is Value:
            return self.vec1(self.cast(self.name_of(e), self.value_dtype(e), D.int64))
        e = self.subst(S.expr_of(e))
        if type(e) is int:
            return self.ints([e])
        key = ("size", e)
        hit = self.scope.find(key)
        if hit is not None:
            return hit
        total = None
        for mono, c in e.terms:
            term = None
            for a in mono:
                x = self.sym(a) if type(a) is str else self._dyn_atom(a)
                term = x if term is None else self.emit("Mul", [term, x])
            if term is None:
                term = self.ints([c])
            elif c != 1:
                term = self.emit("Mul", [term, self.ints([c])])
            total = term if total is None else self.emit("Add", [total, term])
        self.scope.cache[key] = total
        return total

    def _dyn_atom(self, a):
        op, x, y = a
        xs, ys = self.size(x), self.size(y)
        m = self.emit("Mod", [xs, ys], fmod=0)  # sign of the divisor: Python's %
        if op == "%":
            return m
        return self.emit("Div", [self.emit("Sub", [xs, m]), ys])  # exact: floor division

    def value_dtype(self, v):
        if isinstance(v.type, TensorType):
            return v.type.dtype
        val = self.pyvals.get(v, _NO)
        if isinstance(val, bool):
            return D.bool
        return scalar_dtype(v.type)

    def shape_vec(self, items) -> str:
        """1-D int64 tensor for a list of sizes (ints, Exprs, SymInts or int Values)."""
        items = list(items)
        stat = [self.static_int(x) for x in items]
        if all(s is not None for s in stat):
            return self.ints(stat)
        parts, run = [], []
        for x, s in zip(items, stat):
            if s is not None:
                run.append(s)
                continue
            if run:
                parts.append(self.ints(run))
                run = []
            parts.append(self.size(x))
        if run:
            parts.append(self.ints(run))
        return parts[0] if len(parts) == 1 else self.emit("Concat", parts, axis=0)

    def dyn_shape(self, i):
        """Shape of input ``i`` as an int64 vector (constant when static)."""
        shape = self.shape(i)
        if all(self.static_int(d) is not None for d in shape):
            return self.ints([self.static_int(d) for d in shape])
        return self.emit("Shape", [self.inp(i)])

    def dim(self, i, d):
        """[1] int64 tensor: size of dim ``d`` of input ``i``."""
        x = self.shape(i)[d]
        s = self.static_int(x)
        if s is not None:
            return self.ints([s])
        return self.emit("Shape", [self.inp(i)], start=d % len(self.shape(i)),
                         end=d % len(self.shape(i)) + 1)

    def where_(self, cond, a, b, dt):
        """Where(cond, a, b) for any dtype (onnxruntime lacks a bool Where)."""
        if dt is D.bool:
            a, b = self.cast(a, D.bool, D.uint8), self.cast(b, D.bool, D.uint8)
            return self.cast(self.emit("Where", [cond, a, b]), D.uint8, D.bool)
        return self.emit("Where", [cond, a, b])

    # ----------------------------------------------------------------- errors
    def where(self) -> str:
        n = self.node
        if n is None:
            return "<graph>"
        return f"'{n.kind}'" + (f" at {n.source}" if n.source else "") + \
            (f" [{n.scope}]" if n.scope else "")

    def fail(self, why):
        raise ExportError(f"ONNX export: {self.where()}: {why} (opset {self.opset})")
