"""Char-level LM: Embedding(padding_idx) + LSTM/GRU over pack_padded_sequence,
CrossEntropyLoss(ignore_index, label_smoothing), one SGD step."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
from casekit import init_params, randint


class LM(nn.Module):
    def __init__(self, cell):
        super().__init__()
        self.emb = nn.Embedding(11, 6, padding_idx=0)
        self.rnn = cell(6, 7, num_layers=2, batch_first=True)
        self.out = nn.Linear(7, 11)

    def forward(self, x, lengths):
        e = self.emb(x)
        packed = pack_padded_sequence(e, lengths, batch_first=True, enforce_sorted=False)
        o, h = self.rnn(packed)
        o, lens = pad_packed_sequence(o, batch_first=True, padding_value=0.0)
        return self.out(o), lens, h


def run():
    r = {}
    seqs = [torch.tensor(randint(1, 11, (n,), seed=n)) for n in (5, 3, 6, 2)]
    lengths = torch.tensor([len(s) for s in seqs])
    x = pad_sequence(seqs, batch_first=True, padding_value=0)
    r["padded"] = x
    tgt = x.clone()
    tgt[x == 0] = -100
    tgt = torch.roll(tgt, -1, dims=1)
    for name, cell in (("lstm", nn.LSTM), ("gru", nn.GRU)):
        m = init_params(LM(cell), seed=5, scale=0.3)
        with torch.no_grad():
            m.emb.weight[0].zero_()
        logits, lens, h = m(x, lengths)
        r[name + "_logits"] = logits
        r[name + "_lens"] = lens
        r[name + "_h"] = h[0] if isinstance(h, tuple) else h
        crit = nn.CrossEntropyLoss(ignore_index=-100, label_smoothing=0.1)
        loss = crit(logits.reshape(-1, 11), tgt[:, :logits.shape[1]].reshape(-1))
        loss.backward()
        r[name + "_loss"] = loss
        r[name + "_emb_grad_pad_row"] = m.emb.weight.grad[0]
        r[name + "_emb_grad"] = m.emb.weight.grad
        r[name + "_whh_grad"] = m.rnn.weight_hh_l1.grad
    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    r["packed_data"] = packed.data
    r["batch_sizes"] = packed.batch_sizes
    r["sorted_indices"] = packed.sorted_indices
    r["unsorted_indices"] = packed.unsorted_indices
    return r
