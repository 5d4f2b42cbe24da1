"""DataLoader with worker processes: order, seeds, worker info, sharding, errors, dead
workers, timeouts, persistent workers, and no leaked processes."""
import gc
import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import graphtorch as torch
from graphtorch.utils.data import (DataLoader, Dataset, IterableDataset, TensorDataset,
                                   get_worker_info)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Items(Dataset):
    """Item i is i; optionally fails, kills its worker or sleeps at given indices."""

    def __init__(self, n, fail=None, exc=KeyError, kill=None, sleep=None):
        self.n, self.fail, self.exc, self.kill, self.sleep = n, fail, exc, kill, sleep

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.fail:
            raise self.exc(f"bad index {i}")
        if i == self.kill:
            os.kill(os.getpid(), signal.SIGKILL)
        if i == self.sleep:
            time.sleep(0.6)
        return i


class WhoAmI(Dataset):
    """Reports the worker's view: pid, worker info and random draws of each library."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return {"i": i, "pid": os.getpid(), "id": info.id, "num_workers": info.num_workers,
                "seed": info.seed, "is_copy": type(info.dataset) is WhoAmI,
                "torch": float(torch.rand(1).item()), "random": random.random(),
                "numpy": float(np.random.rand()), "init": os.environ.get("GT_INIT", "")}


class Stream(IterableDataset):
    def __init__(self, n, shard=True):
        self.n, self.shard = n, shard

    def __iter__(self):
        info = get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class CustomError(Exception):
    pass


class NeedsTwoArgs(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


def _set_env(worker_id):
    os.environ["GT_INIT"] = f"w{worker_id}"


def _no_children():
    gc.collect()
    deadline = time.time() + 3
    while mp.active_children() and time.time() < deadline:
        time.sleep(0.02)
    return mp.active_children() == []


def test_same_batches_as_single_process_and_no_leak():
    ref = [b.tolist() for b in DataLoader(Items(11), batch_size=3)]
    got = [b.tolist() for b in DataLoader(Items(11), batch_size=3, num_workers=2)]
    assert got == ref == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10]]
    assert _no_children()


def test_tensor_dataset_with_workers_and_shuffle_reproducible():
    ds = TensorDataset(torch.arange(40.0).reshape(20, 2), torch.arange(20))

    def run(workers):
        dl = DataLoader(ds, batch_size=6, shuffle=True, num_workers=workers,
                        generator=torch.Generator().manual_seed(3), drop_last=True)
        return [[t.tolist() for t in b] for b in dl]
    two = run(2)
    assert two == run(0) and len(two) == 3
    assert all(x == [2 * i, 2 * i + 1] for b in two for x, i in zip(b[0], b[1]))


def test_out_of_order_returns_every_batch():
    dl = DataLoader(Items(10, sleep=0), batch_size=2, num_workers=2, in_order=False)
    got = [b.tolist() for b in dl]
    assert sorted(got) == [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]]
    assert got[0] != [0, 1]  # the sleeping first batch came later


def test_worker_info_seeds_and_init_fn():
    def run():
        dl = DataLoader(WhoAmI(), batch_size=2, num_workers=2, worker_init_fn=_set_env,
                        generator=torch.Generator().manual_seed(11))
        return [{k: v.tolist() if hasattr(v, "tolist") else v for k, v in b.items()}
                for b in dl]
    a, b = run(), run()
    assert [x["id"] for x in a] == [[0, 0], [1, 1], [0, 0], [1, 1]]
    assert all(x["num_workers"] == [2, 2] and x["is_copy"] == [True, True] for x in a)
    assert [x["init"] for x in a] == [["w0", "w0"], ["w1", "w1"], ["w0", "w0"], ["w1", "w1"]]
    seed0, seed1 = a[0]["seed"][0], a[1]["seed"][0]
    assert seed1 == seed0 + 1  # base_seed + worker_id
    base = int(torch.empty((), dtype=torch.int64).random_(
        generator=torch.Generator().manual_seed(11)).item())
    assert seed0 == base
    for lib in ("torch", "random", "numpy"):
        assert a[0][lib] != a[1][lib]  # distinct streams per worker
        assert [x[lib] for x in a] == [x[lib] for x in b]  # reproducible
    assert _no_children()


def test_iterable_dataset_sharding_and_copies():
    dl = DataLoader(Stream(10), batch_size=2, num_workers=2)
    got = sorted(sum((b.tolist() for b in dl), []))
    assert got == list(range(10))
    dup = list(DataLoader(Stream(3, shard=False), batch_size=None, num_workers=2))
    assert sorted(dup) == [0, 0, 1, 1, 2, 2]  # each worker iterates its own copy
    assert _no_children()


def test_worker_exception_type_and_message():
    with pytest.raises(KeyError) as info:
        list(DataLoader(Items(6, fail=4), batch_size=2, num_workers=2))
    msg = str(info.value.args[0])
    assert msg.startswith("Caught KeyError in DataLoader worker process 0.\n"
                          "Original Traceback (most recent call last):\n")
    assert "KeyError: 'bad index 4'" in msg
    with pytest.raises(CustomError, match="Caught CustomError in DataLoader worker process 1"):
        list(DataLoader(Items(6, fail=2, exc=CustomError), batch_size=2, num_workers=2))
    with pytest.raises(RuntimeError, match="Caught NeedsTwoArgs in DataLoader worker"):
        list(DataLoader(Items(4, fail=0, exc=lambda m: NeedsTwoArgs(m, 1)), num_workers=1))
    del info
    assert _no_children()


def test_iteration_continues_after_worker_exception():
    it = iter(DataLoader(Items(6, fail=2, exc=ValueError), batch_size=2, num_workers=2))
    assert next(it).tolist() == [0, 1]
    with pytest.raises(ValueError):
        next(it)
    assert [b.tolist() for b in it] == [[4, 5]]
    del it
    assert _no_children()


def test_killed_worker_raises_runtime_error():
    t0 = time.time()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited "
                                           r"unexpectedly"):
        list(DataLoader(Items(8, kill=5), batch_size=2, num_workers=2))
    assert time.time() - t0 < 5
    assert _no_children()


def test_timeout():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.2 seconds"):
        list(DataLoader(Items(4, sleep=0), num_workers=1, timeout=0.2))
    assert _no_children()


def test_break_and_del_leave_no_process():
    dl = DataLoader(Items(100), batch_size=2, num_workers=2)
    for b in dl:
        break
    del b
    assert _no_children()


def test_persistent_workers_survive_epochs():
    class Pids(Dataset):
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return os.getpid()

    dl = DataLoader(Pids(), batch_size=3, num_workers=2, persistent_workers=True)
    e1 = {p for b in dl for p in b.tolist()}
    assert len(mp.active_children()) == 2  # still alive between epochs
    it = iter(dl)
    next(it)  # an epoch broken off: its in-flight results must not leak into the next
    e2 = {p for b in dl for p in b.tolist()}
    assert e1 == e2 and len(e1) == 2 and os.getpid() not in e1
    assert [b.tolist() for b in DataLoader(Items(5), batch_size=2, num_workers=2,
                                           persistent_workers=True)] == [[0, 1], [2, 3], [4]]
    s = DataLoader(Stream(5), batch_size=2, num_workers=2, persistent_workers=True)
    for _ in range(2):
        assert sorted(sum((b.tolist() for b in s), [])) == list(range(5))
    del dl, it, s
    assert _no_children()


def test_spawn_context():
    dl = DataLoader(Items(4), batch_size=2, num_workers=1, multiprocessing_context="spawn")
    assert [b.tolist() for b in dl] == [[0, 1], [2, 3]]
    assert _no_children()


def test_no_process_left_at_interpreter_exit():
    script = textwrap.dedent("""
        import os, sys
        from graphtorch.utils.data import DataLoader, Dataset
        class D(Dataset):
            def __len__(self): return 100
            def __getitem__(self, i): return os.getpid()
        dl = DataLoader(D(), batch_size=2, num_workers=2, persistent_workers=True)
        it = iter(dl)
        print(next(it).tolist()[0], next(it).tolist()[0], flush=True)
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for pid in map(int, out.stdout.split()):
        assert not _alive(pid)


def _alive(pid):
    deadline = time.time() + 3
    while time.time() < deadline:
        try:
            with open(f"/proc/{pid}/status") as f:
                if "\nState:\tZ" in f.read():
                    return False
        except FileNotFoundError:
            return False
        time.sleep(0.05)
    return True
