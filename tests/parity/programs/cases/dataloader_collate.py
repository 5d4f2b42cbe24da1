"""DataLoader with custom collate_fn, samplers (Sequential, BatchSampler, WeightedRandom with
properties only), drop_last, TensorDataset, Subset, ConcatDataset, random_split lengths,
default_collate on dicts/tuples/numpy."""
import numpy as np
import torch
from torch.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset, RandomSampler,
                              SequentialSampler, Subset, TensorDataset, random_split)
from torch.utils.data.dataloader import default_collate


class Words(Dataset):
    def __init__(self):
        self.items = [[1, 2, 3], [4], [5, 6], [7, 8, 9, 10], [11]]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return torch.tensor(self.items[i]), len(self.items[i])


def pad_collate(batch):
    seqs, lens = zip(*batch)
    return torch.nn.utils.rnn.pad_sequence(seqs, batch_first=True), torch.tensor(lens)


def run():
    r = {}
    dl = DataLoader(Words(), batch_size=2, collate_fn=pad_collate)
    r["padded_batches"] = [b for b in dl]
    r["len_dl"] = len(dl)
    r["drop_last"] = len(DataLoader(Words(), batch_size=2, drop_last=True))
    ds = TensorDataset(torch.arange(10.).reshape(5, 2), torch.arange(5))
    r["td_item"] = ds[3]
    r["default_batches"] = list(DataLoader(ds, batch_size=3))
    r["batch_sampler"] = list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False))
    r["dl_batch_sampler"] = [b[1] for b in DataLoader(ds, batch_sampler=[[4, 0], [1, 2, 3]])]
    g = torch.Generator().manual_seed(0)
    rs = list(RandomSampler(range(6), generator=g))
    r["random_sampler_perm"] = sorted(rs)
    shuffled = [b[1] for b in DataLoader(ds, batch_size=2, shuffle=True)]
    r["shuffle_cover"] = sorted(torch.cat(shuffled).tolist())
    parts = random_split(range(10), [7, 3], generator=torch.Generator().manual_seed(1))
    r["split_lens"] = [len(p) for p in parts]
    parts = random_split(range(10), [0.5, 0.3, 0.2])
    r["split_frac_lens"] = [len(p) for p in parts]
    r["subset"] = [int(x[1]) for x in Subset(ds, [4, 1])]
    cd = ConcatDataset([ds, ds])
    r["concat"] = (len(cd), cd[7][1])
    r["collate_dict"] = default_collate([{"a": np.float32(1.5), "b": torch.ones(2)}, {"a": np.float32(2.5), "b": torch.zeros(2)}])
    r["collate_tuple"] = default_collate([(1, 2.0, "x"), (3, 4.0, "y")])
    r["collate_np"] = default_collate([np.arange(3), np.arange(3) * 2])
    w = torch.utils.data.WeightedRandomSampler([0.0, 0.0, 1.0, 0.0], num_samples=5, replacement=True)
    r["weighted_only_nonzero"] = list(w)
    r["iter_ds"] = list(DataLoader(_It(), batch_size=2))
    return r


class _It(torch.utils.data.IterableDataset):
    def __iter__(self):
        return iter(range(5))
