"""graphtorch LLVM at 1 vs 2 threads (``python benchmarks/bench_llvm.py --thread-scaling``):
does a batch-1 call stay on one thread, do large kernels use both, and do 2 threads ever lose?

Run with ``OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2`` so both pools may grow to 2."""
from __future__ import annotations

import sys
import time

from harness import fmt, markdown, median_time
from bench_llvm_models import build_pair


def thread_scaling(args):
    """graphtorch LLVM at 1 and 2 threads in one process (``torch.set_num_threads`` between
    interleaved rounds, so both see the same machine load): per workload and batch the median
    time per call at each count, and how many parallel regions a 2-thread call enters."""
    import statistics

    import numpy as np
    import graphtorch as gt
    from graphtorch.codegen.llvm import gemm_lib
    gemm_lib.start()  # time the kernel library, not the stand-ins used while it builds
    gemm_lib.wait(300)
    from graphtorch.codegen.llvm import threads as TH
    from tests.jit.zoo import np_input
    batches = [int(b) for b in args.batches.split(",")]
    rows = []
    for name in args.only:
        gm, _, shape = build_pair(name)
        gc = gt.compile(gm)
        for b in batches:
            x = gt.from_numpy(np_input((b, *shape), seed=b))
            with gt.no_grad():
                gt.set_num_threads(1)
                ref = gc(x).numpy()
                gt.set_num_threads(2)
                diff = float(np.max(np.abs(gc(x).numpy() - ref)))
                n = max(1, int(0.02 / max(median_time(lambda: gc(x), 0.02, 3), 1e-7)))
                times = {1: [], 2: []}
                regions = 0
                for _ in range(args.repeat):
                    for t in (1, 2):
                        gt.set_num_threads(t)
                        r0 = TH.stats()
                        t0 = time.perf_counter()
                        for _ in range(n):
                            gc(x)
                        times[t].append((time.perf_counter() - t0) / n)
                        if t == 2:
                            regions += TH.stats() - r0
            t1, t2 = statistics.median(times[1]), statistics.median(times[2])
            rows.append([name, b, fmt(t1).strip(), fmt(t2).strip(), f"{t2 / t1:.2f}x",
                         f"{regions / (n * args.repeat):.1f}", f"{diff:.0e}"])
            print(f"  {name} b={b}: T1 {fmt(t1)} T2 {fmt(t2)}", file=sys.stderr, flush=True)
    print(markdown(["workload", "B", "LLVM 1 thread", "LLVM 2 threads", "T2/T1",
                    "parallel regions per call (T2)", "max|T2-T1|"], rows))
