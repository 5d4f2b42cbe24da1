"""Multi-threaded kernels: generated code splits a kernel's outer range across OpenMP threads
(libgomp's ``GOMP_parallel``, called from jitted code: no Python, no GIL).

Every kernel takes ``(bufs, slots, lo, hi)``, so a parallel call site fills a small record
``{fn, bufs, slots, lo, hi}`` and hands one module-private trampoline to ``GOMP_parallel``;
each thread runs ``fn`` on its contiguous share of ``[lo, hi)``.  Results are bitwise those of
one thread: only independent outer iterations are split, nothing is reassociated.

The thread count is a word the generated code reads at each call site (``gt_num_threads``),
kept equal to ``torch.get_num_threads()`` by :func:`sync` (the runtime calls it per call): one
compiled function serves every thread count.  scipy's OpenBLAS is kept at one thread
(``GEMM_SPLIT``): matrix products are split over this team instead (gemm_split.py), so only
one thread pool ever runs; the trampoline also caps OpenBLAS at one thread for the calling
thread (``openblas_set_num_threads_local``) for the ``GEMM_SPLIT = 0`` comparison mode.

libgomp is loaded with ``OMP_WAIT_POLICY=passive`` and a short spin (``SPIN_COUNT``) unless the
user set a policy: spinning
workers collapse on a busy machine (see /work/shared/PLATFORM.md); small kernels stay on the
calling thread (``MIN_WORK``).  Passive workers have the same problem in another form: when
other processes keep every core busy, a woken worker waits a scheduler time slice for a core
and the region waits for it.  So ``sync`` also looks at the machine (``free_cores``, at most
every ``GATE_INTERVAL`` seconds) and caps the team (``gt_team_max``) at the cores that are
free: on a loaded 2-core machine 2 threads ran LeNet/LSTM/Transformer at
batch 64 3-10x slower than 1 thread before, and as fast as 1 thread with the cap."""
from __future__ import annotations

import ctypes
import ctypes.util
import glob
import math
import os
import time

from llvmlite import ir

from .fnctx import I32, I64, PTR

__all__ = ["MIN_WORK", "bind_symbols", "sync", "parallel_call", "region", "stats", "available",
           "free_cores", "running_threads", "team_size", "in_parallel", "GEMM_SPLIT",
           "GEMM_MIN_WORK"]

# split a kernel only when it does at least this much work (elements, or flops / 8):
# waking passive workers costs tens of microseconds on a busy machine (the reference other
# thresholds are compared with; elementwise kernels use ELEM_MIN_WORK)
MIN_WORK = 1 << 19
# spins (~10 ns each) an idle worker waits before sleeping: waking a sleeping worker cost
# 50-100 us per region on this 2-core VM (MLP batch 1 at 2 threads with the GEMM split: 114 us
# with no spin, 25 us with 10000, 38 us on one thread), while ~100 us of spinning keeps the
# worker awake from one region to the next (and one call to the next); busy machines do not
# pay for it: the team is capped at the free cores (``free_cores``), so no worker is woken
SPIN_COUNT = 10000
# what elementwise kernels (lower.emit_kernel) split from, a run-time word (A/B in one
# process): lower than MIN_WORK since workers spin briefly (SPIN_COUNT) instead of sleeping
# between regions: Transformer batch 8 at 2 threads 2810 -> 2623 us with 1 << 16 (LSTM, MLP,
# GELU/LayerNorm unchanged; 1 << 14 gained nothing more); kernels known to be smaller than
# CONST_MIN_WORK get no run-time test at all
ELEM_MIN_WORK = ctypes.c_int64(int(os.environ.get("GRAPHTORCH_LLVM_MIN_WORK", 1 << 16)))
CONST_MIN_WORK = 1 << 14
# seconds between looks at how busy the machine is (free_cores: ~20-80 us each)
GATE_INTERVAL = 0.05
# a look that finds fewer free cores than threads is believed only when a second look this
# much later agrees: one look sees a process that ran for a moment (an agent waking on this
# VM: 0.75% of looks on an idle machine, up to ~25% of them while a 2-thread MLP b8 ran) and
# then kept the team at one thread for a whole GATE_INTERVAL (MLP b8 at 2 threads 81 us
# instead of 68, 1.5 of 2 regions per call split); a process that keeps a core busy is still
# seen within CONFIRM_INTERVAL
CONFIRM_INTERVAL = 0.003

NUM_THREADS = ctypes.c_int32(1)     # read by generated code at each parallel call site
TEAM_MAX = ctypes.c_int32(1)        # threads a region may wake now (free_cores: see _apply)
PAR_CALLS = ctypes.c_int64(0)       # parallel regions entered (a test hook, not a timer)
# GEMMs split over our own team (gemm_split.py) with scipy's OpenBLAS kept at one thread:
# two thread pools on two cores made each wait for the other's spinning workers.  0 restores
# the former policy (BLAS threads itself, no split): a run-time word, so one process can A/B
GEMM_SPLIT = ctypes.c_int32(os.environ.get("GRAPHTORCH_LLVM_GEMM_SPLIT", "1") != "0")
# a GEMM is split from this many multiply-adds (gemm_split.py explains the measured value)
GEMM_MIN_WORK = ctypes.c_int64(int(os.environ.get("GRAPHTORCH_LLVM_GEMM_MIN_WORK", 1 << 17)))
_STATE: dict = {"applied": None, "gomp": None, "blas_set": None, "blas_n": None,
                "gate_at": math.inf, "split": None, "busy_looks": 0}
_KEEP: list = []                    # ctypes callbacks bound into the JIT stay alive
_STUB_PAR = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_uint32,
                             ctypes.c_uint32)
_STUB_I32 = ctypes.CFUNCTYPE(ctypes.c_int32)
_STUB_SET = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int32)


def available() -> bool:
    """Whether generated code can run threads (libgomp was found)."""
    return bool(_STATE["gomp"])


def _load_gomp():
    saved = os.environ.get("OMP_WAIT_POLICY")
    spin = saved is None and "GOMP_SPINCOUNT" not in os.environ
    if saved is None:  # libgomp reads its environment once, when it is loaded
        os.environ["OMP_WAIT_POLICY"] = "passive"
    if spin:  # a short spin before sleeping (SPIN_COUNT: why)
        os.environ["GOMP_SPINCOUNT"] = str(SPIN_COUNT)
    try:
        # the usual soname first: find_library runs ldconfig/gcc in subprocesses (~5 ms)
        for path in ("libgomp.so.1", None):
            try:
                return ctypes.CDLL(path or ctypes.util.find_library("gomp") or "libgomp.so.1",
                                   mode=ctypes.RTLD_GLOBAL)
            except OSError:
                continue
        return None
    finally:
        if saved is None:
            os.environ.pop("OMP_WAIT_POLICY", None)
        if spin:
            os.environ.pop("GOMP_SPINCOUNT", None)


def _scipy_openblas():
    """scipy's OpenBLAS (the one bound into the JIT), or None."""
    try:
        import scipy
    except ImportError:
        return None
    root = os.path.dirname(os.path.dirname(scipy.__file__))
    for path in sorted(glob.glob(os.path.join(root, "scipy.libs", "libscipy_openblas*.so*"))):
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


def _addr(fn) -> int:
    return ctypes.cast(fn, ctypes.c_void_p).value


def bind_symbols(add_symbol):
    """Bind the symbols generated code calls: ``gt_num_threads``, ``gt_par_calls``,
    ``GOMP_parallel``, ``omp_get_thread_num``, ``omp_get_num_threads`` and
    ``gt_blas_threads_local`` (stubs where a library is missing)."""
    add_symbol("gt_num_threads", ctypes.addressof(NUM_THREADS))
    add_symbol("gt_team_max", ctypes.addressof(TEAM_MAX))
    add_symbol("gt_par_calls", ctypes.addressof(PAR_CALLS))
    add_symbol("gt_gemm_split", ctypes.addressof(GEMM_SPLIT))
    add_symbol("gt_gemm_min_work", ctypes.addressof(GEMM_MIN_WORK))
    add_symbol("gt_min_work", ctypes.addressof(ELEM_MIN_WORK))
    gomp = _load_gomp()
    _STATE["gomp"] = gomp
    names = ("GOMP_parallel", "omp_get_thread_num", "omp_get_num_threads", "omp_in_parallel")
    if gomp is not None and all(hasattr(gomp, n) for n in names):
        for n in names:
            add_symbol(n, _addr(getattr(gomp, n)))
    else:  # never called: sync() keeps the thread count at 1 without libgomp
        _STATE["gomp"] = None
        stubs = (_STUB_PAR(lambda fn, data, n, flags: None), _STUB_I32(lambda: 0),
                 _STUB_I32(lambda: 1), _STUB_I32(lambda: 0))
        _KEEP.extend(stubs)
        for n, s in zip(names, stubs):
            add_symbol(n, _addr(s))
    blas = _scipy_openblas()
    local = getattr(blas, "openblas_set_num_threads_local", None) if blas else None
    if local is None:
        stub = _STUB_SET(lambda n: 1)
        _KEEP.append(stub)
        add_symbol("gt_blas_threads_local", _addr(stub))
    else:
        add_symbol("gt_blas_threads_local", _addr(local))
    setter = getattr(blas, "scipy_openblas_set_num_threads", None) if blas else None
    if setter is None and blas is not None:
        setter = getattr(blas, "openblas_set_num_threads", None)
    _STATE["blas_set"] = setter


def sync():
    """Make generated code and scipy's BLAS use ``torch.get_num_threads()`` threads, fewer
    while other processes keep the cores busy (cheap when nothing changed and the last look
    at the machine is recent: the runtime calls this on every call)."""
    from ...eager import threads as T
    n = T._state["n"] or T.get_num_threads()
    if (n != _STATE["applied"] or time.monotonic() >= _STATE["gate_at"]
            or GEMM_SPLIT.value != _STATE["split"]):
        _apply(n)


def _apply(n: int):
    fresh = n != _STATE["applied"]
    if fresh:  # torch.set_num_threads has set every BLAS to n meanwhile
        _STATE["blas_n"] = None
    _STATE["applied"] = n
    use = n
    if n > 1:
        free = free_cores()
        interval = GATE_INTERVAL
        if free is not None and free < n:
            _STATE["busy_looks"] += 1
            if fresh or _STATE["busy_looks"] >= 2:
                use = max(1, free)
            else:  # the first busy look after free ones: keep the team, look again soon
                use = TEAM_MAX.value
                interval = CONFIRM_INTERVAL
        else:
            _STATE["busy_looks"] = 0
        _STATE["gate_at"] = time.monotonic() + interval
    else:
        _STATE["gate_at"] = math.inf
    NUM_THREADS.value = n if _STATE["gomp"] else 1
    TEAM_MAX.value = use if _STATE["gomp"] else 1
    _STATE["split"] = GEMM_SPLIT.value
    # with the split, only our team runs threads: BLAS is called on each thread's part
    blas = 1 if GEMM_SPLIT.value else use
    setter = _STATE["blas_set"]
    if setter is not None and blas != _STATE["blas_n"]:
        setter(ctypes.c_int(int(blas)))
        _STATE["blas_n"] = blas


def free_cores():
    """CPUs of this process's affinity set not taken by runnable threads of other processes
    (Linux: the run-queue count of ``/proc/loadavg`` minus this process's runnable threads);
    None where that cannot be read.

    Why: a parallel region waits for every worker; on a machine whose cores are busy with
    other processes a woken worker waits a scheduler time slice (milliseconds) for a core, so
    2 threads ran 3-10x slower than 1 (LeNet / LSTM / Transformer at batch 64 on a loaded
    2-core machine).  Splitting only onto free cores keeps the single-thread speed there."""
    try:
        # this process's runnable threads before and after the count: a worker that stopped
        # spinning in between was counted in it (a phantom busy core otherwise)
        own = set(running_threads())
        with open("/proc/loadavg", "rb") as f:
            running = int(f.read().split()[3].split(b"/")[0])
        own.update(running_threads())
        ncpu = len(os.sched_getaffinity(0))
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return ncpu - max(0, running - max(len(own), 1))


def running_threads():
    """Thread ids of this process that are running or runnable now (Linux ``/proc``)."""
    out = []
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat", "rb") as f:
                stat = f.read()
        except OSError:  # the thread ended meanwhile
            continue
        if stat[stat.rindex(b")") + 2:][:1] == b"R":
            out.append(int(tid))
    return out


def stats() -> int:
    """Number of parallel regions generated code has entered in this process."""
    return PAR_CALLS.value


# ------------------------------------------------------------------ code generation
_KFN = ir.FunctionType(ir.VoidType(), [PTR, PTR, I64, I64])


def _declare(module, name, fnty):
    fn = module.globals.get(name)
    return fn if fn is not None else ir.Function(module, fnty, name)


def _global_word(module, name, ty):
    g = module.globals.get(name)
    if g is None:
        g = ir.GlobalVariable(module, ty, name)
        g.linkage = "external"
    return g


def _trampoline(module):
    """``void gt_par_tramp(ptr rec)``: run ``rec.fn`` on this thread's share of the range."""
    fn = module.globals.get("gt_par_tramp")
    if fn is not None:
        return fn
    fn = ir.Function(module, ir.FunctionType(ir.VoidType(), [PTR]), "gt_par_tramp")
    fn.linkage = "internal"
    b = ir.IRBuilder(fn.append_basic_block("entry"))
    rec = fn.args[0]
    def field(k):
        return b.load(b.gep(rec, [ir.Constant(I64, k)], source_etype=I64), typ=I64)
    kfn, bufs, slots = (b.inttoptr(field(k), PTR) for k in range(3))
    lo, hi = field(3), field(4)
    tid = b.sext(b.call(_declare(module, "omp_get_thread_num", ir.FunctionType(I32, [])), []),
                 I64)
    nt = b.sext(b.call(_declare(module, "omp_get_num_threads", ir.FunctionType(I32, [])), []),
                I64)
    one = ir.Constant(I64, 1)
    chunk = b.sdiv(b.add(b.sub(hi, lo), b.sub(nt, one)), nt)
    start = b.add(lo, b.mul(tid, chunk))
    end = b.add(start, chunk)
    end = b.select(b.icmp_signed("<", end, hi), end, hi)
    blas_local = _declare(module, "gt_blas_threads_local", ir.FunctionType(I32, [I32]))
    with b.if_then(b.icmp_signed("<", start, end)):
        prev = b.call(blas_local, [ir.Constant(I32, 1)])
        b.call(_Callee(kfn), [bufs, slots, start, end])
        b.call(blas_local, [prev])
    b.ret_void()
    return fn


class _Callee:
    """A pointer value called indirectly as a kernel: llvmlite's ``call`` reads the callee's
    ``function_type``, which a plain pointer value does not carry."""

    function_type = _KFN

    def __init__(self, ptr):
        self._ptr = ptr

    def __getattr__(self, name):
        return getattr(self._ptr, name)


def team_size(fc):
    """At ``fc.b``: the threads a region entered now would run on (an i64): the thread
    count capped by ``gt_team_max``."""
    b = fc.b
    module = fc.fn.module
    nt = b.load(_global_word(module, "gt_num_threads", I32), typ=I32)
    cap = b.load(_global_word(module, "gt_team_max", I32), typ=I32)
    return b.sext(b.select(b.icmp_signed("<", cap, nt), cap, nt), I64)


def in_parallel(fc):
    """At ``fc.b``: an i1, true inside a parallel region (a GEMM called from a kernel that
    threads already split, such as a convolution's per-image function, stays serial)."""
    b = fc.b
    f = _declare(fc.fn.module, "omp_in_parallel", ir.FunctionType(I32, []))
    return b.icmp_signed("!=", b.call(f, []), ir.Constant(I32, 0))


def region(fc, kernel, arg0, arg1, lo, hi, team):
    """At ``fc.b``: run ``kernel(arg0, arg1, lo', hi')`` on ``team`` threads (an i64 value),
    each on its contiguous share of ``[lo, hi)`` (unconditionally: the caller decided)."""
    b = fc.b
    module = fc.fn.module
    rec = fc.hoisted(("par_rec",), lambda p: p.alloca(I64, size=5))
    for k, v in enumerate((kernel, arg0, arg1, lo, hi)):
        v = b.ptrtoint(v, I64) if k < 3 else v
        b.store(v, b.gep(rec, [ir.Constant(I64, k)], source_etype=I64))
    n = b.sub(hi, lo)
    use = b.trunc(b.select(b.icmp_signed("<", n, team), n, team), I32)
    counter = _global_word(module, "gt_par_calls", I64)
    b.store(b.add(b.load(counter, typ=I64), ir.Constant(I64, 1)), counter)
    gp = _declare(module, "GOMP_parallel", ir.FunctionType(ir.VoidType(), [PTR, PTR, I32, I32]))
    b.call(gp, [_trampoline(module), rec, use, ir.Constant(I32, 0)])


def parallel_call(fc, kernel, lo, hi, work, min_work=None):
    """At ``fc.b`` (the entry function): ``kernel(bufs, slots, lo, hi)``, split across
    ``gt_num_threads`` threads when the range has at least two iterations and ``work`` (an i64
    value or int: elements, or flops / 8) reaches ``min_work`` (default: the run-time word
    ``gt_min_work`` = ``ELEM_MIN_WORK``)."""
    b = fc.b
    if isinstance(work, int) and work < (CONST_MIN_WORK if min_work is None else min_work):
        b.call(kernel, [fc.bufs, fc.slots, lo, hi])
        return
    module = fc.fn.module
    w = ir.Constant(I64, work) if isinstance(work, int) else work
    nt = b.load(_global_word(module, "gt_num_threads", I32), typ=I32)
    n = b.sub(hi, lo)
    least = (b.load(_global_word(module, "gt_min_work", I64), typ=I64) if min_work is None
             else ir.Constant(I64, min_work))
    go = b.and_(b.icmp_signed(">", nt, ir.Constant(I32, 1)),
                b.and_(b.icmp_signed(">", n, ir.Constant(I64, 1)),
                       b.icmp_signed(">=", w, least)))
    with b.if_else(go) as (par, seq):
        with par:
            # a team of at most gt_team_max: while other processes keep the cores busy the
            # region runs on the calling thread alone (no worker to wait for)
            region(fc, kernel, fc.bufs, fc.slots, lo, hi, team_size(fc))
        with seq:
            b.call(kernel, [fc.bufs, fc.slots, lo, hi])
