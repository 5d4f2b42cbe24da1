"""ONNX parity with PyTorch 2.13: models exported by torch.onnx.export import into graphtorch
and match torch; graphtorch.onnx.export has torch's signature.  (dynamo=True needs
onnxscript, which is not installed here: the TorchScript exporter, dynamo=False, is used.)"""
import inspect
import io
import os
import sys
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")

import graphtorch as gt  # noqa: E402
import graphtorch.onnx as gonnx  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "jit"))
import zoo  # noqa: E402


def _gru(lib):
    nn = lib.nn

    class G(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(6, 10, batch_first=True)

        def forward(self, x):
            return self.gru(x)
    return G()


def _torch_export(m, args, axes):
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(m, args, f, input_names=["x"], dynamic_axes={"x": axes},
                          dynamo=False)
    return onnx.load_from_string(f.getvalue())


@pytest.mark.parametrize("name", ["mlp", "lenet", "mnist", "resblock", "lstm", "gru"])
def test_torch_exported_model_imports_and_matches(name):
    if name == "gru":
        torch.manual_seed(0)
        m = _gru(torch).eval()
        make = lambda b, s: (torch.tensor(zoo.np_input((b, s, 6))),)  # noqa: E731
        seq = True
    else:
        m = zoo.build(name, torch).eval()
        seq = zoo.ZOO[name][2]
        make = lambda b, s: zoo.example(name, torch, b, s)  # noqa: E731
    axes = {0: "batch", 1: "seq"} if seq else {0: "batch"}
    proto = _torch_export(m, make(2, 5), axes)
    im = gonnx.load_model(proto)
    for b, s in ((3, 5), (4, 7) if seq else (4, 5)):
        args = make(b, s)
        with torch.no_grad():
            want = m(*args)
        got = im(*[gt.tensor(a.numpy()) for a in args])
        want = want if isinstance(want, tuple) else (want,)
        got = got if isinstance(got, tuple) else (got,)
        flat_w = [w for w in want for w in (w if isinstance(w, tuple) else (w,))]
        for g, w in zip(got, flat_w):
            np.testing.assert_allclose(g.detach().numpy(), w.numpy(), rtol=1e-4, atol=1e-5)


def test_signature_matches_torch():
    ours = inspect.signature(gonnx.export).parameters
    theirs = inspect.signature(torch.onnx.export).parameters
    assert list(ours) == list(theirs)
    for k, p in theirs.items():
        assert ours[k].kind == p.kind, k
        if k not in ("training", "operator_export_type"):  # torch's C++ enums
            assert ours[k].default == p.default, k
    assert int(gonnx.TrainingMode.EVAL) == int(torch.onnx.TrainingMode.EVAL)


def test_graphtorch_export_runs_like_torch_export():
    m = zoo.build("lenet", torch).eval()
    g = zoo.build("lenet", gt).eval()
    x = zoo.example("lenet", torch, 2)
    ours = gonnx.export(g, (gt.tensor(x[0].numpy()),), input_names=["x"],
                        dynamic_axes={"x": {0: "batch"}}).model_proto
    from graphtorch.codegen.onnx.runtime import run_ort
    x3 = zoo.example("lenet", torch, 3)[0]
    with torch.no_grad():
        want = m(x3).numpy()
    np.testing.assert_allclose(run_ort(ours, {"x": x3.numpy()})[0], want, rtol=1e-4,
                               atol=1e-5)
