"""Fork server that runs parity programs under one framework: ``program_worker.py IMPL``.

IMPL is ``torch`` (the real PyTorch), ``graphtorch`` (``import torch`` redirected by
shim.py) or ``torch-rng`` (real PyTorch with shifted seeds, for ``--rng-check``).
Importing torch costs seconds, so the server imports the framework once and forks a fresh child per program: every program starts from the same pristine module
state and seed, and nothing it changes (default dtype, print options, globals) reaches
the next one.

Protocol: one JSON request per line on stdin, ``{"case": PATH, "out": PATH, "timeout": S}``;
one JSON reply per line on the original stdout, ``{"rc": N}``.  The child pickles
``{"status": "ok", "result": ...}`` or ``{"status": "error", "exc_type", "msg", "tb"}``
to ``out`` and writes its own stdout/stderr to ``out + ".log"``.
"""
import importlib.util
import json
import os
import pickle
import shutil
import signal
import sys
import tempfile
import traceback
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
RNG_SHIFT = 987654
PRELOAD = ("torch.nn", "torch.nn.functional", "torch.optim", "torch.utils.data",
           "torch.distributions", "torch.testing", "torch.autograd.forward_ad",
           "torch._dynamo")  # torch imports _dynamo lazily: seconds per fork otherwise


def _load_framework(impl):
    sys.path.insert(0, HERE)  # casekit, shim, program_compare
    warnings.simplefilter("ignore")
    if impl == "graphtorch":
        import shim
        shim.install()
    import importlib
    fw = importlib.import_module("torch")
    for name in PRELOAD:  # warm the server so each fork starts faster
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    if impl == "torch-rng":
        _shift_torch_seeds(fw)
    return fw


def _shift_torch_seeds(fw):
    """``--rng-check``: every manual_seed(s) seeds s + RNG_SHIFT instead, so a program whose
    results change under this server compares values drawn from torch's RNG stream (which
    graphtorch cannot reproduce)."""
    import torch.random as trandom
    seed, initial = trandom.manual_seed, trandom.initial_seed

    def shifted(s):
        return seed(int(s) + RNG_SHIFT)

    def unshifted_initial():  # programs may report the seed they set
        return initial() - RNG_SHIFT

    fw.manual_seed = trandom.manual_seed = shifted
    fw.initial_seed = trandom.initial_seed = unshifted_initial


def _run_case(fw, case, out):
    """Body of the forked child: run ``case``'s run() and pickle the normalized result."""
    import program_compare
    payload = {}
    try:
        try:
            fw.manual_seed(0)
        except Exception:  # noqa: BLE001 - a missing manual_seed shows up in the program
            pass
        name = "case_" + os.path.splitext(os.path.basename(case))[0]
        spec = importlib.util.spec_from_file_location(name, case)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        res = mod.run()
        if not isinstance(res, dict):
            raise TypeError("run() must return a dict, got %s" % type(res).__name__)
        payload = {"status": "ok", "result": program_compare.normalize(res, fw)}
    except BaseException as e:  # noqa: BLE001 - every failure is a result to report
        payload = {"status": "error", "exc_type": type(e).__name__, "msg": str(e)[:600],
                   "tb": traceback.format_exc()[-4000:]}
    payload["framework"] = fw.__name__  # lets the runner prove the shim was in effect
    with open(out, "wb") as f:
        pickle.dump(payload, f, protocol=4)


def _child(fw, req, workdir):
    log = os.open(req["out"] + ".log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)  # the request pipe belongs to the server
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(int(req.get("timeout", 120)))  # default action kills a runaway program
    os.chdir(workdir)  # programs that save files write into a private directory
    code = 0
    try:
        _run_case(fw, req["case"], req["out"])
    except BaseException:  # noqa: BLE001
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # skip the server's atexit handlers and buffered pipes


def serve(impl):
    proto = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # stray prints of the framework must not corrupt the protocol
    try:
        fw = _load_framework(impl)
    except BaseException as e:  # noqa: BLE001
        proto.write(json.dumps({"ready": False, "msg": "%s: %s" % (type(e).__name__, e)}) + "\n")
        proto.flush()
        return 1
    proto.write(json.dumps({"ready": True}) + "\n")
    proto.flush()
    for line in sys.stdin:
        req = json.loads(line)
        workdir = tempfile.mkdtemp(prefix="gt_prog_")
        pid = os.fork()
        if pid == 0:
            _child(fw, req, workdir)
        _, status = os.waitpid(pid, 0)
        shutil.rmtree(workdir, ignore_errors=True)
        proto.write(json.dumps({"rc": os.waitstatus_to_exitcode(status)}) + "\n")
        proto.flush()
    return 0


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1]))
