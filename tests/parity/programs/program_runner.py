"""Run parity programs under torch and graphtorch (one fork server each) and compare.

    python tests/parity/programs/program_runner.py                 # every program
    python tests/parity/programs/program_runner.py tiny_llama -v   # one, with its values
    python tests/parity/programs/program_runner.py --rng-check     # torch vs torch with
                                       # shifted seeds: results must not use torch's RNG

The pytest entry point is test_programs.py; this module also works as a small CLI.
"""
import json
import os
import pickle
import select
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CASES_DIR = os.path.join(HERE, "cases")
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
WORKER = os.path.join(HERE, "program_worker.py")
DEFAULT_TIMEOUT = 60
STARTUP_TIMEOUT = 120
FRAMEWORK = {"torch": "torch", "graphtorch": "graphtorch", "torch-rng": "torch"}

sys.path.insert(0, HERE)
import program_compare  # noqa: E402


def case_names(cases_dir=CASES_DIR):
    """Program names (file stems) in ``cases_dir``, sorted."""
    return sorted(f[:-3] for f in os.listdir(cases_dir)
                  if f.endswith(".py") and not f.startswith("_"))


class Worker:
    """One fork server (program_worker.py) for ``impl``; restarted after a crash."""

    def __init__(self, impl):
        self.impl = impl
        self.proc = None
        self.errlog = None

    def _start(self):
        env = dict(os.environ)
        # one thread each: no helper threads before fork, and no oversubscription under -n 2
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = "1"
        env["PYTHONPATH"] = REPO_ROOT + os.pathsep + env.get("PYTHONPATH", "")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        self.errlog = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, WORKER, self.impl], env=env, cwd=HERE,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.errlog, start_new_session=True)
        hello = self._reply(STARTUP_TIMEOUT)
        if not hello or not hello.get("ready"):
            msg = (hello or {}).get("msg") or self._stderr_tail()
            self.close()
            raise RuntimeError("%s worker failed to start: %s" % (self.impl, msg))

    def _reply(self, timeout):
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else b""
        return json.loads(line) if line.strip() else None

    def _stderr_tail(self):
        self.errlog.seek(0)
        return self.errlog.read().decode("utf-8", "replace")[-1500:]

    def run(self, case_path, timeout=DEFAULT_TIMEOUT):
        """Run one program; return its payload dict (status ok/error/timeout/crash)."""
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        fd, out = tempfile.mkstemp(prefix="gt_prog_", suffix=".pkl")
        os.close(fd)
        t0 = time.time()
        try:
            req = {"case": case_path, "out": out, "timeout": timeout}
            self.proc.stdin.write((json.dumps(req) + "\n").encode())
            self.proc.stdin.flush()
            reply = self._reply(timeout + 30)
            if reply is None:
                tail = self._stderr_tail()
                self.close()
                return {"status": "crash", "msg": "worker stopped answering: " + tail}
            payload = _read_payload(out, reply["rc"], timeout)
            payload["log"] = _read_text(out + ".log")
        finally:
            for p in (out, out + ".log"):
                if os.path.exists(p):
                    os.unlink(p)
        payload["seconds"] = round(time.time() - t0, 2)
        return payload

    def close(self):
        if self.proc is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def _read_payload(out, rc, timeout):
    if os.path.getsize(out) > 0:
        with open(out, "rb") as f:
            return pickle.load(f)
    if rc == -14:  # SIGALRM: the child's own time limit
        return {"status": "timeout", "msg": "timed out after %ss" % timeout}
    return {"status": "crash", "msg": "program process died (exit code %s)" % rc}


def _read_text(path, n=3000):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()[-n:]
    except OSError:
        return ""


def describe_failure(payload, label):
    """One readable paragraph for a program that did not return results."""
    if payload.get("status") == "error":
        return "%s raised %s: %s\n%s" % (label, payload["exc_type"], payload["msg"],
                                         payload.get("tb", ""))
    return "%s %s: %s\n%s" % (label, payload.get("status"), payload.get("msg"),
                             payload.get("log", "")[-1500:])


def check(name, workers, cases_dir=CASES_DIR, other="graphtorch"):
    """Run program ``name`` on ``workers["torch"]`` and ``workers[other]``; compare.

    Returns (problems, ref, got); ``problems`` is empty when ``other`` matches torch on
    every result key.  ``other="torch-rng"`` checks that the program's results do not
    depend on torch's RNG stream.
    """
    path = os.path.join(cases_dir, name + ".py")
    meta = program_compare.read_meta(path)
    timeout = meta.get("TIMEOUT", DEFAULT_TIMEOUT)
    ref = workers["torch"].run(path, timeout)
    if ref.get("status") != "ok":
        return [describe_failure(ref, "torch (the reference)")], ref, None
    got = workers[other].run(path, timeout)
    if got.get("status") != "ok":
        return [describe_failure(got, other)], ref, got
    wrong = [(p, impl) for p, impl in ((ref, "torch"), (got, other))
             if p.get("framework") != FRAMEWORK[impl]]
    if wrong:
        return ["the %s side ran %r" % (impl, p.get("framework")) for p, impl in wrong], ref, got
    return program_compare.compare_results(ref["result"], got["result"], meta), ref, got


def _render(v):
    if isinstance(v, np.ndarray):
        body = np.array2string(v, precision=5, threshold=40, edgeitems=3)
        return "array(%s, shape=%s) %s" % (v.dtype, v.shape, " ".join(body.split()))
    return repr(v)


def main(argv):
    verbose = "-v" in argv
    other = "torch-rng" if "--rng-check" in argv else "graphtorch"
    names = [a for a in argv if not a.startswith("-")] or case_names()
    workers = {impl: Worker(impl) for impl in ("torch", other)}
    failed = 0
    try:
        for name in names:
            problems, ref, got = check(name, workers, other=other)
            secs = (ref.get("seconds", 0), other, (got or {}).get("seconds", 0))
            print("%-5s %s (torch %.1fs, %s %.1fs)"
                  % ("FAIL" if problems else "PASS", name, *secs))
            for p in problems:
                print("    " + p.replace("\n", "\n    "))
            failed += bool(problems)
            if verbose:
                for label, payload in (("torch", ref), (other, got or {})):
                    for k, v in payload.get("result", {}).items():
                        print("  [%s] %s = %s" % (label, k, _render(v)))
    finally:
        for w in workers.values():
            w.close()
    print("%d passed, %d failed" % (len(names) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
