"""DataLoader with num_workers=2 (worker processes), worker_init_fn, get_worker_info inside
__getitem__, persistent_workers, pin_memory on CPU, prefetch_factor, timeout; ordering is
preserved; IterableDataset sharded by worker id."""
import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset, get_worker_info


class Sq(Dataset):
    def __len__(self):
        return 11

    def __getitem__(self, i):
        info = get_worker_info()
        return torch.tensor([i, i * i]), (info.id if info is not None else -1) >= 0


class Shard(IterableDataset):
    def __iter__(self):
        info = get_worker_info()
        wid, nw = (info.id, info.num_workers) if info is not None else (0, 1)
        return iter(range(wid, 10, nw))


def _init(wid):
    torch.manual_seed(1234 + wid)


def run():
    r = {}
    dl = DataLoader(Sq(), batch_size=3, num_workers=2, worker_init_fn=_init, pin_memory=True,
                    persistent_workers=True, prefetch_factor=2, timeout=60)
    batches = list(dl)
    r["values"] = [b[0] for b in batches]
    r["in_worker"] = [bool(b[1].all()) for b in batches]
    r["second_epoch_same"] = all(torch.equal(a[0], b[0]) for a, b in zip(batches, list(dl)))
    r["shard"] = sorted(int(x) for x in DataLoader(Shard(), batch_size=None, num_workers=2))
    r["main_proc_info"] = get_worker_info() is None
    r["len"] = len(dl)
    return r
