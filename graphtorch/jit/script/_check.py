"""Reject the Python the script compiler does not compile, before converting anything.

Each unsupported statement or expression raises ``UnsupportedNodeError`` (or
``NotSupportedError`` for a supported node used in an unsupported way) pointing at it."""
from __future__ import annotations

import ast

from ..frontend import NotSupportedError, UnsupportedNodeError
from ._source import Parsed, source_range

__all__ = ["check"]

_UNSUPPORTED = {
    ast.Global: "global variables aren't supported",
    ast.Nonlocal: "nonlocal variables aren't supported",
    ast.Import: "import statements aren't supported",
    ast.ImportFrom: "import statements aren't supported",
    ast.ClassDef: "class definitions aren't supported",
    ast.Try: "try blocks aren't supported",
    ast.AsyncFunctionDef: "async function definitions aren't supported",
    ast.AsyncFor: "async for loops aren't supported",
    ast.AsyncWith: "async with statements aren't supported",
    ast.Await: "await expressions aren't supported",
    ast.Yield: "Yield aren't supported",
    ast.YieldFrom: "Yield aren't supported",
    ast.NamedExpr: "assignment expressions (:=) aren't supported",
}
for _name, _msg in (("TryStar", "try blocks aren't supported"),
                    ("Match", "match statements aren't supported"),
                    ("TypeAlias", "type alias statements aren't supported")):
    if hasattr(ast, _name):
        _UNSUPPORTED[getattr(ast, _name)] = _msg

_RESERVED = "_gt_"


def check(parsed: Parsed) -> None:
    """Raise NotSupportedError at the first construct of ``parsed`` the compiler rejects."""
    for node in ast.walk(parsed.tree):
        msg = _UNSUPPORTED.get(type(node))
        if msg is not None:
            raise UnsupportedNodeError(_where(parsed, node), msg)
        if isinstance(node, ast.Delete):
            for t in node.targets:
                if isinstance(t, (ast.Name, ast.Tuple, ast.List)):
                    raise NotSupportedError(source_range(parsed, t),
                                            "del of a local variable isn't supported "
                                            "(delete list items or dict keys only)")
        elif isinstance(node, ast.Name) and node.id.startswith(_RESERVED):
            raise NotSupportedError(source_range(parsed, node),
                                    f"names starting with '{_RESERVED}' are reserved for the "
                                    "script compiler")
        elif isinstance(node, ast.arg) and node.arg.startswith(_RESERVED):
            raise NotSupportedError(source_range(parsed, node),
                                    f"names starting with '{_RESERVED}' are reserved for the "
                                    "script compiler")


def _where(parsed, node):
    """The range of a statement's leading keyword (as PyTorch underlines it)."""
    rng = source_range(parsed, node)
    kw = {ast.Global: "global", ast.Nonlocal: "nonlocal", ast.Import: "import",
          ast.ImportFrom: "from", ast.ClassDef: "class", ast.Try: "try",
          ast.AsyncFunctionDef: "async", ast.AsyncFor: "async", ast.AsyncWith: "async",
          ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield"}.get(type(node))
    if kw is not None:
        rng.end_col = rng.col + len(kw)
    return rng
