"""ONNX export tutorial: export a small CNN (conv, relu, pool, flatten, linear, log_softmax) with
input_names/output_names and dynamic_axes on batch, onnx.checker.check_model, onnxruntime
InferenceSession run with numpy input (to_numpy helper), np.testing-style comparison, and the
super-resolution model (PixelShuffle) export compared on a different batch size."""
import io
import numpy as np
import onnx
import onnxruntime
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, rand


class ImageClassifierModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 5)
        self.conv2 = nn.Conv2d(4, 8, 3)
        self.fc1 = nn.Linear(8 * 2 * 2, 12)
        self.fc2 = nn.Linear(12, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


class SR(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.ps = nn.PixelShuffle(2)

    def forward(self, x):
        return self.ps(torch.relu(self.conv(x)))


def to_numpy(tensor):
    return tensor.detach().cpu().numpy() if tensor.requires_grad else tensor.cpu().numpy()


def export_run(model, x, x2):
    buf = io.BytesIO()
    torch.onnx.export(model, (x,), buf, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch_size"}, "output": {0: "batch_size"}},
                      dynamo=False)
    m = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(m)
    sess = onnxruntime.InferenceSession(buf.getvalue(), providers=["CPUExecutionProvider"])
    outs = [sess.run(None, {sess.get_inputs()[0].name: to_numpy(t)})[0] for t in (x, x2)]
    return m, sess, outs


def run():
    r = {}
    model = init_params(ImageClassifierModel(), seed=1, scale=0.3).eval()
    x = torch.tensor(rand(2, 1, 16, 16, seed=2))
    x2 = torch.tensor(rand(5, 1, 16, 16, seed=3))
    m, sess, outs = export_run(model, x, x2)
    r["io_names"] = ([i.name for i in sess.get_inputs()], [o.name for o in sess.get_outputs()])
    with torch.no_grad():
        r["ort_close"] = bool(np.allclose(to_numpy(model(x)), outs[0], rtol=1e-3, atol=1e-5))
        r["ort_close_dyn"] = bool(np.allclose(to_numpy(model(x2)), outs[1], rtol=1e-3, atol=1e-5))
    r["ort_out"] = outs[1]
    sr = init_params(SR(), seed=4).eval()
    y = torch.tensor(rand(1, 1, 4, 4, seed=5))
    y2 = torch.tensor(rand(3, 1, 4, 4, seed=6))
    _, _, outs = export_run(sr, y, y2)
    r["sr_ort"] = outs[1]
    with torch.no_grad():
        r["sr_close"] = bool(np.allclose(sr(y2).numpy(), outs[1], atol=1e-5))
    return r
