"""RNN details: LSTM bidirectional + proj_size, explicit (h0, c0), batch_first=False,
inter-layer dropout in eval, flatten_parameters(), RNN(tanh/relu), LSTMCell/GRUCell loops,
parameter names/shapes, packed sequence with enforce_sorted=True and its outputs."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from casekit import init_params, randn

RTOL = 1e-4
ATOL = 1e-5


def run():
    r = {}
    x = torch.tensor(randn(5, 3, 4, seed=1))  # (T, B, F)
    lstm = init_params(nn.LSTM(4, 6, num_layers=2, bidirectional=True, proj_size=3, dropout=0.3), seed=2, scale=0.3)
    lstm.eval()
    lstm.flatten_parameters()
    h0 = torch.tensor(randn(4, 3, 3, seed=3))
    c0 = torch.tensor(randn(4, 3, 6, seed=4))
    out, (h, c) = lstm(x, (h0, c0))
    r["lstm_out"], r["lstm_h"], r["lstm_c"] = out, h, c
    r["lstm_params"] = [(n, tuple(p.shape)) for n, p in lstm.named_parameters()]
    rnn = init_params(nn.RNN(4, 5, nonlinearity="relu", bias=False), seed=5, scale=0.3)
    r["rnn_relu"] = rnn(x)[0]
    gru = init_params(nn.GRU(4, 5, batch_first=True), seed=6, scale=0.3)
    xb = x.transpose(0, 1)
    o, hn = gru(xb)
    r["gru_bf"] = o
    r["gru_unbatched"] = gru(xb[0])[0]
    lengths = torch.tensor([5, 3, 2])
    packed = pack_padded_sequence(xb, lengths, batch_first=True, enforce_sorted=True)
    po, ph = gru(packed)
    pad, lens = pad_packed_sequence(po, batch_first=True, total_length=6)
    r["packed_pad"], r["packed_lens"], r["packed_h"] = pad, lens, ph
    cell = init_params(nn.LSTMCell(4, 3), seed=7, scale=0.3)
    hx, cx = torch.zeros(3, 3), torch.zeros(3, 3)
    outs = []
    for t in range(x.shape[0]):
        hx, cx = cell(x[t], (hx, cx))
        outs.append(hx)
    r["lstmcell_loop"] = torch.stack(outs)
    gcell = init_params(nn.GRUCell(4, 3, bias=False), seed=8, scale=0.3)
    r["grucell"] = gcell(x[0])
    rcell = init_params(nn.RNNCell(4, 3), seed=9, scale=0.3)
    r["rnncell"] = rcell(x[0], torch.ones(3, 3))
    lstm.train()
    out2, _ = lstm(x, (h0, c0))
    r["train_dropout_shape"] = out2.shape
    seq = torch.tensor(randn(2, 4, seed=10)).requires_grad_()
    l1 = init_params(nn.LSTM(4, 2), seed=11)
    y, _ = l1(seq.unsqueeze(1))
    y.sum().backward()
    r["lstm_input_grad"] = seq.grad
    r["lstm_repr"] = repr(lstm)
    return r
