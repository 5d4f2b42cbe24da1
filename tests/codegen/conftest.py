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
