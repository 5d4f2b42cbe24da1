"""Running exported models in ONNX Runtime and comparing them with the interpreter."""
from __future__ import annotations

import numpy as np

__all__ = ["session", "run_ort", "tolerance", "compare", "VerificationError"]


class VerificationError(RuntimeError):
    """ONNX Runtime's outputs differ from graphtorch's beyond tolerance."""


def session(model):
    """An onnxruntime InferenceSession for ``model`` (ModelProto, bytes or path), CPU only,
    with graph optimizations on."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    src = model.SerializeToString() if hasattr(model, "SerializeToString") else model
    return ort.InferenceSession(src, opts, providers=["CPUExecutionProvider"])


def run_ort(model, feeds: dict, sess=None) -> list:
    sess = sess or session(model)
    return sess.run(None, feeds)


_TOL = {np.dtype(np.float16): (1e-2, 1e-2), np.dtype(np.float32): (1e-4, 1e-4),
        np.dtype(np.float64): (1e-7, 1e-7)}


def tolerance(dtype):
    """(rtol, atol) for comparing outputs of ``dtype``: exact for integers and bools."""
    return _TOL.get(np.dtype(dtype), (0.0, 0.0))


def compare(got: list, want: list, names=None, rtol=None, atol=None) -> list:
    """Per output: dict(name, max_abs, max_rel, ok); shapes and dtypes must match exactly."""
    report = []
    for k, (g, w) in enumerate(zip(got, want)):
        name = names[k] if names and k < len(names) else f"output {k}"
        g, w = np.asarray(g), np.asarray(w)
        r, a = tolerance(w.dtype)
        r = r if rtol is None else rtol
        a = a if atol is None else atol
        entry = {"name": name, "shape": tuple(w.shape), "dtype": str(w.dtype)}
        if g.shape != w.shape or g.dtype != w.dtype:
            entry.update(ok=False, max_abs=float("inf"), max_rel=float("inf"),
                         why=f"got {g.dtype}{list(g.shape)}, expected {w.dtype}{list(w.shape)}")
            report.append(entry)
            continue
        if g.size == 0:
            entry.update(ok=True, max_abs=0.0, max_rel=0.0)
            report.append(entry)
            continue
        gf, wf = g.astype(np.float64), w.astype(np.float64)
        both_nan = np.isnan(gf) & np.isnan(wf)
        same = (gf == wf) | both_nan
        diff = np.where(same, 0.0, np.abs(gf - wf))
        diff = np.where(np.isnan(diff), np.inf, diff)
        rel = diff / np.maximum(np.abs(wf), 1e-30)
        ok = bool(np.all(diff <= a + r * np.abs(np.where(np.isfinite(wf), wf, 0))))
        entry.update(ok=ok, max_abs=float(diff.max()), max_rel=float(np.where(same, 0, rel)
                                                                       .max()))
        report.append(entry)
    return report
