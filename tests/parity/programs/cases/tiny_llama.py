"""LLaMA-style tiny decoder: RMSNorm (rsqrt), rotary embeddings via torch.polar /
view_as_complex / view_as_real, causal mask with finfo.min, SwiGLU, KV-cache decoding with
torch.cat, weight tying, greedy + top-k filtered generation, AdamW step with grad clipping."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, randint

RTOL = 1e-3
ATOL = 1e-4


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope(L, hd, base=10000.0):
    freqs = 1.0 / (base ** (torch.arange(0, hd, 2).float() / hd))
    t = torch.arange(L).float()
    return torch.polar(torch.ones(L, hd // 2), torch.outer(t, freqs))


def apply_rope(x, fc):
    xc = torch.view_as_complex(x.float().reshape(*x.shape[:-1], -1, 2))
    return torch.view_as_real(xc * fc).flatten(-2).type_as(x)


class Block(nn.Module):
    def __init__(self, d=16, h=2):
        super().__init__()
        self.h, self.hd = h, d // h
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.o = nn.Linear(d, d, bias=False)
        self.n1, self.n2 = RMSNorm(d), RMSNorm(d)
        self.w1, self.w3 = nn.Linear(d, 24, bias=False), nn.Linear(d, 24, bias=False)
        self.w2 = nn.Linear(24, d, bias=False)

    def forward(self, x, fc, cache=None):
        B, L, D = x.shape
        q, k, v = self.qkv(self.n1(x)).split(D, dim=-1)
        q, k, v = (t.view(B, L, self.h, self.hd) for t in (q, k, v))
        q, k = apply_rope(q, fc[:, None]), apply_rope(k, fc[:, None])
        if cache is not None:
            k = torch.cat([cache[0], k], 1)
            v = torch.cat([cache[1], v], 1)
        new_cache = (k, v)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        S = k.shape[2]
        att = q @ k.transpose(-2, -1) / math.sqrt(self.hd)
        mask = torch.triu(torch.ones(L, S, dtype=torch.bool), diagonal=S - L + 1)
        att = att.masked_fill(mask, torch.finfo(att.dtype).min).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, L, D)
        x = x + self.o(y)
        return x + self.w2(F.silu(self.w1(self.n2(x))) * self.w3(self.n2(x))), new_cache


class GPT(nn.Module):
    def __init__(self, V=20, d=16):
        super().__init__()
        self.emb = nn.Embedding(V, d)
        self.blocks = nn.ModuleList([Block(d), Block(d)])
        self.norm = RMSNorm(d)
        self.head = nn.Linear(d, V, bias=False)
        self.head.weight = self.emb.weight
        self.register_buffer("fc", rope(32, 8), persistent=False)

    def forward(self, idx, caches=None, pos=0):
        x = self.emb(idx)
        fc = self.fc[pos:pos + idx.shape[1]]
        new = []
        for i, b in enumerate(self.blocks):
            x, c = b(x, fc, None if caches is None else caches[i])
            new.append(c)
        return self.head(self.norm(x)), new


def run():
    r = {}
    m = init_params(GPT(), seed=1, scale=0.3)
    idx = torch.tensor(randint(0, 20, (2, 7), seed=2))
    logits, _ = m(idx)
    r["logits"] = logits
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, 20), idx[:, 1:].reshape(-1))
    loss.backward()
    r["loss"] = loss
    r["emb_grad"] = m.emb.weight.grad
    r["gn"] = nn.utils.clip_grad_norm_(m.parameters(), 1.0)
    opt = torch.optim.AdamW(m.parameters(), lr=1e-2, weight_decay=0.1, betas=(0.9, 0.95))
    opt.step()
    m.eval()
    with torch.no_grad():
        full, _ = m(idx)
        step, caches = m(idx[:, :4])
        step2, _ = m(idx[:, 4:5], caches, pos=4)
        r["kv_cache_consistent"] = torch.allclose(step2[:, -1], full[:, 4], atol=1e-4)
        seq = idx[:, :2]
        out, caches = m(seq)
        for i in range(5):
            nxt = out[:, -1].argmax(-1, keepdim=True)
            seq = torch.cat([seq, nxt], 1)
            out, caches = m(nxt, caches, pos=seq.shape[1] - 1)
        r["greedy"] = seq
        lg = full[:, -1] / 0.7
        v, _ = torch.topk(lg, 5)
        lg[lg < v[:, [-1]]] = -float("inf")
        probs = F.softmax(lg, dim=-1)
        r["topk_probs"] = probs
        r["sample_in_topk"] = bool((probs.gather(1, torch.multinomial(probs, 1)) > 0).all())
    r["buffers"] = [n for n, _ in m.named_buffers()]
    r["sd_has_fc"] = "fc" in m.state_dict()
    return r
