"""Beam search decoding with a GRU decoder: log_softmax scores, topk over flattened
beam*vocab scores, beam/token recovery with // and %, index_select of hidden states,
masked_fill of finished beams, length penalty, torch.where on EOS; final best sequence."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params

V, H, BEAM, EOS = 7, 6, 3, 0


def run():
    r = {}
    emb = init_params(nn.Embedding(V, H), seed=1)
    cell = init_params(nn.GRUCell(H, H), seed=2, scale=0.4)
    out = init_params(nn.Linear(H, V), seed=3)
    h = torch.zeros(1, H).expand(BEAM, H).contiguous()
    tokens = torch.full((BEAM, 1), 1, dtype=torch.long)
    scores = torch.tensor([0.0] + [float("-inf")] * (BEAM - 1))
    finished = torch.zeros(BEAM, dtype=torch.bool)
    with torch.no_grad():
        for step in range(5):
            h = cell(emb(tokens[:, -1]), h)
            logp = F.log_softmax(out(h), dim=-1)
            logp = logp.masked_fill(finished.unsqueeze(1), float("-inf"))
            logp[:, EOS] = torch.where(finished, torch.zeros(BEAM), logp[:, EOS])
            cand = (scores.unsqueeze(1) + logp).view(-1)
            top, idx = cand.topk(BEAM)
            beam, tok = idx // V, idx % V
            tokens = torch.cat([tokens.index_select(0, beam), tok.unsqueeze(1)], dim=1)
            h = h.index_select(0, beam)
            finished = finished.index_select(0, beam) | (tok == EOS)
            scores = top
            r["step%d" % step] = (beam, tok, scores.clone())
        lengths = (tokens != EOS).sum(1).float()
        normed = scores / lengths.pow(0.7)
        best = normed.argmax()
    r["tokens"] = tokens
    r["normed"] = normed
    r["best"] = tokens[best]
    return r
