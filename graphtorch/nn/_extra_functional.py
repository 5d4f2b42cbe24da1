"""F.rms_norm, F.local_response_norm, F.embedding_bag, F.multi_margin_loss,
F.multilabel_margin_loss (compositions of registry ops, differentiable through them)."""
from __future__ import annotations

import numpy as np

from ..eager.tensor import wrap
from ..ops import dtypes as D


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2 over the normalized dims) + eps) * weight."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    if eps is None:
        eps = D.finfo(input.dtype).eps
    dims = list(range(input.dim() - len(normalized_shape), input.dim()))
    out = input * (input * input).mean(dims, keepdim=True).add(eps).rsqrt()
    return out * weight if weight is not None else out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Normalize each channel by the (squared) activity of its ``size`` neighbours."""
    from ._misc_functional import pad
    from ._pool_functional import avg_pool2d, avg_pool3d
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {dim} dimensions)")
    div = (input * input).unsqueeze(1)
    if dim == 3:
        div = pad(div, (0, 0, size // 2, (size - 1) // 2))
        div = avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = input.shape
        div = div.reshape(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1)
        div = div.reshape(sizes)
    div = (div * alpha + k) ** beta
    return input / div


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Reduce (sum/mean/max) the embeddings of each bag."""
    import graphtorch
    from ._misc_functional import embedding
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max")
    if sparse and mode == "max":
        raise ValueError("max mode does not support sparse weights")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                  f"per_sample_weights is only supported for mode='sum' (got "
                                  f"mode='{mode}'). Please open a feature request on GitHub.")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found offsets "
                             f"of type {type(offsets)}")
        n, L = input.shape
        offs = list(range(0, n * L, L))
        flat = input.reshape(-1)
        psw = per_sample_weights.reshape(-1) if per_sample_weights is not None else None
    else:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        offs = [int(o) for o in offsets.tolist()]
        if include_last_offset:
            offs = offs[:-1]
        flat, psw = input, per_sample_weights
    bounds = offs + [flat.shape[0] if not include_last_offset or input.dim() == 2
                     else int(offsets.tolist()[-1])]
    # sparse: the padding lookups leave the (sparse) gradient, as in torch
    emb = embedding(flat, weight, padding_idx if sparse else None, max_norm, norm_type,
                    sparse=sparse)
    if psw is not None:
        emb = emb * psw.unsqueeze(1)
    idx = flat.tolist()
    bags = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        keep = [i for i in range(a, b) if padding_idx is None or idx[i] != padding_idx]
        if not keep:
            bags.append(weight.new_zeros((weight.shape[1],)))
            continue
        rows = emb.index_select(0, wrap(np.asarray(keep, dtype=np.int64)))
        bags.append(rows.sum(0) if mode == "sum" else rows.mean(0) if mode == "mean"
                    else rows.max(0).values)
    return graphtorch.stack(bags) if bags else weight.new_zeros((0, weight.shape[1]))


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """sum_{i != y} max(0, margin - x[y] + x[i])^p / C (optionally weighted by w[y])."""
    from .functional import _legacy_reduction
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x = input if input.dim() == 2 else input.unsqueeze(0)
    t = target.reshape(-1)
    C = x.shape[1]
    xy = x.gather(1, t.unsqueeze(1))
    z = (margin - xy + x).clamp_min(0)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight[t].unsqueeze(1)
    onehot = t.unsqueeze(1) == t.new_tensor(list(range(C)))
    loss = z.masked_fill(onehot, 0).sum(1) / C
    if input.dim() == 1:
        loss = loss.squeeze(0)
    return loss if reduction == "none" else loss.mean() if reduction == "mean" else loss.sum()


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Hinge loss between the target labels (listed in ``target`` until the first -1) and
    every non-target class."""
    from .functional import _legacy_reduction
    reduction = _legacy_reduction(size_average, reduce, reduction)
    x = input if input.dim() == 2 else input.unsqueeze(0)
    t = target.reshape(x.shape)
    tn = t.detach().numpy()
    C = x.shape[1]
    losses = []
    for n in range(x.shape[0]):
        labels = []
        for v in tn[n]:
            if v < 0:
                break
            labels.append(int(v))
        is_target = np.zeros(C, dtype=bool)
        is_target[labels] = True
        row = x[n]
        total = row.new_zeros(())
        others = wrap(np.nonzero(~is_target)[0].astype(np.int64))
        for j in labels:
            total = total + (1 - row[j] + row.index_select(0, others)).clamp_min(0).sum()
        losses.append(total / C)
    import graphtorch
    loss = graphtorch.stack(losses)
    if input.dim() == 1:
        loss = loss.squeeze(0)
    return loss if reduction == "none" else loss.mean() if reduction == "mean" else loss.sum()
