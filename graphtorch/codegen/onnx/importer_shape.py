"""ONNX shape, indexing and neural-network operators for the importer (see importer_ops)."""
from __future__ import annotations

import numpy as np

from .importer_ops import Host, T, _gt, ints, op


@op("Shape")
def _shape(ev, node, ins, attrs):
    x = T(ins[0])
    shape = list(x.shape)
    return [Host(shape[attrs.get("start", 0):attrs.get("end", len(shape))])]


@op("Size")
def _size(ev, node, ins, attrs):
    return [Host([T(ins[0]).numel()], True)]


@op("Constant")
def _constant(ev, node, ins, attrs):
    v = attrs.get("value")
    if v is None:
        for k in ("value_float", "value_int", "value_floats", "value_ints"):
            if k in attrs:
                v = np.asarray(attrs[k], np.float32 if "float" in k else np.int64)
    return [ev.constant(np.asarray(v))]


@op("ConstantOfShape")
def _const_of_shape(ev, node, ins, attrs):
    gt = _gt()
    v = attrs.get("value")
    v = np.zeros(1, np.float32) if v is None else np.asarray(v).reshape(-1)
    from ...ops import dtypes as D
    dt = D.from_numpy_dtype(v.dtype)
    return [gt.full(ints(ins[0]), v[0].item(), dtype=dt)]


@op("Reshape")
def _reshape(ev, node, ins, attrs):
    x = T(ins[0])
    shape = ints(ins[1])
    if not attrs.get("allowzero", 0):
        shape = [x.shape[i] if (isinstance(s, int) and s == 0) else s
                 for i, s in enumerate(shape)]
    if isinstance(ins[0], Host) and len(shape) <= 1:
        return [Host(ins[0].vals, scalar=len(shape) == 0)]
    return [x.reshape(shape)]


@op("Flatten")
def _flatten(ev, node, ins, attrs):
    x = T(ins[0])
    a = attrs.get("axis", 1) % max(x.dim(), 1) if x.dim() else 0
    lead = 1
    for s in x.shape[:a]:
        lead = lead * s
    return [x.reshape(lead, -1)]


@op("Transpose")
def _transpose(ev, node, ins, attrs):
    x = T(ins[0])
    perm = attrs.get("perm") or list(range(x.dim()))[::-1]
    return [x.permute(*perm)]


@op("Squeeze")
def _squeeze(ev, node, ins, attrs):
    axes = ints(ins[1]) if len(ins) > 1 and ins[1] is not None else attrs.get("axes")
    x = ins[0]
    if isinstance(x, Host):
        return [Host(x.vals, scalar=True)]
    x = T(x)
    if axes is None:
        return [x.squeeze()]
    for a in sorted((int(a) % x.dim() for a in axes), reverse=True):
        x = x.squeeze(a)
    return [x]


@op("Unsqueeze")
def _unsqueeze(ev, node, ins, attrs):
    axes = ints(ins[1]) if len(ins) > 1 else attrs.get("axes")
    x = ins[0]
    if isinstance(x, Host) and x.scalar and len(axes) == 1:
        return [Host(x.vals)]
    x = T(x)
    r = x.dim() + len(axes)
    for a in sorted(int(a) % r for a in axes):
        x = x.unsqueeze(a)
    return [x]


@op("Concat")
def _concat(ev, node, ins, attrs):
    if all(isinstance(x, Host) for x in ins):
        return [Host([v for x in ins for v in x.vals])]
    return [_gt().cat([T(x) for x in ins], attrs.get("axis", 0))]


@op("Split")
def _split(ev, node, ins, attrs):
    x = T(ins[0])
    a = attrs.get("axis", 0)
    n = len(node.output)
    if len(ins) > 1 and ins[1] is not None:
        sizes = ints(ins[1])
    elif attrs.get("split"):
        sizes = attrs["split"]
    else:
        size = x.shape[a]
        sizes = [-(-size // n)] * (n - 1)
        sizes.append(size - sum(sizes))
    return list(x.split(sizes, a))


@op("Slice")
def _slice(ev, node, ins, attrs):
    x = ins[0]
    starts, ends = ints(ins[1]), ints(ins[2])
    r = 1 if isinstance(x, Host) else T(x).dim()
    axes = ints(ins[3]) if len(ins) > 3 and ins[3] is not None else list(range(len(starts)))
    steps = ints(ins[4]) if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
    big = 1 << 62
    if isinstance(x, Host):
        s, e, st = starts[0], ends[0], steps[0]
        e = None if (isinstance(e, int) and abs(e) >= big) else e
        return [Host(x.vals[slice(s, e, st)])]
    idx = [slice(None)] * r
    for s, e, a, st in zip(starts, ends, axes, steps):
        e = None if (isinstance(e, int) and abs(e) >= big) else e
        s = None if (isinstance(s, int) and st < 0 and s >= big) else s
        idx[int(a) % r] = slice(s, e, st)
    xt = T(x)
    neg = [k for k, sl in enumerate(idx) if sl.step is not None and sl.step < 0]
    for k in neg:  # graphtorch (like torch) has no negative steps: flip, then slice
        sl = idx[k]
        n = xt.shape[k]
        start, stop, step = sl.indices(n) if isinstance(n, int) else (sl.start, sl.stop,
                                                                      sl.step)
        xt = xt.flip(k)
        idx[k] = slice(n - 1 - start, (n - 1 - stop) if stop is not None and stop >= 0
                       else None, -step)
    return [xt[tuple(idx)]]


@op("Gather")
def _gather(ev, node, ins, attrs):
    x, i = ins
    a = attrs.get("axis", 0)
    if isinstance(x, Host) and isinstance(i, Host):
        vals = [x.vals[int(k)] for k in i.vals]
        return [Host(vals, i.scalar)]
    x = T(x)
    if isinstance(i, Host) and i.scalar:
        return [x.select(a, int(i.vals[0]))]
    idx = T(i)
    n = x.shape[a % x.dim()]
    idx = _gt().where(idx < 0, idx + n, idx)
    flat = x.index_select(a, idx.reshape(-1))
    shape = list(x.shape[:a % x.dim()]) + list(idx.shape) + list(x.shape[a % x.dim() + 1:])
    return [flat.reshape(shape)]


@op("GatherElements")
def _gather_el(ev, node, ins, attrs):
    return [T(ins[0]).gather(attrs.get("axis", 0), T(ins[1]))]


@op("Expand")
def _expand(ev, node, ins, attrs):
    x = T(ins[0])
    shape = ints(ins[1])
    r = max(len(shape), x.dim())
    xs = [1] * (r - x.dim()) + list(x.shape)
    ss = [1] * (r - len(shape)) + list(shape)
    tgt = [b if (isinstance(a, int) and a == 1) else a for a, b in zip(xs, ss)]
    return [x.reshape(xs).expand(tgt)]


@op("Tile")
def _tile(ev, node, ins, attrs):
    return [T(ins[0]).repeat(*ints(ins[1]))]


@op("Range")
def _range(ev, node, ins, attrs):
    gt = _gt()
    vals = [ins[k].vals[0] if isinstance(ins[k], Host) else T(ins[k]).item() for k in range(3)]
    dt = T(ins[0]).dtype if not isinstance(ins[0], Host) else gt.int64
    return [gt.arange(vals[0], vals[1], vals[2], dtype=dt)]


@op("Pad")
def _pad(ev, node, ins, attrs):
    x = T(ins[0])
    pads = ints(ins[1])
    r = x.dim()
    value = 0.0
    if len(ins) > 2 and ins[2] is not None:
        value = T(ins[2]).item()
    torch_pad = []
    for d in range(r - 1, -1, -1):
        torch_pad += [pads[d], pads[d + r]]
    mode = attrs.get("mode", "constant")
    if isinstance(mode, bytes):
        mode = mode.decode()
    return [_gt().nn.functional.pad(x, torch_pad, mode=mode, value=value)]


@op("Trilu")
def _trilu(ev, node, ins, attrs):
    x = T(ins[0])
    k = int(ints(ins[1])[0]) if len(ins) > 1 and ins[1] is not None else 0
    return [x.triu(k) if attrs.get("upper", 1) else x.tril(k)]


@op("NonZero")
def _nonzero(ev, node, ins, attrs):
    return [T(ins[0]).nonzero().t()]


@op("ScatterElements")
def _scatter_el(ev, node, ins, attrs):
    x, idx, src = T(ins[0]), T(ins[1]), T(ins[2])
    red = attrs.get("reduction", "none")
    a = attrs.get("axis", 0)
    if red == "none":
        return [x.scatter(a, idx, src)]
    name = {"add": "sum", "mul": "prod", "max": "amax", "min": "amin"}[red]
    return [x.scatter_reduce(a, idx, src, name)]


@op("Einsum")
def _einsum(ev, node, ins, attrs):
    return [_gt().einsum(attrs["equation"], *[T(x) for x in ins])]


# ------------------------------------------------------------------ neural network
def _F():
    return _gt().nn.functional


def _sym_pads(pads, n):
    begin, end = pads[:n], pads[n:]
    return begin, end


@op("Gemm")
def _gemm(ev, node, ins, attrs):
    a, b = T(ins[0]), T(ins[1])
    if attrs.get("transA", 0):
        a = a.t()
    if attrs.get("transB", 0):
        b = b.t()
    y = a @ b
    if attrs.get("alpha", 1.0) != 1.0:
        y = y * attrs["alpha"]
    if len(ins) > 2 and ins[2] is not None:
        c = T(ins[2])
        y = y + (c * attrs["beta"] if attrs.get("beta", 1.0) != 1.0 else c)
    return [y]


def _conv_pads(x, attrs, kernel, strides, dilations):
    n = len(kernel)
    auto = attrs.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pads_b, pads_e = [], []
        for d in range(n):
            size = x.shape[2 + d]
            out = -(-size // strides[d])
            total = max((out - 1) * strides[d] + (kernel[d] - 1) * dilations[d] + 1 - size, 0)
            lo = total // 2 if auto == "SAME_UPPER" else total - total // 2
            pads_b.append(lo)
            pads_e.append(total - lo)
        return pads_b, pads_e
    pads = attrs.get("pads") or [0] * (2 * n)
    return _sym_pads(pads, n)


def _pad_input(x, pb, pe, value=0.0):
    if list(pb) == list(pe):
        return x, list(pb)
    flat = []
    for b, e in zip(reversed(pb), reversed(pe)):
        flat += [b, e]
    return _F().pad(x, flat, value=value), [0] * len(pb)


@op("Conv")
def _conv(ev, node, ins, attrs):
    x, w = T(ins[0]), T(ins[1])
    b = T(ins[2]) if len(ins) > 2 and ins[2] is not None else None
    k = list(w.shape[2:])
    n = len(k)
    strides = attrs.get("strides") or [1] * n
    dil = attrs.get("dilations") or [1] * n
    pb, pe = _conv_pads(x, attrs, k, strides, dil)
    x, pad = _pad_input(x, pb, pe)
    fn = {1: _F().conv1d, 2: _F().conv2d, 3: _F().conv3d}[n]
    return [fn(x, w, b, strides, pad, dil, attrs.get("group", 1))]


@op("ConvTranspose")
def _conv_t(ev, node, ins, attrs):
    x, w = T(ins[0]), T(ins[1])
    b = T(ins[2]) if len(ins) > 2 and ins[2] is not None else None
    n = w.dim() - 2
    strides = attrs.get("strides") or [1] * n
    dil = attrs.get("dilations") or [1] * n
    pads = attrs.get("pads") or [0] * (2 * n)
    pb, pe = pads[:n], pads[n:]
    outp = list(attrs.get("output_padding") or [0] * n)
    outp = [o + (b_ - e) for o, b_, e in zip(outp, pb, pe)]  # less cropping at the end
    fn = {1: _F().conv_transpose1d, 2: _F().conv_transpose2d, 3: _F().conv_transpose3d}[n]
    return [fn(x, w, b, strides, pb, outp, attrs.get("group", 1), dil)]


@op("MaxPool", "AveragePool")
def _pool(ev, node, ins, attrs):
    x = T(ins[0])
    k = list(attrs["kernel_shape"])
    n = len(k)
    strides = attrs.get("strides") or [1] * n
    dil = attrs.get("dilations") or [1] * n
    pb, pe = _conv_pads(x, attrs, k, strides, dil)
    ceil = bool(attrs.get("ceil_mode", 0))
    F = _F()
    if node.op_type == "MaxPool":
        x, pad = _pad_input(x, pb, pe, float("-inf"))
        fn = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[n]
        return [fn(x, k, strides, pad, dil, ceil_mode=ceil)]
    x, pad = _pad_input(x, pb, pe)
    fn = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}[n]
    return [fn(x, k, strides, pad, ceil_mode=ceil,
               count_include_pad=bool(attrs.get("count_include_pad", 0)))]


@op("GlobalAveragePool")
def _gap(ev, node, ins, attrs):
    x = T(ins[0])
    return [x.mean(list(range(2, x.dim())), keepdim=True)]


@op("BatchNormalization")
def _bn(ev, node, ins, attrs):
    x, s, b, m, v = (T(t) for t in ins[:5])
    return [_F().batch_norm(x, m, v, s, b, False, 0.0, attrs.get("epsilon", 1e-5))]


@op("LayerNormalization")
def _ln(ev, node, ins, attrs):
    x = T(ins[0])
    a = attrs.get("axis", -1) % x.dim()
    w = T(ins[1])
    b = T(ins[2]) if len(ins) > 2 and ins[2] is not None else None
    return [_F().layer_norm(x, list(x.shape[a:]), w, b, attrs.get("epsilon", 1e-5))]


@op("Resize")
def _resize(ev, node, ins, attrs):
    x = T(ins[0])
    mode = attrs.get("mode", "nearest")
    ctm = attrs.get("coordinate_transformation_mode", "half_pixel")
    sizes = ints(ins[3])[2:] if len(ins) > 3 and ins[3] is not None else None
    scales = None
    if sizes is None:
        scales = [float(s) for s in T(ins[2]).detach().numpy()[2:]]
    F = _F()
    nd = x.dim() - 2
    if mode == "nearest":
        m = "nearest-exact" if ctm == "half_pixel" else "nearest"
        return [F.interpolate(x, size=sizes, scale_factor=scales, mode=m)]
    m = {"linear": {1: "linear", 2: "bilinear", 3: "trilinear"}[nd], "cubic": "bicubic"}[mode]
    return [F.interpolate(x, size=sizes, scale_factor=scales, mode=m,
                          align_corners=ctm == "align_corners")]


# ------------------------------------------------------------------ recurrent layers
_ONNX_TO_TORCH_GATES = {"LSTM": [0, 2, 3, 1], "GRU": [1, 0, 2], "RNN": [0]}  # iofc -> ifgo...
_DEFAULT_ACTS = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"], "RNN": ["Tanh"]}


def _reorder(t, kind, hid):
    if kind == "RNN":
        return t
    parts = [t[k * hid:(k + 1) * hid] for k in range(len(_ONNX_TO_TORCH_GATES[kind]))]
    return _gt().cat([parts[k] for k in _ONNX_TO_TORCH_GATES[kind]], 0)


def _rnn_acts(kind, attrs, dirs):
    """Whether the node uses Relu (Elman RNN); raises for activations PyTorch lacks."""
    acts = [a.decode() if isinstance(a, bytes) else a for a in attrs.get("activations") or []]
    per = len(_DEFAULT_ACTS[kind])
    if not acts:
        return False
    if kind == "RNN" and acts in (["Relu"] * dirs, ["Relu"]):
        return True
    if acts in (_DEFAULT_ACTS[kind] * dirs, _DEFAULT_ACTS[kind]) and len(acts) % per == 0:
        return False
    raise NotImplementedError(f"{kind} with activations {acts} is not supported")


@op("LSTM", "GRU", "RNN")
def _rnn(ev, node, ins, attrs):
    """ONNX LSTM/GRU/RNN (layout 0, PyTorch's activations) as graphtorch's cells in a Loop
    with a scan output: the sequence length stays dynamic."""
    from ...jit._control_flow import _scan
    from ...nn.modules.rnn import _gru_step_fused, _lstm_step_fused, _rnn_step
    kind = node.op_type
    if attrs.get("layout", 0) or attrs.get("clip") or attrs.get("input_forget", 0) or \
            (kind == "GRU" and attrs.get("linear_before_reset", 0) == 0) or \
            (len(ins) > 4 and ins[4] is not None) or (len(ins) > 7 and ins[7] is not None):
        raise NotImplementedError(f"{kind} with layout/clip/input_forget/sequence_lens/"
                                  "peepholes (or GRU without linear_before_reset) is not "
                                  "supported")
    gt = _gt()
    F = _F()
    x, w, r = T(ins[0]), T(ins[1]), T(ins[2])
    b = T(ins[3]) if len(ins) > 3 and ins[3] is not None else None
    hid = attrs["hidden_size"]
    ng = len(_ONNX_TO_TORCH_GATES[kind])
    dirs = w.shape[0]
    relu = _rnn_acts(kind, attrs, dirs)
    batch = x.shape[1]
    h0 = T(ins[5]) if len(ins) > 5 and ins[5] is not None else \
        gt.zeros((dirs, batch, hid), dtype=x.dtype)
    c0 = T(ins[6]) if kind == "LSTM" and len(ins) > 6 and ins[6] is not None else \
        gt.zeros((dirs, batch, hid), dtype=x.dtype)
    ys, hs, cs = [], [], []
    for d in range(dirs):
        wi, wh = _reorder(w[d], kind, hid), _reorder(r[d], kind, hid)
        bi = _reorder(b[d][:ng * hid], kind, hid) if b is not None else None
        bh = _reorder(b[d][ng * hid:], kind, hid) if b is not None else None
        xp = F.linear(x, wi, bi)
        reverse = attrs.get("direction", "forward") == "reverse" or d == 1

        def step(xt, h, *rest, wh=wh, bh=bh):
            if kind == "LSTM":
                h, c = _lstm_step_fused(xt, h, rest[0], wh, bh, None)
                return (h, c), (h,)
            h = _gru_step_fused(xt, h, wh, bh) if kind == "GRU" else \
                _rnn_step(xt, h, wh, bh, relu)
            return (h,), (h,)
        carried = (h0[d], c0[d]) if kind == "LSTM" else (h0[d],)
        final, (y,) = _scan(step, carried, (xp,), reverse)
        ys.append(y.unsqueeze(1))
        hs.append(final[0])
        if kind == "LSTM":
            cs.append(final[1])
    outs = [gt.cat(ys, 1), gt.stack(hs, 0)]
    if kind == "LSTM":
        outs.append(gt.stack(cs, 0))
    return outs
