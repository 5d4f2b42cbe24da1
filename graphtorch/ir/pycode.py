"""A graph as Python-like source in TorchScript's ``.code`` style (for reading, not running).

```
def forward(self,
    x: Tensor) -> Tensor:
  _0 = torch.linear(x, self.fc1.weight, self.fc1.bias)
  return torch.relu(_0)
```
Inputs keep their names, parameters read as ``self.<qualified name>``, every node is one
assignment ``_k = torch.<op>(args, attr=value)``, If/Loop become ``if``/``while`` blocks, guards
become ``assert`` lines and sizes bound by input dims read ``x.size(0)``.  The output is
deterministic and valid Python syntax."""
from __future__ import annotations

import keyword
import re

import numpy as np

from . import symbolic as S
from .graph import Value
from .printer import CONST_INLINE_MAX, constant_key, format_attr
from .types import ListType, OptionalType, ScalarType, TensorType, TupleType

__all__ = ["to_python"]

_SCALAR_BIN = {"add": "+", "sub": "-", "mul": "*", "floordiv": "//", "mod": "%", "eq": "==",
               "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "and": "and",
               "or": "or"}
_CMP = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def to_python(graph, name: str = "forward", n_user: int | None = None) -> str:
    """The source-like text of ``graph`` as method ``name``.

    Args:
        graph: the IR graph.
        name: the function name.
        n_user: how many leading graph inputs are arguments; the rest are parameters and
            buffers shown as ``self.<name>``.  When None, inputs with a dotted name are
            taken as parameters.
    """
    return _Writer(graph, n_user).function(name)


def _annot(t) -> str:
    if isinstance(t, TensorType):
        return "Tensor"
    if isinstance(t, ListType):
        return f"List[{_annot(t.elem)}]"
    if isinstance(t, TupleType):
        return "Tuple[" + ", ".join(_annot(e) for e in t.elems) + "]"
    if isinstance(t, OptionalType):
        return f"Optional[{_annot(t.elem)}]"
    if isinstance(t, ScalarType):
        return {"None": "NoneType", "Device": "Device", "Dtype": "int"}.get(t.name, t.name)
    return "Any"


class _Writer:
    def __init__(self, graph, n_user):
        self.g = graph
        self.names: dict = {}      # Value -> python expression
        self.count = 0
        self.args = []
        self.uses = {v: len(us) for v, us in graph.uses().items()}
        taken = set()
        for i, v in enumerate(graph.inputs):
            is_arg = i < n_user if n_user is not None else "." not in v.name
            if is_arg:
                nm = self._ident(v.name, taken)
                self.args.append((nm, v))
                self.names[v] = nm
            else:
                self.names[v] = "self." + ".".join(
                    p if _IDENT.fullmatch(p) and not keyword.iskeyword(p) else f"_{p}"
                    for p in v.name.split("."))
        self.sym = {}
        for s, (i, d) in graph.symbol_sources().items():
            self.sym[s] = f"{self.names[graph.inputs[i]]}.size({d})"

    def _ident(self, name, taken):
        nm = re.sub(r"[^A-Za-z0-9_]", "_", name)
        if not nm or nm[0].isdigit() or keyword.iskeyword(nm) or nm == "self":
            nm = "_" + nm
        while nm in taken:
            nm += "_"
        taken.add(nm)
        return nm

    def fresh(self, v) -> str:
        nm = f"_{self.count}"
        self.count += 1
        self.names[v] = nm
        return nm

    # ---------------------------------------------------------------- top level
    def function(self, name) -> str:
        outs = self.g.outputs
        ret = "Tensor" if len(outs) == 1 and isinstance(outs[0].type, TensorType) else \
            (_annot(outs[0].type) if len(outs) == 1 else
             "Tuple[" + ", ".join(_annot(v.type) for v in outs) + "]")
        params = ["self"] + [f"{nm}: {_annot(v.type)}" for nm, v in self.args]
        head = f"def {name}(" + ",\n    ".join(params) + f") -> {ret}:"
        lines = [head]
        body, inline = self.block(self.g.block, "  ", allow_inline=True)
        lines += body
        rets = [inline.get(v) or self.ref(v) for v in outs]
        lines.append("  return " + (rets[0] if len(rets) == 1 else
                                    "(" + ", ".join(rets) + ")" if rets else "None"))
        return "\n".join(lines) + "\n"

    def block(self, block, ind, allow_inline=False):
        """Lines of ``block``; with allow_inline, the last node's single-use output that is
        returned is given back as an expression (``return torch.relu(_0)``)."""
        lines, inline = [], {}
        nodes = block.nodes
        for k, n in enumerate(nodes):
            last = k == len(nodes) - 1
            if allow_inline and last and len(n.outputs) == 1 and not n.blocks and \
                    n.kind not in ("Constant", "TupleUnpack", "ListUnpack", "Guard") and \
                    n.outputs[0] in block.returns and self.uses.get(n.outputs[0], 0) == 1:
                inline[n.outputs[0]] = self.expr(n)
                continue
            lines += self.node(n, ind)
        return lines, inline

    # ---------------------------------------------------------------- values
    def ref(self, v) -> str:
        if v in self.names:
            return self.names[v]
        return "_" + re.sub(r"[^A-Za-z0-9_]", "_", v.name)

    def attr(self, a) -> str:
        t = type(a)
        if t is Value:
            return self.ref(a)
        if t is S.SymInt:
            a = a._expr
        if type(a) is S.Expr:
            return self.size_expr(a)
        if t in (list, tuple):
            inner = ", ".join(self.attr(x) for x in a)
            if t is tuple:
                return f"({inner},)" if len(a) == 1 else f"({inner})"
            return f"[{inner}]"
        if isinstance(a, np.ndarray):
            if a.size > CONST_INLINE_MAX:
                return f"CONSTANTS.{constant_key(self.g, a)}"
            body = repr(a.tolist()) if a.dtype.kind not in "fc" else \
                format_attr(a.tolist())
            return f"torch.tensor({body}, dtype=torch.{_dtype_name(a)})"
        if type(a).__name__ == "device":
            return f"torch.device({str(a)!r})"
        return format_attr(a, self.g)

    def size_expr(self, e) -> str:
        text = S.expr_str(e)
        return re.sub(r"\b[A-Za-z_][A-Za-z0-9_]*\b",
                      lambda m: self.sym.get(m.group(0), m.group(0)), text)

    # ---------------------------------------------------------------- nodes
    def expr(self, n) -> str:
        """The right-hand side of a single-output node."""
        args = [self.ref(v) for v in n.inputs]
        kind, at = n.kind, n.attrs
        if kind == "Constant":
            return self.attr(at.get("value"))
        if kind == "TupleConstruct":
            return "(" + ", ".join(args) + ("," if len(args) == 1 else "") + ")"
        if kind == "ListConstruct":
            return "[" + ", ".join(args) + "]"
        if kind == "TupleIndex":
            return f"{args[0]}[{at.get('index')}]"
        if kind == "ListIndex":
            return f"{args[0]}[{args[1]}]"
        if kind == "size":
            return f"{args[0]}.size({at.get('dim')})"
        if kind == "numel":
            return f"{args[0]}.numel()"
        if kind.startswith("scalar."):
            op = kind[7:]
            if op in _SCALAR_BIN and len(args) == 2:
                return f"{args[0]} {_SCALAR_BIN[op]} {args[1]}"
            if op == "neg":
                return f"-{args[0]}"
            if op == "not":
                return f"not {args[0]}"
            return f"{op}({', '.join(args)})"
        if kind == "Call":
            return f"self.{_safe_attr(at.get('fn', 'fn'))}({', '.join(args)})"
        kw = [f"{_kwname(k)}={self.attr(a)}" for k, a in at.items()]
        return f"{_callee(kind)}({', '.join(args + kw)})"

    def node(self, n, ind) -> list:
        kind = n.kind
        if kind == "Guard":
            return [ind + self.guard(n)]
        if kind == "If":
            return self.if_lines(n, ind)
        if kind == "Loop":
            return self.loop_lines(n, ind)
        if kind == "FusionGroup":
            return self.fusion_lines(n, ind)
        if kind == "Constant" and not (isinstance(n.attrs.get("value"), np.ndarray)
                                       and n.attrs["value"].size > CONST_INLINE_MAX):
            for v in n.outputs:  # small constants are written where they are used
                self.names[v] = self.attr(n.attrs.get("value"))
            return []
        if kind in ("TupleUnpack", "ListUnpack"):
            lhs = ", ".join(self.fresh(v) for v in n.outputs)
            return [f"{ind}{lhs}{',' if len(n.outputs) == 1 else ''} = {self.ref(n.inputs[0])}"]
        rhs = self.expr(n)
        if not n.outputs:
            return [ind + rhs]
        lhs = ", ".join(self.fresh(v) for v in n.outputs)
        return [f"{ind}{lhs} = {rhs}"]

    def guard(self, n) -> str:
        at = n.attrs
        msg = f", {at['msg']!r}" if at.get("msg") else ""
        if "cmp" in at:
            lhs, rhs = self.attr(at.get("lhs")), self.attr(at.get("rhs"))
            return f"assert {lhs} {_CMP.get(at['cmp'], '==')} {rhs}{msg}"
        t = self.ref(n.inputs[0]) if n.inputs else "None"
        conv = {"bool": f"bool({t})", "int": f"int({t})", "float": f"float({t})",
                "item": f"{t}.item()", "tolist": f"{t}.tolist()"}.get(at.get("kind"), t)
        return f"assert {conv} == {self.attr(at.get('expected'))}{msg}"

    def if_lines(self, n, ind) -> list:
        outs = [self.fresh(v) for v in n.outputs]
        cond = self.ref(n.inputs[0])
        lines = [f"{ind}if bool({cond}):"]
        for k, b in enumerate(n.blocks):
            if k == 1:
                lines.append(f"{ind}else:")
            body, _ = self.block(b, ind + "  ")
            if outs:
                body.append(f"{ind}  {', '.join(outs)} = "
                            f"{', '.join(self.ref(v) for v in b.returns)}")
            lines += body or [f"{ind}  pass"]
        return lines

    def loop_lines(self, n, ind) -> list:
        b = n.blocks[0]
        trip, cond0, *init = [self.ref(v) for v in n.inputs]
        i_name = self.fresh(b.params[0])
        carried = [self.fresh(p) for p in b.params[1:]]
        cond = f"_cond{self.count}"
        lines = [f"{ind}{i_name} = 0", f"{ind}{cond} = bool({cond0})"]
        lines += [f"{ind}{c} = {x}" for c, x in zip(carried, init)]
        lines.append(f"{ind}while {i_name} < {trip} and {cond}:")
        scans = [f"_scan{self.count}_{j}" for j in range(len(b.returns) - 1 - len(carried))]
        lines += [f"{ind}{s} = []" for s in scans]
        body, _ = self.block(b, ind + "  ")
        rets = [self.ref(v) for v in b.returns]
        nc = 1 + len(carried)
        body.append(f"{ind}  {', '.join([cond] + carried)} = {', '.join(rets[:nc])}")
        body += [f"{ind}  {s}.append({r})" for s, r in zip(scans, rets[nc:])]
        body.append(f"{ind}  {i_name} = {i_name} + 1")
        lines += body
        for v, c in zip(n.outputs, carried):
            lines.append(f"{ind}{self.fresh(v)} = {c}")
        for v, s in zip(n.outputs[len(carried):], scans):  # scan outputs: the steps stacked
            lines.append(f"{ind}{self.fresh(v)} = torch.stack({s})")
        return lines

    def fusion_lines(self, n, ind) -> list:
        b = n.blocks[0]
        lines = [f"{ind}# FusionGroup"]
        for p, x in zip(b.params, n.inputs):
            lines.append(f"{ind}{self.fresh(p)} = {self.ref(x)}")
        body, _ = self.block(b, ind)
        lines += body
        for v, r in zip(n.outputs, b.returns):
            lines.append(f"{ind}{self.fresh(v)} = {self.ref(r)}")
        return lines


def _dtype_name(a) -> str:
    from ..ops import dtypes as D
    return D.from_numpy_dtype(a.dtype).name


def _kwname(k: str) -> str:
    return k + "_" if keyword.iskeyword(k) else k


def _safe_attr(name: str) -> str:
    return name if all(_IDENT.fullmatch(p) for p in name.split(".")) else \
        re.sub(r"[^A-Za-z0-9_]", "_", name)


def _callee(kind: str) -> str:
    parts = kind.split(".")
    if all(_IDENT.fullmatch(p) and not keyword.iskeyword(p) for p in parts):
        return "torch." + kind
    return f"torch.ops[{kind!r}]"
