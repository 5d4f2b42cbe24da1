"""torch.nn.utils: parameters_to_vector / vector_to_parameters, clip_grad_norm_ (inf norm,
error_if_nonfinite, foreach), get_total_norm, fuse_conv_bn_eval, prune (l1_unstructured,
remove), rnn.pad_sequence padding_side, rnn.unpad_sequence, skip_init."""
import torch
import torch.nn as nn
import torch.nn.utils.prune as prune
from torch.nn.utils import parameters_to_vector, vector_to_parameters
from casekit import init_params, randn


def run():
    r = {}
    m = init_params(nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2)), seed=1)
    v = parameters_to_vector(m.parameters())
    r["p2v"] = v
    vector_to_parameters(v * 2, m.parameters())
    r["v2p"] = m[1].weight
    x = torch.tensor(randn(5, 3, seed=2))
    m(x).pow(2).sum().backward()
    r["norm_inf"] = nn.utils.clip_grad_norm_(m.parameters(), 0.1, norm_type="inf")
    r["grads_after"] = [p.grad for p in m.parameters()]
    m.zero_grad()
    m(x).sum().mul(float("nan")).backward()
    r["nonfinite_err"] = _err(lambda: nn.utils.clip_grad_norm_(m.parameters(), 1.0, error_if_nonfinite=True))
    conv = init_params(nn.Conv2d(2, 3, 3, padding=1), seed=3)
    bn = init_params(nn.BatchNorm2d(3), seed=4)
    bn.running_mean.copy_(torch.tensor([0.1, -0.2, 0.3]))
    bn.running_var.copy_(torch.tensor([1.5, 0.5, 2.0]))
    conv.eval(); bn.eval()
    img = torch.tensor(randn(1, 2, 5, 5, seed=5))
    fused = torch.nn.utils.fusion.fuse_conv_bn_eval(conv, bn)
    r["fused_close"] = torch.allclose(fused(img), bn(conv(img)), atol=1e-5)
    lin = init_params(nn.Linear(4, 3), seed=6)
    prune.l1_unstructured(lin, name="weight", amount=0.5)
    r["pruned_names"] = sorted(n for n, _ in lin.named_parameters())
    r["pruned_buffers"] = sorted(n for n, _ in lin.named_buffers())
    r["pruned_zero_count"] = int((lin.weight == 0).sum())
    r["mask"] = lin.weight_mask
    prune.remove(lin, "weight")
    r["after_remove"] = sorted(n for n, _ in lin.named_parameters())
    seqs = [torch.tensor([1, 2, 3]), torch.tensor([4]), torch.tensor([5, 6])]
    r["pad_left"] = nn.utils.rnn.pad_sequence(seqs, batch_first=True, padding_side="left")
    r["pad_default"] = nn.utils.rnn.pad_sequence(seqs)
    padded = nn.utils.rnn.pad_sequence(seqs, batch_first=True)
    r["unpad"] = nn.utils.rnn.unpad_sequence(padded, torch.tensor([3, 1, 2]), batch_first=True)
    r["packed_seq"] = nn.utils.rnn.pack_sequence(seqs, enforce_sorted=False).data
    return r


def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__
    return "no error"
