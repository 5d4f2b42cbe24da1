"""Every registry op through the ONNX exporter: a rule or a decomposition (or a justified
exclusion), and on every sample onnx.checker passes and ONNX Runtime equals the interpreter."""
import numpy as np
import pytest

from graphtorch.codegen.onnx import ExportError, export_graph, registry as RR
from graphtorch.codegen.onnx.exclusions import EXCLUDED, PARTIAL
from graphtorch.ops import dtypes as D
from graphtorch.ops import registry as R

from onnx_opcheck import check_op, pick_dtypes, sample_graph

RR.load_all()
OPS = [op for op in R.all_ops() if op.name not in EXCLUDED]
# ops whose ONNX lowering differs by opset (Reduce* axes as inputs from 18, Split's
# num_outputs, Gelu from 20): checked at 17 too
OPSET_SENSITIVE = ("amax", "amin", "max", "min", "mean", "prod", "logsumexp", "glu",
                   "lstm_cell", "gru_cell", "max_pool", "bincount", "aminmax", "cummax",
                   "median_dim", "gelu", "batch_norm", "sum_to_size", "nanmean", "norm",
                   "var", "std", "all", "any", "softmax", "layer_norm", "addbmm")
# 0 ** negative int is undefined in PyTorch (its kernel returns garbage): not compared
DIVERGENT = {("pow", D.int64)}
RANDOM_OPSET = 21  # onnxruntime lacks the opset-22 RandomUniformLike/RandomNormalLike kernels


def _keep(op):
    part = PARTIAL.get(op.name)
    return None if part is None else (lambda s: not part[0](s.kwargs))


def test_every_op_has_a_rule_a_decomposition_or_a_reason():
    missing = [op.name for op in R.all_ops() if op.name not in EXCLUDED and
               op.name not in RR.RULES and op.decomp is None]
    assert not missing, f"ops without an ONNX rule or decomposition: {missing}"


def test_exclusions_are_current():
    for name, why in EXCLUDED.items():
        assert R.has(name), f"excluded op {name} is not in the registry any more"
        assert name not in RR.RULES, f"{name} has a rule now: remove it from EXCLUDED"
        assert R.get(name).decomp is None, f"{name} has a decomposition now"
        assert len(why) > 20


@pytest.mark.parametrize("name", sorted(EXCLUDED))
def test_excluded_ops_raise_naming_the_op(name):
    op = R.get(name)
    tr, _, _ = sample_graph(op, op.dtypes[0])
    with pytest.raises(ExportError, match=f"'{name}'"):
        export_graph(tr.graph)


@pytest.mark.parametrize("op", OPS, ids=lambda o: o.name)
def test_op_samples(op):
    opset = RANDOM_OPSET if "random" in op.tags else None
    for dt in pick_dtypes(op):
        if (op.name, dt) in DIVERGENT:
            continue
        bad = check_op(op, dt, opset, keep=_keep(op))
        assert not bad, f"{op.name} {dt}: {bad}"


@pytest.mark.parametrize("name", OPSET_SENSITIVE)
def test_op_samples_opset17(name):
    op = R.get(name)
    for dt in pick_dtypes(op)[:1]:
        assert not check_op(op, dt, 17, keep=_keep(op))


def test_partial_samples_raise():
    for name, (pred, why) in PARTIAL.items():  # empty while every sample exports
        op = R.get(name)
        assert len(why) > 20
        tr, _, _ = sample_graph(op, op.dtypes[0], keep=lambda s: pred(s.kwargs))
        with pytest.raises(ExportError, match=name):
            export_graph(tr.graph)


def test_op_needing_newer_opset_names_op_opset_and_line():
    op = R.get("bitwise_and")
    tr, _, _ = sample_graph(op, D.int64)
    with pytest.raises(ExportError, match=r"'bitwise_and' at .*onnx_opcheck.py:\d+.*opset >= 18"):
        export_graph(tr.graph, 17)


def test_dynamic_sample_shapes_stay_dynamic():
    # all dims symbolic: sizes are computed with Shape ops, and the model runs at the trace
    # sizes (a smoke test of symbolic lowering on many ops at once)
    for name in ("reshape", "expand", "cat", "softmax", "linear", "sum", "slice", "unsqueeze"):
        op = R.get(name)
        assert not check_op(op, D.float32, dynamic=True, keep=_keep(op)), name
    assert np.int64(0) == 0
