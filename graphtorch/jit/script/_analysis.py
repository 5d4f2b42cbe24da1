"""Static facts about statement lists that the converter needs: which local names they assign
or mutate (the state a branch or loop body hands back), and whether they return, break or
continue.  None of these walks enter nested functions, lambdas or comprehensions, which have
their own scopes."""
from __future__ import annotations

import ast

__all__ = ["assigned", "mutated", "has_return", "has_jump", "params_of"]

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)
_LOOPS = (ast.For, ast.While, ast.AsyncFor)
# list/dict methods that change their receiver: a receiver kept in a local is state
_CONTAINER_MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "clear",
                                 "update", "setdefault", "popitem", "sort", "reverse"})


def _walk(nodes, stop=_SCOPES):
    """Every node under ``nodes`` without entering nested scopes (their names still count)."""
    todo = list(nodes)
    while todo:
        n = todo.pop()
        yield n
        if isinstance(n, stop):
            continue
        todo.extend(ast.iter_child_nodes(n))


def _target_names(t, out):
    if isinstance(t, ast.Name):
        out.add(t.id)
    elif isinstance(t, (ast.Tuple, ast.List)):
        for e in t.elts:
            _target_names(e, out)
    elif isinstance(t, ast.Starred):
        _target_names(t.value, out)


def assigned(stmts) -> set:
    """Local names bound by ``stmts`` (assignments, loop targets, ``with ... as``, defs)."""
    out: set = set()
    for n in _walk(stmts):
        if isinstance(n, ast.Assign):
            for t in n.targets:
                _target_names(t, out)
        elif isinstance(n, (ast.AugAssign, ast.AnnAssign)):
            if n.value is not None or isinstance(n, ast.AugAssign):
                _target_names(n.target, out)
        elif isinstance(n, (ast.For, ast.AsyncFor)):
            _target_names(n.target, out)
        elif isinstance(n, ast.withitem) and n.optional_vars is not None:
            _target_names(n.optional_vars, out)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(n.name)
    return out


def mutated(stmts) -> set:
    """Names whose object ``stmts`` changes in place: ``x[i] = v``, ``x[i] += v``,
    ``x.add_(...)``, ``lst.append(...)``."""
    out: set = set()
    for n in _walk(stmts):
        if isinstance(n, (ast.Assign, ast.AugAssign)):
            for t in (n.targets if isinstance(n, ast.Assign) else [n.target]):
                for s in ast.walk(t):
                    if isinstance(s, ast.Subscript) and isinstance(s.value, ast.Name):
                        out.add(s.value.id)
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and \
                isinstance(n.func.value, ast.Name):
            attr = n.func.attr
            if (attr.endswith("_") and not attr.endswith("__")) or attr in _CONTAINER_MUTATORS:
                out.add(n.func.value.id)
        elif isinstance(n, ast.Delete):
            for t in n.targets:
                if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name):
                    out.add(t.value.id)
    return out


def has_return(stmts) -> bool:
    """Whether ``stmts`` contain a ``return`` of the current function."""
    return any(isinstance(n, ast.Return) for n in _walk(stmts))


def has_jump(stmts, kind) -> bool:
    """Whether ``stmts`` contain a ``break``/``continue`` (``kind``) of the current loop level
    (not of loops nested inside them)."""
    todo = list(stmts)
    while todo:
        n = todo.pop()
        if isinstance(n, kind):
            return True
        if isinstance(n, _SCOPES):
            continue
        if isinstance(n, _LOOPS):
            todo.extend(n.orelse)  # a loop's else belongs to the enclosing level
            continue
        todo.extend(ast.iter_child_nodes(n))
    return False


def params_of(args: ast.arguments) -> list:
    """Every parameter name of a function's ``arguments``."""
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    if args.vararg is not None:
        names.append(args.vararg.arg)
    if args.kwarg is not None:
        names.append(args.kwarg.arg)
    return names
