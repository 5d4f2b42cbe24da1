"""Every registry op traced: for each op, dtype and sample, ``jit.trace`` of a function calling
the op through eager dispatch gives bit-identical results when called (traced), when its graph
runs in the interpreter, and eagerly; random ops under the same ``manual_seed``.  Each traced
graph holds the op's node and passes the verifier at its generic sizes.

An op that cannot pass must be listed in ``EXCLUDED`` with the reason, and the test checks that
the exclusion is still needed (it fails once the op passes).  Samples whose values are
unspecified (uninitialized memory) are compared by shape and dtype only (``UNSPECIFIED``); the
test checks such samples still exist."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import graphtorch as gt
from graphtorch.eager.dispatch import call
from graphtorch.eager.tensor import Tensor, wrap
from graphtorch.ir.interpreter import run_graph
from graphtorch.ir.verifier import verify
from graphtorch.ops import all_ops
from graphtorch.ops import registry as R

OPS = all_ops()

# op name -> why its trace cannot equal eager (empty: every op passes)
EXCLUDED: dict = {}

# op name -> (predicate on a sample, why): those samples' values are unspecified
UNSPECIFIED = {
    "full": (lambda s: s.kwargs.get("fill_value") is None,
             "fill_value=None is torch.empty: uninitialized memory, the values are unspecified"),
}


def _leaves(x) -> list:
    return [y for v in x for y in _leaves(v)] if isinstance(x, (tuple, list)) else [x]


def _same(a, b, values=True) -> bool:
    """Bitwise equality of two results (same structure, dtypes, shapes and bytes)."""
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and \
            all(_same(x, y, values) for x, y in zip(a, b))
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a.dtype is not b.dtype or a._data.shape != b._data.shape:
            return False
        return not values or np.ascontiguousarray(a._data).tobytes() == \
            np.ascontiguousarray(b._data).tobytes()
    return type(a) is type(b) and (a == b or a != a and b != b)


def _check_sample(op, sample) -> str:
    """'' when traced == interpreter == eager for ``sample``, else what differs."""
    pos = [i for i, a in enumerate(sample.args) if isinstance(a, np.ndarray)]

    def tensors():
        return [wrap(sample.args[i].copy()) for i in pos]

    def fn(*ts):
        args = list(sample.args)
        for i, t in zip(pos, ts):
            args[i] = t
        return call(op, *args, **sample.kwargs)

    values = not (op.name in UNSPECIFIED and UNSPECIFIED[op.name][0](sample))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt.manual_seed(0)
        want = fn(*tensors())
        gt.manual_seed(0)
        traced = gt.jit.trace(fn, tuple(tensors()), check_trace=False)
        gt.manual_seed(0)
        got = traced(*tensors())
        gt.manual_seed(0)
        interp = run_graph(traced.graph, *tensors())
    if op.name not in {n.kind for n in traced.graph.walk()}:
        return "the graph has no node of the op"
    if not _same(got, want, values):
        return "traced call differs from eager"
    if not _same(interp, _leaves(want), values):
        return "interpreter differs from eager"
    try:
        verify(traced.graph)
    except Exception as e:  # noqa: BLE001 - reported as the failure
        return f"verifier: {str(e).splitlines()[0]}"
    return ""


def _failures(op) -> list:
    out = []
    for dt in op.dtypes:
        for sample in op.samples(dt):
            try:
                why = _check_sample(op, sample)
            except Exception as e:  # noqa: BLE001 - reported as the failure
                why = f"{type(e).__name__}: {e}"
            if why:
                out.append(f"{op.name} {dt} {sample.name!r}: {why}")
    return out


@pytest.mark.parametrize("op", [op for op in OPS if op.name not in EXCLUDED],
                         ids=lambda o: o.name)
def test_traced_equals_interpreter_equals_eager(op):
    failures = _failures(op)
    assert not failures, "\n".join(failures[:5])


def test_exclusions_are_still_needed():
    for name, why in EXCLUDED.items():
        assert _failures(R.get(name)), f"{name} passes now: remove it from EXCLUDED ({why})"
    for name, (pred, why) in UNSPECIFIED.items():
        op = R.get(name)
        assert any(pred(s) for dt in op.dtypes for s in op.samples(dt)), \
            f"{name} has no unspecified-value sample any more: remove it from UNSPECIFIED"


def test_comparison_is_bitwise():
    a = wrap(np.array([0.0, np.nan], np.float32))
    assert _same(a, wrap(np.array([0.0, np.nan], np.float32)))
    assert not _same(a, wrap(np.array([-0.0, np.nan], np.float32)))  # the sign bit counts
    assert not _same(a, wrap(np.array([0.0, np.nan], np.float64)))
    assert not _same((a,), a)
