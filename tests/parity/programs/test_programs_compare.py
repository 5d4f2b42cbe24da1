"""The program comparator must catch every kind of difference (crafted results, no torch)."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from program_compare import compare_results, normalize, read_meta  # noqa: E402

REF = {
    "loss": np.array(0.25, dtype=np.float32),
    "logits": np.arange(6, dtype=np.float32).reshape(2, 3),
    "idx": np.array([1, 2, 3]),
    "err": "RuntimeError",
    "shape": (2, 3),
    "dtype": "dtype:float32",
    "acc": 0.5,
    "n": 3,
    "flag": True,
    "hist": [np.array([1.0, 2.0]), {"lr": 0.1, "name": "adam"}],
}


def _copy(v):
    if isinstance(v, np.ndarray):
        return v.copy()
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_copy(x) for x in v)
    return v


def _with(key, value):
    got = _copy(REF)
    got[key] = value
    return got


def test_identical_results_pass():
    assert compare_results(REF, _copy(REF), {}) == []


def test_within_float32_tolerance_passes():
    got = _with("logits", REF["logits"] * (1 + 5e-5))
    assert compare_results(REF, got, {}) == []


@pytest.mark.parametrize("key,value,needle", [
    ("loss", np.array(0.2501, dtype=np.float32), "values differ"),          # wrong number
    ("logits", REF["logits"].astype(np.float64), "dtype float64"),          # wrong dtype
    ("logits", REF["logits"].reshape(3, 2), "shape (3, 2)"),                # wrong shape
    ("idx", np.array([1, 2, 4]), "first at (2,)"),                          # wrong integer
    ("err", "ValueError", "got 'ValueError', expected 'RuntimeError'"),     # exception type
    ("shape", (2, 4), "got 4, expected 3"),                               # torch.Size
    ("shape", [2, 3], "got list, expected tuple"),                          # container type
    ("dtype", "dtype:float64", "expected 'dtype:float32'"),                 # torch.dtype
    ("acc", 0.51, "expected 0.5"),                                          # Python float
    ("acc", np.array(0.5), "expected float"),                               # float vs array
    ("n", 3.0, "expected 3"),                                               # int vs float
    ("flag", 1, "expected True"),                                           # bool vs int
    ("flag", np.array(True), "expected True"),                              # bool vs array
    ("hist", [np.array([1.0, 2.0])], "length 1 != expected 2"),             # nested length
    ("hist", [np.array([1.0, 2.0]), {"lr": 0.2, "name": "adam"}], "['lr']"),  # nested value
    ("hist", [np.array([1.0, 2.0]), {"lr": 0.1}], "missing ['name']"),      # nested key
    ("loss", np.array(np.nan, dtype=np.float32), "values differ"),          # NaN vs number
])
def test_each_difference_is_reported(key, value, needle):
    problems = compare_results(REF, _with(key, value), {})
    assert len(problems) == 1 and needle in problems[0], problems
    assert problems[0].startswith("key %r" % key)


def test_missing_and_unexpected_keys():
    got = _copy(REF)
    del got["loss"]
    got["extra"] = 1
    assert compare_results(REF, got, {}) == ["key 'loss' missing", "unexpected key 'extra'"]


def test_nan_matches_nan_and_inf_must_match():
    ref = {"x": np.array([np.nan, np.inf, 1.0]), "f": float("nan")}
    assert compare_results(ref, _copy(ref), {}) == []
    problems = compare_results(ref, {"x": np.array([np.nan, -np.inf, 1.0]), "f": 1.0}, {})
    assert len(problems) == 2


def test_tolerances_follow_reference_dtype_and_settings():
    ref = {"a": np.array([1.0], dtype=np.float64), "b": np.array([1.0], dtype=np.float16)}
    near = {"a": np.array([1.0 + 1e-5]), "b": np.array([1.005], dtype=np.float16)}
    assert compare_results(ref, near, {}) == ["key 'a': 1/1 values differ; worst at (0,): "
                                              "got 1.00001, expected 1.0 (rtol=1e-06 atol=1e-08)"]
    # a module-wide RTOL replaces every default (so float16's looser rtol is gone) ...
    assert [p[:7] for p in compare_results(ref, near, {"RTOL": 1e-4})] == ["key 'b'"]
    assert compare_results(ref, near, {"RTOL": 1e-2}) == []
    # ... while TOL changes one key only
    assert compare_results(ref, near, {"TOL": {"a": {"rtol": 1e-4}}}) == []
    assert [p[:7] for p in compare_results(ref, near, {"TOL": {"b": {"rtol": 1e-4}}})] \
        == ["key 'a'", "key 'b'"]


def test_dtype_strict_switches():
    ref, got = {"a": np.ones(2, np.float32)}, {"a": np.ones(2, np.float64)}
    assert compare_results(ref, got, {}) != []
    assert compare_results(ref, got, {"DTYPE_STRICT": False}) == []
    assert compare_results(ref, got, {"TOL": {"a": {"dtype": False}}}) == []


def test_normalize_plain_values_without_a_framework():
    fake_fw = object()
    res = normalize({"a": (1, 2.5, True, None, "s", np.float64(2.0), [np.int64(3)])}, fake_fw)
    assert res == {"a": (1, 2.5, True, None, "s", 2.0, [np.asarray(3)])}
    assert type(res["a"][5]) is float
    with pytest.raises(TypeError, match="unsupported result type"):
        normalize({"a": object()}, fake_fw)


def test_read_meta(tmp_path):
    p = tmp_path / "prog.py"
    p.write_text('"""doc"""\nRTOL = 1e-3\nTOL = {"x": {"atol": 1.0}}\nOTHER = 5\n'
                 "def run():\n    return {}\n")
    assert read_meta(str(p)) == {"RTOL": 1e-3, "TOL": {"x": {"atol": 1.0}}}


# ------------------------------------------------ runner decisions, with fake fork servers
class _FakeWorker:
    def __init__(self, payload):
        self.payload = payload

    def run(self, path, timeout):
        return dict(self.payload)


def _check(ref_payload, got_payload):
    from program_runner import check
    workers = {"torch": _FakeWorker(ref_payload), "graphtorch": _FakeWorker(got_payload)}
    return check("diverge", workers, os.path.join(os.path.dirname(__file__), "selftest"))[0]


def test_runner_requires_the_shim_to_be_in_effect():
    ok = {"status": "ok", "result": {"a": 1}}
    assert _check(dict(ok, framework="torch"), dict(ok, framework="graphtorch")) == []
    assert _check(dict(ok, framework="torch"), dict(ok, framework="torch")) \
        == ["the graphtorch side ran 'torch'"]


def test_runner_reports_a_graphtorch_exception():
    ref = {"status": "ok", "result": {"a": 1}, "framework": "torch"}
    got = {"status": "error", "exc_type": "TypeError", "msg": "bad arg", "tb": "Traceback",
           "framework": "graphtorch"}
    problems = _check(ref, got)
    assert len(problems) == 1 and problems[0].startswith("graphtorch raised TypeError: bad arg")
