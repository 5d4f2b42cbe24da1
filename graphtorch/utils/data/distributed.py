"""DistributedSampler: each replica (rank) reads its own interleaved share of the indices."""
from __future__ import annotations

import math
from collections.abc import Iterator

from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _world():
    """(world_size, rank) of the default process group, or the error PyTorch raises."""
    from ... import distributed as dist
    if not dist.is_available():
        raise RuntimeError("Requires distributed package to be available")
    if not dist.is_initialized():
        raise ValueError("Default process group has not been initialized, please make sure "
                         "to call init_process_group.")
    return dist.get_world_size(), dist.get_rank()


class DistributedSampler(Sampler):
    """Restricts loading to a subset of the dataset: rank ``r`` of ``num_replicas`` gets
    indices ``r, r + num_replicas, ...`` of the (shuffled, padded or cut) index list.

    Args:
        dataset: the dataset (its length is used).
        num_replicas (int): number of processes (default: the process group's world size).
        rank (int): this process's rank (default: from the process group).
        shuffle (bool): shuffle with a generator seeded by ``seed + epoch``. Default: True.
        seed (int): the shuffling seed, identical on every replica. Default: 0.
        drop_last (bool): cut the tail to divide evenly instead of padding by repetition."""

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None:
            num_replicas = _world()[0]
        if rank is None:
            rank = _world()[1]
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(self.dataset)
        if self.drop_last and n % self.num_replicas != 0:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def _all_indices(self) -> list[int]:
        n = len(self.dataset)
        if not self.shuffle:
            return list(range(n))
        import graphtorch
        g = graphtorch.Generator()
        g.manual_seed(self.seed + self.epoch)
        return graphtorch.randperm(n, generator=g).tolist()

    def __iter__(self) -> Iterator:
        indices = self._all_indices()
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch: with ``shuffle``, each epoch gets a different order."""
        self.epoch = epoch
