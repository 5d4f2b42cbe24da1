"""F.scaled_dot_product_attention: is_causal, scale=, bool and float attn_mask, broadcast
masks, dropout_p=0, different q/kv lengths, enable_gqa; equals manual softmax attention;
gradients wrt q, k, v."""
import math
import torch
import torch.nn.functional as F
from casekit import randn, err

RTOL = 1e-3
ATOL = 1e-5


def manual(q, k, v, mask=None, scale=None):
    s = scale if scale is not None else 1 / math.sqrt(q.size(-1))
    a = q @ k.transpose(-2, -1) * s
    if mask is not None:
        a = a + mask
    return a.softmax(-1) @ v


def run():
    r = {}
    q = torch.tensor(randn(2, 3, 4, 8, seed=1), requires_grad=True)
    k = torch.tensor(randn(2, 3, 6, 8, seed=2), requires_grad=True)
    v = torch.tensor(randn(2, 3, 6, 5, seed=3), requires_grad=True)
    r["plain"] = F.scaled_dot_product_attention(q, k, v)
    r["plain_vs_manual"] = torch.allclose(r["plain"], manual(q, k, v), atol=1e-5)
    r["scaled"] = F.scaled_dot_product_attention(q, k, v, scale=0.1)
    r["causal_rect"] = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    bm = torch.rand(4, 6) > -1
    bm[:, 4:] = False
    r["bool_mask"] = F.scaled_dot_product_attention(q, k, v, attn_mask=bm)
    fm = torch.tensor(randn(1, 3, 4, 6, seed=4))
    r["float_mask"] = F.scaled_dot_product_attention(q, k, v, attn_mask=fm, dropout_p=0.0)
    r["float_vs_manual"] = torch.allclose(r["float_mask"], manual(q, k, v, fm), atol=1e-5)
    (r["float_mask"].sum() + r["causal_rect"].pow(2).sum()).backward()
    r["gq"], r["gk"], r["gv"] = q.grad, k.grad, v.grad
    q1 = torch.tensor(randn(1, 4, 3, 8, seed=5))
    k1 = torch.tensor(randn(1, 2, 3, 8, seed=6))
    v1 = torch.tensor(randn(1, 2, 3, 8, seed=7))
    r["gqa"] = F.scaled_dot_product_attention(q1, k1, v1, enable_gqa=True, is_causal=True)
    r["gqa_err"] = err(F.scaled_dot_product_attention, q1, k1, v1)
    r["three_d"] = F.scaled_dot_product_attention(q1[0], k1[0, :1].expand(4, 3, 8), v1[0, :1].expand(4, 3, 8))
    return r
