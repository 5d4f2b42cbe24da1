"""Data loading tutorial: custom Dataset with __len__/__getitem__ returning dicts, transform
classes (Rescale-like crop, ToTensor with from_numpy + transpose), Compose-like chaining,
DataLoader with custom collate_fn and default collate of dicts, SequentialSampler, RandomSampler
with generator, BatchSampler(drop_last), SubsetRandomSampler, WeightedRandomSampler (props),
random_split with generator and fractional lengths, Subset, ConcatDataset, drop_last."""
import numpy as np
import torch
from torch.utils.data import (Dataset, DataLoader, random_split, Subset, ConcatDataset,
                              SequentialSampler, RandomSampler, BatchSampler,
                              SubsetRandomSampler, WeightedRandomSampler, default_collate)
from casekit import rand


class FaceLandmarksDataset(Dataset):
    def __init__(self, n, transform=None):
        self.images = [rand(6, 5, 3, seed=i) for i in range(n)]
        self.landmarks = [rand(4, 2, seed=100 + i) * 5 for i in range(n)]
        self.transform = transform

    def __len__(self):
        return len(self.images)

    def __getitem__(self, idx):
        if torch.is_tensor(idx):
            idx = idx.tolist()
        sample = {'image': self.images[idx], 'landmarks': self.landmarks[idx]}
        if self.transform:
            sample = self.transform(sample)
        return sample


class Crop:
    def __init__(self, output_size):
        self.output_size = (output_size, output_size) if isinstance(output_size, int) else output_size

    def __call__(self, sample):
        image, landmarks = sample['image'], sample['landmarks']
        new_h, new_w = self.output_size
        return {'image': image[1:1 + new_h, 0:new_w], 'landmarks': landmarks - [0, 1]}


class ToTensor:
    def __call__(self, sample):
        image, landmarks = sample['image'], sample['landmarks']
        image = image.transpose((2, 0, 1))
        return {'image': torch.from_numpy(image), 'landmarks': torch.from_numpy(landmarks)}


class Compose:
    def __init__(self, ts):
        self.ts = ts

    def __call__(self, s):
        for t in self.ts:
            s = t(s)
        return s


def run():
    r = {}
    ds = FaceLandmarksDataset(10, transform=Compose([Crop(4), ToTensor()]))
    s = ds[torch.tensor(3)]
    r["sample"] = (s['image'].shape, s['landmarks'].dtype, s['landmarks'][0])
    dl = DataLoader(ds, batch_size=4, shuffle=False, num_workers=0)
    batches = list(dl)
    r["n_batches"] = len(batches)
    r["batch0"] = (batches[0]['image'].shape, batches[-1]['landmarks'].shape)
    r["dl_drop"] = len(DataLoader(ds, batch_size=4, drop_last=True))
    r["collate_custom"] = next(iter(DataLoader(ds, batch_size=3, collate_fn=lambda b: [x['landmarks'].sum() for x in b])))
    r["default_collate"] = default_collate([(1, 2.0, np.array([1, 2])), (3, 4.0, np.array([5, 6]))])
    r["seq"] = list(SequentialSampler(range(5)))
    g = torch.Generator().manual_seed(0)
    rs = list(RandomSampler(range(7), generator=g))
    r["rand_perm"] = sorted(rs) == list(range(7))
    r["batch_sampler"] = list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=True))
    r["batch_sampler_keep"] = list(BatchSampler(range(10), batch_size=4, drop_last=False))
    sub = list(SubsetRandomSampler([2, 5, 7], generator=torch.Generator().manual_seed(1)))
    r["subset_rand"] = sorted(sub)
    w = list(WeightedRandomSampler([0.0, 0.0, 1.0, 1.0], 20, replacement=True, generator=torch.Generator().manual_seed(2)))
    r["weighted"] = (len(w), set(w) <= {2, 3})
    a, b = random_split(range(10), [7, 3], generator=torch.Generator().manual_seed(42))
    r["split_lens"] = (len(a), len(b), sorted(list(a) + list(b)) == list(range(10)))
    parts = random_split(range(10), [0.5, 0.3, 0.2], generator=torch.Generator().manual_seed(1))
    r["frac_lens"] = [len(p) for p in parts]
    sub = Subset(ds, [1, 3])
    r["subset"] = (len(sub), sub[1]['landmarks'][0])
    cat = ConcatDataset([Subset(ds, [0]), Subset(ds, [8, 9])])
    r["concat"] = (len(cat), cat.cumulative_sizes, cat[2]['landmarks'][1])
    ldl = DataLoader(range(10), batch_size=None)
    r["no_batch"] = list(ldl)[:3]
    r["sampler_dl"] = [b.tolist() for b in DataLoader(list(range(8)), batch_sampler=BatchSampler(range(8), 3, False))]
    return r
