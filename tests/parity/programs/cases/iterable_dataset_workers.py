"""Data API notes: IterableDataset with get_worker_info() splitting (num_workers=0 -> None),
DataLoader over an IterableDataset with batch_size, a map-style Dataset with a generator-driven
shuffle (props), a custom Sampler subclass with __iter__/__len__, collate of namedtuples and
nested dicts, pin_memory=False, persistent flags, and chain of datasets (ChainDataset)."""
import math
from collections import namedtuple
import torch
from torch.utils.data import IterableDataset, Dataset, DataLoader, Sampler, ChainDataset, get_worker_info

Point = namedtuple("Point", ["x", "y"])


class MyIterableDataset(IterableDataset):
    def __init__(self, start, end):
        super().__init__()
        assert end > start
        self.start, self.end = start, end

    def __iter__(self):
        worker_info = get_worker_info()
        if worker_info is None:
            iter_start, iter_end = self.start, self.end
        else:
            per_worker = int(math.ceil((self.end - self.start) / float(worker_info.num_workers)))
            iter_start = self.start + worker_info.id * per_worker
            iter_end = min(iter_start + per_worker, self.end)
        return iter(range(iter_start, iter_end))


class Pairs(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return {"p": Point(torch.tensor([float(i)]), i * 2), "meta": {"id": i, "name": "s%d" % i}}


class EvenFirst(Sampler):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(list(range(0, self.n, 2)) + list(range(1, self.n, 2)))

    def __len__(self):
        return self.n


def run():
    r = {}
    ds = MyIterableDataset(3, 10)
    r["iter_plain"] = list(DataLoader(ds, num_workers=0))
    r["iter_batched"] = list(DataLoader(ds, batch_size=3))
    r["worker_info_main"] = get_worker_info() is None
    b = next(iter(DataLoader(Pairs(), batch_size=3)))
    r["nt_collate"] = (type(b["p"]).__name__, b["p"].x, b["p"].y, b["meta"]["id"], b["meta"]["name"])
    r["sampler_order"] = [t.tolist() for t in DataLoader(list(range(6)), sampler=EvenFirst(6), batch_size=4)]
    g = torch.Generator().manual_seed(3)
    order = torch.cat(list(DataLoader(list(range(9)), batch_size=4, shuffle=True, generator=g)))
    r["shuffle_perm"] = sorted(order.tolist()) == list(range(9))
    ch = ChainDataset([MyIterableDataset(0, 2), MyIterableDataset(5, 7)])
    r["chain"] = list(ch)
    dl = DataLoader(Pairs(), batch_size=2, drop_last=True, pin_memory=False)
    r["len_dl"] = len(dl)
    r["dl_attrs"] = (dl.batch_size, dl.drop_last, dl.num_workers)
    r["iter_len_err"] = type(_catch(lambda: len(DataLoader(ds)))).__name__
    return r


def _catch(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return e
    return None
