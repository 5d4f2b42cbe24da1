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


def _rnns(lib):
    nn = lib.nn
    return {"lstm_bidir": nn.LSTM(5, 6, num_layers=2, bidirectional=True),
            "gru_bidir": nn.GRU(5, 6, bidirectional=True, batch_first=True),
            "rnn_relu": nn.RNN(5, 6, num_layers=2, nonlinearity="relu"),
            "rnn_tanh_bidir": nn.RNN(5, 4, bidirectional=True)}


def _copy(src, dst):
    with torch.no_grad():
        for n, p in dst.named_parameters():
            p.copy_(torch.tensor(dict(src.named_parameters())[n].detach().numpy()))


@pytest.mark.parametrize("name", ["lstm_bidir", "gru_bidir", "rnn_relu", "rnn_tanh_bidir"])
@pytest.mark.parametrize("opset", [13, 17])
def test_torch_exported_rnn_imports_and_graphtorch_exports_the_same_ops(name, opset):
    """torch.onnx.export's LSTM/GRU/RNN (opsets 13 and 17) import and match torch; graphtorch's
    export of the same layer uses the same native ONNX op and matches torch's file in ORT."""
    gt.manual_seed(0)
    g = _rnns(gt)[name].eval()
    t = _rnns(torch)[name].eval()
    _copy(g, t)
    bf = t.batch_first
    axes = {0: "batch", 1: "seq"} if bf else {0: "seq", 1: "batch"}
    shape = lambda s, b: (b, s, 5) if bf else (s, b, 5)  # noqa: E731
    f = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(t, (torch.randn(*shape(4, 2)),), f, input_names=["x"],
                          dynamic_axes={"x": axes}, opset_version=opset, dynamo=False)
    theirs = onnx.load_from_string(f.getvalue())
    ours = gonnx.export(g, (gt.randn(*shape(4, 2)),), input_names=["x"],
                        dynamic_axes={"x": axes}, opset_version=max(opset, 17)).model_proto
    native = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}[name.split("_")[0]]
    assert native in {n.op_type for n in theirs.graph.node}
    assert native in {n.op_type for n in ours.graph.node}
    im = gonnx.load_model(theirs)
    from graphtorch.codegen.onnx.runtime import run_ort
    for s, b in ((3, 2), (7, 5)):
        x = np.random.default_rng(s * b).standard_normal(shape(s, b)).astype(np.float32)
        with torch.no_grad():
            want = [o.numpy() for o in _flat(t(torch.tensor(x)))]
        got = [o.detach().numpy() for o in _flat(im(gt.tensor(x)))]
        for a, w in zip(got, want):
            np.testing.assert_allclose(a, w, rtol=1e-4, atol=1e-5)
        for a, w in zip(run_ort(ours, {"x": x}), run_ort(theirs, {"x": x})):
            np.testing.assert_allclose(a, w, rtol=1e-4, atol=1e-5)


def _flat(out):
    if isinstance(out, tuple):
        return [x for o in out for x in _flat(o)]
    return [out]
