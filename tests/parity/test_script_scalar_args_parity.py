"""torch.jit.script parity for int/float/bool arguments: PyTorch 2.13 makes them graph inputs
(one graph for every value, a saved module takes unseen values); graphtorch must give the
same values, Python result types, errors and graph inputs."""
from __future__ import annotations

import importlib.util
import io
import linecache
import sys
import textwrap

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import graphtorch  # noqa: E402

SOURCE = textwrap.dedent('''
    from typing import Optional


    def loop_n(x, n: int):
        y = x
        for i in range(n):
            y = y * 2 + i
        return y, n * 3, n / 2


    def branches(x, n: int, scale: float, flag: bool):
        if n > 2:
            x = x * scale
        else:
            x = x - scale
        if flag:
            x = x.abs()
        return x[:n], scale + n, not flag


    def defaults(x, n: int = 3, scale: float = 0.5):
        return x[:n] * scale, n


    def coerced(x, s: float, n: int):
        return x * s, s, n + 1


    def optional_k(x, k: Optional[int] = None):
        if k is not None:
            x = x[:k]
        return x.sum()


    def while_n(x, n: int):
        i = 0
        while i < n:
            x = x + 1.5
            i += 1
        return x, i


    class Gate(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.l = T.nn.Linear(3, 3)

        def forward(self, x, n: int, scale: float = 1.0):
            for _ in range(n):
                x = T.tanh(self.l(x)) * scale
            return x
''')

X = np.array([-1.0, 2.0, -3.0, 4.0, 0.5], dtype=np.float32)

CASES = {
    "loop_n": [(0,), (1,), (3,), (-2,)],
    "branches": [(3, 0.5, True), (1, 2.0, False), (5, -1.5, True), (0, 0.0, False)],
    "defaults": [(), (2,), (4, 2.0)],
    "coerced": [(2, True), (0.5, 3), (1.5, False)],
    "optional_k": [(), (2,), (4,), (None,)],
    "while_n": [(0,), (4,), (-1,)],
}


def _load(mod_name, lib):
    spec = importlib.util.spec_from_loader(mod_name, loader=None)
    mod = importlib.util.module_from_spec(spec)
    path = f"<{mod_name}>"
    linecache.cache[path] = (len(SOURCE), None, SOURCE.splitlines(True), path)
    sys.modules[mod_name] = mod
    mod.T = lib  # the library the source's classes and functions use
    exec(compile(SOURCE, path, "exec"), mod.__dict__)
    return mod


@pytest.fixture(scope="module")
def mods():
    return _load("_scalar_args_src_torch", torch), _load("_scalar_args_src_gt", graphtorch)


def _same(want, got):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for w, g in zip(want, got):
            _same(w, g)
        return
    if isinstance(want, torch.Tensor):
        assert isinstance(got, graphtorch.Tensor)
        assert str(want.dtype) == str(got.dtype).replace("graphtorch", "torch")
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
        return
    assert type(got) is type(want), (want, got)
    assert got == want, (want, got)


@pytest.mark.parametrize("name", sorted(CASES))
def test_same_values_and_types(name, mods):
    tmod, gmod = mods
    tfn, gfn = torch.jit.script(getattr(tmod, name)), graphtorch.jit.script(getattr(gmod, name))
    for args in CASES[name]:
        _same(tfn(torch.tensor(X), *args), gfn(graphtorch.tensor(X), *args))


def test_keyword_calls(mods):
    tmod, gmod = mods
    tfn, gfn = torch.jit.script(tmod.defaults), graphtorch.jit.script(gmod.defaults)
    for kw in [{"n": 2}, {"scale": 3.0}, {"scale": 2.0, "n": 1}]:
        _same(tfn(torch.tensor(X), **kw), gfn(graphtorch.tensor(X), **kw))


def test_number_arguments_are_graph_inputs(mods):
    tmod, gmod = mods
    tfn, gfn = torch.jit.script(tmod.branches), graphtorch.jit.script(gmod.branches)
    gfn(graphtorch.tensor(X), 3, 0.5, True)
    tnames = [i.debugName().split(".")[0] for i in tfn.graph.inputs()]
    gnames = [v.name for v in gfn.graph.inputs]
    assert gnames == tnames == ["x", "n", "scale", "flag"]
    assert len(gfn._variants.items) == 1
    gfn(graphtorch.tensor(X), 1, 2.0, False)
    assert len(gfn._variants.items) == 1  # one graph serves every value, as in TorchScript


def test_wrong_argument_types_raise_like_torch(mods):
    tmod, gmod = mods
    tfn, gfn = torch.jit.script(tmod.loop_n), graphtorch.jit.script(gmod.loop_n)
    for bad in (2.5, "a", None):
        with pytest.raises(RuntimeError) as te:
            tfn(torch.tensor(X), bad)
        with pytest.raises(RuntimeError) as ge:
            gfn(graphtorch.tensor(X), bad)
        assert str(ge.value).splitlines()[0] == str(te.value).splitlines()[0]


def _save_load(lib, m):
    buf = io.BytesIO()
    lib.jit.save(m, buf)
    buf.seek(0)
    return lib.jit.load(buf)


def test_saved_module_takes_unseen_values(mods):
    tmod, gmod = mods
    tm, gm = tmod.Gate(), gmod.Gate()
    with torch.no_grad():
        for name, p in tm.named_parameters():
            gm.get_parameter(name).data = graphtorch.tensor(p.detach().numpy().copy())
    ts, gs = torch.jit.script(tm), graphtorch.jit.script(gm)
    x = np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32)
    _same(ts(torch.tensor(x), 2), gs(graphtorch.tensor(x), 2))
    tl, gl = _save_load(torch, ts), _save_load(graphtorch, gs)
    for args in [(3,), (0,), (5, 0.5), (1, 2)]:  # values never called before saving
        _same(tl(torch.tensor(x), *args), gl(graphtorch.tensor(x), *args))
