"""The source transformation: control flow becomes calls into ``_gt_rt`` (the runtime).

After ``_jumps`` has turned return/break/continue into flags, each function is rewritten:

- ``if``/``elif``/``else``: the branches become nested functions writing the enclosing
  variables through ``nonlocal``; ``_gt_rt.if_stmt(test, then, else, get, set, names)``
  runs one of them (a Python condition) or records both as an If node (a traced tensor);
- ``while`` and ``for``: the body becomes a function, run by ``_gt_rt.while_stmt`` /
  ``_gt_rt.for_stmt`` as a Python loop or recorded as a Loop node;
- ``a and b``, ``a or b``, ``not a``, ``a if c else b``: runtime helpers with short circuit;
- calls go through ``_gt_rt.call`` (user functions and modules are scripted recursively),
  subscripts through ``_gt_rt.getitem``/``setitem`` (a loop counter may index a tensor);
- every local is bound to an "undefined" marker at entry, so the nested functions can
  declare it ``nonlocal``."""
from __future__ import annotations

import ast
import itertools

from ._analysis import assigned, mutated, params_of
from ._jumps import lower_function

__all__ = ["transform_function", "RT"]

RT = "_gt_rt"


def _name(id_, store=False):
    return ast.Name(id=id_, ctx=ast.Store() if store else ast.Load())


def _rt(attr):
    return ast.Attribute(value=_name(RT), attr=attr, ctx=ast.Load())


def _call(fn, args, like, keywords=()):
    call = ast.copy_location(ast.Call(func=fn, args=list(args), keywords=list(keywords)), like)
    # a frame inside a call spanning lines reports its last line: keep the statement's first
    call.end_lineno, call.end_col_offset = call.lineno, call.col_offset + 1
    return call


def _lambda(body):
    args = ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                         kwarg=None, defaults=[])
    return ast.copy_location(ast.Lambda(args=args, body=body), body)


def _def(name, params, body, like):
    args = ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in params], vararg=None,
                         kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    fd = ast.FunctionDef(name=name, args=args, body=body, decorator_list=[], returns=None,
                         type_comment=None)
    return ast.copy_location(fd, like)


class _Scope:
    """One user function being converted: its locals and a counter for helper names."""

    def __init__(self, fdef, ids, first_arg, cls_name):
        self.params = set(params_of(fdef.args))
        self.locals = assigned(fdef.body) | self.params
        self.ids = ids
        self.first_arg = first_arg
        self.cls_name = cls_name


class Transformer:
    """Converts one parsed function (and the functions nested in it)."""

    def __init__(self, cls_name=None):
        self.ids = itertools.count()
        self.cls_name = cls_name

    # ------------------------------------------------------------------ functions
    def function(self, fdef: ast.FunctionDef, top=False) -> ast.FunctionDef:
        lower_function(fdef)
        params = params_of(fdef.args)
        scope = _Scope(fdef, self.ids, params[0] if params else None, self.cls_name)
        body = self.stmts(fdef.body, scope)
        local = sorted(scope.locals - scope.params)
        pre = [ast.copy_location(ast.Assign(targets=[_name(n, True)],
                                            value=_call(_rt("undefined"),
                                                        [ast.Constant(value=n)], fdef)), fdef)
               for n in local]
        fdef.body = pre + body
        fdef.decorator_list = [] if top else [self.expr(d, scope) for d in fdef.decorator_list]
        fdef.args.defaults = [self.expr(d, scope) for d in fdef.args.defaults]
        fdef.args.kw_defaults = [None if d is None else self.expr(d, scope)
                                 for d in fdef.args.kw_defaults]
        return fdef

    # ------------------------------------------------------------------ statements
    def stmts(self, stmts, scope) -> list:
        out = []
        for s in stmts:
            out.extend(self.stmt(s, scope))
        return out

    def stmt(self, s, scope) -> list:
        if isinstance(s, ast.If):
            return self.if_(s, scope)
        if isinstance(s, ast.While):
            return self.while_(s, scope)
        if isinstance(s, ast.For):
            return self.for_(s, scope)
        if isinstance(s, ast.FunctionDef):
            inner = Transformer(self.cls_name)
            inner.ids = self.ids
            return [inner.function(s)]
        if isinstance(s, ast.With):
            for item in s.items:
                item.context_expr = self.expr(item.context_expr, scope)
            s.body = self.stmts(s.body, scope)
            return [s]
        if isinstance(s, ast.Assign) and len(s.targets) == 1 and \
                isinstance(s.targets[0], ast.Subscript):
            t = s.targets[0]
            args = [self.expr(t.value, scope), self._index(t.slice, scope),
                    self.expr(s.value, scope)]
            return [ast.copy_location(ast.Expr(value=_call(_rt("setitem"), args, s)), s)]
        if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Subscript):
            t = s.target
            op = ast.Constant(value=type(s.op).__name__)
            args = [self.expr(t.value, scope), self._index(t.slice, scope), op,
                    self.expr(s.value, scope)]
            return [ast.copy_location(ast.Expr(value=_call(_rt("augitem"), args, s)), s)]
        if isinstance(s, ast.AugAssign) and isinstance(s.target, ast.Name):
            # ``n += 1`` on a number carried as a 0-dim tensor must not write in place:
            # another name (a return value) may hold the same tensor
            op = ast.Constant(value=type(s.op).__name__)
            val = _call(_rt("aug"), [_name(s.target.id), op, self.expr(s.value, scope)], s)
            return [ast.copy_location(ast.Assign(targets=[_name(s.target.id, True)],
                                                 value=val), s)]
        if isinstance(s, ast.AnnAssign):
            if s.value is not None:
                s.value = self.expr(s.value, scope)
            return [s]  # the annotation is left alone: it is a type, not a value
        return [_Exprs(self, scope).visit(s)]

    def _state(self, stmts, scope):
        return sorted((assigned(stmts) | mutated(stmts)) & scope.locals)

    def _state_fns(self, n, names, like):
        """``_gt_get<n>`` returning the state tuple and ``_gt_set<n>`` writing it back."""
        tup = ast.Tuple(elts=[_name(x) for x in names], ctx=ast.Load())
        get = _def(f"_gt_get{n}", [], [ast.copy_location(ast.Return(value=tup), like)], like)
        body = [ast.Nonlocal(names=list(names))] if names else []
        store = ast.Tuple(elts=[_name(x, True) for x in names], ctx=ast.Store())
        body.append(ast.Assign(targets=[store], value=_name("_gt_v")))
        st = _def(f"_gt_set{n}", ["_gt_v"], body, like)
        return [ast.fix_missing_locations(get), ast.fix_missing_locations(st)]

    def _body_fn(self, name, params, body, names, like):
        head = [ast.copy_location(ast.Nonlocal(names=list(names)), like)] if names else []
        return _def(name, params, head + (body or [ast.copy_location(ast.Pass(), like)]), like)

    def _names_tuple(self, names):
        return ast.Tuple(elts=[ast.Constant(value=x) for x in names], ctx=ast.Load())

    def if_(self, s, scope):
        n = next(self.ids)
        names = self._state(s.body + s.orelse, scope)
        test = self.test(s.test, scope)
        then = self._body_fn(f"_gt_then{n}", [], self.stmts(s.body, scope), names, s)
        other = self._body_fn(f"_gt_else{n}", [], self.stmts(s.orelse, scope), names, s)
        call = _call(_rt("if_stmt"), [test, _name(then.name), _name(other.name),
                                      _name(f"_gt_get{n}"), _name(f"_gt_set{n}"),
                                      self._names_tuple(names)], s)
        return [then, other] + self._state_fns(n, names, s) + \
            [ast.copy_location(ast.Expr(value=call), s)]

    def _extra(self, n, s):
        flags = getattr(s, "_gt_flags", [])
        if not flags:
            return [], ast.Constant(value=None)
        test = ast.Call(func=_rt("keep_going"), args=[_name(f) for f in flags], keywords=[])
        fn = _def(f"_gt_extra{n}", [], [ast.Return(value=test)], s)
        return [ast.fix_missing_locations(fn)], _name(fn.name)

    def while_(self, s, scope):
        n = next(self.ids)
        names = self._state(s.body, scope)
        test = _def(f"_gt_test{n}", [], [ast.copy_location(
            ast.Return(value=self.test(s.test, scope)), s)], s)
        body = self._body_fn(f"_gt_body{n}", [], self.stmts(s.body, scope), names, s)
        extra, extra_ref = self._extra(n, s)
        call = _call(_rt("while_stmt"), [_name(test.name), _name(body.name),
                                         _name(f"_gt_get{n}"), _name(f"_gt_set{n}"),
                                         self._names_tuple(names), extra_ref], s)
        return [test, body] + extra + self._state_fns(n, names, s) + \
            [ast.copy_location(ast.Expr(value=call), s)]

    def for_(self, s, scope):
        n = next(self.ids)
        names = self._state(s.body + [ast.Assign(targets=[s.target], value=s.iter)], scope)
        bind = ast.copy_location(ast.Assign(targets=[s.target], value=_name("_gt_item")), s)
        inner = self.stmts([bind] + s.body, scope)
        body = self._body_fn(f"_gt_body{n}", ["_gt_item"], inner, names, s)
        extra, extra_ref = self._extra(n, s)
        it = self._iter(s.iter, scope)
        call = _call(_rt("for_stmt"), [it, _name(body.name), _name(f"_gt_get{n}"),
                                       _name(f"_gt_set{n}"), self._names_tuple(names),
                                       extra_ref], s)
        return [body] + extra + self._state_fns(n, names, s) + \
            [ast.copy_location(ast.Expr(value=call), s)]

    def _iter(self, it, scope):
        """``range``/``enumerate``/``zip``/``reversed`` calls keep symbolic bounds: they go
        through ``_gt_rt.iterate(fn, *args)`` with the live callee."""
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and \
                it.func.id in ("range", "enumerate", "zip", "reversed") and not it.keywords:
            args = [_name(it.func.id)] + [self.expr(a, scope) for a in it.args]
            return _call(_rt("iterate"), args, it)
        return self.expr(it, scope)

    # ------------------------------------------------------------------ expressions
    def expr(self, e, scope):
        return _Exprs(self, scope).visit(e)

    def test(self, e, scope):
        """A condition; ``bool(t)`` there is kept as ``t`` for a traced tensor, so the
        branch can still be an If (``_gt_rt.truth``)."""
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == "bool" \
                and len(e.args) == 1 and not e.keywords and \
                not isinstance(e.args[0], ast.Starred):
            return _call(_rt("truth"), [e.func, self.expr(e.args[0], scope)], e)
        if isinstance(e, ast.BoolOp):  # ``bool(a) and i < n``: each operand is a condition
            vals = [self.test(v, scope) for v in e.values]
            fn = "test_and" if isinstance(e.op, ast.And) else "test_or"
            return _call(_rt(fn), [vals[0]] + [_lambda(v) for v in vals[1:]], e)
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
            return _call(_rt("not_"), [self.test(e.operand, scope)], e)
        return self.expr(e, scope)

    def _index(self, sl, scope):
        """A subscript's index as a value (slices become ``slice(...)`` calls)."""
        ex = _Exprs(self, scope)
        if isinstance(sl, ast.Slice):
            return ex.slice_value(sl)
        if isinstance(sl, ast.Tuple):
            elts = [ex.slice_value(e) if isinstance(e, ast.Slice) else ex.visit(e)
                    for e in sl.elts]
            return ast.copy_location(ast.Tuple(elts=elts, ctx=ast.Load()), sl)
        return ex.visit(sl)


_ARITH_OPS = ("Add", "Sub", "Div", "FloorDiv", "Mod", "Pow")


class _Exprs(ast.NodeTransformer):
    """Expression rewriting inside one statement (nested defs are left to ``Transformer``)."""

    def __init__(self, tr: Transformer, scope: _Scope):
        self.tr, self.scope = tr, scope

    def visit_FunctionDef(self, node):
        return node

    def visit_BoolOp(self, node):
        vals = [self.visit(v) for v in node.values]
        fn = "and_" if isinstance(node.op, ast.And) else "or_"
        return _call(_rt(fn), [vals[0]] + [_lambda(v) for v in vals[1:]], node)

    def visit_UnaryOp(self, node):
        node.operand = self.visit(node.operand)
        if isinstance(node.op, ast.Not):
            return _call(_rt("not_"), [node.operand], node)
        return node

    def visit_BinOp(self, node):
        node = self.generic_visit(node)
        if isinstance(node.op, ast.Mult):  # ``[0] * n``: a symbolic n must be guarded
            return _call(_rt("mul"), [node.left, node.right], node)
        op = type(node.op).__name__
        if op in _ARITH_OPS:  # numbers read from tensors keep Python's result types
            return _call(_rt("arith"), [ast.Constant(op), node.left, node.right], node)
        return node

    def visit_IfExp(self, node):
        test, body, orelse = self.visit(node.test), self.visit(node.body), self.visit(node.orelse)
        return _call(_rt("if_exp"), [test, _lambda(body), _lambda(orelse)], node)

    def visit_Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id == "super" and not node.args:
            first = self.scope.first_arg
            if first is not None:  # zero-argument super() needs the method's own frame
                node.args = [_name("__class__"), _name(first)]
            return node
        node.func = self.visit(node.func)
        node.args = [self.visit(a) for a in node.args]
        for k in node.keywords:
            k.value = self.visit(k.value)
        return _call(_rt("call"), [node.func] + node.args, node, node.keywords)

    def visit_Subscript(self, node):
        if not isinstance(node.ctx, ast.Load):
            return self.generic_visit(node)
        value = self.visit(node.value)
        return _call(_rt("getitem"), [value, self.tr._index(node.slice, self.scope)], node)

    def visit_Attribute(self, node):
        node = self.generic_visit(node)
        cls = self.scope.cls_name
        a = node.attr
        if cls and a.startswith("__") and not a.endswith("__"):
            node.attr = f"_{cls.lstrip('_')}{a}"  # private name mangling of the class body
        return node

    def visit_JoinedStr(self, node):
        """An f-string: ``_gt_rt.fstring(layout, *values)`` keeps traced values formattable
        when the graph runs (see ``_effects``)."""
        layout, vals = [], []
        for part in node.values:
            if isinstance(part, ast.Constant):
                layout.append(ast.Constant(value=part.value))
                continue
            spec = part.format_spec
            if spec is not None and not (isinstance(spec, ast.JoinedStr) and all(
                    isinstance(p, ast.Constant) for p in spec.values)):
                return self.generic_visit(node)  # a computed format spec: Python formatting
            text = "" if spec is None else "".join(p.value for p in spec.values)
            conv = {115: "s", 114: "r", 97: "a"}.get(part.conversion)
            layout.append(ast.Tuple(elts=[ast.Constant(value=conv), ast.Constant(value=text)],
                                    ctx=ast.Load()))
            vals.append(self.visit(part.value))
        return _call(_rt("fstring"), [ast.Tuple(elts=layout, ctx=ast.Load())] + vals, node)

    def visit_FormattedValue(self, node):
        node.value = _call(_rt("fmt"), [self.visit(node.value)], node.value)
        if node.format_spec is not None:
            node.format_spec = self.visit(node.format_spec)
        return node

    def slice_value(self, sl):
        parts = [ast.Constant(value=None) if p is None else self.visit(p)
                 for p in (sl.lower, sl.upper, sl.step)]
        return _call(_rt("slice"), parts, sl)


def transform_function(fdef: ast.FunctionDef, cls_name=None) -> ast.FunctionDef:
    """Convert ``fdef`` (in place) for the script runtime."""
    out = Transformer(cls_name).function(fdef, top=True)
    return ast.fix_missing_locations(out)
