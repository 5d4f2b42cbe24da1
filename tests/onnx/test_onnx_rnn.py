"""nn.LSTM / nn.GRU / nn.RNN export as the native ONNX LSTM / GRU / RNN operators (sequence
length and batch dynamic), checked against eager in ONNX Runtime at two sequence lengths and
two batch sizes; loops the pattern does not recognize keep the generic ONNX Loop."""
import numpy as np
import onnx
import pytest

import graphtorch as torch
import graphtorch.onnx as gonnx
from graphtorch.codegen.onnx.runtime import run_ort

# name -> (constructor, native ONNX op or None when the generic Loop must be kept)
CONFIGS = {
    "lstm_2layer_batch_first": (lambda: torch.nn.LSTM(5, 7, num_layers=2, batch_first=True),
                                "LSTM"),
    "lstm_bidir": (lambda: torch.nn.LSTM(5, 6, num_layers=2, bidirectional=True), "LSTM"),
    "lstm_no_bias": (lambda: torch.nn.LSTM(5, 6, bias=False), "LSTM"),
    "lstm_proj": (lambda: torch.nn.LSTM(5, 6, proj_size=3), None),
    "gru_bidir_batch_first": (lambda: torch.nn.GRU(5, 6, bidirectional=True,
                                                   batch_first=True), "GRU"),
    "gru_2layer": (lambda: torch.nn.GRU(5, 4, num_layers=2), "GRU"),
    "rnn_tanh": (lambda: torch.nn.RNN(5, 6), "RNN"),
    "rnn_relu_bidir": (lambda: torch.nn.RNN(5, 6, num_layers=2, nonlinearity="relu",
                                            bidirectional=True, batch_first=True), "RNN"),
}


def _ops(model):
    return [n.op_type for n in model.graph.node]


def _flat(out):
    if isinstance(out, tuple):
        return [x for o in out for x in _flat(o)]
    return [out.numpy()]


def _x(m, seq, batch, seed=0):
    g = torch.Generator().manual_seed(seed)
    shape = (batch, seq, 5) if m.batch_first else (seq, batch, 5)
    return torch.randn(*shape, generator=g)


def _states(m, batch, seed=1):
    g = torch.Generator().manual_seed(seed)
    dirs = 2 if m.bidirectional else 1
    h = torch.randn(m.num_layers * dirs, batch, m.proj_size or m.hidden_size, generator=g)
    if isinstance(m, torch.nn.LSTM):
        return (h, torch.randn(m.num_layers * dirs, batch, m.hidden_size, generator=g))
    return h


def _check(m, native, with_state):
    seq_ax, b_ax = (1, 0) if m.batch_first else (0, 1)
    args = (_x(m, 4, 3),) + ((_states(m, 3),) if with_state else ())
    names = ["x"] + (["h0", "c0"] if with_state and isinstance(m, torch.nn.LSTM) else
                     ["h0"] if with_state else [])
    axes = {"x": {seq_ax: "seq", b_ax: "batch"}}
    axes.update({n: {1: "batch"} for n in names[1:]})
    prog = gonnx.export(m, args, input_names=names, dynamic_axes=axes)
    model = prog.model_proto
    onnx.checker.check_model(model, full_check=True)
    ops = _ops(model)
    if native:
        dirs = 2 if m.bidirectional else 1
        assert ops.count(native) == m.num_layers * dirs and "Loop" not in ops, ops
    else:
        assert "Loop" in ops
    for seq in (2, 6):
        for batch in (1, 4):
            x = _x(m, seq, batch, seed=seq + batch)
            feeds = {"x": x.numpy()}
            call = (x,)
            if with_state:
                st = _states(m, batch, seed=seq * batch)
                call = (x, st)
                for n, s in zip(names[1:], st if isinstance(st, tuple) else (st,)):
                    feeds[n] = s.numpy()
            got = run_ort(model, feeds)
            with torch.no_grad():
                want = _flat(m(*call))
            assert len(got) == len(want)
            for g, w in zip(got, want):
                np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_recurrent_layers_export_natively(name, with_state):
    torch.manual_seed(0)
    make, native = CONFIGS[name]
    m = make().eval()
    _check(m, native, with_state)


def test_custom_scan_keeps_loop():
    """A time loop whose body is more than one cell (here a scaled state) is not an ONNX LSTM:
    it stays a Loop and still matches eager."""
    from graphtorch.jit._control_flow import _scan
    from graphtorch.nn.modules.rnn import _lstm_step_fused

    class Custom(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.cell = torch.nn.LSTM(3, 4)

        def forward(self, x):
            c = self.cell
            xp = torch.nn.functional.linear(x, c.weight_ih_l0, c.bias_ih_l0)
            h0, c0 = torch.zeros(x.shape[1], 4), torch.zeros(x.shape[1], 4)

            def step(xt, h, cc):
                h, cc = _lstm_step_fused(xt, h, cc, c.weight_hh_l0, c.bias_hh_l0, None)
                return (h * 0.5, cc), (h,)
            (h, cc), (ys,) = _scan(step, (h0, c0), (xp,))
            return ys, h

    torch.manual_seed(0)
    m = Custom()
    prog = gonnx.export(m, (torch.randn(5, 2, 3),), input_names=["x"],
                        dynamic_axes={"x": {0: "seq", 1: "batch"}})
    onnx.checker.check_model(prog.model_proto, full_check=True)
    ops = _ops(prog.model_proto)
    assert "Loop" in ops and "LSTM" not in ops
    for seq, batch in ((3, 1), (7, 4)):
        x = torch.randn(seq, batch, 3)
        got = run_ort(prog.model_proto, {"x": x.numpy()})
        with torch.no_grad():
            want = _flat(m(x))
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def test_parameters_keep_their_names_as_initializers():
    m = torch.nn.GRU(5, 6, bidirectional=True)
    prog = gonnx.export(m, (torch.randn(3, 2, 5),), input_names=["x"],
                        dynamic_axes={"x": {0: "seq", 1: "batch"}})
    inits = {t.name for t in prog.model_proto.graph.initializer}
    assert {n for n, _ in m.named_parameters()} <= inits
    assert "GRU" in _ops(prog.model_proto)
    gru = [n for n in prog.model_proto.graph.node if n.op_type == "GRU"]
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in gru[0].attribute}
    assert attrs["linear_before_reset"] == 1


@pytest.mark.parametrize("name", ["lstm_bidir", "gru_bidir_batch_first", "rnn_relu_bidir",
                                  "rnn_tanh"])
def test_native_rnn_export_imports_back(name):
    """export -> load_model: the ONNX LSTM/GRU/RNN read back (gates reordered to PyTorch's)
    equal eager at another sequence length and batch, and export again natively."""
    torch.manual_seed(0)
    make, native = CONFIGS[name]
    m = make().eval()
    seq_ax, b_ax = (1, 0) if m.batch_first else (0, 1)
    prog = gonnx.export(m, (_x(m, 4, 3),), input_names=["x"],
                        dynamic_axes={"x": {seq_ax: "seq", b_ax: "batch"}})
    im = gonnx.load_model(prog.model_proto)
    x = _x(m, 6, 2, seed=5)
    with torch.no_grad():
        want = _flat(m(x))
        got = _flat(im(x))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    again = gonnx.export(im, (x,), input_names=["x"],
                         dynamic_axes={"x": {seq_ax: "seq", b_ax: "batch"}}).model_proto
    assert native in _ops(again) and "Loop" not in _ops(again)
    x2 = _x(m, 3, 5, seed=9)
    with torch.no_grad():
        want = _flat(m(x2))
    for g, w in zip(run_ort(again, {"x": x2.numpy()}), want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
