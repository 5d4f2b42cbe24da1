"""The multi-process DataLoader iterator.

Each worker has its own index queue; all share one result queue. The main process keeps
``prefetch_factor * num_workers`` tasks outstanding, hands them out round-robin, and puts
results back in sampler order (unless ``in_order=False``). Waiting is done in short polls
that check the workers are alive, so a dead worker is an error, never a hang. The workers
belong to a :class:`_WorkerPool` whose shutdown runs when the iteration ends, when the
iterator is collected (weakref finalizer) or at interpreter exit."""
from __future__ import annotations

import itertools
import multiprocessing
import pickle
import queue
import weakref

from . import _worker
from .dataloader import _BaseDataLoaderIter

JOIN_TIMEOUT = 1.0  # seconds a worker gets to exit cleanly before it is terminated


class _WorkerPool:
    """The worker processes and their queues; shutdown() is idempotent."""

    def __init__(self, ctx, it, loader):
        self.result_queue = ctx.Queue()
        self.done_event = ctx.Event()
        self.index_queues, self.workers = [], []
        self.closed = False
        try:
            for i in range(it._num_workers):
                self._start(ctx, it, loader, i)
        except BaseException:
            self.shutdown()
            raise

    def _start(self, ctx, it, loader, worker_id):
        index_queue = ctx.Queue()
        index_queue.cancel_join_thread()  # never block exit on undelivered indices
        w = ctx.Process(target=_worker._worker_loop, args=(
            it._dataset_kind, it._dataset, index_queue, self.result_queue, self.done_event,
            it._auto_collation, it._collate_fn, it._drop_last, it._base_seed,
            loader.worker_init_fn, worker_id, it._num_workers))
        w.daemon = True  # multiprocessing terminates daemons at exit, whatever happens
        self.index_queues.append(index_queue)
        w.start()
        self.workers.append(w)

    def shutdown(self):
        if self.closed:
            return
        self.closed = True
        try:
            self.done_event.set()
            for q in self.index_queues:
                q.put(None)
            for w in self.workers:
                w.join(timeout=JOIN_TIMEOUT)
        except Exception:  # noqa: BLE001 - at interpreter exit, anything may be half gone
            pass
        finally:
            for w in self.workers:
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=JOIN_TIMEOUT)
            for q in self.index_queues + [self.result_queue]:
                q.cancel_join_thread()
                q.close()


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader) -> None:
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        if self._prefetch_factor <= 0:
            raise AssertionError("prefetch_factor must be greater than 0 for "
                                 "MultiProcessingDataLoaderIter")
        ctx = loader.multiprocessing_context or multiprocessing.get_context()
        self._pool = _WorkerPool(ctx, self, loader)
        self._workers = self._pool.workers
        self._index_queues = self._pool.index_queues
        self._data_queue = self._pool.result_queue
        self._shutdown = False
        self._finalizer = weakref.finalize(self, self._pool.shutdown)
        self._reset(loader, first_iter=True)

    # ------------------------------------------------------------------ epoch state
    def _reset(self, loader, first_iter=False) -> None:
        super()._reset(loader, first_iter)
        self._send_idx = 0  # id of the next task to send
        self._rcvd_idx = 0  # id of the next task to return
        self._task_info = {}  # task id -> (worker,) while pending, (worker, data) when early
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            self._resume_workers()
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _resume_workers(self):
        """Persistent workers: restart every worker's fetcher; results of the previous
        epoch still in flight are dropped."""
        for q in self._index_queues:
            q.put(_worker._ResumeIteration())
        pending = self._num_workers
        while pending > 0:
            idx, _ = self._get_data()
            if isinstance(idx, _worker._ResumeIteration):
                pending -= 1

    # ------------------------------------------------------------------ receiving
    def _try_get_data(self, timeout=_worker.POLL_INTERVAL):
        try:
            raw = self._data_queue.get(timeout=timeout)
        except queue.Empty:
            self._check_workers_alive()
            return False, None
        return True, pickle.loads(raw)

    def _check_workers_alive(self):
        failed = [w for i, w in enumerate(self._workers)
                  if self._workers_status[i] and not w.is_alive()]
        if failed:
            pids = ", ".join(str(w.pid) for w in failed)
            self._shutdown_workers()
            raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly")

    def _get_data(self):
        if self._timeout > 0:
            ok, data = self._try_get_data(self._timeout)
            if not ok:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
            return data
        while True:
            ok, data = self._try_get_data()
            if ok:
                return data

    def _next_ready(self) -> bool:
        """Advance past tasks whose worker is gone; False when nothing is left."""
        while self._rcvd_idx < self._send_idx:
            info = self._task_info.get(self._rcvd_idx)
            if info:
                if len(info) == 2 or self._workers_status[info[0]]:
                    return True
                del self._task_info[self._rcvd_idx]  # its worker ended the dataset
            self._rcvd_idx += 1
        return False

    def _next_data(self):
        while True:
            if not self._next_ready():
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:  # arrived early, kept
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)
            if self._shutdown or self._tasks_outstanding <= 0:
                raise AssertionError("Invalid iterator state: shutdown or no outstanding "
                                     "tasks when fetching next data")
            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if isinstance(data, _worker._IterableDatasetStopIteration):
                self._worker_exhausted(data.worker_id)
                continue
            if idx != self._rcvd_idx:
                if not self._in_order:
                    return self._process_data(data, self._task_info.pop(idx)[0])
                self._task_info[idx] += (data,)
            else:
                worker_id = self._task_info.pop(idx)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    def _worker_exhausted(self, worker_id):
        if self._persistent_workers:
            self._workers_status[worker_id] = False
        else:
            self._mark_worker_as_unavailable(worker_id)
        self._try_put_index()

    # ------------------------------------------------------------------ sending
    def _pick_worker(self, max_tasks):
        for _ in range(self._num_workers):
            w = next(self._worker_queue_idx_cycle)
            if self._workers_status[w]:
                if self._in_order:
                    return w
                if self._workers_num_tasks[w] < max_tasks // sum(self._workers_status):
                    return w
        return None

    def _try_put_index(self) -> None:
        max_tasks = self._prefetch_factor * self._num_workers
        if self._tasks_outstanding >= max_tasks:
            raise AssertionError("Number of outstanding tasks exceeded maximum allowed tasks")
        try:
            index = self._next_index()
        except StopIteration:
            return
        worker = self._pick_worker(max_tasks)
        if worker is None:
            return
        self._index_queues[worker].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker,)
        self._workers_num_tasks[worker] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _process_data(self, data, worker_id):
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()
        if isinstance(data, _worker.ExceptionWrapper):
            data.reraise()
        return data

    # ------------------------------------------------------------------ shutdown
    def _mark_worker_as_unavailable(self, worker_id, shutdown=False) -> None:
        self._index_queues[worker_id].put(None)
        self._workers_status[worker_id] = False

    def _shutdown_workers(self) -> None:
        if not self._shutdown:
            self._shutdown = True
            self._finalizer()

    def __del__(self):
        try:
            self._shutdown_workers()
        except Exception:  # noqa: BLE001 - interpreter teardown
            pass
