"""Seq2seq with GRU encoder, Bahdanau-style attention decoder with teacher forcing, bmm,
softmax over masked scores (masked_fill -inf), NLLLoss(reduction='sum'), grad clipping, one
Adam step; uses torch.stack/cat/unsqueeze/squeeze and argmax decoding."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, randint


class Enc(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(12, 6)
        self.rnn = nn.GRU(6, 8, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(16, 8)

    def forward(self, x):
        o, h = self.rnn(self.emb(x))
        h = torch.tanh(self.fc(torch.cat([h[0], h[1]], dim=1)))
        return o, h


class Dec(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 6)
        self.attn = nn.Linear(8 + 16, 8)
        self.v = nn.Linear(8, 1, bias=False)
        self.cell = nn.GRUCell(6 + 16, 8)
        self.out = nn.Linear(8 + 16 + 6, 10)

    def forward(self, tok, h, enc, mask):
        e = self.emb(tok)
        L = enc.shape[1]
        hrep = h.unsqueeze(1).repeat(1, L, 1)
        score = self.v(torch.tanh(self.attn(torch.cat([hrep, enc], 2)))).squeeze(2)
        score = score.masked_fill(mask == 0, float("-inf"))
        a = F.softmax(score, dim=1)
        ctx = torch.bmm(a.unsqueeze(1), enc).squeeze(1)
        h = self.cell(torch.cat([e, ctx], 1), h)
        return F.log_softmax(self.out(torch.cat([h, ctx, e], 1)), -1), h, a


def run():
    r = {}
    enc, dec = init_params(Enc(), seed=1, scale=0.3), init_params(Dec(), seed=2, scale=0.3)
    src = torch.tensor(randint(1, 12, (3, 5), seed=3))
    src[1, 3:] = 0
    src[2, 4:] = 0
    mask = (src != 0).long()
    tgt = torch.tensor(randint(1, 10, (3, 4), seed=4))
    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.Adam(params, lr=0.01)
    crit = nn.NLLLoss(reduction="sum")
    for step in range(2):
        opt.zero_grad()
        o, h = enc(src)
        tok = torch.zeros(3, dtype=torch.long)
        loss = 0
        attns = []
        for t in range(4):
            lp, h, a = dec(tok, h, o, mask)
            attns.append(a)
            loss = loss + crit(lp, tgt[:, t])
            tok = tgt[:, t]
        loss.backward()
        r["norm_%d" % step] = nn.utils.clip_grad_norm_(params, 1.0, norm_type=2.0)
        opt.step()
        r["loss_%d" % step] = loss
    r["attn"] = torch.stack(attns, 1)
    with torch.no_grad():
        o, h = enc(src)
        tok = torch.zeros(3, dtype=torch.long)
        out = []
        for _ in range(4):
            lp, h, _ = dec(tok, h, o, mask)
            tok = lp.argmax(-1)
            out.append(tok)
    r["greedy"] = torch.stack(out, 1)
    return r
