"""nn.TransformerDecoder with tgt_mask, memory_mask, tgt/memory key padding masks,
tgt_is_causal, final norm, batch_first False; nn.Transformer.forward with all masks; grads."""
import torch
import torch.nn as nn
from casekit import init_params, randn

RTOL = 1e-3
ATOL = 1e-4


def run():
    r = {}
    layer = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, activation="gelu")
    dec = init_params(nn.TransformerDecoder(layer, 2, norm=nn.LayerNorm(8)), seed=1, scale=0.3)
    tgt = torch.tensor(randn(4, 2, 8, seed=2))
    mem = torch.tensor(randn(6, 2, 8, seed=3))
    causal = nn.Transformer.generate_square_subsequent_mask(4)
    mem_mask = torch.zeros(4, 6)
    mem_mask[:, 4:] = float("-inf")
    tpad = torch.tensor([[False] * 4, [False, False, False, True]])
    mpad = torch.tensor([[False] * 6, [False] * 5 + [True]])
    out = dec(tgt, mem, tgt_mask=causal, memory_mask=mem_mask,
              tgt_key_padding_mask=tpad, memory_key_padding_mask=mpad)
    r["out_valid"] = out[:3]
    r["out_shape"] = out.shape
    r["causal_flag"] = dec(tgt, mem, tgt_mask=causal, tgt_is_causal=True)
    out.sum().backward()
    r["grad_lin1"] = dec.layers[1].linear1.weight.grad
    r["grad_norm"] = dec.norm.weight.grad
    model = init_params(nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1,
                                       num_decoder_layers=1, dim_feedforward=12, dropout=0.0,
                                       batch_first=True), seed=4, scale=0.3)
    src = torch.tensor(randn(2, 5, 8, seed=5))
    tg = torch.tensor(randn(2, 3, 8, seed=6))
    spad = torch.tensor([[False] * 5, [False] * 3 + [True] * 2])
    y = model(src, tg, tgt_mask=model.generate_square_subsequent_mask(3),
              src_key_padding_mask=spad, memory_key_padding_mask=spad)
    r["transformer_out"] = y
    r["n_params"] = sum(p.numel() for p in model.parameters())
    return r
