"""graphtorch.multiprocessing: shared-memory tensors through queues (fork and spawn), spawn()."""
from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

import graphtorch as gt
import graphtorch.multiprocessing as mp
from graphtorch.eager.tensor import make_view
from graphtorch.nn.parameter import Parameter


def _child_add(q, done):
    t = q.get()
    p = q.get()
    t._data += 10  # in place, on the received (shared) memory
    p._data[:] = -1
    done.put((t.is_shared(), type(p).__name__, p.requires_grad))


def _spawn_fn(i, path):
    with open(os.path.join(path, f"rank{i}"), "w") as f:
        f.write(str(i))


def _spawn_fail(i):
    if i == 1:
        raise ValueError("rank one failed")


def test_share_memory_keeps_values_and_views():
    x = gt.arange(6.0)
    v = make_view(x._data[2:], x)
    assert not x.is_shared()
    assert v.share_memory_() is v and v.is_shared() and x.is_shared()
    assert v.tolist() == [2.0, 3.0, 4.0, 5.0]
    x._data[2] = 9.0
    assert v._data[0] == 9.0
    assert x.share_memory_() is x  # idempotent


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_queue_passes_shared_tensor_without_copy(method):
    ctx = mp.get_context(method)
    x = gt.arange(4.0).share_memory_()
    p = Parameter(gt.ones(3)).share_memory_()
    q, done = ctx.Queue(), ctx.Queue()
    proc = ctx.Process(target=_child_add, args=(q, done))
    proc.start()
    q.put(x)
    q.put(p)
    assert done.get(timeout=60) == (True, "Parameter", True)
    proc.join(timeout=60)
    assert proc.exitcode == 0
    assert x.tolist() == [10.0, 11.0, 12.0, 13.0]
    assert p.tolist() == [-1.0, -1.0, -1.0]


def test_unshared_tensor_pickles_by_copy():
    from multiprocessing.reduction import ForkingPickler
    x = gt.arange(3.0)
    y = pickle.loads(ForkingPickler.dumps(x))
    assert y.tolist() == [0.0, 1.0, 2.0] and not np.shares_memory(x._data, y._data)
    s = gt.arange(3.0).share_memory_()
    z = pickle.loads(ForkingPickler.dumps(s))
    z._data[0] = 5.0
    assert s._data[0] == 5.0


def test_spawn_runs_and_reports_errors(tmp_path):
    mp.spawn(_spawn_fn, args=(str(tmp_path),), nprocs=2, start_method="fork")
    assert sorted(os.listdir(tmp_path)) == ["rank0", "rank1"]
    with pytest.raises(mp.ProcessRaisedException, match="rank one failed"):
        mp.spawn(_spawn_fail, nprocs=2, start_method="fork")
    ctx = mp.spawn(_spawn_fn, args=(str(tmp_path),), nprocs=1, join=False, start_method="fork")
    while not ctx.join():
        pass


def test_api_reexports():
    for name in ("Process", "Queue", "Pool", "get_context", "set_start_method", "spawn",
                 "SimpleQueue", "cpu_count"):
        assert hasattr(mp, name)
    assert mp.get_sharing_strategy() == "file_system"
