"""PackedSequence and pack/pad helpers (torch.nn.utils.rnn).  Packing is time-major: step t
holds the rows of every sequence longer than t, longest first."""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ...eager.tensor import Tensor, wrap


class PackedSequence(namedtuple("PackedSequence",
                                ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """Variable-length sequences packed for the recurrent layers."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = _invert(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        return type(self)(self.data.to(*args, **kwargs), self.batch_sizes, self.sorted_indices,
                          self.unsorted_indices)

    @property
    def is_cuda(self):
        return self.data.is_cuda


def _invert(perm):
    p = perm.detach().numpy()
    inv = np.empty_like(p)
    inv[p] = np.arange(len(p))
    return wrap(inv)


def _lengths_list(lengths):
    if isinstance(lengths, Tensor):
        return [int(v) for v in lengths.tolist()]
    return [int(v) for v in lengths]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *)) given each sequence's length."""
    lens = _lengths_list(lengths)
    if batch_first:
        input = input.transpose(0, 1)
    if any(n <= 0 for n in lens):
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element "
                           "in 'lengths' that is <= 0")
    sorted_indices = None
    if enforce_sorted:
        if any(lens[i] < lens[i + 1] for i in range(len(lens) - 1)):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                               "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                               "pack_padded_sequence and/or pack_sequence to sidestep this "
                               "requirement if you do not need ONNX exportability.")
    else:
        order = sorted(range(len(lens)), key=lambda i: -lens[i])
        sorted_indices = wrap(np.asarray(order, dtype=np.int64))
        input = input.index_select(1, sorted_indices)
        lens = [lens[i] for i in order]
    if lens[0] > input.shape[0]:
        raise RuntimeError(f"Expected sequence length to be larger than or equal to "
                           f"{lens[0]}, but got {input.shape[0]}")
    batch_sizes = [sum(1 for n in lens if n > t) for t in range(lens[0])]
    import graphtorch
    data = graphtorch.cat([input[t, :bs] for t, bs in enumerate(batch_sizes)], 0)
    return PackedSequence(data, wrap(np.asarray(batch_sizes, dtype=np.int64)), sorted_indices)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Inverse of pack_padded_sequence: returns (padded, lengths)."""
    import graphtorch
    data, batch_sizes = sequence.data, sequence.batch_sizes.tolist()
    B = batch_sizes[0]
    T = len(batch_sizes)
    if total_length is not None:
        if total_length < T:
            raise ValueError(f"Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {T}")
        T = total_length
    rows, start = [], 0
    for bs in batch_sizes:
        step = data[start:start + bs]
        if bs < B:
            step = graphtorch.cat([step, step.new_full((B - bs,) + tuple(data.shape[1:]),
                                                       padding_value)], 0)
        rows.append(step)
        start += bs
    for _ in range(T - len(batch_sizes)):
        rows.append(data.new_full((B,) + tuple(data.shape[1:]), padding_value))
    padded = graphtorch.stack(rows, 0)
    lengths = [sum(1 for bs in batch_sizes if bs > b) for b in range(B)]
    lengths_t = wrap(np.asarray(lengths, dtype=np.int64))
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths_t = lengths_t.index_select(0, sequence.unsorted_indices)
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, lengths_t


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack variable-length tensors (L_i, *) into (T, B, *) (or (B, T, *)), padding."""
    import graphtorch
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    T = max(s.shape[0] for s in sequences)
    rows = []
    for s in sequences:
        pad = T - s.shape[0]
        if pad:
            filler = s.new_full((pad,) + tuple(s.shape[1:]), padding_value)
            s = graphtorch.cat([s, filler] if padding_side == "right" else [filler, s], 0)
        rows.append(s)
    out = graphtorch.stack(rows, 0)
    return out if batch_first else out.transpose(0, 1)


def pack_sequence(sequences, enforce_sorted=True):
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :n] for i, n in enumerate(_lengths_list(lengths))]


def unpack_sequence(packed_sequences):
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
