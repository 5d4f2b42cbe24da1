"""The model zoo through ONNX: export at opset 17 and the newest, onnx.checker, ONNX Runtime at
two sizes per dynamic axis equal to eager; export -> import equal; an imported model
fine-tuned a few steps lowers its loss and re-exports matching."""
import os
import sys

import numpy as np
import onnx
import pytest

import graphtorch as torch
import graphtorch.onnx as gonnx
from graphtorch.codegen.onnx import newest_opset
from graphtorch.codegen.onnx.runtime import run_ort

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "jit"))
import zoo  # noqa: E402

NEWEST = newest_opset()


def gru_model(lib):
    nn = lib.nn

    class GRUModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(6, 10, batch_first=True)
            self.head = nn.Linear(10, 3)

        def forward(self, x):
            out, h = self.gru(x)
            return self.head(out), h
    return GRUModel()


def control_model(lib):
    """torch.cond on data and torch.while_loop whose trip count is an input."""
    nn = lib.nn

    class Control(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x, n):
            y = self.fc(x)
            y = lib.cond(y.sum() > 0, lambda a: a * 2.0, lambda a: a - 1.0, (y,))
            i0 = lib.zeros((), dtype=lib.int64)
            _, out = lib.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, a * 0.5 + 1.0),
                                    (i0, y))
            return out
    return Control()


MODELS = {
    **{k: (lambda k=k: zoo.build(k, torch), lambda b, s, k=k: zoo.example(k, torch, b, s),
           ZS) for k, ZS in (("mlp", False), ("lenet", False), ("mnist", False),
                             ("resblock", False), ("lstm", True), ("transformer", True))},
    "gru": (lambda: gru_model(torch),
            lambda b, s: (torch.tensor(zoo.np_input((b, s, 6))),), True),
}


def _export(name, opset):
    build, make, seq = MODELS[name]
    torch.manual_seed(0)
    m = build()
    m.eval()
    axes = {0: "batch", 1: "seq"} if seq else {0: "batch"}
    prog = gonnx.export(m, make(2, 5), input_names=["x"], dynamic_axes={"x": axes},
                        opset_version=opset)
    return m, prog, make, seq


def _eager(m, args):
    with torch.no_grad():
        out = m(*args)
    return [o.numpy() for o in (out if isinstance(out, tuple) else (out,))]


@pytest.mark.parametrize("opset", [17, NEWEST])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_zoo_ort_matches_eager_at_two_sizes(name, opset):
    m, prog, make, seq = _export(name, opset)
    model = prog.model_proto
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == opset
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and (not seq or dims[1].dim_param == "seq")
    for b, s in ((3, 4), (5, 7)):
        args = make(b, s)
        got = run_ort(model, {"x": args[0].numpy()})
        for g, w in zip(got, _eager(m, args)):
            np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


def test_control_flow_model_keeps_if_and_loop():
    torch.manual_seed(0)
    m = control_model(torch)
    x, n = torch.randn(2, 4), torch.tensor(3)
    prog = gonnx.export(m, (x, n), input_names=["x", "n"], dynamic_axes={"x": {0: "b"}})
    onnx.checker.check_model(prog.model_proto, full_check=True)
    ops = {nd.op_type for nd in prog.model_proto.graph.node}
    assert {"If", "Loop"} <= ops
    for xs, k in ((torch.randn(3, 4), 2), (-torch.ones(4, 4) * 5, 5), (torch.randn(2, 4), 0)):
        got = run_ort(prog.model_proto, {"x": xs.numpy(), "n": np.array(k, np.int64)})
        with torch.no_grad():
            want = m(xs, torch.tensor(k)).numpy()
        np.testing.assert_allclose(got[0], want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["mlp", "lenet", "resblock", "lstm", "transformer", "gru"])
def test_export_import_roundtrip(name):
    m, prog, make, seq = _export(name, NEWEST)
    im = gonnx.load_model(prog.model_proto)
    args = make(3, 6)
    with torch.no_grad():
        got = im(*args)
    got = got if isinstance(got, tuple) else (got,)
    for g, w in zip(got, _eager(m, args)):
        np.testing.assert_allclose(g.numpy(), w, rtol=1e-5, atol=1e-6)
    names = {n for n, _ in m.named_parameters()}
    assert names <= {n for n, _ in im.named_parameters()}


def test_imported_model_finetunes_and_reexports(tmp_path):
    m, prog, make, _ = _export("mlp", NEWEST)
    path = tmp_path / "mlp.onnx"
    prog.save(path)
    im = gonnx.load_model(str(path))
    x = make(8, 0)[0]
    target = torch.randint(0, 10, (8,))
    opt = torch.optim.SGD(im.parameters(), lr=0.1)
    losses = []
    for _ in range(5):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(im(x), target)
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < losses[0]
    prog2 = gonnx.export(im, (x,), input_names=["x"], dynamic_axes={"x": {0: "batch"}})
    onnx.checker.check_model(prog2.model_proto, full_check=True)
    x2 = make(5, 0)[0]
    got = run_ort(prog2.model_proto, {"x": x2.numpy()})[0]
    with torch.no_grad():
        want = im(x2).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    inits = {t.name for t in prog2.model_proto.graph.initializer}
    assert {n for n, _ in im.named_parameters()} <= inits


def scripted_model(lib):
    """A scripted module: a data-dependent ``if`` and a ``while`` whose trip count is an
    input tensor."""
    nn = lib.nn

    class Scripted(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x, n):
            y = self.fc(x)
            i = 0
            while i < n:
                y = y * 0.5 + 0.25
                i += 1
            if bool(y.mean() > 0):
                y = -y
            return y
    return lib.jit.script(Scripted())


def test_scripted_if_and_loop_export():
    torch.manual_seed(0)
    m = scripted_model(torch)
    x = torch.randn(2, 3)
    prog = gonnx.export(m, (x, torch.tensor(4)), input_names=["x", "n"],
                        dynamic_axes={"x": {0: "b"}})
    onnx.checker.check_model(prog.model_proto, full_check=True)
    ops = [nd.op_type for nd in prog.model_proto.graph.node]
    assert {"If", "Loop"} <= set(ops)
    for xs, k in ((torch.randn(5, 3), 3), (torch.ones(1, 3) * 4, 0), (-torch.ones(3, 3), 7)):
        got = run_ort(prog.model_proto, {"x": xs.numpy(), "n": np.array(k, np.int64)})
        with torch.no_grad():
            want = m(xs, torch.tensor(k)).numpy()
        np.testing.assert_allclose(got[0], want, rtol=1e-5, atol=1e-6)
