"""Datasets, samplers, random_split and DistributedSampler (pure Python references)."""
import warnings

import pytest

import graphtorch as torch
from graphtorch.utils.data import (BatchSampler, ChainDataset, ConcatDataset, Dataset,
                                   DistributedSampler, IterableDataset, RandomSampler, Sampler,
                                   SequentialSampler, StackDataset, Subset,
                                   SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                                   random_split)


class Items(Dataset):
    def __init__(self, items):
        self.items = list(items)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


class Stream(IterableDataset):
    def __init__(self, items):
        self.items = list(items)

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def test_tensor_dataset_len_and_size_check():
    ds = TensorDataset(torch.zeros(5, 2), torch.zeros(5))
    assert len(ds) == 5 and len(ds.tensors) == 2
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(torch.zeros(5, 2), torch.zeros(4))


def test_concat_dataset():
    ds = ConcatDataset([Items("abc"), Items("de")])
    assert len(ds) == 5 and ds.cumulative_sizes == [3, 5]
    assert [ds[i] for i in range(5)] == list("abcde")
    assert ds[-1] == "e" and ds[-5] == "a"
    with pytest.raises(ValueError, match="absolute value of index"):
        ds[-6]
    assert (Items("ab") + Items("c"))[2] == "c"
    with pytest.raises(AssertionError, match="should not be an empty iterable"):
        ConcatDataset([])
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ConcatDataset([Stream([1])])


def test_chain_dataset():
    ds = ChainDataset([Stream([1, 2]), Stream([3])])
    assert list(ds) == [1, 2, 3] and len(ds) == 3
    assert list(Stream([1]) + Stream([2])) == [1, 2]
    with pytest.raises(AssertionError, match="only supports IterableDataset"):
        list(ChainDataset([Items([1])]))


def test_subset_and_getitems():
    base = Items(range(10, 20))
    sub = Subset(base, [3, 1, 4])
    assert len(sub) == 3 and [sub[i] for i in range(3)] == [13, 11, 14]
    assert sub.__getitems__([2, 0]) == [14, 13]

    class Bad(Subset):
        def __getitem__(self, i):
            return 0
    with pytest.raises(NotImplementedError, match="overrides __getitem__ but not"):
        Bad(base, [0])


def test_stack_dataset():
    a, b = Items([1, 2, 3]), Items("xyz")
    assert StackDataset(a, b)[1] == (2, "y")
    assert StackDataset(n=a, s=b)[2] == {"n": 3, "s": "z"}
    assert StackDataset(a, b).__getitems__([0, 2]) == [(1, "x"), (3, "z")]
    assert StackDataset(n=a, s=b).__getitems__([1]) == [{"n": 2, "s": "y"}]
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(a, Items([1]))
    with pytest.raises(ValueError, match="At least one dataset"):
        StackDataset()
    with pytest.raises(ValueError, match="both types are given"):
        StackDataset(a, s=b)


def test_random_split_lengths_and_generator():
    ds = Items(range(10))
    parts = random_split(ds, [3, 7], generator=torch.Generator().manual_seed(1))
    again = random_split(ds, [3, 7], generator=torch.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [3, 7]
    assert [p.indices for p in parts] == [p.indices for p in again]
    assert sorted(parts[0].indices + parts[1].indices) == list(range(10))
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [3, 6])


def test_random_split_fractions_remainder_round_robin():
    # floor(11 * .3) = 3 twice, floor(11 * .4) = 4; remainder 1 goes to the first split
    parts = random_split(Items(range(11)), [0.3, 0.3, 0.4])
    assert [len(p) for p in parts] == [4, 3, 4]
    with pytest.warns(UserWarning, match="Length of split at index 3 is 0"):
        parts = random_split(Items(range(3)), [0.25, 0.25, 0.25, 0.25])
    assert [len(p) for p in parts] == [1, 1, 1, 0]
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(Items(range(3)), [-0.5, 1.5])


def test_random_split_warns_on_empty_split():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        random_split(Items(range(2)), [0.5, 0.5, 0.0])
    assert any("Length of split at index 2 is 0" in str(x.message) for x in w)


def test_sequential_and_batch_sampler():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    bs = BatchSampler(SequentialSampler(range(10)), 3, False)
    assert list(bs) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]] and len(bs) == 4
    bs = BatchSampler(range(10), 3, True)
    assert list(bs) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]] and len(bs) == 3
    with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value"):
        BatchSampler(range(3), 1, 0)


def test_random_sampler_permutation_and_generator():
    s = RandomSampler(range(20), generator=torch.Generator().manual_seed(3))
    first = list(s)
    assert sorted(first) == list(range(20)) and len(s) == 20
    s2 = RandomSampler(range(20), generator=torch.Generator().manual_seed(3))
    assert list(s2) == first
    assert list(s2) != first  # the generator advanced: a new epoch order


def test_random_sampler_num_samples_and_replacement():
    s = RandomSampler(range(5), num_samples=12, generator=torch.Generator().manual_seed(0))
    out = list(s)
    assert len(out) == 12 and sorted(out[:5]) == list(range(5)) and len(s) == 12
    s = RandomSampler(range(5), replacement=True, num_samples=70)
    out = list(s)
    assert len(out) == 70 and set(out) <= set(range(5))
    torch.manual_seed(5)
    a = list(RandomSampler(range(30)))
    torch.manual_seed(5)
    assert list(RandomSampler(range(30))) == a  # the default generator seeds the order
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(5), num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        RandomSampler(range(5), replacement=1)


def test_subset_random_sampler():
    s = SubsetRandomSampler([10, 20, 30], generator=torch.Generator().manual_seed(0))
    assert sorted(s) == [10, 20, 30] and len(s) == 3


def test_weighted_random_sampler():
    g = torch.Generator().manual_seed(0)
    s = WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 50, generator=g)
    out = list(s)
    assert len(out) == 50 and set(out) <= {1, 3} and out.count(3) > out.count(1)
    s = WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False)
    assert sorted(s) == [0, 1, 2]
    assert s.weights.dtype == torch.float64
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        WeightedRandomSampler([[1.0]], 1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        WeightedRandomSampler([1.0], True)
    with pytest.raises(ValueError, match="replacement should be a boolean value"):
        WeightedRandomSampler([1.0], 1, replacement=None)


def test_sampler_base_is_abstract():
    with pytest.raises(NotImplementedError):
        iter(Sampler())


def test_distributed_sampler_padding_and_sharding():
    ds = Items(range(10))
    shards = [list(DistributedSampler(ds, 3, r, shuffle=False)) for r in range(3)]
    assert shards == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]
    assert len(DistributedSampler(ds, 3, 0)) == 4
    dropped = [list(DistributedSampler(ds, 3, r, shuffle=False, drop_last=True))
               for r in range(3)]
    assert dropped == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
    # padding larger than the dataset repeats it
    assert list(DistributedSampler(Items(range(2)), 5, 4, shuffle=False)) == [0]


def test_distributed_sampler_shuffle_epochs():
    ds = Items(range(12))
    s = [DistributedSampler(ds, 2, r, seed=7) for r in range(2)]
    e0 = [list(x) for x in s]
    assert sorted(e0[0] + e0[1]) == list(range(12))
    assert [list(x) for x in s] == e0  # same epoch, same order
    for x in s:
        x.set_epoch(1)
    e1 = [list(x) for x in s]
    assert e1 != e0 and sorted(e1[0] + e1[1]) == list(range(12))
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval "
                                         r"\[0, 1\]"):
        DistributedSampler(ds, 2, 2)
    with pytest.raises(RuntimeError, match="Requires distributed package"):
        DistributedSampler(ds)


def test_dataset_base_errors():
    with pytest.raises(NotImplementedError, match="should implement __getitem__"):
        Dataset()[0]
