"""nn.Embedding(padding_idx, max_norm) + EmbeddingBag modes with offsets, per_sample_weights,
include_last_offset, padding_idx; gradients."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, randint


def run():
    r = {}
    emb = init_params(nn.Embedding(10, 4, padding_idx=2), seed=1)
    idx = torch.tensor([[1, 2, 3], [2, 2, 9]])
    out = emb(idx)
    out.sum().backward()
    r["emb_out"] = out
    r["emb_grad"] = emb.weight.grad
    e2 = init_params(nn.Embedding(6, 3, max_norm=0.3), seed=2, scale=1.0)
    r["maxnorm_out"] = e2(torch.tensor([0, 1, 1, 4]))
    r["maxnorm_weight_renormed"] = e2.weight.detach().clone()
    e3 = nn.Embedding.from_pretrained(torch.arange(12.).reshape(4, 3), freeze=True)
    r["pretrained"] = e3(torch.tensor([3, 0]))
    r["pretrained_rg"] = e3.weight.requires_grad
    inp = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9])
    offsets = torch.tensor([0, 4, 4, 6])
    for mode in ("sum", "mean", "max"):
        bag = init_params(nn.EmbeddingBag(10, 3, mode=mode), seed=3)
        o = bag(inp, offsets)
        o.sum().backward()
        r["bag_" + mode] = o
        r["bag_grad_" + mode] = bag.weight.grad
    bag = init_params(nn.EmbeddingBag(10, 3, mode="sum"), seed=3)
    w = torch.tensor([0.5, 1., 2., -1., 1., 1., 3., 0.25])
    r["bag_psw"] = bag(inp, offsets, per_sample_weights=w)
    r["bag_last_offset"] = bag(inp, torch.tensor([0, 4, 6, 8]), )
    bag2 = init_params(nn.EmbeddingBag(10, 3, mode="mean", include_last_offset=True, padding_idx=2), seed=3)
    r["bag_incl_last_pad"] = bag2(inp, torch.tensor([0, 3, 6, 8]))
    r["bag_2d"] = bag(torch.tensor(randint(0, 10, (3, 4), seed=5)))
    r["F_embedding_bag"] = F.embedding_bag(inp, bag.weight, offsets, mode="mean")
    r["F_one_hot"] = F.one_hot(torch.tensor([0, 3, 1]), num_classes=5)
    r["F_one_hot_infer"] = F.one_hot(torch.tensor([[0, 2], [1, 1]]))
    return r
