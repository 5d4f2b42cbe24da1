"""graphtorch.utils.data against torch.utils.data 2.13: batches, collate structures, samplers
without randomness, errors and messages."""
import collections

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.utils.data as tdata  # noqa: E402

import graphtorch as gt  # noqa: E402
import graphtorch.utils.data as gdata  # noqa: E402
from graphtorch.utils.data import _worker  # noqa: E402

Point = collections.namedtuple("Point", "x y")


def same(a, b):
    """Structure, types, values and dtypes agree (graphtorch value a, torch value b)."""
    if isinstance(b, torch.Tensor):
        assert isinstance(a, gt.Tensor), (a, b)
        assert str(a.dtype) == str(b.dtype) and list(a.shape) == list(b.shape)
        assert a.tolist() == b.tolist()
    elif isinstance(b, dict):
        assert type(a) is type(b) and list(a) == list(b)
        for k in b:
            same(a[k], b[k])
    elif isinstance(b, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            same(x, y)
    else:
        assert type(a) is type(b) and a == b


class Mixed:
    """A deterministic map-style dataset with every kind of field."""

    def __len__(self):
        return 9

    def __getitem__(self, i):
        return {"i": i, "f": i / 2, "s": f"s{i}", "np": np.arange(3, dtype=np.int16) * i,
                "sc": np.float32(i), "t": (i % 2 == 0, [i, -i]), "p": Point(i, np.int8(i))}


def _loaders(**kw):
    ds = Mixed()
    g = type("G", (gdata.Dataset,), {"__len__": ds.__len__,
                                     "__getitem__": lambda s, i: ds[i]})()
    t = type("T", (tdata.Dataset,), {"__len__": ds.__len__,
                                     "__getitem__": lambda s, i: ds[i]})()
    return gdata.DataLoader(g, **kw), tdata.DataLoader(t, **kw)


@pytest.mark.parametrize("kw", [dict(batch_size=4), dict(batch_size=4, drop_last=True),
                                dict(batch_size=None), dict(sampler=[8, 1, 3], batch_size=2),
                                dict(batch_sampler=[[2, 0], [5]])])
def test_same_batches(kw):
    g, t = _loaders(**kw)
    gb, tb = list(g), list(t)
    assert len(g) == len(t) and len(gb) == len(tb)
    for a, b in zip(gb, tb):
        same(a, b)


def test_same_batches_with_workers():
    g, t = _loaders(batch_size=3, num_workers=2)
    for a, b in zip(list(g), list(t)):
        same(a, b)


def test_tensor_dataset_same_batches():
    x = np.arange(30, dtype=np.float32).reshape(10, 3)
    y = np.arange(10)
    order = [9, 2, 4, 0, 7, 1]
    g = gdata.DataLoader(gdata.TensorDataset(gt.from_numpy(x), gt.from_numpy(y)), batch_size=4,
                         sampler=order)
    t = tdata.DataLoader(tdata.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
                         batch_size=4, sampler=order)
    for a, b in zip(list(g), list(t)):
        same(a, b)


COLLATE_CASES = [
    [1, 2], [1.5, 2], [1, 2.5], [True, False], ["a", "b"], [b"x", b"y"],
    [np.float64(1), np.float64(2)], [np.int32(1), np.int32(2)], [np.bool_(True)],
    [np.zeros((2, 2), np.float32), np.ones((2, 2), np.float32)],
    [np.zeros(2, np.int64), np.zeros(2, np.float32)],
    [(1, "a"), (2, "b")], [[1, 2], [3, 4]], [Point(1, 2.0), Point(3, 4.0)],
    [{"a": [1, {"b": 2.0}]}, {"a": [3, {"b": 4.0}]}],
    [collections.OrderedDict(z=1, a=2)] * 2,
]


@pytest.mark.parametrize("batch", COLLATE_CASES)
def test_default_collate_same(batch):
    same(gdata.default_collate(batch), tdata.default_collate(batch))


def test_default_collate_tensors_same():
    gb = [gt.from_numpy(np.arange(4, dtype=np.int32).reshape(2, 2)) for _ in range(3)]
    tb = [torch.from_numpy(np.arange(4, dtype=np.int32).reshape(2, 2)) for _ in range(3)]
    same(gdata.default_collate(gb), tdata.default_collate(tb))
    mixed_g = [gt.zeros(2, dtype=gt.int64), gt.zeros(2, dtype=gt.float16)]
    mixed_t = [torch.zeros(2, dtype=torch.int64), torch.zeros(2, dtype=torch.float16)]
    same(gdata.default_collate(mixed_g), tdata.default_collate(mixed_t))


@pytest.mark.parametrize("data", [(1, np.float64(2.0), "s"), {"a": np.arange(2)}, [np.int8(3)],
                                  Point(np.zeros(1), 1), "abc", 3.5])
def test_default_convert_same(data):
    same(gdata.default_convert(data), tdata.default_convert(data))


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e), str(e)
    return None


@pytest.mark.parametrize("batch", [[object()], [np.array(["a"])], [[1, 2], [3]], [None],
                                   [np.array([object()])]])
def test_collate_errors_same(batch):
    assert _error(lambda: gdata.default_collate(batch)) == \
        _error(lambda: tdata.default_collate(batch))


def test_collate_stack_error_same():
    assert _error(lambda: gdata.default_collate([gt.zeros(3), gt.zeros(2, 2)])) == \
        _error(lambda: tdata.default_collate([torch.zeros(3), torch.zeros(2, 2)]))


LOADER_ERRORS = [
    dict(num_workers=-1), dict(timeout=-2), dict(prefetch_factor=2),
    dict(num_workers=1, prefetch_factor=-1), dict(persistent_workers=True),
    dict(sampler=[0], shuffle=True), dict(batch_sampler=[[0]], batch_size=3),
    dict(batch_sampler=[[0]], drop_last=True), dict(batch_size=None, drop_last=True),
    dict(multiprocessing_context="spawn"), dict(num_workers=1, multiprocessing_context="x"),
    dict(num_workers=1, multiprocessing_context=1.5), dict(batch_size=0), dict(batch_size=-1),
    dict(drop_last=1),
]


@pytest.mark.parametrize("kw", LOADER_ERRORS)
def test_loader_argument_errors_same(kw):
    assert _error(lambda: gdata.DataLoader(list(range(4)), **kw)) == \
        _error(lambda: tdata.DataLoader(list(range(4)), **kw))


def test_iterable_dataset_argument_errors_same():
    class G(gdata.IterableDataset):
        def __iter__(self):
            return iter([])

    class T(tdata.IterableDataset):
        def __iter__(self):
            return iter([])
    for kw in [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])]:
        assert _error(lambda: gdata.DataLoader(G(), **kw)) == \
            _error(lambda: tdata.DataLoader(T(), **kw))


def test_setattr_error_same():
    def g():
        gdata.DataLoader([1]).sampler = None

    def t():
        tdata.DataLoader([1]).sampler = None
    assert _error(g) == _error(t)


def test_sampler_errors_same():
    for name, args in [("RandomSampler", ([1], 1)), ("RandomSampler", ([1], False, 0)),
                       ("WeightedRandomSampler", ([1.0], 0)),
                       ("WeightedRandomSampler", ([[1.0]], 1)),
                       ("WeightedRandomSampler", ([1.0], 1, 2)),
                       ("BatchSampler", ([1], 0, False)), ("BatchSampler", ([1], 1, None)),
                       ("DistributedSampler", ([1], 2, 5))]:
        assert _error(lambda: getattr(gdata, name)(*args)) == \
            _error(lambda: getattr(tdata, name)(*args)), name


def test_deterministic_samplers_same():
    for drop in (False, True):
        assert list(gdata.BatchSampler(range(10), 4, drop)) == \
            list(tdata.BatchSampler(range(10), 4, drop))
    for n, reps, rank, drop in [(10, 3, 1, False), (10, 3, 2, True), (2, 5, 4, False)]:
        assert list(gdata.DistributedSampler(range(n), reps, rank, False, 0, drop)) == \
            list(tdata.DistributedSampler(range(n), reps, rank, False, 0, drop))
        assert len(gdata.DistributedSampler(range(n), reps, rank, drop_last=drop)) == \
            len(tdata.DistributedSampler(range(n), reps, rank, drop_last=drop))


@pytest.mark.parametrize("lengths", [[0.3, 0.3, 0.4], [0.5, 0.5], [0.1] * 10, [0.7, 0.2, 0.1],
                                     [3, 8]])
def test_random_split_lengths_same(lengths):
    ds = list(range(11))
    g = [len(s) for s in gdata.random_split(ds, lengths)]
    t = [len(s) for s in tdata.random_split(ds, lengths)]
    assert g == t


def test_dataset_combinators_same():
    a, b = list("abc"), list("de")
    g, t = gdata.ConcatDataset([a, b]), tdata.ConcatDataset([a, b])
    assert [g[i] for i in range(-5, 5)] == [t[i] for i in range(-5, 5)]
    assert _error(lambda: g[-6]) == _error(lambda: t[-6])
    assert gdata.StackDataset(a, a)[1] == tdata.StackDataset(a, a)[1]
    assert gdata.StackDataset(x=a).__getitems__([2, 0]) == \
        tdata.StackDataset(x=a).__getitems__([2, 0])
    assert _error(lambda: gdata.StackDataset(a, b)) == _error(lambda: tdata.StackDataset(a, b))
    assert gdata.Subset(a, [2, 0]).__getitems__([1, 0]) == \
        tdata.Subset(a, [2, 0]).__getitems__([1, 0])


def test_worker_exception_message_format_same():
    class G(gdata.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            raise KeyError("k")

    def torch_wrapped():  # torch's wrapper, as its worker 0 builds it (no process needed)
        from torch._utils import ExceptionWrapper
        try:
            raise KeyError("k")
        except KeyError:
            wrapper = ExceptionWrapper(where="in DataLoader worker process 0")
        wrapper.reraise()

    eg = _error(lambda: list(gdata.DataLoader(G(), num_workers=1)))
    et = _error(torch_wrapped)
    assert eg[0] is et[0] is KeyError
    head = "Caught KeyError in DataLoader worker process 0.\nOriginal Traceback (most recent"
    assert eg[1].startswith(head) and et[1].startswith(head)
    assert eg[1].rstrip().endswith("KeyError: 'k'") and et[1].rstrip().endswith("KeyError: 'k'")


def test_worker_numpy_seed_matches_torch_rule():
    from torch.utils.data._utils.worker import _generate_state
    for base, wid in [(0, 0), (123456789012345, 3), ((1 << 63) - 5, 1)]:
        _worker._seed_worker(base, wid)
        mine = np.random.get_state()[1][:4].tolist()
        np.random.seed(_generate_state(base, wid))
        assert np.random.get_state()[1][:4].tolist() == mine


def test_worker_info_fields_same():
    assert [f for f in gdata.WorkerInfo.__dataclass_fields__] == \
        [f for f in tdata._utils.worker.WorkerInfo.__dataclass_fields__]
