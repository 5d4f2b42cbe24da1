"""ViT-style patch embedding (Conv2d stride=patch, flatten/transpose, cls token, pos
embedding) + nn.MultiheadAttention variants: batch_first both ways, bool/float attn_mask,
need_weights, average_attn_weights, kdim/vdim, add_bias_kv, add_zero_attn; gradients."""
import torch
import torch.nn as nn
from casekit import init_params, randn

RTOL = 1e-3
ATOL = 1e-4


def run():
    r = {}
    patch = init_params(nn.Conv2d(3, 8, kernel_size=4, stride=4), seed=1, scale=0.3)
    img = torch.tensor(randn(2, 3, 8, 8, seed=2))
    tok = patch(img).flatten(2).transpose(1, 2)
    cls = torch.tensor(randn(1, 1, 8, seed=3)).expand(2, -1, -1)
    pos = torch.tensor(randn(1, 5, 8, seed=4)) * 0.1
    x = torch.cat([cls, tok], dim=1) + pos
    r["tokens"] = x
    mha = init_params(nn.MultiheadAttention(8, 2, batch_first=True), seed=5, scale=0.3)
    bool_mask = torch.triu(torch.ones(5, 5, dtype=torch.bool), diagonal=1)
    o, w = mha(x, x, x, attn_mask=bool_mask)
    r["bool_mask_out"], r["bool_mask_w"] = o, w
    float_mask = torch.zeros(5, 5).masked_fill(bool_mask, float("-inf"))
    o2, _ = mha(x, x, x, attn_mask=float_mask)
    r["float_eq_bool"] = torch.allclose(o, o2, atol=1e-6)
    o3, w3 = mha(x, x, x, average_attn_weights=False)
    r["per_head_shape"] = w3.shape
    r["per_head_w"] = w3
    m3d = torch.zeros(2 * 2, 5, 5)
    m3d[1, :, 0] = -1e4
    r["mask3d"] = mha(x, x, x, attn_mask=m3d)[0]
    seq_first = init_params(nn.MultiheadAttention(8, 2, kdim=6, vdim=4), seed=6, scale=0.3)
    q = torch.tensor(randn(3, 2, 8, seed=7))
    k = torch.tensor(randn(4, 2, 6, seed=8))
    v = torch.tensor(randn(4, 2, 4, seed=9))
    o4, w4 = seq_first(q, k, v)
    r["kdim_vdim_out"], r["kdim_vdim_w"] = o4, w4
    r["kdim_param_names"] = sorted(n for n, _ in seq_first.named_parameters())
    bkv = init_params(nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True), seed=10, scale=0.3)
    o5, w5 = bkv(q, q, q)
    r["bias_kv_out"], r["bias_kv_w_shape"] = o5, w5.shape
    loss = o.pow(2).mean() + o4.pow(2).mean()
    loss.backward()
    r["grad_patch"] = patch.weight.grad
    r["grad_out_proj"] = mha.out_proj.weight.grad
    r["grad_q_proj"] = seq_first.q_proj_weight.grad
    return r
