"""torch.onnx: export models to ONNX and load ONNX models as trainable modules.

``export(model, args, f, ...)`` has PyTorch 2.13's signature; ``load_model(path)`` reads an
ONNX model (opset 13+) into a graphtorch module whose initializers are Parameters, so it runs
on every backend, can be fine-tuned and exported again."""
from __future__ import annotations

from ._export import OnnxExporterError, TrainingMode, export, is_in_onnx_export
from ._program import ONNXProgram

__all__ = ["export", "load_model", "ONNXProgram", "TrainingMode", "OnnxExporterError",
           "is_in_onnx_export"]


def load_model(f):
    """Load an ONNX model (path, bytes or ModelProto) as a trainable graphtorch module.

    Initializers become Parameters (float) or buffers (integer/bool), named after the
    initializer names (``fc1.weight`` gives submodule ``fc1`` with parameter ``weight``).
    Unsupported ONNX ops raise NotImplementedError naming the op, the node and the opset."""
    from ._imported import load_model as _load
    return _load(f)
