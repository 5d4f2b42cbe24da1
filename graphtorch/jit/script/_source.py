"""The source of a function as an ast, with line numbers of the user's file.

``parse_function(fn)`` returns a ``Parsed`` holding the ``FunctionDef`` (a lambda is wrapped
into one), the file name and the source lines, so errors can point at the user's code and the
compiled replacement reports the user's lines to the tracer."""
from __future__ import annotations

import ast
import inspect
import linecache
import textwrap
from dataclasses import dataclass

from ..frontend import NotSupportedError, SourceRange

__all__ = ["Parsed", "parse_function", "source_range"]


@dataclass
class Parsed:
    """A parsed function: ``tree`` (an ``ast.FunctionDef`` with absolute line numbers),
    ``filename``, ``lines`` (the file's lines from ``first``) and whether it was a lambda."""

    tree: ast.FunctionDef
    filename: str
    lines: list
    first: int
    is_lambda: bool = False


def source_range(parsed: Parsed, node) -> SourceRange:
    """The SourceRange of ``node`` (any ast node with a position) in ``parsed``."""
    line = getattr(node, "lineno", parsed.first)
    col = getattr(node, "col_offset", 0)
    end = getattr(node, "end_col_offset", None)
    if getattr(node, "end_lineno", line) != line:
        end = None
    t = parsed.tree
    lo = min([t.lineno] + [d.lineno for d in getattr(t, "decorator_list", [])])
    return SourceRange(parsed.filename, parsed.lines, parsed.first, line, col, end, lo,
                       getattr(t, "end_lineno", None))


def _fail(fn, why):
    name = getattr(fn, "__qualname__", repr(fn))
    err = NotSupportedError(None, f"torch.jit.script could not get the source of {name} "
                                  f"({why}); the script compiler needs the Python source: "
                                  "define the function in a file, or use torch.jit.trace")
    err.no_source = True  # a callee without source runs as plain (traced) Python
    return err


def parse_function(fn) -> Parsed:
    """Parse the source of the Python function (or lambda) ``fn``."""
    code = getattr(fn, "__code__", None)
    if code is None:
        raise _fail(fn, "not a Python function")
    try:
        lines, first = inspect.getsourcelines(fn)
    except (OSError, TypeError) as e:
        raise _fail(fn, str(e)) from None
    filename = code.co_filename
    text = textwrap.dedent("".join(lines))
    indent = _indent(lines)
    module = None
    for comments in (True, False):  # type comments give argument types; a stray one may not parse
        try:
            module = ast.parse(text, type_comments=comments)
            break
        except SyntaxError:
            continue
    all_lines = linecache.getlines(filename) or lines
    file_first = 1 if linecache.getlines(filename) else first
    if code.co_name == "<lambda>":
        tree = _lambda_def(fn, module, lines, first)
        ast.increment_lineno(tree, first - 1)
        _shift_cols(tree, indent if module is not None else 0)
        return Parsed(tree, filename, all_lines, file_first, True)
    if module is None or not module.body or not isinstance(
            module.body[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        raise _fail(fn, "its source does not parse as a function definition")
    tree = module.body[0]
    ast.increment_lineno(tree, first - 1)
    _shift_cols(tree, indent)
    return Parsed(tree, filename, all_lines, file_first)


def _indent(lines) -> int:
    for ln in lines:
        if ln.strip():
            return len(ln) - len(ln.lstrip())
    return 0


def _shift_cols(tree, by):
    if not by:
        return
    for n in ast.walk(tree):
        if hasattr(n, "col_offset"):
            n.col_offset += by
            if getattr(n, "end_col_offset", None) is not None:
                n.end_col_offset += by


def _lambda_def(fn, module, lines, first):
    """The lambda of ``fn`` found in its source line(s), as ``def <lambda>(...): return``."""
    lam = None
    if module is not None:
        lams = [n for n in ast.walk(module) if isinstance(n, ast.Lambda)]
        want = fn.__code__.co_varnames[:fn.__code__.co_argcount]
        for n in lams:
            if tuple(a.arg for a in n.args.args) == tuple(want):
                lam = n
                break
    if lam is None:  # the line alone may not parse (a lambda inside a call's arguments)
        src = textwrap.dedent("".join(lines)).strip()
        start = src.find("lambda")
        while lam is None and start >= 0:
            for end in range(len(src), start, -1):
                try:
                    node = ast.parse(src[start:end], mode="eval").body
                except SyntaxError:
                    continue
                if isinstance(node, ast.Lambda):
                    lam = node
                    ast.increment_lineno(node, 0)
                    break
            start = src.find("lambda", start + 1) if lam is None else start
    if lam is None:
        raise _fail(fn, "the lambda could not be found in its source line")
    body = ast.Return(value=lam.body)
    ast.copy_location(body, lam.body)
    tree = ast.FunctionDef(name="_gt_lambda", args=lam.args, body=[body], decorator_list=[],
                           returns=None, type_comment=None)
    ast.copy_location(tree, lam)
    ast.fix_missing_locations(tree)
    return tree
