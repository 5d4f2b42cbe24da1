"""torch.utils.data odds: random_split with fractional lengths (sizes by property, disjoint
cover with a seeded Generator), SubsetRandomSampler / RandomSampler(replacement, num_samples)
sizes, DataLoader(batch_size=None) yielding samples, default_convert, collate of namedtuple,
ChainDataset/IterableDataset lengths, StackDataset, DataLoader generator reproducibility."""
import collections
import torch
from torch.utils.data import (DataLoader, TensorDataset, random_split, RandomSampler,
                              SubsetRandomSampler, ChainDataset, IterableDataset, StackDataset)
from torch.utils.data import default_collate, default_convert

Pt = collections.namedtuple("Pt", "x y")


class Count(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))


def run():
    r = {}
    ds = TensorDataset(torch.arange(10.0), torch.arange(10) % 3)
    g = torch.Generator().manual_seed(0)
    a, b, c = random_split(ds, [0.5, 0.3, 0.2], generator=g)
    r["split_sizes"] = (len(a), len(b), len(c))
    idx = sorted(a.indices + b.indices + c.indices)
    r["split_cover"] = idx == list(range(10))
    rs = RandomSampler(ds, replacement=True, num_samples=25, generator=g)
    r["rs_len"] = (len(rs), len(list(rs)))
    ss = SubsetRandomSampler([1, 3, 5], generator=g)
    r["ss"] = sorted(list(ss))
    r["bs_none"] = [t for t in DataLoader(torch.arange(3.0), batch_size=None)]
    r["convert"] = default_convert({"a": __import__("numpy").arange(3)})["a"]
    r["collate_nt"] = default_collate([Pt(torch.tensor(1.0), 2), Pt(torch.tensor(3.0), 4)])
    r["collate_nt_type"] = type(r["collate_nt"]).__name__
    r["chain"] = list(ChainDataset([Count(2), Count(3)]))
    st = StackDataset(ds, torch.arange(10) * 10)
    r["stack"] = st[4]
    r["stack_len"] = len(st)
    g1 = torch.Generator().manual_seed(5)
    g2 = torch.Generator().manual_seed(5)
    l1 = [b[0] for b in DataLoader(ds, batch_size=4, shuffle=True, generator=g1)]
    l2 = [b[0] for b in DataLoader(ds, batch_size=4, shuffle=True, generator=g2)]
    r["dl_repro"] = all(torch.equal(x, y) for x, y in zip(l1, l2))
    r["dl_perm"] = sorted(torch.cat(l1).tolist()) == list(range(10))
    r["dl_len"] = len(DataLoader(ds, batch_size=4, drop_last=True))
    return r
