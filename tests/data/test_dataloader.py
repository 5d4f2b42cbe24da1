"""DataLoader in the main process: batching, order, samplers, arguments and their errors."""
import warnings

import numpy as np
import pytest

import graphtorch as torch
from graphtorch.utils.data import (BatchSampler, DataLoader, Dataset, IterableDataset,
                                   SequentialSampler, Subset, TensorDataset, default_collate,
                                   get_worker_info)


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return {"i": i, "x": np.full(2, i * i, dtype=np.float32)}


class Count(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


def _ids(loader):
    return [b["i"].tolist() for b in loader]


def _tensor_ds(n=10):
    return TensorDataset(torch.arange(2.0 * n).reshape(n, 2), torch.arange(n))


def test_batches_match_reference():
    batches = list(DataLoader(Squares(7), batch_size=3))
    assert [b["i"].tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    assert batches[1]["x"].tolist() == [[9, 9], [16, 16], [25, 25]]
    assert batches[1]["x"].dtype == torch.float32


def test_drop_last_and_len():
    dl = DataLoader(Squares(7), batch_size=3, drop_last=True)
    assert _ids(dl) == [[0, 1, 2], [3, 4, 5]] and len(dl) == 2
    assert len(DataLoader(Squares(7), batch_size=3)) == 3
    assert len(DataLoader(Squares(7), batch_size=None)) == 7


def test_iterating_twice_gives_same_batches():
    dl = DataLoader(Squares(5), batch_size=2)
    assert _ids(dl) == _ids(dl) == [[0, 1], [2, 3], [4]]


def test_tensor_dataset_fast_path():
    out = list(DataLoader(_tensor_ds(), batch_size=4))
    assert isinstance(out[0], list) and len(out) == 3
    assert out[0][0].tolist() == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert out[2][1].tolist() == [8, 9] and out[2][1].dtype == torch.int64
    sub = Subset(Subset(_tensor_ds(), [9, 8, 7, 6, 5]), [4, 0, 2])
    out = list(DataLoader(sub, batch_size=2))
    assert [b[1].tolist() for b in out] == [[5, 9], [7]]


def test_tensor_dataset_per_sample_path_equals_fast_path():
    ds = _tensor_ds()
    fast = list(DataLoader(ds, batch_size=3, shuffle=True,
                           generator=torch.Generator().manual_seed(0)))
    slow = list(DataLoader(ds, batch_size=3, shuffle=True, collate_fn=lambda b: default_collate(b),
                           generator=torch.Generator().manual_seed(0)))
    assert [[t.tolist() for t in b] for b in fast] == [[t.tolist() for t in b] for b in slow]


def test_shuffle_is_a_permutation_reproducible_with_generator():
    def run(seed):
        return _ids(DataLoader(Squares(20), batch_size=4, shuffle=True,
                               generator=torch.Generator().manual_seed(seed)))
    a = run(0)
    assert sorted(sum(a, [])) == list(range(20)) and a == run(0) and a != run(1)
    dl = DataLoader(Squares(20), batch_size=4, shuffle=True,
                    generator=torch.Generator().manual_seed(0))
    assert _ids(dl) != _ids(dl)  # a new order each epoch


def test_sampler_and_batch_sampler():
    dl = DataLoader(Squares(6), batch_size=2, sampler=[5, 3, 1])
    assert _ids(dl) == [[5, 3], [1]]
    dl = DataLoader(Squares(6), batch_sampler=[[0, 5], [2]])
    assert _ids(dl) == [[0, 5], [2]] and dl.batch_size is None and len(dl) == 2
    dl = DataLoader(Squares(6), batch_sampler=BatchSampler(SequentialSampler(range(6)), 4, True))
    assert _ids(dl) == [[0, 1, 2, 3]]


def test_no_auto_batching_uses_default_convert():
    out = list(DataLoader(Squares(2), batch_size=None))
    assert out[1]["i"] == 1 and isinstance(out[1]["x"], torch.Tensor)
    assert out[1]["x"].tolist() == [1.0, 1.0]


def test_custom_collate_fn():
    dl = DataLoader(Squares(5), batch_size=2, collate_fn=lambda b: [d["i"] for d in b])
    assert list(dl) == [[0, 1], [2, 3], [4]]


def test_iterable_dataset():
    dl = DataLoader(Count(7), batch_size=3)
    assert [b.tolist() for b in dl] == [[0, 1, 2], [3, 4, 5], [6]] and len(dl) == 3
    dl = DataLoader(Count(7), batch_size=3, drop_last=True)
    assert [b.tolist() for b in dl] == [[0, 1, 2], [3, 4, 5]] and len(dl) == 2
    assert list(DataLoader(Count(2), batch_size=None)) == [0, 1]


def test_iterable_dataset_length_warning():
    class Liar(Count):
        def __len__(self):
            return 2
    dl = DataLoader(Liar(3), batch_size=None)
    assert len(dl) == 2
    with pytest.warns(UserWarning, match="was reported to be 2"):
        list(dl)


def test_get_worker_info_is_none_in_main_process():
    assert get_worker_info() is None


def test_invalid_arguments():
    ds = Squares(4)
    cases = [
        (dict(num_workers=-1), "num_workers option should be non-negative"),
        (dict(timeout=-1), "timeout option should be non-negative"),
        (dict(prefetch_factor=2), "prefetch_factor option could only be specified in multi"),
        (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
        (dict(sampler=[0], shuffle=True), "sampler option is mutually exclusive with shuffle"),
        (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
        (dict(batch_sampler=[[0]], shuffle=True), "batch_sampler option is mutually exclusive"),
        (dict(batch_sampler=[[0]], sampler=[0]), "batch_sampler option is mutually exclusive"),
        (dict(batch_sampler=[[0]], drop_last=True), "batch_sampler option is mutually excl"),
        (dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batch"),
        (dict(multiprocessing_context="fork"), "multiprocessing_context can only be used"),
        (dict(num_workers=1, multiprocessing_context="nope"), "should specify a valid start"),
    ]
    for kwargs, msg in cases:
        with pytest.raises(ValueError, match=msg):
            DataLoader(ds, **kwargs)
    with pytest.raises(TypeError, match="multiprocessing_context option should be a valid"):
        DataLoader(ds, num_workers=1, multiprocessing_context=3)
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Count(3), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Count(3), sampler=[0])
    with pytest.raises(ValueError, match="expected unspecified batch_sampler option"):
        DataLoader(Count(3), batch_sampler=[[0]])


def test_attributes_frozen_after_init():
    dl = DataLoader(Squares(4))
    with pytest.raises(ValueError, match="batch_size attribute should not be set after "
                                         "DataLoader is initialized"):
        dl.batch_size = 3
    dl.num_workers = 0  # others may change


def test_too_many_workers_warning_and_pin_memory():
    with pytest.warns(UserWarning, match="This DataLoader will create 999 worker processes"):
        DataLoader(Squares(4), num_workers=999)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert len(list(DataLoader(Squares(4), pin_memory=True))) == 4
    assert any("pin_memory" in str(x.message) for x in w) or torch.cuda.is_available()


def test_timeout_requires_workers():
    with pytest.raises(AssertionError):
        iter(DataLoader(Squares(2), timeout=1.0))


def test_dataset_error_propagates_unchanged_in_main_process():
    with pytest.raises(IndexError):
        list(DataLoader(Squares(3), sampler=[0, 5]))
