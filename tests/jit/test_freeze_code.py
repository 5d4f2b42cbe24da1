"""torch.jit.freeze / optimize_for_inference and the ``.code`` text (ir.pycode)."""
import ast
import io

import numpy as np
import pytest

import graphtorch as torch
import graphtorch.nn as nn
from graphtorch.ir.parser import parse
from graphtorch.ir.pycode import to_python


def _close(a, b, tol=1e-5):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=tol, atol=tol)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 16)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class ConvBN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 5, 3, padding=1)
        self.bn = nn.BatchNorm2d(5)
        self.fc = nn.Linear(5, 2)

    def forward(self, x):
        return self.fc(torch.relu(self.bn(self.conv(x))).mean((2, 3)))


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = x.flatten(1)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


def _bn_model():
    torch.manual_seed(0)
    m = ConvBN()
    for _ in range(3):  # non-trivial running statistics
        m(torch.randn(4, 3, 6, 6) * 2 + 1)
    return m.eval()


# ------------------------------------------------------------------ freeze
@pytest.mark.parametrize("make,shape", [(_bn_model, (3, 6, 6)),
                                        (lambda: MLP().eval(), (6,))])
def test_freeze_matches_eager(make, shape):
    m = make()
    t = torch.jit.trace(m, torch.randn(2, *shape))
    fr = torch.jit.freeze(t)
    assert list(fr.named_parameters()) == []
    g = fr.graph
    assert len(g.inputs) == 1 and any(n.kind == "Constant" for n in g.nodes)
    for n in (2, 1, 5):
        x = torch.randn(n, *shape)
        _close(fr(x), m(x))
    buf = io.BytesIO()  # frozen modules save and load
    torch.jit.save(fr, buf)
    buf.seek(0)
    loaded = torch.jit.load(buf)
    x = torch.randn(3, *shape)
    _close(loaded(x), m(x))
    assert list(loaded.named_parameters()) == []


def test_freeze_folds_batchnorm_and_is_a_copy():
    m = _bn_model()
    t = torch.jit.trace(m, torch.randn(2, 3, 6, 6))
    fr = torch.jit.freeze(t)
    kinds = [n.kind for n in fr.graph.walk()]
    from graphtorch.ir import passes
    if "bn_fold" in passes.pass_names() and passes._available("bn_fold",
                                                               passes.get_pass("bn_fold")):
        assert "batch_norm" not in kinds
    x = torch.randn(2, 3, 6, 6)
    want = fr(x)
    with torch.no_grad():  # later changes to the original do not reach the frozen copy
        m.fc.weight.add_(1.0)
    _close(fr(x), want)


def test_freeze_requires_eval_and_script_module():
    m = MLP()
    t = torch.jit.trace(m, torch.randn(2, 6))
    with pytest.raises(RuntimeError, match="eval mode"):
        torch.jit.freeze(t)
    with pytest.raises(RuntimeError, match="ScriptModule"):
        torch.jit.freeze(m.eval())


def test_freeze_preserves_named_parameter():
    m = MLP().eval()
    t = torch.jit.trace(m, torch.randn(2, 6))
    fr = torch.jit.freeze(t.eval(), preserved_attrs=["fc2.weight"])
    assert [n for n, _ in fr.named_parameters()] == ["fc2.weight"]
    x = torch.randn(3, 6)
    _close(fr(x), m(x))


def test_optimize_for_inference():
    m = _bn_model()
    t = torch.jit.trace(m, torch.randn(2, 3, 6, 6))
    opt = torch.jit.optimize_for_inference(t)
    assert list(opt.named_parameters()) == []
    for n in (2, 4, 1):
        x = torch.randn(n, 3, 6, 6)
        _close(opt(x), m(x))


# ------------------------------------------------------------------ .code
def test_code_mlp():
    t = torch.jit.trace(MLP(), torch.randn(3, 6))
    code = t.code
    ast.parse(code)
    assert code.startswith("def forward(self,\n    x: Tensor) -> Tensor:")
    for word in ("torch.linear", "torch.relu", "self.fc1.weight", "self.fc2.bias"):
        assert word in code
    assert code == t.code  # deterministic


def test_code_lenet():
    t = torch.jit.trace(LeNet(), torch.randn(2, 1, 28, 28))
    code = t.code
    ast.parse(code)
    for n in t.graph.walk():
        if n.kind not in ("Constant", "Guard"):
            assert f"torch.{n.kind}(" in code, n.kind
    for name, _ in t.named_parameters():
        assert f"self.{name}" in code
    assert "x.size(0)" in code


_IF_LOOP = """graph(%x: f32[N, 3], %c: bool, %n: int):
  %0: f32[N, 3] = If(%c)
    block0():
      %1: f32[N, 3] = relu(%x)
      -> (%1)
    block1():
      %2: f32[N, 3] = neg(%x)
      -> (%2)
  %t: bool = Constant(value=True)
  %3: f32[N, 3] = Loop(%n, %t, %0)
    block0(%i: int, %a: f32[N, 3]):
      %4: f32[N, 3] = add(%a, %x)
      %5: int = size(%4, dim=0)
      %6: bool = scalar.gt(%5, %i)
      -> (%6, %4)
  Guard(lhs=N, cmp='gt', rhs=1, msg='need a batch')
  %7: f32[N, 6] = cat(%3, %3, dim=1)
  return (%7)
"""


def test_code_if_loop_guard_runs_like_graph():
    g = parse(_IF_LOOP)
    code = to_python(g)
    tree = ast.parse(code)
    assert any(isinstance(n, ast.If) for n in ast.walk(tree))
    assert any(isinstance(n, ast.While) for n in ast.walk(tree))
    assert "assert x.size(0) > 1, 'need a batch'" in code
    for op in ("torch.relu", "torch.neg", "torch.add", "torch.cat"):
        assert op in code
    # the text is executable with graphtorch bound as torch: same result as the interpreter
    from graphtorch.ir.interpreter import run_graph
    ns = {"torch": _Ops(), "Tensor": torch.Tensor, "Tuple": tuple}
    exec(code, ns)  # noqa: S102 - our own generated code
    x = torch.randn(4, 3)
    for c in (True, False):
        want = run_graph(g, x, c, 3)[0]
        _close(ns["forward"](None, x, c, 3), want)


class _Ops:
    """``torch.<op>(...)`` calls of the code text, dispatched to the registry ops."""

    def __getattr__(self, name):
        from graphtorch.eager.dispatch import call
        from graphtorch.ops import registry as R
        op = R.get(name)
        return lambda *a, **k: call(op, *a, **k)


def test_code_of_frozen_module_shows_constants():
    m = MLP().eval()
    fr = torch.jit.freeze(torch.jit.trace(m, torch.randn(2, 6)))
    code = fr.code
    ast.parse(code)
    assert "self." not in code and "CONSTANTS.c" in code
