"""RNN, LSTM, GRU and their cells, with PyTorch's parameter names and layouts
(``weight_ih_l0``, gate order i,f,g,o for LSTM and r,z,n for GRU), so state dicts load across
frameworks.  The input projection of a whole sequence is one matmul; the recurrence runs one
step at a time through registry ops, so autograd, the tracer and every backend see it."""
from __future__ import annotations

import math
import warnings

from ...api.creation import empty, zeros
from ...eager.dispatch import call
from ...ops import registry as R
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _lstm_step(x_proj, h, c, w_hh, b_hh, w_hr):
    gates = x_proj + F.linear(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, -1)
    c = f.sigmoid() * c + i.sigmoid() * g.tanh()
    h = o.sigmoid() * c.tanh()
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


def _lstm_step_fused(x_proj, h, c, w_hh, b_hh, w_hr):
    # one registry op per step (see ops/nn_rnn_cell.py): the recurrence is dispatch-bound
    h, c, _ = call(_LSTM_CELL, x_proj, h, c, w_hh, b_hh)  # _: saved gate activations
    if w_hr is not None:
        h = F.linear(h, w_hr)
    return h, c


def _gru_step_fused(x_proj, h, w_hh, b_hh):
    return call(_GRU_CELL, x_proj, h, w_hh, b_hh)[0]  # [1]: saved gate activations


_LSTM_CELL, _GRU_CELL = R.get("lstm_cell"), R.get("gru_cell")


def _gru_step(x_proj, h, w_hh, b_hh):
    gi_r, gi_z, gi_n = x_proj.chunk(3, -1)
    gh_r, gh_z, gh_n = F.linear(h, w_hh, b_hh).chunk(3, -1)
    r = (gi_r + gh_r).sigmoid()
    z = (gi_z + gh_z).sigmoid()
    n = (gi_n + r * gh_n).tanh()
    return (1 - z) * n + z * h


def _rnn_step(x_proj, h, w_hh, b_hh, relu):
    pre = x_proj + F.linear(h, w_hh, b_hh)
    return pre.relu() if relu else pre.tanh()


class RNNBase(Module):
    """Shared machinery of RNN, LSTM and GRU (multi-layer, bidirectional, batch_first)."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        if not (isinstance(dropout, (int, float)) and 0 <= dropout <= 1) or \
                isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError("hidden_size must be greater than 0" if isinstance(hidden_size, int)
                             else f"hidden_size should be of type int, got: "
                                  f"{type(hidden_size).__name__}")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than 0")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        dirs = 2 if bidirectional else 1
        gate = _GATES[mode] * hidden_size
        real_h = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            for d in range(dirs):
                in_size = input_size if layer == 0 else real_h * dirs
                sfx = f"_l{layer}" + ("_reverse" if d == 1 else "")
                params = [("weight_ih" + sfx, (gate, in_size)), ("weight_hh" + sfx, (gate, real_h))]
                if bias:
                    params += [("bias_ih" + sfx, (gate,)), ("bias_hh" + sfx, (gate,))]
                if proj_size > 0:
                    params.append(("weight_hr" + sfx, (proj_size, hidden_size)))
                for name, shape in params:
                    setattr(self, name, Parameter(empty(shape, dtype=dtype)))
                    self._flat_weights_names.append(name)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    def flatten_parameters(self) -> None:
        """A no-op kept for API compatibility (cuDNN weight packing)."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _weights(self, layer, d):
        sfx = f"_l{layer}" + ("_reverse" if d == 1 else "")
        get = lambda n: getattr(self, n + sfx, None) if (self.bias or "bias" not in n) else None  # noqa: E731
        return (get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"),
                getattr(self, "weight_hr" + sfx, None) if self.proj_size else None)

    def _check_input(self, input, hx):
        expected = 3 if self._batched else 2
        if input.dim() != expected:
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got "
                             f"{input.dim()}D instead")
        wdt = self.weight_ih_l0.dtype
        if input.dtype != wdt and input.is_floating_point():
            n = lambda d: str(d).replace("graphtorch", "torch")  # noqa: E731
            raise ValueError(f"RNN input dtype ({n(input.dtype)}) does not match weight dtype "
                             f"({n(wdt)}). Convert input: input.to({n(wdt)}), or convert "
                             f"model: model.to({n(input.dtype)})")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]}")

    def _run(self, input, hx, batch_sizes=None):
        """Run all layers over a (seq, batch, feature) input; returns output and final states."""
        dirs = 2 if self.bidirectional else 1
        lstm = self.mode == "LSTM"
        h0, c0 = hx if lstm else (hx, None)
        layer_in = input
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                idx = layer * dirs + d
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer, d)
                x_proj = F.linear(layer_in, w_ih, b_ih)          # all time steps at once
                h = h0[idx]
                c = c0[idx] if lstm else None
                if _is_tracing():  # a Loop node: the trace runs at any sequence length
                    out, h, c = self._traced_steps(x_proj, h, c, w_hh, b_hh, w_hr, d == 1)
                    outs.append(out)
                    h_n.append(h)
                    if lstm:
                        c_n.append(c)
                    continue
                xs = x_proj.unbind(0)   # one node whose backward stacks the step gradients
                steps = range(x_proj.shape[0] - 1, -1, -1) if d == 1 else range(x_proj.shape[0])
                seq = [None] * x_proj.shape[0]
                for t in steps:
                    if lstm:
                        h, c = _lstm_step_fused(xs[t], h, c, w_hh, b_hh, w_hr)
                    elif self.mode == "GRU":
                        h = _gru_step_fused(xs[t], h, w_hh, b_hh)
                    else:
                        h = _rnn_step(xs[t], h, w_hh, b_hh, self.mode == "RNN_RELU")
                    seq[t] = h
                outs.append(_stack(seq))
                h_n.append(h)
                if lstm:
                    c_n.append(c)
            layer_in = outs[0] if dirs == 1 else _cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_in = F.dropout(layer_in, self.dropout, True)
        h_n = _stack(h_n)
        return layer_in, ((h_n, _stack(c_n)) if lstm else h_n)

    def _traced_steps(self, x_proj, h, c, w_hh, b_hh, w_hr, reverse):
        """The time loop as one Loop node with a scan output (recorded while tracing, so the
        trace runs at any sequence length): carried (h, c), each step reading x_proj[t] and
        emitting h, which the Loop stacks into the output sequence."""
        from ...jit._control_flow import _scan
        lstm = self.mode == "LSTM"

        def step(xt, h, *rest):
            if lstm:
                h, c = _lstm_step_fused(xt, h, rest[0], w_hh, b_hh, w_hr)
                return (h, c), (h,)
            if self.mode == "GRU":
                h = _gru_step_fused(xt, h, w_hh, b_hh)
            else:
                h = _rnn_step(xt, h, w_hh, b_hh, self.mode == "RNN_RELU")
            return (h,), (h,)

        final, (out,) = _scan(step, (h, c) if lstm else (h,), (x_proj,), reverse)
        return out, final[0], (final[1] if lstm else None)

    def forward(self, input, hx=None):
        from ..utils.rnn import PackedSequence
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        self._batched = input.dim() == 3
        self._check_input(input, hx)
        if not self._batched:
            input = input.unsqueeze(1)
            if hx is not None:
                hx = tuple(h.unsqueeze(1) for h in hx) if isinstance(hx, tuple) \
                    else hx.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        hx = self._init_hidden(input, hx)
        out, state = self._run(input, hx)
        if not self._batched:
            out = out.squeeze(1)
            state = tuple(s.squeeze(1) for s in state) if isinstance(state, tuple) \
                else state.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, state

    def _init_hidden(self, input, hx):
        dirs = 2 if self.bidirectional else 1
        batch = input.shape[1]
        real_h = self.proj_size if self.proj_size > 0 else self.hidden_size
        if hx is None:
            h = zeros(self.num_layers * dirs, batch, real_h, dtype=input.dtype)
            if self.mode == "LSTM":
                return (h, zeros(self.num_layers * dirs, batch, self.hidden_size,
                                 dtype=input.dtype))
            return h
        expect = (self.num_layers * dirs, batch, real_h)
        h = hx[0] if self.mode == "LSTM" else hx
        if tuple(h.shape) != expect:
            raise RuntimeError(f"Expected hidden size {expect}, got {list(h.shape)}"
                               if self.mode != "LSTM" else
                               f"Expected hidden[0] size {expect}, got {list(h.shape)}")
        if self.mode == "LSTM":
            cexp = (self.num_layers * dirs, batch, self.hidden_size)
            if tuple(hx[1].shape) != cexp:
                raise RuntimeError(f"Expected hidden[1] size {cexp}, got {list(hx[1].shape)}")
        return hx

    def _forward_packed(self, packed, hx):
        from ..utils.rnn import PackedSequence, pad_packed_sequence, pack_padded_sequence
        # work in the packed (length-sorted) order; hx and the final state are permuted
        padded, lengths = pad_packed_sequence(PackedSequence(packed.data, packed.batch_sizes))
        self._batched = True
        hx = self._init_hidden(padded, hx)
        if packed.sorted_indices is not None and hx is not None:
            hx = tuple(h.index_select(1, packed.sorted_indices) for h in hx) \
                if isinstance(hx, tuple) else hx.index_select(1, packed.sorted_indices)
        out, state = self._run_masked(padded, hx, lengths)
        out_packed = pack_padded_sequence(out, lengths, enforce_sorted=True)
        out_packed = PackedSequence(out_packed.data, out_packed.batch_sizes,
                                    packed.sorted_indices, packed.unsorted_indices)
        if packed.unsorted_indices is not None:
            state = tuple(s.index_select(1, packed.unsorted_indices) for s in state) \
                if isinstance(state, tuple) else state.index_select(1, packed.unsorted_indices)
        return out_packed, state

    def _run_masked(self, padded, hx, lengths):
        """Per-sequence lengths: run each sequence over its own length (a batch of one each)."""
        outs, hs, cs = [], [], []
        lstm = self.mode == "LSTM"
        for b, n in enumerate(lengths.tolist()):
            x = padded[:n, b:b + 1]
            h = (hx[0][:, b:b + 1], hx[1][:, b:b + 1]) if lstm else hx[:, b:b + 1]
            o, st = self._run(x, h)
            pad = padded.shape[0] - n
            if pad:
                o = _cat([o, o.new_zeros((pad,) + tuple(o.shape[1:]))], 0)
            outs.append(o)
            if lstm:
                hs.append(st[0])
                cs.append(st[1])
            else:
                hs.append(st)
        out = _cat(outs, 1)
        return out, ((_cat(hs, 1), _cat(cs, 1)) if lstm else _cat(hs, 1))


def _is_tracing() -> bool:
    from ...jit._tracer import current
    return current() is not None


def _stack(ts):
    import graphtorch
    return graphtorch.stack(ts)


def _cat(ts, dim):
    import graphtorch
    return graphtorch.cat(ts, dim)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu)."""

    def __init__(self, *args, **kwargs):
        nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if len(args) > 3:
            nonlinearity = args[3]
            args = args[:3] + args[4:]
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)
        self.__dict__["nonlinearity"] = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory (gates i, f, g, o; optional projection ``proj_size``)."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit (gates r, z, n)."""

    def __init__(self, *args, **kwargs):
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), dtype=dtype))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _prep(self, input, hx, n_states):
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got "
                             f"{input.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            z = zeros(input.shape[0], self.hidden_size, dtype=input.dtype)
            hx = (z, z) if n_states == 2 else z
        elif not batched:
            hx = tuple(h.unsqueeze(0) for h in hx) if n_states == 2 else hx.unsqueeze(0)
        return input, hx, batched


class RNNCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        input, hx, batched = self._prep(input, hx, 1)
        h = _rnn_step(F.linear(input, self.weight_ih, self.bias_ih), hx, self.weight_hh,
                      self.bias_hh, self.nonlinearity == "relu")
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        input, hx, batched = self._prep(input, hx, 2)
        h, c = _lstm_step(F.linear(input, self.weight_ih, self.bias_ih), hx[0], hx[1],
                          self.weight_hh, self.bias_hh, None)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        input, hx, batched = self._prep(input, hx, 1)
        h = _gru_step(F.linear(input, self.weight_ih, self.bias_ih), hx, self.weight_hh,
                      self.bias_hh)
        return h if batched else h.squeeze(0)
