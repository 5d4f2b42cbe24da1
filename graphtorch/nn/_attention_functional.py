"""F.scaled_dot_product_attention and F.multi_head_attention_forward, composed from registry
ops exactly as PyTorch's math path composes them (so results and gradients agree)."""
from __future__ import annotations

import math

from .functional import dropout, linear, softmax


def _float_mask(mask, like):
    """Boolean masks (True = masked out, MultiheadAttention's convention) become -inf biases."""
    if mask is None or mask.is_floating_point():
        return mask
    return like.new_zeros(mask.shape).masked_fill(mask, float("-inf"))


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """softmax(Q K^T * scale + mask) V.  A boolean ``attn_mask`` marks positions that may be
    attended (True); a float mask is added to the scores."""
    L, S = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    if enable_gqa and query.shape[-3] != key.shape[-3]:
        rep = query.shape[-3] // key.shape[-3]
        key = key.repeat_interleave(rep, -3)
        value = value.repeat_interleave(rep, -3)
    scores = query.matmul(key.transpose(-2, -1)) * scale
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be "
                               "set when is_causal=True")
        causal = query.new_ones((L, S), dtype=None).bool().tril()
        scores = scores.masked_fill(~causal, float("-inf"))
    elif attn_mask is not None:
        if attn_mask.dtype.name == "bool":
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    attn = softmax(scores, -1)
    if dropout_p > 0.0:
        attn = dropout(attn, dropout_p, True)
    return attn.matmul(value)


def _in_projection(query, key, value, w, b, w_q, w_k, w_v, E):
    if w_q is None:
        if query is key and key is value:
            return linear(query, w, b).chunk(3, -1)
        wq, wk, wv = w.chunk(3)
        bq, bk, bv = b.chunk(3) if b is not None else (None, None, None)
    else:
        wq, wk, wv = w_q, w_k, w_v
        bq, bk, bv = (b[:E], b[E:2 * E], b[2 * E:]) if b is not None else (None, None, None)
    return linear(query, wq, bq), linear(key, wk, bk), linear(value, wv, bv)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """Multi-head attention over (L, N, E) inputs (or unbatched (L, E))."""
    import graphtorch
    unbatched = query.dim() == 2
    if unbatched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    L, N, E = query.shape
    if E != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {E}")
    head_dim = E // num_heads
    if head_dim * num_heads != E:
        raise AssertionError(f"embed_dim {E} not divisible by num_heads {num_heads}")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint.")
    q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias,
                             q_proj_weight if use_separate_proj_weight else None,
                             k_proj_weight, v_proj_weight, E)
    attn_mask = _float_mask(attn_mask, q)
    if attn_mask is not None and attn_mask.dim() == 2:
        if tuple(attn_mask.shape) != (L, key.shape[0]):
            raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should "
                               f"be {(L, key.shape[0])}.")
        attn_mask = attn_mask.unsqueeze(0)
    if bias_k is not None and bias_v is not None:
        k = graphtorch.cat([k, bias_k.repeat(1, N, 1)])
        v = graphtorch.cat([v, bias_v.repeat(1, N, 1)])
        if attn_mask is not None:
            attn_mask = graphtorch.nn.functional.pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = graphtorch.nn.functional.pad(key_padding_mask, (0, 1))
    q = q.reshape(L, N * num_heads, head_dim).transpose(0, 1)
    k = k.reshape(k.shape[0], N * num_heads, head_dim).transpose(0, 1)
    v = v.reshape(v.shape[0], N * num_heads, head_dim).transpose(0, 1)
    if add_zero_attn:
        k = graphtorch.cat([k, k.new_zeros((N * num_heads, 1, head_dim))], 1)
        v = graphtorch.cat([v, v.new_zeros((N * num_heads, 1, head_dim))], 1)
        if attn_mask is not None:
            attn_mask = graphtorch.nn.functional.pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = graphtorch.nn.functional.pad(key_padding_mask, (0, 1))
    S = k.shape[1]
    if key_padding_mask is not None:
        kpm = _float_mask(key_padding_mask, q).reshape(N, 1, 1, S).expand(
            -1, num_heads, -1, -1).reshape(N * num_heads, 1, S)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0
    scores = (q * math.sqrt(1.0 / head_dim)).bmm(k.transpose(-2, -1))
    if attn_mask is not None:
        scores = scores + attn_mask
    weights = softmax(scores, -1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    out = weights.bmm(v).transpose(0, 1).contiguous().reshape(L * N, E)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(L, N, E)
    if unbatched:
        out = out.squeeze(1)
    if not need_weights:
        return out, None
    weights = weights.reshape(N, num_heads, L, S)
    if average_attn_weights:
        weights = weights.mean(1)
    if unbatched:
        weights = weights.squeeze(0)
    return out, weights
