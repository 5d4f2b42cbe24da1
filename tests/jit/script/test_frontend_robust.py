"""The frontend never fails with an internal error: random valid-syntax functions (the fuzz
grammar's statements mixed with constructs the compiler may reject: decorators, async def,
yield, global/nonlocal, star-args, classes, try/except/finally, with, walrus, match...) either
give what eager gives (value or exception type) or raise NotSupportedError / RuntimeError
naming the file and line."""
from __future__ import annotations

import linecache
import re

from hypothesis import HealthCheck, assume, given, settings, strategies as st

import graphtorch as torch
from graphtorch.jit import frontend
from graphtorch.jit.script import script

from .fuzz_programs import _CONDS, _STMTS
from .helpers import same
from .test_fuzz import _run

_LINE = re.compile(r'(File "[^"]+", line \d+|\S+:\d+)')

HEADERS = ["def f(x):", "def f(x, *a, **k):", "def f(x, *, k=2):", "def f(x, k: int = 1):",
           "async def f(x):", "@dec\ndef f(x):", "@dec\n@dec\ndef f(x):",
           "def f(x, /, k=1.5):"]
SIMPLE = ["y = x * 2", "x = x + 1", "n = 0", "n += 1", "y = x.sum() if x.sum() > 0 else -x",
          "yield x", "yield from [x]", "global G", "G = x", "import math", "from math import pi",
          "x = x * pi", "(z := x.sum())", "del y", "f2 = lambda *a, **kw: len(a)",
          "x = x + f2(1, 2)", "assert x.sum() > -100, 'msg'", "assert n < 0, f'n is {n}'",
          "print(*[1, 2], sep='-')", "print(f'{x.sum():.2f}')", "x = [*x]",
          "d = {**{'a': x}}", "y = [v * 2 for v in x if v > 0]", "s = {i for i in range(3)}",
          "raise ValueError('v')", "pass", "x = x[:n]", "x = x @ x", "a, *b = [x, x, x]",
          "x = x if 0 < n < 2 else x * 3", "y = sum(x)", "nonlocal_ok = 1",
          "x = torch.stack([r for r in x])", "x, = (x,)", "lst = []; lst.append(x)",
          "x = x.t()", "return", "return x", "return x, n", "return (yield)",
          "break", "continue"]
COMPOUND = [
    "class A:\n    v = 1\n    def m(self):\n        return self.v",
    "try:\n    x = x + 1\nexcept ValueError:\n    pass\nfinally:\n    x = x * 1",
    "try:\n    x = x + 1\nexcept (TypeError, ValueError) as e:\n    raise\nelse:\n    n = 1",
    "with torch.no_grad():\n    x = x * 2",
    "with open('/dev/null') as fh:\n    pass",
    "def inner():\n    nonlocal x\n    x = x + 1\ninner()",
    "def inner(*a, **k):\n    global G\n    return a\ninner(x)",
    "async def co():\n    await co()",
    "for i in range(3):\n    x = x + i\nelse:\n    n = 2",
    "while x.sum() > 100:\n    x = x / 2\nelse:\n    n = 3",
    "if x.sum() > 0:\n    x = -x\nelif n:\n    pass",
    "match n:\n    case 0:\n        x = x + 1\n    case _:\n        pass",
    "for i, (a, b) in enumerate(zip(x, x)):\n    x = x + a * b",
    "lst = [x]\nfor v in lst:\n    lst.append(v)\n    break",
]


def _indent(text, ind):
    return "\n".join(ind + ln for ln in text.split("\n"))


_REJECTED = ("yield", "global", "import ", "import", ":=", "del ", "class ", "try:",
             "nonlocal", "async ", "match ")


def _rejected(text):
    return any(k in text for k in _REJECTED)


ACCEPTED = [b for b in SIMPLE + COMPOUND if not _rejected(b)] + [
    "for i in range(x.size(0)):\n    if x[i] > 0:\n        break\n    x = x + 1",
    "while n < 4:\n    n += 1\n    if x.sum() > n:\n        continue\n    x = x - 1",
    "y = y + sum([v * w for v in [x.sum(), s] for w in range(n)])"] + \
    [s.format(c=0.5, k=2) for s in _STMTS]
REJECTED = [b for b in SIMPLE + COMPOUND if _rejected(b)]


@st.composite
def functions(draw):
    """A random function: mostly constructs the compiler accepts (so the compiled paths
    run), sometimes one it rejects, under a random header."""
    header = draw(st.sampled_from(HEADERS))
    body = ["n = 1", "y = x * 1.0", "s = x.sum() * 0", "outs = [x * 0]", "flag = True"]
    for _ in range(draw(st.integers(1, 4))):
        pool = REJECTED if draw(st.integers(0, 9)) == 0 else ACCEPTED
        stmt = draw(st.sampled_from(pool))
        if draw(st.booleans()):
            cond = draw(st.sampled_from(_CONDS)).format(c=0.5, k=2)
            stmt = f"if {cond}:\n" + _indent(stmt, "    ")
        body.append(stmt)
    body.append(draw(st.sampled_from(["return x", "return x, n", "return n", "return None",
                                      "return y, s, torch.stack(outs).sum(0)"])))
    return header + "\n" + "\n".join(_indent(b, "    ") for b in body) + "\n"


def _source_ok(src):
    try:
        compile(src, "<h>", "exec")
        return True
    except SyntaxError:
        return False


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(functions())
def test_frontend_only_raises_documented_errors(src):
    assume(_source_ok(src))
    _check(src, _compile_src(src))


def _compile_src(src):
    path = f"<robust {len(_SEEN)}>"
    _SEEN.append(src)
    linecache.cache[path] = (len(src), None, src.splitlines(True), path)
    ns = {"torch": torch, "dec": lambda g: g, "G": 0}
    exec(compile(src, path, "exec"), ns)
    return ns["f"]


_SEEN: list = []


def _check(src, fn):
    try:
        sf = script(fn)
    except (frontend.NotSupportedError, RuntimeError) as e:
        assert _LINE.search(str(e)), f"{src}\nno file:line in {type(e).__name__}: {e}"
        return
    for x in (torch.tensor([1.0, -2.0, 3.0]), torch.tensor([[0.5, 2.0], [1.0, -3.0]])):
        want, out, err = _run(fn, (x.clone(),))
        got, gout, gerr = _run(sf, (x.clone(),))
        if gerr is not None and gerr is not err:
            assert issubclass(gerr, (frontend.NotSupportedError, RuntimeError)), \
                f"{src}\n{x}: eager {err}, scripted {gerr}"
            try:
                sf(x.clone())
            except Exception as e:  # noqa: BLE001 - the message is checked
                if err is None or not isinstance(e, err):
                    assert _LINE.search(str(e)), f"{src}\nno file:line: {e}"
            continue
        assert gerr is err, f"{src}\n{x}: eager {err}, scripted {gerr}"
        if err is None and not _opaque(want):
            same(want, got)
            assert out == gout


def _opaque(v):
    """Results ``same`` cannot compare (a set, a coroutine...)."""
    return not isinstance(v, (torch.Tensor, int, float, bool, str, tuple, list, dict,
                              type(None)))
