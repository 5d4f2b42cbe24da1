"""torch.onnx.export into a file-like object (io.BytesIO, an open binary file), as torch."""
import io

import numpy as np
import onnx
import onnxruntime as ort

import graphtorch as torch

nn = torch.nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


def _check_bytes(data, model, x):
    proto = onnx.load_model_from_string(data)
    onnx.checker.check_model(proto)
    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    got = sess.run(None, {name: x.numpy()})[0]
    np.testing.assert_allclose(got, model(x).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_export_to_bytesio_runs_in_onnxruntime():
    torch.manual_seed(0)
    model, x = Net().eval(), torch.randn(3, 4)
    buf = io.BytesIO()
    prog = torch.onnx.export(model, (x,), buf)
    assert prog is not None
    assert buf.tell() > 0
    _check_bytes(buf.getvalue(), model, x)


def test_export_to_open_file_and_legacy_dynamo_false(tmp_path):
    torch.manual_seed(1)
    model, x = Net().eval(), torch.randn(2, 4)
    path = tmp_path / "m.onnx"
    with open(path, "wb") as fh:
        assert torch.onnx.export(model, (x,), fh, dynamo=False) is None
    _check_bytes(path.read_bytes(), model, x)
