"""Workloads of benchmarks/bench_llvm.py, written against a library (graphtorch or torch) so
both build the same architecture, plus the peers that need the model: a hand-written numpy
forward and an ONNX Runtime session on the torch model exported by ``torch.onnx.export``."""
from __future__ import annotations

from tests.jit import zoo  # the same architectures the tests use

__all__ = ["MODELS", "build_pair", "numpy_forward", "ort_session"]


def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                         nn.Linear(512, 10)), (784,)


def lenet5(lib):
    return zoo.lenet(lib, image=32), (1, 32, 32)


def resblock(lib, c=64):
    return zoo.resblock(lib, c), (c, 16, 16)


def lstm(lib):
    nn = lib.nn

    class LSTM2(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(64, 128, num_layers=2, batch_first=True)

        def forward(self, x):
            return self.lstm(x)[0]
    return LSTM2(), (16, 64)


def gelu_ln(lib, d=512):
    nn, F = lib.nn, lib.nn.functional

    class GeluLN(nn.Module):
        """A pure elementwise / row-reduction chain (no GEMM): fusion decides its speed."""

        def __init__(self):
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)

        def forward(self, x):
            h = self.ln1(F.gelu(x))
            return self.ln2(F.gelu(h * 2.0 + 1.0) + x)
    return GeluLN(), (d,)


def transformer(lib):
    return lib.nn.TransformerEncoderLayer(d_model=256, nhead=4, dim_feedforward=1024,
                                          dropout=0.0, batch_first=True), (32, 256)


MODELS = {f.__name__: f for f in (mlp, lenet5, resblock, lstm, gelu_ln, transformer)}


def build_pair(name):
    """(graphtorch model, torch model or None, per-sample input shape): same weights."""
    import graphtorch as gt
    from tests.jit.zoo import _init, copy_weights
    gm, shape = MODELS[name](gt)
    _init(gm, gt, seed=1)
    gm.eval()
    try:
        import torch
    except ImportError:
        return gm, None, shape
    tm, _ = MODELS[name](torch)
    copy_weights(gm, tm, torch)
    return gm, tm.eval(), shape


def numpy_forward(name, gm):
    """A hand-written numpy forward where it is simple (None elsewhere)."""
    import numpy as np
    sd = {k: v.numpy().copy() for k, v in gm.state_dict().items()}
    if name == "mlp":
        w = [(np.ascontiguousarray(sd[f"{i}.weight"].T), sd[f"{i}.bias"]) for i in (0, 2, 4)]

        def f(x):
            h = np.maximum(x @ w[0][0] + w[0][1], 0)
            h = np.maximum(h @ w[1][0] + w[1][1], 0)
            return h @ w[2][0] + w[2][1]
        return f
    if name == "gelu_ln":
        from scipy.special import erf
        half, rs2 = np.float32(0.5), np.float32(1 / np.sqrt(2))

        def gelu(x):
            return half * x * (1 + erf(x * rs2))

        def ln(x, k):
            mu = x.mean(-1, keepdims=True)
            xc = x - mu
            var = (xc * xc).mean(-1, keepdims=True)
            return xc / np.sqrt(var + np.float32(1e-5)) * sd[f"{k}.weight"] + sd[f"{k}.bias"]

        def f(x):
            h = ln(gelu(x), "ln1")
            return ln(gelu(h * np.float32(2) + np.float32(1)) + x, "ln2")
        return f
    return None


def ort_session(tm, shape, threads, path):
    """An ONNX Runtime session on ``tm`` exported with a dynamic batch dimension."""
    import onnxruntime as ort
    import torch
    x = torch.zeros((2, *shape))
    if isinstance(tm, torch.nn.TransformerEncoderLayer):
        tm = _ExplicitCausal(tm)
    torch.onnx.export(tm, (x,), path, dynamo=False, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "b"}, "y": {0: "b"}}, opset_version=17)
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    return lambda x: sess.run(None, {"x": x})[0]


def _ExplicitCausal(layer):
    """torch 2.13's legacy exporter traces TransformerEncoderLayer's default ``is_causal``
    as a tensor and fails in scaled_dot_product_attention; passing it explicitly works."""
    import torch

    class Wrap(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = layer

        def forward(self, x):
            return self.layer(x, is_causal=False)
    return Wrap().eval()
