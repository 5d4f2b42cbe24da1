"""graphtorch.onnx.export's face: PyTorch's signature and results, saving, names, source
lines, verification, opset and dynamic-axis errors, and import errors."""
import inspect
import os

import numpy as np
import onnx
import pytest
from onnx import helper

import graphtorch as torch
import graphtorch.onnx as gonnx
from graphtorch.codegen.onnx import newest_opset
from graphtorch.codegen.onnx.runtime import VerificationError, run_ort

nn = torch.nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


EXPECTED_PARAMS = ["model", "args", "f", "kwargs", "verbose", "input_names", "output_names",
                   "opset_version", "dynamo", "external_data", "dynamic_shapes",
                   "custom_translation_table", "report", "optimize", "verify", "profile",
                   "dump_exported_program", "artifacts_dir", "export_params",
                   "keep_initializers_as_inputs", "dynamic_axes", "training",
                   "operator_export_type", "do_constant_folding", "custom_opsets",
                   "export_modules_as_functions", "autograd_inlining"]


def test_signature_matches_torch_213():
    sig = inspect.signature(gonnx.export)
    assert list(sig.parameters) == EXPECTED_PARAMS
    assert sig.parameters["dynamo"].default is True
    assert sig.parameters["external_data"].default is True
    assert sig.parameters["export_params"].default is True


def test_program_names_sources_and_save(tmp_path):
    torch.manual_seed(0)
    m = Net()
    x = torch.randn(3, 4)
    prog = gonnx.export(m, (x,), input_names=["x"], output_names=["y"])
    assert isinstance(prog, gonnx.ONNXProgram)
    g = prog.model_proto.graph
    assert {t.name for t in g.initializer} == {n for n, _ in m.named_parameters()}
    assert [i.name for i in g.input] == ["x"] and [o.name for o in g.output] == ["y"]
    gemms = [nd for nd in g.node if nd.op_type == "Gemm"]
    assert [nd.name.split("/")[1] for nd in gemms] == ["fc1", "fc2"]
    assert all("test_onnx_api.py:" in nd.doc_string for nd in gemms)
    path = tmp_path / "net.onnx"
    assert gonnx.export(m, (x,), str(path)) is not None
    assert gonnx.export(m, (x,), str(path), dynamo=False) is None
    assert [p.name for p in tmp_path.iterdir()] == ["net.onnx"]  # no temporary left
    got = run_ort(onnx.load(str(path)), {"x": x.numpy()})[0]
    np.testing.assert_allclose(got, m(x).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_external_data_roundtrip(tmp_path):
    m = Net()
    x = torch.randn(2, 4)
    prog = gonnx.export(m, (x,), input_names=["x"])
    path = tmp_path / "ext.onnx"
    prog.save(str(path), external_data=None)  # small: one file
    assert not (tmp_path / "ext.onnx.data").exists()
    path2 = tmp_path / "ext2.onnx"
    prog.save(str(path2), external_data=None) if False else None
    from graphtorch.onnx import _program
    saved, _program._TWO_GB = _program._TWO_GB, 10  # pretend the model is huge
    try:
        prog.save(str(path2))
    finally:
        _program._TWO_GB = saved
    assert (tmp_path / "ext2.onnx.data").exists()
    loaded = onnx.load(str(path2))
    got = run_ort(loaded, {"x": x.numpy()})[0]
    np.testing.assert_allclose(got, m(x).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_verify_reports_and_raises(monkeypatch):
    m = Net()
    x = torch.randn(2, 4)
    prog = gonnx.export(m, (x,), verify=True)
    assert prog.report and prog.report[0]["ok"] and prog.report[0]["max_abs"] < 1e-5
    from graphtorch.codegen.onnx import registry as RR
    orig = RR.RULES["relu"]
    monkeypatch.setitem(RR.RULES, "relu", [(17, lambda ctx: [ctx.emit("Neg", [ctx.inp(0)])])])
    with pytest.raises(VerificationError, match="max abs error"):
        gonnx.export(m, (x,), verify=True)
    assert orig


def test_opset_is_honoured_and_checked():
    m, x = Net(), torch.randn(2, 4)
    for op in (17, 18, newest_opset()):
        assert gonnx.export(m, (x,), opset_version=op).model_proto.opset_import[0].version == op
    with pytest.raises(ValueError, match="opset_version=16"):
        gonnx.export(m, (x,), opset_version=16)


def test_op_needing_newer_opset_names_op_and_line():
    def f(a, b):
        return a & b
    a = torch.tensor([1, 2, 3])
    with pytest.raises(gonnx.OnnxExporterError, match=r"'bitwise_and' at .*test_onnx_api.py:\d+.*"
                                                       r"opset >= 18"):
        gonnx.export(f, (a, a), opset_version=17)


def test_dynamic_axes_dynamic_and_others_static():
    m = Net()
    prog = gonnx.export(m, (torch.randn(3, 4),), input_names=["x"], output_names=["y"],
                        dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    dims = prog.model_proto.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and dims[1].dim_value == 4
    assert prog.model_proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    static = gonnx.export(m, (torch.randn(3, 4),), input_names=["x"])
    assert static.model_proto.graph.input[0].type.tensor_type.shape.dim[0].dim_value == 3


def test_specialized_dynamic_axis_names_the_line():
    def f(x):
        return x.reshape(6, -1) if x.shape[0] == 3 else x  # noqa: the size becomes a guard
    with pytest.raises(gonnx.OnnxExporterError, match="test_onnx_api.py:"):
        gonnx.export(f, (torch.randn(3, 4),), input_names=["x"], dynamic_axes={"x": [0]})


def test_dynamic_shapes_torch_export_style():
    m = Net()
    prog = gonnx.export(m, (torch.randn(3, 4),), dynamic_shapes=({0: "n"},))
    assert prog.model_proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "n"
    got = prog(torch.randn(7, 4))[0]
    assert tuple(got.shape) == (7, 2)


def test_import_unsupported_op_names_op_node_and_opset():
    node = helper.make_node("Det", ["x"], ["y"], name="the_det")
    g = helper.make_graph([helper.make_node("Hardmax", ["x"], ["y"], name="hm")], "g",
                          [helper.make_tensor_value_info("x", 1, [2, 2])],
                          [helper.make_tensor_value_info("y", 1, [2, 2])])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(NotImplementedError, match=r"'Hardmax'.*'hm'.*opset 17"):
        gonnx.load_model(model)
    old = helper.make_model(g, opset_imports=[helper.make_opsetid("", 11)])
    with pytest.raises(NotImplementedError, match="opset 11"):
        gonnx.load_model(old)
    assert node.name == "the_det"


def test_functions_and_traced_modules_export():
    m = Net()
    x = torch.randn(2, 4)
    traced = torch.jit.trace(m, (x,))
    for model in (traced, lambda a: a.sin() * 2):
        prog = gonnx.export(model, (x,))
        onnx.checker.check_model(prog.model_proto, full_check=True)
    assert os.path.basename(__file__).startswith("test_onnx")


def test_verify_checks_other_sizes_of_dynamic_axes(monkeypatch):
    """A lowering right at the example's size but wrong at others is caught: verify also
    runs the inputs resized along each dynamic axis."""
    m = Net()
    x = torch.randn(2, 4)
    prog = gonnx.export(m, (x,), input_names=["x"], dynamic_axes={"x": {0: "batch"}},
                        verify=True)
    assert {r.get("at") for r in prog.report} == {None, "batch=3"}
    from graphtorch.codegen.onnx import registry as RR
    from graphtorch.ops import dtypes as D

    def size_dependent_relu(ctx):  # relu(x) + (batch - 2): exact only at batch 2
        off = ctx.emit("Sub", [ctx.emit("Shape", [ctx.inp(0)], start=0, end=1), ctx.ints([2])])
        return [ctx.emit("Add", [ctx.emit("Relu", [ctx.inp(0)]),
                                 ctx.cast(off, D.int64, D.float32)])]
    monkeypatch.setitem(RR.RULES, "relu", [(17, size_dependent_relu)])
    with pytest.raises(VerificationError, match=r"at batch=3"):
        gonnx.export(m, (x,), input_names=["x"], dynamic_axes={"x": {0: "batch"}},
                     verify=True)
    gonnx.export(m, (x,), input_names=["x"], verify=True)  # static: only the example size


def test_atomic_save_leaves_old_file_on_failure(tmp_path, monkeypatch):
    m, x = Net(), torch.randn(2, 4)
    path = tmp_path / "m.onnx"
    gonnx.export(m, (x,), str(path))
    before = path.read_bytes()

    def broken(model, f, *a, **k):
        with open(f, "wb") as fh:
            fh.write(b"partial")
        raise OSError("disk full")
    monkeypatch.setattr(onnx, "save_model", broken)
    with pytest.raises(OSError, match="disk full"):
        gonnx.export(Net(), (x,), str(path))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


def test_nodes_carry_source_and_module_path_metadata():
    m = Net()
    prog = gonnx.export(m, (torch.randn(2, 4),))
    onnx.checker.check_model(prog.model_proto, full_check=True)
    gemm = [nd for nd in prog.model_proto.graph.node if nd.op_type == "Gemm"][0]
    meta = {p.key: p.value for p in gemm.metadata_props}
    assert "test_onnx_api.py:" in meta["source"] and meta["module"] == "fc1"
    assert gemm.doc_string == meta["source"] and gemm.name.startswith("/fc1/")


class _ScanStack(torch.nn.Module):
    def forward(self, x, n):
        out = []
        for i in range(n):
            out.append(x * i)
        return torch.stack(out)


def test_zero_trip_assertion_is_reported_not_dropped(tmp_path):
    m = torch.jit.script(_ScanStack())
    x, n = torch.ones(3), torch.tensor(4)
    m(x, n)
    with pytest.raises(RuntimeError, match="non-empty TensorList"):
        m(x, torch.tensor(0))
    with pytest.warns(UserWarning, match="stack expects a non-empty TensorList.*no assertion"):
        torch.onnx.export(m, (x, n), str(tmp_path / "scan.onnx"))
    model = onnx.load(str(tmp_path / "scan.onnx"))
    names = [i.name for i in model.graph.input]
    got = run_ort(model, dict(zip(names, [x.numpy(), np.array(3)])))
    np.testing.assert_allclose(got[0], m(x, torch.tensor(3)).numpy())
