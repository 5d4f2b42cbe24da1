"""Microbenchmark of the llvm backend's small-M float32 GEMM kernels (codegen/llvm/gemm_small.py,
gemm_packed.py, gemm_tn.py) on one thread, per shape, against scipy's OpenBLAS ``sgemm`` called
the same way (from a native loop, no Python per call) and ONNX Runtime's MLAS.

Shapes: the MLP 784-512-512-10 layers (B stored [N, K]), the LSTM(64, 128) recurrent product
(B stored [K, N] after rnn_pack's transpose: "axpy" form; the dot form at one row) and its
input projections (M = seq * batch), the Transformer layer's linears (d 256, ff 1024), at
M = 1 ... 2048 (``--rows``, default 1, 8, 64, 128).  Columns: "new" is the kernel emit_call
picks for the sizes (what compiled graphs run), "packed" forces gemm_packed's kernel, "blas"
is sgemm, "ort" a one-node ONNX Runtime session (``Gemm`` with transB, B an initializer that
MLAS packs once at session creation, 1 intra-op thread; ``--no-ort`` or no onnxruntime:
omitted); microseconds per call, GFLOP/s, the new kernel's rate as a % of sgemm's and its
time over MLAS's.  The ort column is the median call time minus a 1 x 1 x 1 product's (ORT's
per-call overhead, ~3 us); it still counts the output's allocation, so for products of a
few microseconds MLAS is faster than shown: ORT's profiler (``enable_profiling``, node
"kernel_time") gave 62 / 42 us for the MLP's 8 x 512 x 784 / 512 layers (column: 72 / 42).
Operands are placed like numpy's large arrays (B 16 bytes past a 64-byte boundary;
``--offsets``).

``--baseline FILE`` adds a column for another version of gemm_small.py (a copy of the file,
e.g. before an edit) and ``--knob NAME=VALUE`` one for the current module with a constant
changed, timed interleaved with the current one in the same process: A/B.

    flock /tmp/gt_bench.lock python benchmarks/bench_gemm_small.py --baseline /tmp/old.py
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy / scipy load OpenBLAS

import argparse  # noqa: E402
import ctypes  # noqa: E402
import importlib.util  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from llvmlite import ir  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from graphtorch.codegen.llvm import engine, gemm_lib, gemm_small  # noqa: E402

# every variant defines its kernels in its own module (graphs link the shared library
# instead, gemm_lib.py), so A/B columns time the code of their own file
gemm_lib.ENABLED = False
from graphtorch.codegen.llvm.fnctx import F32, I1, I8, I32, I64, PTR  # noqa: E402

# (label, M, N, K, tb): tb = B stored [N, K]
SHAPES = [(f"{name} m{m}", m, n, k, tb)
          for m in (1, 8, 16, 32, 64, 128, 256, 1024, 2048)
          for name, n, k, tb in (("mlp fc1", 512, 784, True), ("mlp fc2", 512, 512, True),
                                 ("mlp fc3", 10, 512, True),
                                 ("lstm hh", 512, 128, m < 4),
                                 ("lstm ih0", 512, 64, True), ("lstm ih1", 512, 128, True),
                                 ("tf qkv", 768, 256, True), ("tf out", 256, 256, True),
                                 ("tf ff1", 1024, 256, True), ("tf ff2", 256, 1024, True))]
_ARGS = [PTR, PTR, PTR] + [I64] * 6 + [I1, I64]  # A B C M N K lda ldb ldc acc reps


def load_variant(path):
    """gemm_small from another file (same package, so its relative imports resolve)."""
    spec = importlib.util.spec_from_file_location(
        "graphtorch.codegen.llvm._bench_gemm_variant", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _loop(b, reps, body):
    pre = b.block
    head, loop, done = (b.append_basic_block(x) for x in ("h", "l", "d"))
    b.branch(head)
    b.position_at_end(head)
    i = b.phi(I64)
    i.add_incoming(ir.Constant(I64, 0), pre)
    b.cbranch(b.icmp_signed("<", i, reps), loop, done)
    b.position_at_end(loop)
    body()
    i.add_incoming(b.add(i, ir.Constant(I64, 1)), b.block)
    b.branch(head)
    b.position_at_end(done)


class _FC:
    """The part of a lowering function context gemm_small.emit_call uses."""
    def __init__(self, fn, b):
        self.fn, self.b = fn, b


def _small_fn(mod, gs, name, tb, how):
    """A loop calling the small kernel ``reps`` times: ``how`` "emit" is the kernel
    emit_call picks for the sizes at run time (what compiled graphs run), "packed" forces
    gemm_packed's kernel."""
    f = ir.Function(mod, ir.FunctionType(ir.VoidType(), _ARGS), name)
    b = ir.IRBuilder(f.append_basic_block())
    a, bm, c, m, n, k, lda, ldb, ldc, acc, reps = f.args

    def once():
        if how == "packed":
            b.call(gs.kernel(mod, True, packed=True), list(f.args[:10]))
            return
        with b.if_else(acc) as (one, zero):  # emit_call takes beta as a constant
            for blk, beta in ((one, 1.0), (zero, 0.0)):
                with blk:
                    gs.emit_call(_FC(f, b), tb, m, n, k, a, lda, bm, ldb, c, ldc, beta)
    _loop(b, reps, once)
    b.ret_void()


def _blas_fn(mod, name, tb):
    """The same loop calling sgemm the way rules_gemm does (column-major C^T = B^T A^T)."""
    f = ir.Function(mod, ir.FunctionType(ir.VoidType(), _ARGS), name)
    b = ir.IRBuilder(f.append_basic_block())
    a, bm, c, m, n, k, lda, ldb, ldc, acc, reps = f.args
    sg = mod.globals.get("gt_blas_sgemm") or ir.Function(
        mod, ir.FunctionType(ir.VoidType(), [PTR] * 13), "gt_blas_sgemm")
    beta = b.select(acc, ir.Constant(F32, 1.0), ir.Constant(F32, 0.0))
    vals = [(I8, ir.Constant(I8, ord("T" if tb else "N"))), (I8, ir.Constant(I8, ord("N"))),
            (I32, b.trunc(n, I32)), (I32, b.trunc(m, I32)), (I32, b.trunc(k, I32)),
            (F32, ir.Constant(F32, 1.0)), None, (I32, b.trunc(ldb, I32)), None,
            (I32, b.trunc(lda, I32)), (F32, beta), None, (I32, b.trunc(ldc, I32))]
    ptrs = {6: bm, 8: a, 11: c}
    cells = []
    for pos, tv in enumerate(vals):
        if tv is None:
            cells.append(ptrs[pos])
            continue
        cell = b.alloca(tv[0])
        b.store(tv[1], cell)
        cells.append(cell)
    _loop(b, reps, lambda: b.call(sg, cells))
    b.ret_void()


def _compile(mod, names):
    tm = engine.target_machine()
    mod.triple, mod.data_layout = tm.triple, str(tm.target_data)
    obj, _ = engine.compile_ir(str(mod), 3)
    return dict(zip(names, engine.load_object(obj, list(names))))


def build(variants):
    """{(variant, tb, how): ctypes function} for every kernel variant plus 'blas'; one
    LLVM module per variant (the kernels' names are the same in every version)."""
    addr = {}
    for vi, (vname, gs) in enumerate(variants):
        mod = ir.Module(name=f"bench_gemm_small_{vi}")
        combos = ((True, "emit"), (False, "emit"))
        if "packed" in gs.kernel.__code__.co_varnames:
            combos += ((True, "packed"),)
        names = {}
        for tb, how in combos:
            nm = f"bench_{vi}_{int(tb)}{how}"
            _small_fn(mod, gs, nm, tb, how)
            names[nm] = (vname, tb, how)
        addr.update({names[nm]: a for nm, a in _compile(mod, names).items()})
    mod = ir.Module(name="bench_gemm_blas")
    for tb in (True, False):
        _blas_fn(mod, f"bench_blas_{int(tb)}", tb)
    blas = _compile(mod, ["bench_blas_0", "bench_blas_1"])
    for tb in (True, False):
        addr[("blas", tb, "emit")] = blas[f"bench_blas_{int(tb)}"]
    proto = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * 3, *[ctypes.c_int64] * 6,
                             ctypes.c_bool, ctypes.c_int64)
    return {key: proto(a) for key, a in addr.items()}


def _placed(shape, offset):
    """A float32 array starting ``offset`` floats past a 64-byte boundary (numpy's own
    large arrays start 16 bytes past one here: a weight's usual placement)."""
    size = int(np.prod(shape))
    raw = np.empty(size + 32, np.float32)
    start = (-(raw.ctypes.data // 4)) % 16 + offset
    return raw[start:start + size].reshape(shape)


def _operands(m, n, k, tb, offsets):
    rng = np.random.default_rng(0)
    a = _placed((m, k), offsets[0])
    a[:] = rng.standard_normal((m, k))
    bm = _placed((n, k) if tb else (k, n), offsets[1])
    bm[:] = rng.standard_normal(bm.shape)
    c = _placed((m, n), 0)
    c[:] = 0
    return a, bm, c


def _key(name, tb, k):
    """The built function a column times: 'packed' is the current module's packed kernel
    (B stored [N, K] only: the axpy kernel otherwise)."""
    if name == "packed":
        return ("new", True, "packed") if tb else ("new", False, "emit")
    return (name, tb, "emit")


def time_shape(fns, order, m, n, k, tb, repeat, target_s, offsets=(0, 4)):
    """Median microseconds per call for each name in ``order``, timed interleaved."""
    a, bm, c = _operands(m, n, k, tb, offsets)
    ldb = bm.shape[1]
    args = (a.ctypes.data, bm.ctypes.data, c.ctypes.data, m, n, k, k, ldb, n, True)
    ref = (a.astype(np.float64) @ (bm.T if tb else bm).astype(np.float64))
    for name in order:  # warm up, and check the result (C accumulates: c = reps * ref)
        c[:] = 0
        fns[_key(name, tb, k)](*args, 3)
        err = np.abs(c - 3 * ref).max() / (np.abs(ref).max() * 3 + 1e-30)
        if err > 1e-4:
            raise AssertionError(f"{name} wrong on {m}x{n}x{k}: rel err {err:g}")
    t0 = time.perf_counter()
    fns[_key(order[0], tb, k)](*args, 10)
    reps = max(10, int(target_s / max((time.perf_counter() - t0) / 10, 1e-9)))
    times = {name: [] for name in order}
    for _ in range(repeat):
        for name in order:
            t0 = time.perf_counter()
            fns[_key(name, tb, k)](*args, reps)
            times[name].append((time.perf_counter() - t0) / reps * 1e6)
    return {name: statistics.median(v) for name, v in times.items()}


def _ort_run(m, n, k, tb, bmat):
    """A one-node ONNX Runtime session (1 intra-op thread) computing A @ B: ``Gemm`` with
    transB for B stored [N, K] (what torch exports for a Linear), else ``MatMul``; B is an
    initializer, so MLAS packs it once at session creation (as in the MLP / Transformer
    models ORT runs in bench_llvm.py).  Returns ``run(a)`` or None without onnxruntime."""
    try:
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        return None
    x = helper.make_tensor_value_info("a", TensorProto.FLOAT, [m, k])
    y = helper.make_tensor_value_info("c", TensorProto.FLOAT, [m, n])
    w = numpy_helper.from_array(np.ascontiguousarray(bmat), "b")
    node = (helper.make_node("Gemm", ["a", "b"], ["c"], transB=1) if tb
            else helper.make_node("MatMul", ["a", "b"], ["c"]))
    model = helper.make_model(helper.make_graph([node], "g", [x], [y], [w]),
                              opset_imports=[helper.make_opsetid("", 17)])
    so = ort.SessionOptions()
    so.intra_op_num_threads = so.inter_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), so,
                                providers=["CPUExecutionProvider"])
    return lambda a: sess.run(None, {"a": a})


_ORT_OVERHEAD: list = []


def ort_time(m, n, k, tb, repeat, target_s):
    """MLAS's microseconds per product through ONNX Runtime: the median time of a session
    call minus that of a 1 x 1 x 1 product's (ORT's per-call overhead, ~2-4 us), or None."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k)).astype(np.float32)
    bm = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
    run = _ort_run(m, n, k, tb, bm)
    if run is None:
        return None
    if not _ORT_OVERHEAD:
        tiny = _ort_run(1, 1, 1, True, np.ones((1, 1), np.float32))
        one = np.ones((1, 1), np.float32)
        _ORT_OVERHEAD.append(_median_call(lambda: tiny(one), repeat, target_s))
    ref = a.astype(np.float64) @ (bm.T if tb else bm).astype(np.float64)
    err = np.abs(run(a)[0] - ref).max() / (np.abs(ref).max() + 1e-30)
    if err > 1e-4:
        raise AssertionError(f"ort wrong on {m}x{n}x{k}: rel err {err:g}")
    return max(_median_call(lambda: run(a), repeat, target_s) - _ORT_OVERHEAD[0], 1e-3)


def _median_call(fn, repeat, target_s):
    fn()
    t0 = time.perf_counter()
    fn()
    reps = max(5, int(target_s / max(time.perf_counter() - t0, 1e-9)))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        times.append((time.perf_counter() - t0) / reps * 1e6)
    return statistics.median(times)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--baseline", help="another gemm_small.py to time against (A/B)")
    p.add_argument("--knob", action="append", default=[],
                   help="NAME=PYTHON_VALUE[;...]: a copy of the current module with these "
                        "constants changed, as another column (tuning experiments)")
    p.add_argument("--only", help="comma-separated substrings of shape labels")
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--rows", default="1,8,64,128", help="values of M")
    p.add_argument("--offsets", default="0,4",
                   help="A's and B's first element, floats past a 64-byte boundary")
    p.add_argument("--target-ms", type=float, default=4.0, help="time per measurement")
    p.add_argument("--no-ort", action="store_true", help="skip the ONNX Runtime (MLAS) column")
    args = p.parse_args(argv)
    variants = [("new", gemm_small)]
    if args.baseline:
        variants.append(("base", load_variant(args.baseline)))
    for i, spec in enumerate(args.knob):
        gs = load_variant(gemm_small.__file__)
        for item in spec.split(";"):
            key, val = item.split("=", 1)
            setattr(gs, key.strip(), eval(val))  # noqa: S307 - a command-line experiment
        variants.append((f"k{i}", gs))
    fns = build(variants)
    order = [v for v, _ in variants] + (["packed"] if ("new", True, "packed") in fns else [])
    order += ["blas"]
    hdr = "".join(f"{v + ' us':>10}{v + ' GF':>9}" for v in order)
    ort_on = not args.no_ort and _ort_run(1, 1, 1, True, np.ones((1, 1), np.float32))
    hdr += f"{'ort us':>10}{'ort GF':>9}" if ort_on else ""
    print(f"{'shape':<18}{'M,N,K':>14}{hdr}{'new/blas':>10}"
          + "".join(f"{'new/' + v:>9}" for v, _ in variants[1:])
          + (f"{'new/ort':>9}" if ort_on else ""))
    for label, m, n, k, tb in SHAPES:
        if str(m) not in args.rows.split(","):
            continue
        if args.only and not any(s in label for s in args.only.split(",")):
            continue
        offs = tuple(int(x) for x in args.offsets.split(","))
        t = time_shape(fns, order, m, n, k, tb, args.repeat, args.target_ms / 1e3, offs)
        flop = 2.0 * m * n * k
        cols = "".join(f"{t[v]:10.2f}{flop / t[v] / 1e3:9.1f}" for v in order)
        extra = "".join(f"{t['new'] / t[v]:9.3f}" for v, _ in variants[1:])
        if ort_on:  # time (new / ort) > 1: MLAS is faster
            o = ort_time(m, n, k, tb, args.repeat, args.target_ms / 1e3)
            cols += f"{o:10.2f}{flop / o / 1e3:9.1f}"
            extra += f"{t['new'] / o:9.3f}"
        print(f"{label + (' T' if tb else ' A'):<18}{f'{m},{n},{k}':>14}{cols}"
              f"{t['blas'] / t['new'] * 100:9.0f}%{extra}", flush=True)


if __name__ == "__main__":
    main()
