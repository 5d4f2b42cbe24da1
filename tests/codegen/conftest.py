import pytest


@pytest.fixture(scope="session", autouse=True)
def _gemm_library_ready():
    """Graphs call the GEMM kernel library from the first test on.  On an empty disk cache
    they would call BLAS stand-ins until a child process has built it (gemm_lib.py), and the
    tests that compare thread counts bitwise would depend on that race (BLAS blocks a
    band's columns differently from the generated kernels)."""
    from graphtorch.codegen.llvm import gemm_lib
    if gemm_lib.ENABLED:
        gemm_lib.start()
        assert gemm_lib.wait(300), "the GEMM kernel library was not built"
    yield


@pytest.fixture
def team(monkeypatch):
    """``team(n, free_cores=None)``: compiled code runs on ``n`` threads while the free-core
    gate reads ``free_cores`` (None: every core free, whatever the machine's load); the thread
    count, the GEMM split switch and the gate are restored afterwards.  Skipped where libgomp
    is missing: a platform probe (the backend then stays serial), not a missing feature."""
    import graphtorch as gt
    from graphtorch.codegen.llvm import engine, threads
    engine.target_machine()  # binds the JIT's symbols: libgomp is looked up then
    if not threads.available():
        pytest.skip("libgomp is not available on this machine: the backend stays serial")
    old, split = gt.get_num_threads(), threads.GEMM_SPLIT.value
    free = {"n": None}
    monkeypatch.setattr(threads, "free_cores", lambda: free["n"])

    def set_team(n, free_cores=None):
        free["n"] = free_cores
        gt.set_num_threads(n)
        threads._STATE["gate_at"] = 0.0  # look at the (patched) machine now,
        threads._STATE["applied"] = None  # as a fresh decision (no second look to confirm)
        threads.sync()
    yield set_team
    threads.GEMM_SPLIT.value = split
    gt.set_num_threads(old)
    threads._STATE["gate_at"] = 0.0
