"""torch.utils.benchmark: ``Timer`` and ``Measurement`` for timing small snippets (the PyTorch
benchmark recipe).  Timings use ``time.perf_counter``; graphtorch runs on the CPU, so there is
no device synchronisation to do."""
from __future__ import annotations

import statistics
import textwrap
import time
import timeit as _timeit

__all__ = ["Timer", "Measurement"]


class Measurement:
    """The result of a timing: per-run times (seconds per call) and their statistics."""

    def __init__(self, number_per_run, raw_times, task_spec=None):
        self.number_per_run = number_per_run
        self.raw_times = list(raw_times)
        self.task_spec = task_spec

    @property
    def times(self):
        """Seconds per call of each run."""
        return [t / self.number_per_run for t in self.raw_times]

    @property
    def mean(self):
        return statistics.fmean(self.times)

    @property
    def median(self):
        return statistics.median(self.times)

    @property
    def iqr(self):
        ts = sorted(self.times)
        if len(ts) < 2:
            return 0.0
        q = statistics.quantiles(ts, n=4)
        return q[2] - q[0]

    def __repr__(self):
        stmt = self.task_spec.get("stmt", "") if self.task_spec else ""
        unit, scale = _unit(self.median)
        return (f"<torch.utils.benchmark.utils.common.Measurement object at {hex(id(self))}>\n"
                f"{stmt}\n  {self.median * scale:.2f} {unit}\n  1 measurement, "
                f"{self.number_per_run} runs , 1 thread")


def _unit(t):
    for unit, scale in (("s", 1), ("ms", 1e3), ("us", 1e6), ("ns", 1e9)):
        if t * scale >= 1:
            return unit, scale
    return "ns", 1e9


class Timer:
    """Time ``stmt`` (a string or a callable) after ``setup``, with ``globals`` in scope.

    Args:
        stmt: the code to time.
        setup: code run once before timing.
        globals: names available to ``stmt`` and ``setup``.
        label, sub_label, description, num_threads: kept for reporting.
    """

    def __init__(self, stmt="pass", setup="pass", global_setup="", timer=time.perf_counter,
                 globals=None, label=None, sub_label=None, description=None, env=None,
                 num_threads=1, language="python"):
        if language not in ("python", "py"):
            raise ValueError("graphtorch's Timer times Python statements only")
        if isinstance(stmt, str):
            stmt = textwrap.dedent(stmt)
        self._timer = _timeit.Timer(stmt=stmt, setup=textwrap.dedent(setup), timer=timer,
                                    globals=dict(globals or {}))
        self._spec = {"stmt": stmt if isinstance(stmt, str) else getattr(stmt, "__name__", ""),
                      "label": label, "sub_label": sub_label, "description": description,
                      "num_threads": num_threads}

    def timeit(self, number=1000000):
        """Run ``stmt`` ``number`` times once; one Measurement."""
        return Measurement(number, [self._timer.timeit(number)], self._spec)

    def repeat(self, repeat=-1, number=-1):
        raise NotImplementedError("Timer.repeat is not supported in torch either")

    def autorange(self, callback=None):
        number, _ = self._timer.autorange(callback)
        return number

    def blocked_autorange(self, callback=None, min_run_time=0.2):
        """Time blocks of calls until ``min_run_time`` seconds have been spent."""
        number = 1
        while self._timer.timeit(number) < 0.01 and number < 10 ** 7:
            number *= 10
        times, total = [], 0.0
        while total < min_run_time or not times:
            t = self._timer.timeit(number)
            if callback is not None:
                callback(number, t)
            times.append(t)
            total += t
        return Measurement(number, times, self._spec)

    def adaptive_autorange(self, threshold=0.1, *, min_run_time=0.01, max_run_time=10.0,
                           callback=None):
        return self.blocked_autorange(callback, min_run_time=min_run_time)
