"""TransformerEncoder with src_mask / is_causal / src_key_padding_mask, train (dropout=0)
and eval (fast path) modes; MultiheadAttention weights."""
import torch
import torch.nn as nn
from casekit import init_params, randn

RTOL = 1e-3
ATOL = 1e-4


def run():
    r = {}
    layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0,
                                       batch_first=True)
    enc = init_params(nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False),
                      seed=2, scale=0.3)
    x = torch.tensor(randn(3, 5, 8, seed=1))
    causal = nn.Transformer.generate_square_subsequent_mask(5)
    r["causal_mask"] = causal
    pad = torch.tensor([[False] * 5, [False] * 3 + [True] * 2, [False] * 4 + [True]])
    enc.train()
    r["train_plain"] = enc(x)
    r["train_causal"] = enc(x, mask=causal, is_causal=True)
    out = enc(x, src_key_padding_mask=pad)
    r["train_pad_valid"] = out[1, :3]
    out.sum().backward()
    r["grad_in_proj"] = enc.layers[0].self_attn.in_proj_weight.grad
    enc.eval()
    with torch.no_grad():
        r["eval_plain"] = enc(x)
        r["eval_causal"] = enc(x, mask=causal)
        r["eval_pad_valid"] = enc(x, src_key_padding_mask=pad)[2, :4]
    mha = init_params(nn.MultiheadAttention(8, 2, batch_first=True), seed=4, scale=0.3)
    q = torch.tensor(randn(2, 4, 8, seed=5))
    kv = torch.tensor(randn(2, 6, 8, seed=6))
    o, w = mha(q, kv, kv, key_padding_mask=torch.tensor([[False] * 6, [False] * 4 + [True] * 2]))
    r["mha_out"] = o
    r["mha_weights"] = w
    o2, w2 = mha(q, kv, kv, average_attn_weights=False)
    r["mha_weights_per_head"] = w2
    r["mha_no_weights"] = mha(q, q, q, need_weights=False)[1] is None
    dec_layer = init_params(nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, norm_first=True),
                            seed=7, scale=0.3)
    tgt = torch.tensor(randn(4, 2, 8, seed=8))
    mem = torch.tensor(randn(6, 2, 8, seed=9))
    r["decoder"] = dec_layer(tgt, mem, tgt_mask=nn.Transformer.generate_square_subsequent_mask(4))
    return r
