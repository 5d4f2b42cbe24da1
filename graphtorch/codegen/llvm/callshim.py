"""A native front door for compiled graphs: entry checks and buffer addresses without Python.

Reading an array's address from Python costs ~1 us (``__array_interface__`` and
``ndarray.ctypes`` both build objects), so a graph with a few inputs spent most of its per-call
time there.  ``gt_shim(tuple, ctl)`` takes the call's arrays as one Python tuple (inputs then
the fresh outputs) and reads what it needs straight from numpy's object layout: for every input
it checks the exact type (``ndarray``), the dtype (the very descriptor object numpy uses for
the graph's dtype), C-contiguity, rank and every size against the plan's table, stores the data
pointers into the plan's pointer array and calls the graph's entry.  Any mismatch returns
``REJECT`` before the entry runs, and the Python slow path then checks again (raising the
error that names the input) or normalises the inputs (copies, base-class views).

The layout offsets are not assumed: ``layout()`` measures them on probe arrays and tuples at
import and the shim is only used when every probe agrees (else the runtime keeps its Python
path).  A busy word in ``ctl`` (an atomic compare-and-swap) makes a plan's pointer array and
arena single-user: a second thread calling the same plan meanwhile gets ``BUSY`` and runs on a
private arena instead, so the runtime needs no Python lock.

ctl layout (64-bit words): [0] entry address (unused by the shim: it calls the entry directly), [1] slots address, [2] inputs, [3] outputs,
[4] busy, [5] address of ``numpy.ndarray``, [6] address of the check table, [7...] the entry's
``bufs`` (inputs, outputs, arena, constants).  Check table per input: descriptor address,
rank, sizes."""
from __future__ import annotations

import ctypes

import numpy as np

__all__ = ["ir_text", "bind", "layout", "check_table", "REJECT", "BUSY", "CTL_BUFS"]

REJECT, BUSY = -1000, -1001
CTL_BUFS = 7
_STATE: dict = {}


def _word(addr: int, ty=ctypes.c_int64):
    return ty.from_address(addr).value


def _probe_arrays():
    base = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
    return [np.ones((3, 5), np.float32), base[:, 1:, ::2], np.asfortranarray(base),
            np.array(3, np.int64), base, np.zeros(0, np.bool_), base.T]


def layout():
    """Offsets of numpy's array fields and CPython's tuple items, measured on probe objects;
    None when any probe disagrees with the public attributes."""
    if "layout" in _STATE:
        return _STATE["layout"]
    off = {"type": 8, "data": 16, "nd": 24, "dims": 32, "descr": 56, "flags": 64,
           "tsize": 16, "titems": 24}
    ok = True
    try:
        for a in _probe_arrays():
            p = id(a)
            ok &= _word(p + off["type"], ctypes.c_void_p) == id(np.ndarray)
            ok &= _word(p + off["data"], ctypes.c_void_p) == a.__array_interface__["data"][0]
            ok &= _word(p + off["nd"], ctypes.c_int32) == a.ndim
            dims = _word(p + off["dims"], ctypes.c_void_p)
            ok &= all(_word(dims + 8 * k) == n for k, n in enumerate(a.shape))
            ok &= _word(p + off["descr"], ctypes.c_void_p) == id(a.dtype)
            ok &= bool(_word(p + off["flags"], ctypes.c_int32) & 1) == a.flags.c_contiguous
        objs = tuple(_probe_arrays())
        ok &= _word(id(objs) + off["tsize"]) == len(objs)
        ok &= all(_word(id(objs) + off["titems"] + 8 * k, ctypes.c_void_p) == id(o)
                  for k, o in enumerate(objs))
        ok &= np.dtype(np.float32) is np.empty(1, np.float32).dtype
    except Exception:  # noqa: BLE001 - an unknown layout: keep the Python path
        ok = False
    _STATE["layout"] = off if ok else None
    return _STATE["layout"]


_IR = """
define i32 @{entry}_shim(ptr %objs, ptr %ctl) nounwind {{
start:
  %busyp = getelementptr i64, ptr %ctl, i64 4
  %cx = cmpxchg ptr %busyp, i64 0, i64 1 acquire monotonic
  %got = extractvalue {{i64, i1}} %cx, 1
  br i1 %got, label %sizes, label %busy
busy:
  ret i32 {busy}
reject:
  store atomic i64 0, ptr %busyp release, align 8
  ret i32 {reject}
sizes:
  %ninp = getelementptr i64, ptr %ctl, i64 2
  %nin = load i64, ptr %ninp
  %noutp = getelementptr i64, ptr %ctl, i64 3
  %nout = load i64, ptr %noutp
  %ntot = add i64 %nin, %nout
  %tsp = getelementptr i8, ptr %objs, i64 {tsize}
  %ts = load i64, ptr %tsp
  %tsok = icmp eq i64 %ts, %ntot
  %typ = getelementptr i64, ptr %ctl, i64 5
  %ndtype = load ptr, ptr %typ
  %tabp = getelementptr i64, ptr %ctl, i64 6
  %tab = load ptr, ptr %tabp
  %items = getelementptr i8, ptr %objs, i64 {titems}
  %bufs = getelementptr i64, ptr %ctl, i64 {bufs}
  br i1 %tsok, label %inhead, label %reject
inhead:
  %i = phi i64 [0, %sizes], [%i1, %innext]
  %tp = phi ptr [%tab, %sizes], [%tp1, %innext]
  %indone = icmp eq i64 %i, %nin
  br i1 %indone, label %outhead, label %inbody
inbody:
  %objp = getelementptr ptr, ptr %items, i64 %i
  %obj = load ptr, ptr %objp
  %typp = getelementptr i8, ptr %obj, i64 {type}
  %ty = load ptr, ptr %typp
  %tyok = icmp eq ptr %ty, %ndtype
  br i1 %tyok, label %fields, label %reject
fields:
  %descrp = getelementptr i8, ptr %obj, i64 {descr}
  %descr = load i64, ptr %descrp
  %wdescr = load i64, ptr %tp
  %dok = icmp eq i64 %descr, %wdescr
  %flp = getelementptr i8, ptr %obj, i64 {flags}
  %fl = load i32, ptr %flp
  %cbit = and i32 %fl, 1
  %cok = icmp ne i32 %cbit, 0
  %ndp = getelementptr i8, ptr %obj, i64 {nd}
  %nd32 = load i32, ptr %ndp
  %nd = sext i32 %nd32 to i64
  %wndp = getelementptr i64, ptr %tp, i64 1
  %wnd = load i64, ptr %wndp
  %ndok = icmp eq i64 %nd, %wnd
  %ok1 = and i1 %dok, %cok
  %ok2 = and i1 %ok1, %ndok
  br i1 %ok2, label %dimstart, label %reject
dimstart:
  %dimsp = getelementptr i8, ptr %obj, i64 {dims}
  %dims = load ptr, ptr %dimsp
  %wdims = getelementptr i64, ptr %tp, i64 2
  br label %dimhead
dimhead:
  %j = phi i64 [0, %dimstart], [%j1, %dimbody]
  %ddone = icmp eq i64 %j, %wnd
  br i1 %ddone, label %innext, label %dimbody
dimbody:
  %gp = getelementptr i64, ptr %dims, i64 %j
  %gv = load i64, ptr %gp
  %wp = getelementptr i64, ptr %wdims, i64 %j
  %wv = load i64, ptr %wp
  %j1 = add i64 %j, 1
  %deq = icmp eq i64 %gv, %wv
  br i1 %deq, label %dimhead, label %reject
innext:
  %datap = getelementptr i8, ptr %obj, i64 {data}
  %data = load ptr, ptr %datap
  %bp = getelementptr ptr, ptr %bufs, i64 %i
  store ptr %data, ptr %bp
  %i1 = add i64 %i, 1
  %step = add i64 %wnd, 2
  %tp1 = getelementptr i64, ptr %tp, i64 %step
  br label %inhead
outhead:
  %k = phi i64 [%nin, %inhead], [%k1, %outbody]
  %odone = icmp eq i64 %k, %ntot
  br i1 %odone, label %call, label %outbody
outbody:
  %oobjp = getelementptr ptr, ptr %items, i64 %k
  %oobj = load ptr, ptr %oobjp
  %odatap = getelementptr i8, ptr %oobj, i64 {data}
  %odata = load ptr, ptr %odatap
  %obp = getelementptr ptr, ptr %bufs, i64 %k
  store ptr %odata, ptr %obp
  %k1 = add i64 %k, 1
  br label %outhead
call:
  %slp = getelementptr i64, ptr %ctl, i64 1
  %slots = load ptr, ptr %slp
  %rc = call i32 @{entry}(ptr %bufs, ptr %slots) noinline
  store atomic i64 0, ptr %busyp release, align 8
  ret i32 %rc
}}
"""

_SHIM_T = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.py_object, ctypes.c_void_p)


def ir_text(entry: str) -> str:
    """LLVM IR of ``i32 <entry>_shim(ptr tuple, ptr ctl)`` calling ``<entry>`` (appended to
    the graph's module, so it is compiled and cached with it), or "" when numpy's layout could
    not be confirmed on this interpreter."""
    off = layout()
    if off is None:
        return ""
    return _IR.format(entry=entry, busy=BUSY, reject=REJECT, bufs=CTL_BUFS, **off)


def bind(addr: int):
    """The shim at ``addr`` as a ctypes function ``(tuple, ctl address) -> int``."""
    return _SHIM_T(addr)


def check_table(dtypes, shapes) -> np.ndarray:
    """The shim's per-plan table: for each input its descriptor address, rank and sizes."""
    words = []
    for dt, shape in zip(dtypes, shapes):
        words += [id(np.dtype(dt)), len(shape), *shape]
    return np.array(words or [0], dtype=np.int64)
