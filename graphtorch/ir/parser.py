"""Read the text form of a graph (what ``ir.printer.print_graph`` writes) back into a ``Graph``.

```
graph(%x: f32[N, 784], %w: f32[512, 784]):
  %0: f32[N, 512] = linear(%x, %w, bias=None)  # m.py:3 [fc1]
  %1: f32[N, 512] = If(%c)
    block0():
      -> (%0)
    block1():
      -> (%0)
  Guard(lhs=N, cmp='gt', rhs=1)
  return (%1)
```
Value names are kept exactly.  The graph is SSA: a value is visible in the block that defines
it and in the blocks nested there, after its definition; a name is defined once in the whole
graph.  Every error is a ``ValueError`` naming the line number and the line's text."""
from __future__ import annotations

import ast
import keyword
import re

import numpy as np

from ..ops import dtypes as D
from . import symbolic as S
from .graph import Block, Graph, Value
from .types import SHORT_DTYPE, parse_type

__all__ = ["parse", "IRParseError"]

_NAME = r"[A-Za-z0-9_.]+"
_DECL = re.compile(rf"%({_NAME})\s*:\s*(.+)$", re.S)
_REF = re.compile(rf"%({_NAME})$")
_HEADER = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)\s*:$")
_BLOCK = re.compile(r"block\d*\s*\((.*)\)\s*:$")
_CALL = re.compile(r"([^\s(=%]+)\s*\((.*)\)$", re.S)
# a string literal (skipped) or a %name value reference
_TOKEN = re.compile(rf"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|%({_NAME})|"""
                    r"\b([A-Za-z_]\w*)(?==(?!=))")
_PLACEHOLDER = "__ir_value__"
_KW_PREFIX = "__ir_kw_"  # attribute names that are Python keywords (``lambda=``) get this
# a '%' right after one of these starts a value reference; after an operand it is modulo
_OPERAND_START = set("([{,=:") | {""}


class IRParseError(ValueError):
    """A malformed graph text; the message names the line number and the line."""


class _Line:
    __slots__ = ("no", "indent", "code", "comment", "text")

    def __init__(self, no, text):
        self.no, self.text = no, text
        code, self.comment = _split_comment(text)
        stripped = code.rstrip()
        self.code = stripped.lstrip()
        self.indent = len(stripped) - len(self.code)


_CMP_OF = {ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt",
           ast.GtE: "ge"}


def _constraint(text: str):
    """``N*4 == 32`` -> (lhs expr, 'eq', rhs expr)."""
    tree = ast.parse(text.strip(), mode="eval").body
    if not (isinstance(tree, ast.Compare) and len(tree.ops) == 1):
        raise ValueError(f"expected 'size cmp size', got {text.strip()!r}")
    return (S.from_ast(tree.left), _CMP_OF[type(tree.ops[0])], S.from_ast(tree.comparators[0]))


def _split_comment(text: str):
    """(code, comment) split at the first ``#`` outside a string literal."""
    quote = None
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#":
            return text[:i], text[i + 1:].strip()
        i += 1
    return text, None


def parse(text: str, constants: dict | None = None) -> Graph:
    """Build a ``Graph`` from its text form.

    Args:
        text: the graph as printed by ``ir.printer.print_graph``.
        constants: the graph's large tensor constants, read by ``tensor('key')`` attributes;
            the new graph's ``constants`` holds the same arrays.
    """
    return _Parser(text, constants).run()


class _Parser:
    def __init__(self, text, constants):
        self.lines = [ln for ln in (_Line(i + 1, t) for i, t in enumerate(text.splitlines()))
                      if ln.code]
        self.pos = 0
        self.constants = constants if constants is not None else {}
        self.graph = Graph()
        self.graph.constants = dict(self.constants)
        self.defined: set = set()   # every name defined so far (names are graph-global)
        self.scopes: list = []      # visible name -> Value, one dict per open block
        self.line = None

    # ------------------------------------------------------------------ errors / lines
    def error(self, msg, line=None):
        line = line or self.line
        if line is None:
            return IRParseError(f"IR parse error: {msg}")
        return IRParseError(f"IR parse error at line {line.no}: {msg}\n  {line.text.strip()}")

    def peek(self):
        return self.lines[self.pos] if self.pos < len(self.lines) else None

    def next(self, what):
        ln = self.peek()
        if ln is None:
            last = self.lines[-1] if self.lines else None
            raise self.error(f"unexpected end of text, expected {what}", last)
        self.pos += 1
        self.line = ln
        return ln

    # ------------------------------------------------------------------ structure
    def run(self) -> Graph:
        head = self.next("a graph header 'graph(%x: type, ...):'")
        m = _HEADER.match(head.code)
        if not m:
            raise self.error("expected a graph header 'graph(%x: type, ...):'")
        self.scopes.append({})
        self.declare_params(self.graph.block, m.group(2))
        first = self.peek()
        if first is None or first.indent <= head.indent:
            raise self.error("graph has no body (expected 'return (...)')", head)
        self.size_facts(first.indent)
        self.body(self.graph.block, first.indent, "return")
        if self.peek() is not None:
            self.line = self.peek()
            raise self.error("text after the graph's return")
        return self.graph

    def size_facts(self, indent: int) -> None:
        """``hints N=8, ...`` and ``assume <expr> <cmp> <expr>, ...`` lines (printer.size_lines)
        right after the header: into ``graph.meta["size_hints"]`` / ``["size_constraints"]``."""
        while True:
            ln = self.peek()
            if ln is None or ln.indent != indent:
                return
            word, _, rest = ln.code.partition(" ")
            if word not in ("hints", "assume") or not rest:  # a node 'hints(...)' has no
                return  # space before its parenthesis
            self.next(word)
            try:
                if word == "hints":
                    hints = self.graph.meta.setdefault("size_hints", {})
                    for part in rest.split(","):
                        k, _, v = part.partition("=")
                        hints[k.strip()] = int(v)
                else:
                    cons = self.graph.meta.setdefault("size_constraints", [])
                    cons.extend(_constraint(part) for part in rest.split(","))
            except (ValueError, SyntaxError, KeyError) as e:
                raise self.error(f"bad '{word}' line ({e})") from None

    def body(self, block: Block, indent: int, end: str) -> None:
        """Nodes of ``block`` at ``indent`` up to its ``return (...)`` / ``-> (...)`` line."""
        while True:
            ln = self.next(f"'{end} (...)'")
            if ln.indent != indent:
                raise self.error(f"bad indentation (expected {indent} spaces)")
            if ln.code.startswith(end) and ln.code[len(end):].lstrip().startswith("("):
                block.returns = self.refs(ln.code[len(end):].strip())
                return
            node, outs = self.node(ln, block)
            while self.peek() is not None and self.peek().indent > indent:
                self.nested_block(node)
            scope = self.scopes[-1]
            for v in outs:  # outputs become visible after the node's blocks
                scope[v.name] = v

    def nested_block(self, node) -> None:
        ln = self.next("a block header")
        m = _BLOCK.match(ln.code)
        if not m:
            raise self.error("expected a block header 'blockK(%p: type, ...):'")
        blk = self.graph.add_block(node)
        self.scopes.append(dict(self.scopes[-1]))
        self.declare_params(blk, m.group(1))
        first = self.peek()
        if first is None or first.indent <= ln.indent:
            raise self.error("block has no body (expected '-> (...)')", ln)
        self.body(blk, first.indent, "->")
        self.scopes.pop()

    def declare_params(self, block: Block, text: str) -> None:
        for decl in _split_top(text):
            name, typ = self.decl(decl)
            self.scopes[-1][name] = block.add_param(typ, name)

    def decl(self, text: str):
        m = _DECL.match(text.strip())
        if not m:
            raise self.error(f"expected '%name: type', got {text.strip()!r}")
        name = m.group(1)
        try:
            typ = parse_type(m.group(2))
        except Exception as e:  # noqa: BLE001 - any failure is a bad type
            raise self.error(f"bad type {m.group(2).strip()!r} ({e})") from None
        if name in self.defined:
            raise self.error(f"value %{name} is defined twice")
        self.defined.add(name)
        return name, typ

    def refs(self, text: str) -> list:
        text = text.strip()
        if not (text.startswith("(") and text.endswith(")")):
            raise self.error("expected '(%v, ...)'")
        out = []
        for part in _split_top(text[1:-1]):
            m = _REF.match(part.strip())
            if not m:
                raise self.error(f"expected a value '%name', got {part.strip()!r}")
            out.append(self.lookup(m.group(1)))
        return out

    def lookup(self, name: str) -> Value:
        v = self.scopes[-1].get(name)
        if v is None:
            what = "not visible here" if name in self.defined else "used before its definition"
            raise self.error(f"value %{name} is {what}")
        return v

    # ------------------------------------------------------------------ nodes
    def node(self, ln: _Line, block: Block):
        lhs, rhs = _split_assign(ln.code)
        decls = [self.decl(d) for d in _split_top(lhs)] if lhs else []
        m = _CALL.match(rhs)
        if not m:
            raise self.error("expected 'kind(args)'")
        kind = m.group(1)
        inputs, attrs = self.call_args(m.group(2))
        source, scope = _source_scope(ln.comment)
        node = self.graph.create(kind, inputs, attrs, [t for _, t in decls], source, scope,
                                 block=block, names=[n for n, _ in decls])
        return node, node.outputs

    def call_args(self, text: str):
        try:
            tree = ast.parse(f"f({_substitute_refs(text)})", mode="eval").body
        except SyntaxError as e:
            raise self.error(f"cannot parse the arguments ({e.msg})") from None
        inputs = []
        for a in tree.args:
            v = self.value(a)
            if type(v) is not Value:
                raise self.error(f"positional inputs must be values, got {ast.unparse(a)!r}")
            inputs.append(v)
        attrs = {}
        for kw in tree.keywords:
            if kw.arg is None:
                raise self.error("'**' is not allowed in a node")
            name = kw.arg[len(_KW_PREFIX):] if kw.arg.startswith(_KW_PREFIX) else kw.arg
            attrs[name] = self.value(kw.value)
        return inputs, attrs

    # ------------------------------------------------------------------ attribute values
    def value(self, node):
        """The attribute value an ast node spells."""
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.List):
            return [self.value(e) for e in node.elts]
        if isinstance(node, ast.Tuple):
            return tuple(self.value(e) for e in node.elts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = self.value(node.operand)
            if type(v) in (int, float, complex):
                return -v if isinstance(node.op, ast.USub) else v
            if type(v) is S.Expr:
                return S.neg(v) if isinstance(node.op, ast.USub) else v
            raise self.error(f"cannot negate {ast.unparse(node.operand)!r}")
        if isinstance(node, (ast.Name, ast.BinOp)):
            try:
                return S.from_ast(node)
            except (ValueError, ZeroDivisionError):
                raise self.error(f"bad size expression {ast.unparse(node)!r}") from None
        if isinstance(node, ast.Attribute):
            return self.dtype(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return self.call_value(node.func.id, node)
        raise self.error(f"cannot read attribute value {ast.unparse(node)!r}")

    def dtype(self, node):
        if isinstance(node.value, ast.Name) and node.value.id == "torch":
            dt = getattr(D, node.attr, None)
            if isinstance(dt, D.dtype):
                return dt
        raise self.error(f"unknown dtype {ast.unparse(node)!r}")

    def call_value(self, fn, node):
        args = node.args
        if fn == _PLACEHOLDER:
            return self.lookup(args[0].value)
        if fn == "float" and len(args) == 1 and isinstance(args[0], ast.Constant) and \
                isinstance(args[0].value, str):
            try:
                return float(args[0].value)
            except ValueError:
                raise self.error(f"bad float {args[0].value!r}") from None
        if fn == "complex" and len(args) == 2:
            re_, im = self.value(args[0]), self.value(args[1])
            if type(re_) in (int, float) and type(im) in (int, float):
                return complex(re_, im)
        if fn == "device" and len(args) == 1 and isinstance(args[0], ast.Constant):
            from ..eager.device import device
            try:
                return device(args[0].value)
            except (RuntimeError, TypeError) as e:
                raise self.error(f"bad device ({e})") from None
        if fn == "tensor":
            return self.tensor(node)
        raise self.error(f"cannot read attribute value {ast.unparse(node)!r}")

    def tensor(self, node):
        args, kws = node.args, {k.arg: k.value for k in node.keywords}
        if len(args) == 1 and not kws and isinstance(args[0], ast.Constant) and \
                isinstance(args[0].value, str):
            key = args[0].value
            if key not in self.constants:
                raise self.error(f"unknown tensor constant {key!r} (not in constants)")
            return self.constants[key]
        if len(args) != 2 or not isinstance(args[1], ast.Name) or \
                args[1].id not in SHORT_DTYPE or set(kws) - {"shape"}:
            raise self.error(f"bad tensor constant {ast.unparse(node)!r}")
        dt = SHORT_DTYPE[args[1].id]
        body = self.value(args[0])
        try:
            arr = np.array(body, dtype=dt.np)
            if "shape" in kws:
                arr = arr.reshape(self.value(kws["shape"]))
        except (TypeError, ValueError, OverflowError) as e:
            raise self.error(f"bad tensor constant ({e})") from None
        return arr


# ------------------------------------------------------------------ text helpers
def _split_top(text: str) -> list:
    """``text`` split at commas outside brackets and strings (empty parts dropped)."""
    parts, depth, quote, cur = [], 0, None, []
    i = 0
    while i < len(text):
        c = text[i]
        cur.append(c)
        if quote:
            if c == "\\" and i + 1 < len(text):
                cur.append(text[i + 1])
                i += 1
            elif c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            cur.pop()
            parts.append("".join(cur))
            cur = []
        i += 1
    parts.append("".join(cur))
    return [p for p in parts if p.strip()]


def _split_assign(code: str):
    """(lhs, rhs) of ``%a: t, %b: t = kind(...)``; lhs is '' for nodes without outputs."""
    if not code.startswith("%"):
        return "", code
    depth = 0
    for i, c in enumerate(code):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "=" and depth == 0:
            return code[:i].strip(), code[i + 1:].strip()
    return "", code


def _substitute_refs(text: str) -> str:
    """Replace each ``%name`` value reference by a placeholder call Python can parse; a ``%``
    after an operand (``N%2``) is the modulo operator and stays."""
    out, last = [], 0
    for m in _TOKEN.finditer(text):
        if m.group(3) is not None:
            if keyword.iskeyword(m.group(3)):
                out.append(text[last:m.start()] + _KW_PREFIX + m.group(3))
                last = m.end()
            continue
        if m.group(2) is None:
            continue
        before = text[:m.start()].rstrip()
        if before[-1:] not in _OPERAND_START:
            continue
        out.append(text[last:m.start()])
        out.append(f"{_PLACEHOLDER}({m.group(2)!r})")
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def _source_scope(comment):
    """(source, scope) from a ``file:line [scope]`` comment."""
    if not comment:
        return "", ""
    if comment.endswith("]"):
        if comment.startswith("[") and comment.count("[") == 1:
            return "", comment[1:-1]
        i = comment.rfind(" [")
        if i >= 0:
            return comment[:i].strip(), comment[i + 2:-1].strip()
    return comment, ""

