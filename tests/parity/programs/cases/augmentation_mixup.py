"""Data augmentation written with tensor ops (transforms tutorial style): Normalize with
mean/std view(-1,1,1), reflect padding + crop via slicing, horizontal flip via torch.flip,
ColorJitter-like brightness clamp, mixup with a fixed lambda (torch.randperm replaced by a fixed
permutation via index_select), one-hot targets via F.one_hot and soft-target cross entropy,
cutmix box via clone + slicing assignment, and label smoothing CrossEntropyLoss."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import rand, randint, init_params


def run():
    r = {}
    imgs = torch.tensor(rand(4, 3, 8, 8, seed=1))
    labels = torch.tensor(randint(0, 5, (4,), seed=2))
    mean = torch.tensor([0.4914, 0.4822, 0.4465]).view(-1, 1, 1)
    std = torch.tensor([0.2470, 0.2435, 0.2616]).view(-1, 1, 1)
    x = (imgs - mean) / std
    r["normalized"] = x[0, :, 0, :3]
    padded = F.pad(x, (2, 2, 2, 2), mode="reflect")
    crop = padded[:, :, 1:9, 3:11]
    r["crop"] = crop[1, 0, :2]
    r["flip"] = torch.flip(crop, dims=[3])[0, 0, 0]
    r["bright"] = (imgs * 1.3).clamp(0, 1).mean()
    perm = torch.tensor([2, 0, 3, 1])
    lam = 0.7
    mixed = lam * x + (1 - lam) * x.index_select(0, perm)
    y1 = F.one_hot(labels, 5).float()
    y_mix = lam * y1 + (1 - lam) * y1[perm]
    model = init_params(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 5)), seed=3)
    out = model(mixed)
    soft_loss = torch.sum(-y_mix * F.log_softmax(out, dim=-1), dim=-1).mean()
    r["soft_loss"] = soft_loss
    r["ce_prob_targets"] = F.cross_entropy(out, y_mix)
    r["ce_mix_equiv"] = lam * F.cross_entropy(out, labels) + (1 - lam) * F.cross_entropy(out, labels[perm])
    cut = x.clone()
    cut[:, :, 2:6, 1:5] = x[perm][:, :, 2:6, 1:5]
    r["cutmix"] = cut[0, 0, 2, :6]
    r["ls_loss"] = nn.CrossEntropyLoss(label_smoothing=0.1)(out, labels)
    soft_loss.backward()
    r["grad"] = model[0].weight.grad[0, 0]
    return r
