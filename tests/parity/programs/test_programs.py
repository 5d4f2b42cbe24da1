"""Each program in cases/ runs under torch 2.13 and under graphtorch; results must match.

See README.md in this directory.  The two frameworks run in separate fork-server
subprocesses (program_worker.py), shared by all tests of one pytest (xdist) worker.
"""
import os
import sys

import pytest

torch = pytest.importorskip("torch")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import program_runner  # noqa: E402

SELFTEST_DIR = os.path.join(program_runner.HERE, "selftest")


@pytest.fixture(scope="session")  # xdist may interleave modules: start the servers once
def workers():
    pool = {impl: program_runner.Worker(impl) for impl in ("torch", "graphtorch")}
    yield pool
    for w in pool.values():
        w.close()


@pytest.mark.parity
@pytest.mark.parametrize("name", program_runner.case_names())
def test_program(name, workers):
    problems, _, _ = program_runner.check(name, workers)
    assert not problems, "%s differs from torch:\n%s" % (name, "\n".join(problems))


# ------------------------------------------------- the pipeline itself must be able to fail
def test_pipeline_reports_a_difference(workers):
    problems, ref, got = program_runner.check("diverge", workers, SELFTEST_DIR)
    assert ref["result"]["impl"] == "torch" and got["result"]["impl"] == "graphtorch"
    assert any("key 'impl'" in p for p in problems)
    assert any("key 'value'" in p and "values differ" in p for p in problems)
    assert any("dtype" in p for p in problems)


def test_pipeline_reports_an_exception(workers):
    problems, ref, _ = program_runner.check("raises", workers, SELFTEST_DIR)
    assert ref["status"] == "error" and ref["exc_type"] == "ZeroDivisionError"
    assert len(problems) == 1 and "raised ZeroDivisionError" in problems[0]


def test_pipeline_times_out(workers):
    problems, ref, _ = program_runner.check("hangs", workers, SELFTEST_DIR)
    assert ref["status"] == "timeout"
    assert "timeout" in problems[0]


def test_programs_do_not_share_state(workers):
    """A program changing global state (default dtype, RNG) must not affect the next one."""
    first, _, _ = program_runner.check("state_a", workers, SELFTEST_DIR)
    second, ref, got = program_runner.check("state_b", workers, SELFTEST_DIR)
    assert not first and not second, first + second
    assert ref["result"]["default_dtype"] == "dtype:float32"
    assert got["result"]["default_dtype"] == "dtype:float32"
    assert ref["result"]["seeded_draw"] == got["result"]["seeded_draw"] is True


def test_rng_check_flags_rng_dependent_values(workers):
    """program_runner.py --rng-check: torch with shifted seeds must expose RNG use."""
    shifted = program_runner.Worker("torch-rng")
    try:
        pool = {"torch": workers["torch"], "torch-rng": shifted}
        problems, _, _ = program_runner.check("rng_dependent", pool, SELFTEST_DIR, "torch-rng")
        assert len(problems) == 1 and problems[0].startswith("key 'draw'"), problems
        problems, _, _ = program_runner.check("state_b", pool, SELFTEST_DIR, "torch-rng")
        assert problems == []
    finally:
        shifted.close()
