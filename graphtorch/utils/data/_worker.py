"""DataLoader workers: fetchers (index -> batch), worker info and seeding, the loop each
worker process runs, and the wrapper that carries a worker's exception to the main process.

Results travel pre-pickled (bytes) through the result queue: a batch that cannot be pickled
then becomes an error the user sees, instead of being dropped by the queue's feeder thread
(which would leave the main process waiting)."""
from __future__ import annotations

import os
import pickle
import queue
import random
import sys
import traceback
from dataclasses import dataclass

import numpy as np

from ...eager.tensor import wrap
from .collate import default_collate
from .dataset import Subset, TensorDataset

__all__ = ["WorkerInfo", "get_worker_info", "ExceptionWrapper"]

POLL_INTERVAL = 0.1  # seconds between liveness checks while waiting on a queue
MAP, ITERABLE = 0, 1  # dataset kinds

_worker_info = None


@dataclass(frozen=True)
class WorkerInfo:
    """What a worker process knows about itself (see :func:`get_worker_info`)."""
    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str | None = "multiprocessing"


def get_worker_info() -> WorkerInfo | None:
    """Inside a DataLoader worker: its :class:`WorkerInfo` (``id``, ``num_workers``,
    ``seed``, ``dataset``: this worker's copy); in the main process: None."""
    return _worker_info


@dataclass(frozen=True)
class _IterableDatasetStopIteration:
    worker_id: int


@dataclass(frozen=True)
class _ResumeIteration:
    seed: int | None = None


class KeyErrorMessage(str):
    """A KeyError message shown verbatim (KeyError's str() would repr() it)."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception with its formatted traceback, picklable across processes."""

    def __init__(self, exc_info=None, where: str = "in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise the wrapped exception type with PyTorch's "Caught ..." message."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:  # the type needs other constructor arguments
            raise RuntimeError(msg) from None
        raise exception

    def __getstate__(self):
        state = dict(self.__dict__)
        try:
            pickle.dumps(self.exc_type)
        except Exception:  # a local exception class: keep the message, lose the type
            state["exc_type"] = RuntimeError
        return state


# ------------------------------------------------------------------------- fetchers
class _IterableFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset_iter = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, batch_index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        for _ in batch_index:
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(batch_index)):
            raise StopIteration
        return self.collate_fn(data)


class _MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.fast = _tensor_gather(dataset) if (auto_collation and
                                                collate_fn is default_collate) else None

    def fetch(self, batch_index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[batch_index])
        if self.fast is not None:
            batch = self.fast(batch_index)
            if batch is not None:
                return batch
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems:
            data = getitems(batch_index)
        else:
            data = [self.dataset[i] for i in batch_index]
        return self.collate_fn(data)


def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
    cls = _MapFetcher if kind == MAP else _IterableFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)


def _plain_tensors(dataset):
    """The tensors of a TensorDataset whose rows can be gathered in numpy, else None."""
    if type(dataset) is not TensorDataset:
        return None
    tensors = dataset.tensors
    if any(type(t._data) is not np.ndarray or t._data.ndim == 0 or t.requires_grad
           for t in tensors):
        return None
    return tensors


def _tensor_gather(dataset):
    """For a TensorDataset (possibly under plain Subsets) and default_collate: a function
    batch indices -> collated batch that gathers each tensor with one fancy index, the same
    result as collating the samples one by one (None when not applicable)."""
    row_map = None
    while type(dataset) is Subset:
        if not isinstance(dataset.indices, (list, tuple, range, np.ndarray)):
            return None
        idx = np.asarray(dataset.indices)
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            return None
        idx = idx.astype(np.intp, copy=False)
        row_map = idx if row_map is None else idx[row_map]
        dataset = dataset.dataset
    tensors = _plain_tensors(dataset)
    if tensors is None:
        return None
    arrays = [t._data for t in tensors]

    def gather(batch_index):
        rows = np.asarray(batch_index)
        if rows.ndim != 1 or rows.size == 0 or rows.dtype.kind not in "iu":
            return None
        try:
            if row_map is not None:
                rows = row_map[rows]
            return [wrap(a[rows]) for a in arrays]
        except IndexError:  # let the per-sample path raise PyTorch's error
            return None
    return gather


# ------------------------------------------------------------------------- the worker
def _seed_worker(base_seed: int, worker_id: int) -> int:
    """Seed graphtorch's default generator, ``random`` and numpy's global state as a
    DataLoader worker does: graphtorch and random get ``base_seed + worker_id``, numpy a
    SeedSequence of (worker_id, base_seed) (PyTorch's numpy seeding)."""
    import graphtorch
    seed = base_seed + worker_id
    random.seed(seed)
    graphtorch.manual_seed(seed)
    mask = 0xFFFFFFFF
    entropy = [worker_id, base_seed & mask, base_seed >> 32, 0]
    np.random.seed(np.random.SeedSequence(entropy).generate_state(4))
    return seed


def _one_thread():
    """Workers run one BLAS thread each (as PyTorch's do): N workers, not N x cores."""
    import graphtorch
    try:
        graphtorch.set_num_threads(1)
    except Exception:  # noqa: BLE001 - only a performance hint
        pass


def _dumps(item) -> bytes:
    try:
        return pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        idx = item[0]
        where = f"in DataLoader worker process {_worker_info.id if _worker_info else '?'}"
        return pickle.dumps((idx, ExceptionWrapper(where=where)),
                            protocol=pickle.HIGHEST_PROTOCOL)


class _Task:
    """Per-worker fetching state, reset at each resumed epoch (persistent workers)."""

    def __init__(self, args, worker_id):
        self.args = args
        self.where = f"in DataLoader worker process {worker_id}"
        self.worker_id = worker_id
        self.fetcher = None
        self.error = None
        self.ended = False

    def restart(self):
        self.ended = False
        try:
            self.fetcher = create_fetcher(*self.args)
        except Exception:
            self.error = ExceptionWrapper(where=self.where)

    def run(self, index):
        if self.error is not None:
            err, self.error = self.error, None
            return err
        try:
            return self.fetcher.fetch(index)
        except StopIteration:
            if self.args[0] != ITERABLE:
                return ExceptionWrapper(where=self.where)
            self.ended = True
            return _IterableDatasetStopIteration(self.worker_id)
        except Exception:
            return ExceptionWrapper(where=self.where)


def _worker_loop(kind, dataset, index_queue, data_queue, done_event, auto_collation,
                 collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers):
    """Body of a worker process: take (task id, indices) from ``index_queue``, put
    pickled (task id, batch or error) on ``data_queue``; None ends it; it also ends when
    the main process disappears."""
    global _worker_info
    try:
        _one_thread()
        seed = _seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        task = _Task((kind, dataset, auto_collation, collate_fn, drop_last), worker_id)
        try:
            if init_fn is not None:
                init_fn(worker_id)
        except Exception:
            task.error = ExceptionWrapper(where=task.where)
        else:
            task.restart()
        _serve(task, index_queue, data_queue, done_event)
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()


def _serve(task, index_queue, data_queue, done_event):
    parent = os.getppid()
    while os.getppid() == parent:  # the parent died: we were re-parented
        try:
            r = index_queue.get(timeout=POLL_INTERVAL * 10)
        except queue.Empty:
            continue
        if r is None:
            break
        if isinstance(r, _ResumeIteration):
            data_queue.put(_dumps((r, None)))
            task.restart()
            continue
        if done_event.is_set() or task.ended:
            continue
        idx, index = r
        data_queue.put(_dumps((idx, task.run(index))))
        del r, idx, index
