"""Differential fuzz of the script compiler: random programs (fuzz_programs.py) scripted and
run eagerly on inputs that take different paths must agree (values, Python types, printed
output and exception types), and odd programs either compile or raise NotSupportedError —
never an internal error of the frontend."""
from __future__ import annotations

import contextlib
import io
import linecache

import pytest

import graphtorch as torch
from graphtorch.jit import frontend
from graphtorch.jit.script import script

from .fuzz_programs import program
from .helpers import same

INPUTS = [(torch.tensor([1.0, -2.0, 3.0]), True), (torch.tensor([-1.0, -0.5]), False),
          (torch.tensor([0.5, 2.0, 1.0, -3.0, 4.0]), True)]


def _compile(src, name):
    path = f"<fuzz {name}>"
    linecache.cache[path] = (len(src), None, src.splitlines(True), path)
    ns = {"torch": torch}
    exec(compile(src, path, "exec"), ns)
    return ns[name]


def _run(fn, args):
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf):
            return fn(*args), buf.getvalue(), None
    except Exception as e:  # noqa: BLE001 - the exception type is compared
        return None, buf.getvalue(), type(e)


@pytest.mark.parametrize("chunk", range(8))
def test_random_programs_match_eager(chunk):
    for seed in range(chunk * 30, chunk * 30 + 30):
        src = program(seed)
        fn = _compile(src, f"f{seed}")
        sf = script(fn)
        for x, flag in INPUTS:
            want, out, err = _run(fn, (x.clone(), flag))
            got, gout, gerr = _run(sf, (x.clone(), flag))
            assert gerr is err, f"{src}\n{x} {flag}: eager {err}, scripted {gerr}"
            if err is None:
                try:
                    same(want, got)
                except AssertionError as e:
                    raise AssertionError(f"{src}\n{x} {flag}: {want} != {got}") from e
            assert out == gout, f"{src}\n{x} {flag}: printed {out!r} vs {gout!r}"


ODD = [
    "def f(x):\n    return\n",
    "def f(x, *a, **k):\n    return x, a, k\n",
    "def f(x):\n    return x if x else x\n",
    "def f(x):\n    a = b = x\n    a += 1\n    return a, b\n",
    "def f(x):\n    [a, (b, c)] = [x, (x, x)]\n    return a + b + c\n",
    "def f(x):\n    a, *b = [x, x, x]\n    return len(b)\n",
    "def f(x):\n    return {i: x * i for i in range(3)}[2]\n",
    "def f(x):\n    return {i for i in range(3)}\n",
    "def f(x):\n    return sum(v for v in [x, x])\n",
    "def f(x):\n    return [v for v in x if v > 0]\n",
    "def f(x):\n    return x[..., None][::2]\n",
    "def f(x):\n    return x @ x\n",
    "def f(x):\n    return (lambda y, *, k=2: y * k)(x)\n",
    "def f(x):\n    def g(y=x):\n        return y + 1\n    return g()\n",
    "def f(x):\n    while False:\n        pass\n    else:\n        return x\n",
    "def f(x):\n    for _ in []:\n        return x\n    return None\n",
    "def f(x):\n    assert x.sum() > -100, f'bad {x}'\n    return x\n",
    "def f(x):\n    raise ValueError('no')\n",
    "def f(x):\n    if x.sum() > 0:\n        raise ValueError('pos')\n    return x\n",
    "def f(x):\n    return x.undefined_attribute\n",
    "def f(x):\n    return undefined_name\n",
    "def f(x):\n    return x + 'a'\n",
    "def f(x):\n    return int(x)\n",
    "def f(x):\n    return x[10]\n",
    "def f(x):\n    del x\n",
    "def f(x):\n    global g\n    return x\n",
    "def f(x):\n    import math\n    return x\n",
    "def f(x):\n    class A: pass\n    return x\n",
    "def f(x):\n    try:\n        return x\n    finally:\n        pass\n",
    "def f(x):\n    with torch.no_grad():\n        return x * 2\n",
    "def f(x):\n    return (yield x)\n",
    "def f(x):\n    return (y := x)\n",
    "def f(x):\n    match x:\n        case _:\n            return x\n",
    "def f(x):\n    return [*x, *x]\n",
    "def f(x):\n    return {**{'a': x}}\n",
    "def f(x):\n    x[0] = 5\n    return x\n",
    "def f(x):\n    x[x > 0] += 1\n    return x\n",
    "def f(x):\n    return x.shape[-1], x.dim(), x.dtype, x.device\n",
    "def f(x):\n    return not x.sum() > 0, not (x.max() > 5 and x.min() < 0)\n",
    "def f(x):\n    return 1 if x.sum() > 0 else 2.5\n",
    "def f(x):\n    return -x if x.sum() > 0 else x.int()\n",
    "def f(x):\n    return print\n",
    "def f(x):\n    return f\n",
    "def f(x):\n    return f'{x.sum()!r:>20}'\n",
    "def f(x):\n    n = x.size(0)\n    return [0] * n\n",
    "def f(x):\n    for i in range(x.size(0)):\n        x = x[1:]\n    return x\n",
    "def f(x):\n    i = 0\n    while i < x.size(0):\n        i += 2\n    return i\n",
    "def f(x):\n    o = []\n    for r in x:\n        o.append(r)\n        o.append(r)\n"
    "    return o\n",
    "def f(x):\n    try:\n        pass\n    except* ValueError:\n        pass\n    return x\n",
    "def f(x):\n    def g():\n        nonlocal x\n        x = x + 1\n    g()\n    return x\n",
    "async def f(x):\n    return x\n",
    "def f(x):\n    yield from [x]\n",
    "def f(x):\n    return {1, 2} | {len(x)}\n",
    "def f(x):\n    a = [x, x]\n    del a[0]\n    return a\n",
    "def f(x):\n    print(f'{x.sum():.3f}', x.shape, sep=',', end='!\\n')\n    return x\n",
    "def f(x):\n    s = f'{x.size(0)}'\n    return s + '!'\n",
    "def f(x):\n    return [i * 2 for i in range(x.size(0)) if i % 2 == 0]\n",
    "def f(x):\n    _gt_x = 1\n    return x\n",
    "def f(x):\n    return x if x.sum() > 0 else None\n",
    "def f(x):\n    with torch.no_grad(), torch.enable_grad():\n        y = x * 2\n    return y\n",
]


@pytest.mark.parametrize("k", range(len(ODD)))
def test_odd_programs_compile_or_raise_not_supported(k):
    src = ODD[k]
    fn = _compile(src, "f")
    try:
        sf = script(fn)
    except frontend.NotSupportedError as e:
        assert "<--- HERE" in str(e) or "source" in str(e)
        return
    for x in (torch.tensor([1.0, -2.0, 3.0]), torch.tensor([-1.0, -0.5])):
        want, out, err = _run(fn, (x.clone(),))
        got, gout, gerr = _run(sf, (x.clone(),))
        if gerr is frontend.NotSupportedError:
            continue
        assert gerr is err or (err is not None and issubclass(err, gerr)), \
            f"{src}: eager {err}, scripted {gerr}"
        if err is None:
            same(want, got)
        assert out == gout
