"""torch.jit.script parity: the same functions scripted by PyTorch 2.13 and by graphtorch give
the same values on inputs that take different paths, and both reject the same syntax."""
from __future__ import annotations

import importlib.util
import sys
import textwrap

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import graphtorch  # noqa: E402
from graphtorch.jit import frontend  # noqa: E402
from graphtorch.jit.script import script as gt_script  # noqa: E402

SOURCE = textwrap.dedent('''
    from typing import List, Optional, Tuple
    import torch as T


    def branchy(x):
        if x.sum() > 0:
            y = x * 2
        elif x.sum() > -2:
            y = x + 1
        else:
            y = -x
        return y


    def loop_sum(x):
        acc = T.zeros(x.size(1))
        for i in range(x.size(0)):
            acc = acc * 0.5 + x[i]
        return acc


    def while_double(x):
        n = 0
        while bool(x.abs().sum() < 100.0):
            x = x * 2
            n += 1
        return x, n


    def early(x):
        for i in range(x.size(0)):
            if bool(x[i].sum() < 0):
                return x[i] * 10
        return x.sum(0)


    def brk(x):
        acc = T.zeros(x.size(1))
        for i in range(x.size(0)):
            if bool(x[i].sum() < 0):
                break
            acc = acc + x[i]
        return acc


    def lists(x, ys: List[T.Tensor]):
        out = x
        for y in ys:
            out = out + y
        return out


    def optional(x, o: Optional[T.Tensor] = None):
        if o is None:
            return x
        return x + o


    def tern(x, k: int):
        return x * k if k > 2 else x - k


    def tuples(x) -> Tuple[T.Tensor, T.Tensor]:
        a, b = x.chunk(2)
        return b, a


    def count_pos(x):
        n = 0
        for i in range(x.size(0)):
            if bool(x[i] > 0):
                n += 1
        return n


    def flag_float(x):
        s = 0.5
        hit = False
        if bool(x.sum() > 0):
            s = 1.5
            hit = True
        return s, hit


    def rnn_list(x, w):
        outs: List[T.Tensor] = []
        h = T.zeros(x.size(1))
        for t in range(x.size(0)):
            h = T.tanh(x[t] + h @ w)
            outs.append(h)
        return T.stack(outs)


    def printing(x):
        n = 0
        for i in range(x.size(0)):
            if bool(x[i] > 0):
                n += 1
                print("positive at", i)
        print("count", n, x.size(0))
        return x * n
''')

CASES = {
    "branchy": [(np.array([1.0, 2.0]),), (np.array([-0.5, 0.2]),), (np.array([-4.0, 1.0]),)],
    "loop_sum": [(np.arange(6.0).reshape(3, 2),), (np.ones((5, 2)),)],
    "while_double": [(np.array([1.0, 2.0]),), (np.array([60.0, 50.0]),)],
    "early": [(np.array([[1.0, 2.0], [-5.0, 1.0], [1.0, 1.0]]),), (np.ones((3, 2)),)],
    "brk": [(np.array([[1.0, 2.0], [-5.0, 1.0], [1.0, 1.0]]),), (np.ones((4, 2)),)],
    "lists": [(np.ones(2), [np.ones(2), np.full(2, 2.0)]), (np.ones(2), [])],
    "optional": [(np.ones(2),), (np.ones(2), np.full(2, 3.0))],
    "tern": [(np.ones(2), 3), (np.ones(2), 1)],
    "tuples": [(np.arange(4.0),)],
    "count_pos": [(np.array([1.0, -1.0, 2.0]),), (np.array([-1.0, -2.0]),)],
    "flag_float": [(np.array([1.0, 2.0]),), (np.array([-4.0, 1.0]),)],
    "rnn_list": [(np.ones((3, 2)) * 0.1, np.eye(2)), (np.arange(10.0).reshape(5, 2) / 10,
                                                      np.eye(2))],
    "printing": [(np.array([1.0, -1.0, 2.0]),), (np.array([-1.0, 3.0]),)],
}


def _py_types(v):
    """The Python types of a result's non-tensor leaves (ints must stay int, as in torch)."""
    if isinstance(v, (tuple, list)):
        return [_py_types(x) for x in v]
    return None if hasattr(v, "detach") else type(v)


def _load(mod_name, torch_like):
    spec = importlib.util.spec_from_loader(mod_name, loader=None)
    mod = importlib.util.module_from_spec(spec)
    path = f"<{mod_name}>"
    import linecache
    linecache.cache[path] = (len(SOURCE), None, SOURCE.splitlines(True), path)
    sys.modules[mod_name] = mod
    exec(compile(SOURCE, path, "exec"), mod.__dict__)
    mod.T = torch_like
    return mod


@pytest.fixture(scope="module")
def mods():
    return _load("_parity_src_torch", torch), _load("_parity_src_gt", graphtorch)


def _conv(v, lib):
    if isinstance(v, np.ndarray):
        return lib.tensor(v.astype(np.float32))
    if isinstance(v, list):
        return [_conv(x, lib) for x in v]
    return v


def _np(v):
    if isinstance(v, (tuple, list)):
        return [_np(x) for x in v]
    if hasattr(v, "detach"):
        return v.detach().numpy()
    return np.asarray(v)


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_values_as_torch_script(name, mods, capfd):
    tmod, gmod = mods
    tfn = torch.jit.script(getattr(tmod, name))
    gfn = gt_script(getattr(gmod, name))
    for args in CASES[name]:
        capfd.readouterr()
        traw = tfn(*[_conv(a, torch) for a in args])
        tout = capfd.readouterr().out  # TorchScript prints from C++: read the fd
        graw = gfn(*[_conv(a, graphtorch) for a in args])
        assert capfd.readouterr().out == tout  # print runs on every call, same text
        assert _py_types(graw) == _py_types(traw)
        want, got = _np(traw), _np(graw)
        for w, g in zip(want if isinstance(want, list) else [want],
                        got if isinstance(got, list) else [got]):
            np.testing.assert_allclose(np.asarray(g, dtype=np.float64),
                                       np.asarray(w, dtype=np.float64), rtol=1e-5, atol=1e-5)


def t_global(x):
    global _G
    return x


def t_try(x):
    try:
        return x
    except Exception:
        return x


def t_yield(x):
    yield x


@pytest.mark.parametrize("fn", [t_global, t_try, t_yield])
def test_same_syntax_rejected(fn):
    with pytest.raises(torch.jit.frontend.NotSupportedError) as te:
        torch.jit.script(fn)
    with pytest.raises(frontend.NotSupportedError) as ge:
        gt_script(fn)
    assert type(te.value).__name__ == type(ge.value).__name__
    assert str(te.value).split(":")[0] == str(ge.value).split(":")[0]
    assert "<--- HERE" in str(te.value) and "<--- HERE" in str(ge.value)


def test_annotation_errors_match_torch():
    def f(x, n: int):
        return x * n
    tf, gf = torch.jit.script(f), gt_script(f)
    with pytest.raises(RuntimeError) as te:
        tf(torch.ones(1), 2.5)
    with pytest.raises(RuntimeError) as ge:
        gf(graphtorch.ones(1), 2.5)
    assert str(ge.value).splitlines()[0] in str(te.value)
