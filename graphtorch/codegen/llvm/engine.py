"""The process-wide LLVM JIT: one target machine for the host CPU, one MCJIT engine that
compiled modules' object code is added to, and the external symbols generated code may call
(scipy's BLAS, libm).

Why object code: a module is optimised and compiled to an object file once; the bytes are what
the disk cache stores, so a second process only has to link them (``add_object_file``)."""
from __future__ import annotations

import ctypes
import threading

import llvmlite.binding as llvm

__all__ = ["target_machine", "compile_ir", "load_object", "host_key", "optimize"]

_LOCK = threading.RLock()
_STATE = {}


def _init():
    if _STATE:
        return _STATE
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    cpu = llvm.get_host_cpu_name()
    features = llvm.get_host_cpu_features().flatten()
    tm = _new_tm(cpu, features)
    _bind_externals()
    _STATE.update(tm=tm, cpu=cpu, features=features,
                  triple=llvm.get_process_triple(), modules=[])
    return _STATE


def _new_tm(cpu, features):
    target = llvm.Target.from_default_triple()
    return target.create_target_machine(cpu=cpu, features=features, opt=3, reloc="pic",
                                        codemodel="jitdefault")


def target_machine():
    """The host target machine (CPU name and features of this machine)."""
    with _LOCK:
        return _init()["tm"]


def host_key() -> str:
    """A string naming the host for cache keys: triple, CPU and its features."""
    with _LOCK:
        s = _init()
        return f"{s['triple']}|{s['cpu']}|{s['features']}|llvm{llvm.llvm_version_info}"


def optimize(mod, level: int = 3, tm=None):
    """Run LLVM's O``level`` module pipeline (the new pass manager) on a parsed module, for
    ``tm`` (default: the shared host target machine)."""
    tm = tm or target_machine()
    pto = llvm.PipelineTuningOptions(speed_level=level)
    pto.loop_vectorization = level >= 2
    pto.slp_vectorization = level >= 2
    pb = llvm.create_pass_builder(tm, pto)
    pb.getModulePassManager().run(mod, pb)


def compile_ir(text: str, level: int = 3):
    """Parse, verify, optimise and compile LLVM IR text; returns (object bytes, the optimised
    llvmlite module)."""
    with _LOCK:
        tm = target_machine()
        mod = llvm.parse_assembly(text)
        mod.verify()
        optimize(mod, level)
        obj = tm.emit_object(mod)
        return obj, mod


def load_object(obj: bytes, names, library=False):
    """Link object code into the engine; returns the addresses of the named functions.
    A graph's object that calls the GEMM kernel library (gemm_lib.py) gets it linked first;
    ``library``: ``obj`` is that library."""
    if not library:
        from . import gemm_lib
        if gemm_lib.needed(obj):
            gemm_lib.ensure()
    with _LOCK:
        s = _init()
        # one engine per object: objects never see each other's (internal) symbols
        # (an engine owns its target machine: each gets its own)
        engine = llvm.create_mcjit_compiler(llvm.parse_assembly(""),
                                            _new_tm(s["cpu"], s["features"]))
        engine.add_object_file(llvm.ObjectFileRef.from_data(obj))
        engine.finalize_object()
        s["modules"].append(engine)
        addrs = [engine.get_function_address(n) for n in names]
    missing = [n for n, a in zip(names, addrs) if not a]
    if missing:
        raise RuntimeError(f"llvm backend: functions {missing} not found after linking")
    from . import perfmap
    if perfmap.enabled():
        perfmap.write(obj, dict(zip(names, addrs)))
    return addrs


# ------------------------------------------------------------------ external symbols
def _capsule_address(cap) -> int:
    api = ctypes.pythonapi
    api.PyCapsule_GetName.restype = ctypes.c_char_p
    api.PyCapsule_GetName.argtypes = [ctypes.py_object]
    api.PyCapsule_GetPointer.restype = ctypes.c_void_p
    api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    return api.PyCapsule_GetPointer(cap, api.PyCapsule_GetName(cap))


def _cython_blas():
    """scipy's ``cython_blas`` extension.  Loaded from its file when ``scipy.linalg`` is not
    imported yet: importing the package costs 30-60 ms (most of the backend's start-up on a
    disk-cache hit) and only this module's function pointers are needed.  A later
    ``import scipy.linalg`` gets the same module object (an extension is initialised once)."""
    import sys
    mod = sys.modules.get("scipy.linalg.cython_blas")
    if mod is not None:
        return mod
    try:
        import glob
        import importlib.util
        import os

        import scipy
        folder = os.path.join(os.path.dirname(scipy.__file__), "linalg")
        (path,) = glob.glob(os.path.join(folder, "cython_blas.*so")) or [None]
        spec = importlib.util.spec_from_file_location("scipy.linalg.cython_blas", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    except Exception:  # noqa: BLE001 - any surprise: the ordinary import
        from scipy.linalg import cython_blas
        return cython_blas


def _bind_externals():
    caps = _cython_blas().__pyx_capi__
    for name in ("sgemm", "dgemm"):
        llvm.add_symbol(f"gt_blas_{name}", _capsule_address(caps[name]))
    from . import threads
    threads.bind_symbols(llvm.add_symbol)
    libm = _cdll("libm.so.6", "m")
    for name in _LIBM:
        for suffix in ("", "f"):
            fn = getattr(libm, name + suffix, None)
            if fn is not None:
                llvm.add_symbol(name + suffix, ctypes.cast(fn, ctypes.c_void_p).value)


def _cdll(soname, short):
    """Load a shared library by its usual soname first: ``ctypes.util.find_library`` runs
    ``ldconfig``/``gcc`` in subprocesses (~5 ms each), so it is only the fallback."""
    try:
        return ctypes.CDLL(soname)
    except OSError:
        return ctypes.CDLL(ctypes.util.find_library(short) or soname)


_LIBM = ("exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "sin", "cos", "tan", "asin",
         "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "erf", "erfc",
         "pow", "fmod", "hypot", "lgamma", "cbrt", "nextafter", "copysign", "remainder")

import ctypes.util  # noqa: E402  (used lazily by _bind_externals)
