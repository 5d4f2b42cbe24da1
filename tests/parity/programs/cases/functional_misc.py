"""Assorted nn.functional calls typical in model code: normalize, cosine_similarity,
pairwise_distance, glu, softplus(beta,threshold), hardswish, mish, logsigmoid, softsign,
threshold, rrelu eval, celu, selu, gumbel_softmax(hard) properties, dropout functional
training=False, scaled_dot_product_attention (causal, mask), embedding max_norm, linear 1-D."""
import torch
import torch.nn.functional as F
from casekit import randn

RTOL = 1e-4
ATOL = 1e-5


def run():
    r = {}
    x = torch.tensor(randn(4, 6, seed=1), requires_grad=True)
    y = torch.tensor(randn(4, 6, seed=2))
    fns = {
        "normalize": lambda: F.normalize(x, p=2, dim=1),
        "normalize_p1": lambda: F.normalize(x, p=1, dim=0, eps=1e-3),
        "cos": lambda: F.cosine_similarity(x, y, dim=1),
        "cos_bcast": lambda: F.cosine_similarity(x[:, None], y[None], dim=-1),
        "pdist": lambda: F.pairwise_distance(x, y, p=1.5, keepdim=True),
        "pdist_fn": lambda: F.pdist(x),
        "glu": lambda: F.glu(x, dim=1),
        "softplus": lambda: F.softplus(x * 10, beta=2, threshold=5),
        "hardswish": lambda: F.hardswish(x * 3),
        "hardsigmoid": lambda: F.hardsigmoid(x * 3),
        "mish": lambda: F.mish(x),
        "logsigmoid": lambda: F.logsigmoid(x * 20),
        "softsign": lambda: F.softsign(x),
        "threshold": lambda: F.threshold(x, 0.1, -5.0),
        "rrelu_eval": lambda: F.rrelu(x, training=False),
        "celu": lambda: F.celu(x, alpha=0.7),
        "selu": lambda: F.selu(x),
        "elu": lambda: F.elu(x, alpha=2.0),
        "hardtanh": lambda: F.hardtanh(x, -0.5, 0.5),
        "relu6": lambda: F.relu6(x * 5),
        "silu": lambda: F.silu(x),
        "gelu_tanh": lambda: F.gelu(x, approximate="tanh"),
        "tanhshrink": lambda: F.tanhshrink(x),
        "softshrink": lambda: F.softshrink(x, 0.3),
        "hardshrink": lambda: F.hardshrink(x, 0.3),
        "dropout_eval": lambda: F.dropout(x, 0.9, training=False),
        "linear_1d": lambda: F.linear(x[0], y, torch.arange(4.)),
        "bilinear": lambda: F.bilinear(x[:, :3], y[:, :2], torch.ones(2, 3, 2) * 0.1),
        "log_softmax_dtype": lambda: F.log_softmax(x, dim=0, dtype=torch.float64),
        "softmin": lambda: F.softmin(x, dim=1),
        "prelu": lambda: F.prelu(x, torch.tensor([0.25])),
    }
    for k, fn in fns.items():
        x.grad = None
        out = fn()
        out.sum().backward()
        r[k] = out
        r[k + "_g"] = x.grad
    q = torch.tensor(randn(2, 2, 5, 4, seed=3))
    k = torch.tensor(randn(2, 2, 7, 4, seed=4))
    v = torch.tensor(randn(2, 2, 7, 3, seed=5))
    r["sdpa"] = F.scaled_dot_product_attention(q, k, v)
    r["sdpa_mask_bool"] = F.scaled_dot_product_attention(q, k, v, attn_mask=torch.tensor(randn(5, 7, seed=6)) > -0.5)
    r["sdpa_mask_float"] = F.scaled_dot_product_attention(q, k, v, attn_mask=torch.tensor(randn(5, 7, seed=6)))
    r["sdpa_causal"] = F.scaled_dot_product_attention(q, k[:, :, :5], v[:, :, :5], is_causal=True, scale=0.3)
    torch.manual_seed(0)
    g = F.gumbel_softmax(torch.tensor(randn(3, 5, seed=7)), tau=0.5, hard=True)
    r["gumbel_hard_onehot"] = (g.sum(1), sorted(set(g.flatten().tolist())))
    return r
