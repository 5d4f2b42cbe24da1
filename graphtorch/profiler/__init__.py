"""torch.profiler: the profiling API of the PyTorch profiler recipe (``profile``,
``record_function``, ``schedule``, ``ProfilerActivity``, ``key_averages().table()``,
``export_chrome_trace``), so programs that profile run unchanged.

graphtorch records wall-clock ranges: every ``record_function`` block, plus one
``ProfilerStep#N`` range per ``prof.step()``.  Individual ops are not timed (the eager
dispatcher has no per-op profiling hook); CPU time is wall time."""
from __future__ import annotations

import enum
import functools
import json
import time

__all__ = ["profile", "record_function", "schedule", "ProfilerActivity", "ProfilerAction",
           "tensorboard_trace_handler", "supported_activities"]

_ACTIVE: list = []   # profilers currently recording (innermost last)


class ProfilerActivity(enum.Enum):
    CPU = 0
    CUDA = 1
    XPU = 2
    MTIA = 3


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def supported_activities():
    """The activities graphtorch can profile (CPU only)."""
    return {ProfilerActivity.CPU}


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """step number -> ProfilerAction, as ``torch.profiler.schedule``."""
    def fn(step):
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        cycle = wait + warmup + active
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        pos = step % cycle
        if pos < wait:
            return ProfilerAction.NONE
        if pos < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if pos < cycle - 1 else ProfilerAction.RECORD_AND_SAVE
    return fn


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False):
    """An ``on_trace_ready`` callback writing a chrome trace into ``dir_name``."""
    import os

    def handler(prof):
        os.makedirs(dir_name, exist_ok=True)
        name = f"{worker_name or 'worker'}.{int(time.time() * 1000)}.pt.trace.json"
        prof.export_chrome_trace(os.path.join(dir_name, name))
    return handler


class FunctionEvent:
    """One recorded range."""

    def __init__(self, name, start, end):
        self.name = self.key = name
        self.time_range_start, self.time_range_end = start, end
        self.cpu_time_total = self.cpu_time = (end - start) * 1e6   # microseconds
        self.self_cpu_time_total = self.cpu_time_total
        self.device_time_total = self.cuda_time_total = 0.0
        self.count = 1


class FunctionEventAvg:
    """Events of one name, aggregated (``key_averages()`` rows)."""

    def __init__(self, key):
        self.key, self.count, self.cpu_time_total = key, 0, 0.0
        self.self_cpu_time_total = self.device_time_total = self.cuda_time_total = 0.0

    def add(self, e):
        self.count += 1
        self.cpu_time_total += e.cpu_time_total
        self.self_cpu_time_total += e.self_cpu_time_total
        return self

    @property
    def cpu_time(self):
        return self.cpu_time_total / max(self.count, 1)


class EventList(list):
    """A list of events with ``table()``."""

    def table(self, sort_by=None, row_limit=100, max_name_column_width=55, header=None,
              top_level_events_only=False, **_):
        rows = list(self)
        if sort_by and rows and hasattr(rows[0], sort_by):
            rows.sort(key=lambda e: getattr(e, sort_by), reverse=True)
        rows = rows[:row_limit] if row_limit and row_limit > 0 else rows
        w = max([len("Name")] + [min(len(e.key), max_name_column_width) for e in rows])
        line = "-" * (w + 40)
        out = [line, f"{'Name':<{w}}  {'CPU total':>14}  {'CPU time avg':>14}  {'# of Calls':>8}",
               line]
        for e in rows:
            avg = e.cpu_time_total / max(e.count, 1)
            out.append(f"{e.key[:w]:<{w}}  {e.cpu_time_total:>12.3f}us  {avg:>12.3f}us  "
                       f"{e.count:>8}")
        out.append(line)
        return (header + "\n" if header else "") + "\n".join(out)

    def key_averages(self):
        agg = {}
        for e in self:
            agg.setdefault(e.key, FunctionEventAvg(e.key)).add(e)
        return EventList(agg.values())

    def total_average(self):
        tot = FunctionEventAvg("Total")
        for e in self:
            tot.add(e)
        return tot


class profile:
    """Record ``record_function`` ranges (and steps) while active; see the module doc."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None,
                 record_shapes=False, profile_memory=False, with_stack=False,
                 with_flops=False, with_modules=False, experimental_config=None,
                 execution_trace_observer=None, acc_events=False, use_cuda=None):
        self.activities = set(activities or supported_activities())
        self.schedule, self.on_trace_ready = schedule, on_trace_ready
        self.record_shapes, self.profile_memory = record_shapes, profile_memory
        self.step_num = 0
        self._events: list = []
        self._saved = EventList()
        self._step_start = None

    def _recording(self):
        if self.schedule is None:
            return True
        return self.schedule(self.step_num) in (ProfilerAction.RECORD,
                                                ProfilerAction.RECORD_AND_SAVE)

    def start(self):
        _ACTIVE.append(self)
        self._step_start = time.perf_counter()
        return self

    def stop(self):
        if self in _ACTIVE:
            _ACTIVE.remove(self)
        if self.schedule is None:
            self._saved = EventList(self._events)
            if self.on_trace_ready is not None:
                self.on_trace_ready(self)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def _add(self, name, start, end):
        if self._recording():
            self._events.append(FunctionEvent(name, start, end))

    def step(self):
        """Mark the end of a training step (advances the schedule)."""
        now = time.perf_counter()
        self._add(f"ProfilerStep#{self.step_num}", self._step_start, now)
        action = self.schedule(self.step_num) if self.schedule is not None else None
        self.step_num += 1
        self._step_start = now
        if action is ProfilerAction.RECORD_AND_SAVE:
            self._saved = EventList(self._events)
            self._events = []
            if self.on_trace_ready is not None:
                self.on_trace_ready(self)

    def events(self):
        return self._saved if self._saved or self.schedule is not None else \
            EventList(self._events)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, **_):
        return self.events().key_averages()

    def export_chrome_trace(self, path):
        """Write the recorded ranges as a Chrome trace (JSON)."""
        evs = [{"name": e.name, "ph": "X", "ts": e.time_range_start * 1e6,
                "dur": e.cpu_time_total, "pid": 0, "tid": 0, "cat": "cpu_op"}
               for e in self.events()]
        with open(path, "w") as f:
            json.dump({"traceEvents": evs}, f)

    def export_stacks(self, path, metric="self_cpu_time_total"):
        with open(path, "w") as f:
            for e in self.events():
                f.write(f"{e.name} {int(getattr(e, metric, 0))}\n")


class record_function:
    """Label a code range in the profile (context manager or decorator)."""

    def __init__(self, name, args=None):
        self.name = name
        self._start = None

    def __enter__(self):
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        end = time.perf_counter()
        for p in _ACTIVE:
            p._add(self.name, self._start, end)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with record_function(self.name):
                return fn(*args, **kwargs)
        return wrapper
