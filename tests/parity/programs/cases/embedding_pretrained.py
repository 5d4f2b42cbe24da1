"""Embedding.from_pretrained (freeze, padding_idx, max_norm renormalising the weight in place),
EmbeddingBag.from_pretrained (mode max/sum, per_sample_weights), F.one_hot (num_classes, -1),
sparse=False grads, scale_grad_by_freq gradients."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import randn


def run():
    r = {}
    w = torch.tensor(randn(6, 3, seed=1)) * 2
    e = nn.Embedding.from_pretrained(w)
    r["frozen"] = e.weight.requires_grad
    idx = torch.tensor([[0, 2, 2], [5, 1, 0]])
    r["lookup"] = e(idx)
    e2 = nn.Embedding.from_pretrained(w.clone(), freeze=False, padding_idx=1, max_norm=1.0)
    out = e2(idx)
    r["max_norm_out"] = out
    r["weight_renormed"] = e2.weight.detach().clone()
    out.sum().backward()
    r["grad_pad"] = e2.weight.grad
    e3 = nn.Embedding(6, 3, scale_grad_by_freq=True)
    with torch.no_grad():
        e3.weight.copy_(w)
    e3(idx).pow(2).sum().backward()
    r["grad_freq"] = e3.weight.grad
    bag = nn.EmbeddingBag.from_pretrained(w, mode="max")
    r["bag_max"] = bag(idx)
    bag2 = nn.EmbeddingBag.from_pretrained(w, mode="sum", freeze=False)
    flat = torch.tensor([0, 2, 2, 5, 1])
    offs = torch.tensor([0, 3])
    psw = torch.tensor([1.0, 0.5, 2.0, -1.0, 1.0])
    r["bag_psw"] = bag2(flat, offs, per_sample_weights=psw)
    r["one_hot"] = F.one_hot(torch.tensor([0, 3, 1]))
    r["one_hot_n"] = F.one_hot(torch.tensor([[0, 1], [2, 0]]), num_classes=4)
    r["one_hot_dtype"] = F.one_hot(torch.tensor([1])).dtype
    return r
