"""``torch.jit.frontend``: the errors the script compiler raises for Python it does not compile.

Every error names the file and line of the offending code and draws a caret under it, in the
form PyTorch prints::

    global variables aren't supported:
      File "model.py", line 6
    def g(x):
        global q
        ~~~~~~ <--- HERE
        return x
"""
from __future__ import annotations

__all__ = ["FrontendError", "NotSupportedError", "UnsupportedNodeError", "SourceRange",
           "highlight"]


class SourceRange:
    """A span of user source: file name, the source lines (``lines[0]`` is line ``first``),
    and the 1-based line plus 0-based columns of the span."""

    __slots__ = ("filename", "lines", "first", "lineno", "col", "end_col", "lo", "hi")

    def __init__(self, filename, lines, first, lineno, col, end_col=None, lo=None, hi=None):
        self.filename, self.lines, self.first = filename, list(lines), first
        self.lineno, self.col = lineno, max(col, 0)
        self.end_col = end_col
        self.lo, self.hi = lo, hi  # the enclosing function's lines: context stays inside

    def __str__(self):
        return highlight(self)


def highlight(rng: SourceRange, context: int = 2) -> str:
    """``File "...", line N`` and the lines around the span with ``~~~ <--- HERE`` under it."""
    out = [f'  File "{rng.filename}", line {rng.lineno}']
    idx = rng.lineno - rng.first
    if not 0 <= idx < len(rng.lines):
        return out[0] + "\n"
    lo = 0 if rng.lo is None else max(0, rng.lo - rng.first)
    hi = len(rng.lines) if rng.hi is None else min(len(rng.lines), rng.hi - rng.first + 1)
    for i in range(max(lo, idx - context), idx + 1):
        out.append(rng.lines[i].rstrip("\n"))
    text = rng.lines[idx].rstrip("\n")
    end = rng.end_col if rng.end_col is not None and rng.end_col > rng.col else len(text)
    width = max(1, min(end, len(text)) - rng.col)
    out.append(" " * rng.col + "~" * width + " <--- HERE")
    for i in range(idx + 1, min(hi, idx + 1 + context)):
        out.append(rng.lines[i].rstrip("\n"))
    return "\n".join(out) + "\n"


class FrontendError(Exception):
    """A Python construct the script compiler cannot compile; ``source_range`` says where."""

    def __init__(self, source_range, msg):
        self.source_range = source_range
        self.msg = msg
        super().__init__(str(self))

    def __str__(self):
        if self.source_range is None:
            return self.msg
        return f"{self.msg}:\n{highlight(self.source_range)}"

    def __reduce__(self):
        return (type(self), (self.source_range, self.msg))


class NotSupportedError(FrontendError):
    """Syntax (or a use of it) that ``torch.jit.script`` does not support."""


class UnsupportedNodeError(NotSupportedError):
    """A kind of Python statement or expression ``torch.jit.script`` does not support."""

    def __init__(self, source_range, msg_or_kind):
        super().__init__(source_range, msg_or_kind)
