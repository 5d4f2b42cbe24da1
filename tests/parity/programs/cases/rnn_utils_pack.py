"""torch.nn.utils.rnn: pad_sequence (batch_first, padding_value), pack_sequence
(enforce_sorted False), PackedSequence fields (data, batch_sizes, sorted_indices,
unsorted_indices), pad_packed_sequence total_length, GRU over packed input, grads."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import (pad_sequence, pack_sequence, pack_padded_sequence,
                                pad_packed_sequence, unpad_sequence, unpack_sequence)
from casekit import init_params, randn

RTOL = 1e-4
ATOL = 1e-5


def run():
    r = {}
    seqs = [torch.tensor(randn(n, 3, seed=n)) for n in (2, 5, 3)]
    r["pad_tf"] = pad_sequence(seqs)
    r["pad_bf"] = pad_sequence(seqs, batch_first=True, padding_value=-1.0)
    packed = pack_sequence(seqs, enforce_sorted=False)
    r["data"] = packed.data
    r["batch_sizes"] = packed.batch_sizes
    r["sorted_idx"] = packed.sorted_indices
    r["unsorted_idx"] = packed.unsorted_indices
    pad, lens = pad_packed_sequence(packed, batch_first=True, total_length=6)
    r["unpacked"], r["lens"] = pad, lens
    r["unpack_seq"] = unpack_sequence(packed)
    r["unpad"] = unpad_sequence(r["pad_bf"], torch.tensor([2, 5, 3]), batch_first=True)
    gru = init_params(nn.GRU(3, 4, num_layers=2, bidirectional=True), seed=1, scale=0.3)
    params = [p for p in gru.parameters()]
    out, h = gru(packed)
    o, ol = pad_packed_sequence(out)
    r["gru_out"] = o
    r["gru_h"] = h
    h.sum().backward()
    r["grad_ih"] = gru.weight_ih_l0.grad
    r["grad_hh_rev"] = gru.weight_hh_l1_reverse.grad
    pp = pack_padded_sequence(r["pad_bf"], torch.tensor([2, 5, 3]), batch_first=True, enforce_sorted=False)
    r["pp_equal"] = torch.equal(pp.data, packed.data)
    r["packed_to"] = packed.to(torch.float64).data.dtype
    r["n_params"] = len(params)
    return r
