"""Shape and view ops against PyTorch 2.13: values, dtypes, shapes, strides, storage offsets,
contiguity, grad_fn names, gradients and exceptions (type and message)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import graphtorch as gt

torch = pytest.importorskip("torch")

R = np.random.RandomState(0)


def A(*shape, dtype="float64"):
    if dtype == "int64":
        return R.randint(0, 5, size=shape).astype(np.int64)
    if dtype == "complex128":
        return np.asarray(R.randn(*shape) + 1j * R.randn(*shape))
    return np.asarray(R.randn(*shape)).astype(dtype)


def _inputs(mod, arrays, grad):
    out = []
    for a in arrays:
        t = mod.tensor(a.copy())
        if grad and a.dtype.kind in "fc":
            t.requires_grad_(True)
        out.append(t)
    return out


def _outs(r):
    return tuple(r) if isinstance(r, (tuple, list)) else (r,)


def _np(t):
    return t.detach().resolve_conj().numpy()  # both keep the conj bit on views of conj()


def _compare_tensor(a, b, where, names=True):
    assert tuple(a.shape) == tuple(b.shape), where
    assert str(a.dtype).replace("torch.", "") == str(b.dtype).replace("torch.", ""), where
    np.testing.assert_allclose(_np(b), _np(a), rtol=1e-12, atol=1e-12, err_msg=where)
    if b.numel() or b._base is not None:  # numpy allocates empty arrays with zero strides
        assert a.stride() == b.stride(), (where, a.stride(), b.stride())
    if b.numel():  # divergence: an empty slice of the indexing family's "slice" op has offset 0
        assert a.storage_offset() == b.storage_offset(), where
    assert a.is_contiguous() == b.is_contiguous(), where
    ga, gb = a.grad_fn, b.grad_fn
    assert (ga is None) == (gb is None), where
    if ga is not None and names:
        assert type(ga).__name__ == type(gb).__name__, (where, ga, gb)


def check(fn, *arrays, grad=True, names=True):
    """Run ``fn(mod, *inputs)`` with torch and graphtorch; compare outputs and gradients."""
    ti, gi = _inputs(torch, arrays, grad), _inputs(gt, arrays, grad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        to, go = _outs(fn(torch, *ti)), _outs(fn(gt, *gi))
    assert len(to) == len(go)
    for k, (a, b) in enumerate(zip(to, go)):
        _compare_tensor(a, b, f"output {k}", names)
    diff = [i for i, t in enumerate(ti) if t.requires_grad]
    outs = [k for k, o in enumerate(to) if o.requires_grad and o.numel()]
    if not (grad and diff and outs):
        return
    ws = [R.randn(*to[k].shape) for k in outs]
    if to[outs[0]].is_complex():
        ws = [w + 1j * R.randn(*w.shape) for w in ws]
    sum(((to[k] * torch.tensor(w)).real.sum() if to[k].is_complex() else
         (to[k] * torch.tensor(w)).sum()) for k, w in zip(outs, ws)).backward()
    sum(((go[k] * gt.tensor(w)).real.sum() if go[k].is_complex() else
         (go[k] * gt.tensor(w)).sum()) for k, w in zip(outs, ws)).backward()
    for i in diff:
        np.testing.assert_allclose(_np(gi[i].grad), _np(ti[i].grad), rtol=1e-10, atol=1e-12,
                                   err_msg=f"grad of input {i}")


X = A(2, 3, 4)
M = A(3, 4)
V = A(6)
S0 = A()
C = A(3, 2, dtype="complex128")

VIEW_CASES = {
    "permute": (lambda m, x: x.permute(2, 0, 1), X),
    "permute_fn": (lambda m, x: m.permute(x, (1, 2, 0)), X),
    "permute_0d": (lambda m, x: x.permute(()), S0),
    "transpose": (lambda m, x: x.transpose(0, -1), X),
    "swapaxes": (lambda m, x: x.swapaxes(0, 1), X),
    "swapdims": (lambda m, x: m.swapdims(x, 2, 1), X),
    "t": (lambda m, x: x.t(), M),
    "t_1d": (lambda m, x: x.t(), V),
    "t_0d": (lambda m, x: m.t(x), S0),
    "T": (lambda m, x: x.T, M),
    "T_3d": (lambda m, x: x.T, X),
    "mT": (lambda m, x: x.mT, X),
    "H_real": (lambda m, x: x.H, M),
    "mH_real": (lambda m, x: x.mH, X),
    "adjoint": (lambda m, x: x.adjoint(), X),
    "squeeze_all": (lambda m, x: x.reshape(1, 3, 1, 4).squeeze(), M),
    "squeeze_int": (lambda m, x: x.reshape(1, 3, 1, 4).squeeze(2), M),
    "squeeze_noop": (lambda m, x: x.squeeze(0), M),
    "squeeze_tuple": (lambda m, x: x.reshape(1, 3, 1, 4).squeeze((0, 2, 3)), M),
    "squeeze_0d": (lambda m, x: x.squeeze(0), S0),
    "unsqueeze0": (lambda m, x: x.unsqueeze(0), X),
    "unsqueeze_mid": (lambda m, x: x.transpose(0, 2).unsqueeze(1), X),
    "unsqueeze_last": (lambda m, x: m.unsqueeze(x, -1), X),
    "unsqueeze_0d": (lambda m, x: x.unsqueeze(0), S0),
    "narrow": (lambda m, x: x.narrow(1, 1, 2), X),
    "narrow_neg": (lambda m, x: x.narrow(-1, -3, 2), X),
    "narrow_tensor_start": (lambda m, x: x.narrow(2, m.tensor(1), 2), X),
    "narrow_empty": (lambda m, x: m.narrow(x, 1, 3, 0), X),
    "unfold": (lambda m, x: x.unfold(2, 2, 1), X),
    "unfold_step": (lambda m, x: x.unfold(0, 2, 3), A(8, 3)),
    "unfold_0d": (lambda m, x: x.unfold(0, 1, 1), S0),
    "unfold_transposed": (lambda m, x: x.transpose(1, 2).unfold(1, 3, 1), X),
    "diagonal": (lambda m, x: x.diagonal(), M),
    "diagonal_off": (lambda m, x: x.diagonal(1, 0, 2), X),
    "diagonal_neg": (lambda m, x: m.diagonal(x, -1, 2, 1), X),
    "diagonal_empty": (lambda m, x: x.diagonal(5, 1, 2), X),
    "diagonal_kw": (lambda m, x: x.diagonal(dim1=-1, dim2=0), X),
    "as_strided": (lambda m, x: x.as_strided((2, 2), (1, 2), 1), X),
    "as_strided_overlap": (lambda m, x: x.reshape(-1)[2:].as_strided((3, 3), (1, 1), 0), X),
    "as_strided_own_offset": (lambda m, x: x.reshape(-1)[2:].as_strided((3, 3), (1, 1)), X),
    "as_strided_transposed": (lambda m, x: x.t().as_strided((3, 3), (1, 2), 1), M),
    "as_strided_fn": (lambda m, x: m.as_strided(x, (4, 3), (1, 4)), M),
    "flatten": (lambda m, x: x.flatten(), X),
    "flatten_range": (lambda m, x: x.flatten(1), X),
    "flatten_0d": (lambda m, x: m.flatten(x), S0),
    "unflatten": (lambda m, x: x.unflatten(1, (-1, 3)), X),
    "unflatten_last": (lambda m, x: x.unflatten(-1, (2, -1)), X),
    "movedim": (lambda m, x: x.movedim((0, 1), (2, 0)), X),
    "moveaxis": (lambda m, x: m.moveaxis(x, 0, -1), X),
    "split": (lambda m, x: x.split(2, 1), X),
    "split_sizes": (lambda m, x: m.split(x, [1, 3], 2), X),
    "split_one_used": (lambda m, x: x.split(2, 2)[1], X),
    "chunk": (lambda m, x: x.chunk(3, 2), X),
    "chunk_uneven": (lambda m, x: x.chunk(4), V),
    "unbind": (lambda m, x: x.unbind(1), X),
    "unbind_one_used": (lambda m, x: m.unbind(x)[1], X),
    "tensor_split_sections": (lambda m, x: x.tensor_split(3, 2), X),
    "tensor_split_indices": (lambda m, x: x.tensor_split([4, 1]), V),
    "tensor_split_tensor": (lambda m, x: m.tensor_split(x, m.tensor([1, 3]), 2), X),
    "hsplit": (lambda m, x: x.hsplit(2), V),
    "hsplit_2d": (lambda m, x: m.hsplit(x, [1, 2]), X),
    "vsplit": (lambda m, x: x.vsplit(2), X),
    "dsplit": (lambda m, x: x.dsplit([1, 3]), X),
    "expand": (lambda m, x: x[:, :1].expand(2, 2, 3, 4), X),
    "broadcast_to": (lambda m, x: m.broadcast_to(x, (2, 2, 3, 4)), X),
    "view_as_real": (lambda m, x: m.view_as_real(x), C),
    "view_as_complex": (lambda m, x: m.view_as_complex(x), A(3, 4, 2)),
    "view_as_complex_sliced": (lambda m, x: m.view_as_complex(x[..., :2]), A(3, 4)),
}


def test_complex_adjoints():
    # conj() belongs to another family (graphtorch's conj copies: ConjPhysicalBackward0 where
    # PyTorch has a lazy conj bit and ConjBackward0), so only values and gradients are compared
    for fn in (lambda m, x: x.H, lambda m, x: x.mH, lambda m, x: m.adjoint(x)):
        check(fn, C, names=False)


@pytest.mark.parametrize("name", sorted(VIEW_CASES))
def test_view_parity(name):
    fn, arr = VIEW_CASES[name]
    check(fn, arr)


COPY_CASES = {
    "cat": (lambda m, a, b: m.cat([a, b], 1), (X, A(2, 1, 4))),
    "cat_neg": (lambda m, a, b: m.cat((a, b), -1), (M, A(3, 2))),
    "cat_legacy_empty": (lambda m, a, b: m.cat([a, b.reshape(0)[:0], a]), (M, A(0))),
    "cat_legacy_dtype": (lambda m, a, b: m.cat([b.to(m.float64)[:0], a]), (A(2, 2, dtype="float32"),
                                                                         A(0))),
    "cat_promote": (lambda m, a, b: m.cat([a, b], 0), (A(2, 3, dtype="int64"), A(1, 3))),
    "concat": (lambda m, a, b: m.concat([a, b]), (M, M)),
    "concatenate": (lambda m, a, b: m.concatenate([a, b], axis=1), (M, M)),
    "stack": (lambda m, a, b: m.stack([a, b]), (M, M)),
    "stack_last": (lambda m, a, b: m.stack([a, b], -1), (M, M)),
    "stack_promote": (lambda m, a, b: m.stack([a, b], 1), (A(3, dtype="int64"), A(3))),
    "stack_0d": (lambda m, a, b: m.stack([a, b]), (S0, S0)),
    "hstack": (lambda m, a, b: m.hstack([a, b]), (V, V)),
    "hstack_2d": (lambda m, a, b: m.hstack([a, b]), (M, M)),
    "vstack": (lambda m, a, b: m.vstack([a, b]), (V, V)),
    "row_stack": (lambda m, a, b: m.row_stack([a, b]), (S0, S0)),
    "dstack": (lambda m, a, b: m.dstack([a, b]), (M, M)),
    "column_stack": (lambda m, a, b: m.column_stack([a, b]), (A(3), A(3, 2))),
    "flip": (lambda m, a: a.flip(0, 2), (X,)),
    "flip_fn": (lambda m, a: m.flip(a, (-1,)), (X,)),
    "flip_transposed": (lambda m, a: a.t().flip(0), (M,)),
    "fliplr": (lambda m, a: m.fliplr(a), (M,)),
    "flipud": (lambda m, a: a.flipud(), (M,)),
    "roll": (lambda m, a: a.roll(1), (X,)),
    "roll_dims": (lambda m, a: m.roll(a, (1, -5), (2, 0)), (X,)),
    "rot90": (lambda m, a: a.rot90(), (M,)),
    "rot90_k2": (lambda m, a: m.rot90(a, 2, [0, 1]), (M,)),
    "rot90_k3": (lambda m, a: a.rot90(3, (1, 2)), (X,)),
    "rot90_neg": (lambda m, a: a.rot90(-1, (2, 0)), (X,)),
    "rot90_k0": (lambda m, a: a.rot90(0), (M,)),
    "repeat": (lambda m, a: a.repeat(2, 1, 3), (M,)),
    "repeat_0d": (lambda m, a: a.repeat(2, 3), (S0,)),
    "tile": (lambda m, a: m.tile(a, (2,)), (X,)),
    "tile_more": (lambda m, a: a.tile((2, 1, 1, 2)), (X,)),
    "repeat_interleave": (lambda m, a: a.repeat_interleave(2), (M,)),
    "repeat_interleave_dim": (lambda m, a: a.repeat_interleave(3, dim=1), (M,)),
    "repeat_interleave_tensor": (
        lambda m, a: m.repeat_interleave(a, m.tensor([1, 0, 2]), dim=0, output_size=3), (M,)),
    "repeat_interleave_tensor1": (lambda m, a: a.repeat_interleave(m.tensor([2]), 1), (M,)),
    "tril": (lambda m, a: a.tril(), (M,)),
    "tril_k": (lambda m, a: m.tril(a, -1), (X,)),
    "triu": (lambda m, a: a.triu(1), (X,)),
    "diag_vec": (lambda m, a: m.diag(a, 1), (V,)),
    "diag_mat": (lambda m, a: a.diag(-1), (M,)),
    "diag_embed": (lambda m, a: a.diag_embed(), (M,)),
    "diag_embed_dims": (lambda m, a: m.diag_embed(a, 1, 0, 2), (X,)),
    "diagflat": (lambda m, a: a.diagflat(1), (M,)),
    "diagflat_0d": (lambda m, a: m.diagflat(a), (S0,)),
    "meshgrid_ij": (lambda m, a, b: m.meshgrid(a, b, indexing="ij"), (A(2), A(3))),
    "meshgrid_xy": (lambda m, a, b: m.meshgrid([a, b], indexing="xy"), (A(2), A(3))),
    "meshgrid_3": (lambda m, a, b: m.meshgrid(a, b, a, indexing="xy"), (A(2), S0)),
    "broadcast_tensors": (lambda m, a, b: m.broadcast_tensors(a, b), (A(3, 1), A(2, 1, 4))),
    "atleast_1d": (lambda m, a, b: m.atleast_1d(a, b), (S0, M)),
    "atleast_2d": (lambda m, a, b: m.atleast_2d([a, b]), (S0, V)),
    "atleast_3d": (lambda m, a, b, c: m.atleast_3d(a, b, c), (S0, V, M)),
    "cartesian_prod": (lambda m, a, b: m.cartesian_prod(a, b), (A(3), A(2))),
    "cartesian_prod_one": (lambda m, a: m.cartesian_prod(a), (A(3),)),
    "combinations": (lambda m, a: m.combinations(a, 3), (A(4),)),
    "combinations_repl": (lambda m, a: m.combinations(a, with_replacement=True), (A(3),)),
    "block_diag": (lambda m, a, b, c: m.block_diag(a, b, c), (S0, A(3), A(2, 2))),
    "block_diag_empty": (lambda m, a, b: m.block_diag(a, b), (A(0, 2), S0)),
    "view_diag_inplace": (lambda m, a: a.clone().diagonal().add_(1), (M,)),
}


@pytest.mark.parametrize("name", sorted(COPY_CASES))
def test_copy_parity(name):
    fn, arrays = COPY_CASES[name]
    check(fn, *arrays)


def test_int_and_bool_dtypes():
    ints = A(3, 4, dtype="int64")
    for fn in (lambda m, a: m.cat([a, a.to(m.uint8)]),
               lambda m, a: m.stack([a.bool(), a.to(m.int8)]),
               lambda m, a: a.flip(1), lambda m, a: a.tril(), lambda m, a: a.T,
               lambda m, a: m.repeat_interleave(m.tensor([2, 0, 1])),
               lambda m, a: m.block_diag(a, a.to(m.int8)), lambda m, a: a.unfold(1, 2, 2),
               lambda m, a: m.combinations(a[0]), lambda m, a: m.tril_indices(3, 4, 1),
               lambda m, a: m.triu_indices(4, 3, -1, dtype=m.int32), lambda m, a: m.block_diag()):
        check(fn, ints, grad=False)


def test_double_backward_through_views():
    for m in (torch, gt):
        x = m.tensor(X.copy(), requires_grad=True)
        y = (x.permute(2, 0, 1).unfold(0, 2, 1).diagonal(0, 1, 2) ** 3).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        g.sum().backward()
        if m is torch:
            ref = x.grad.numpy().copy()
    np.testing.assert_allclose(_np(x.grad), ref, rtol=1e-10)


def _err(fn, *arrays):
    out = []
    for m in (torch, gt):
        ins = [m.tensor(a.copy()) for a in arrays]
        with pytest.raises(Exception) as info, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(m, *ins)
        out.append(info.value)
    return out


ERRORS = {
    "permute_len": lambda m, x: x.permute(0, 1),
    "permute_dup": lambda m, x: x.permute(0, 1, 1),
    "permute_range": lambda m, x: x.permute(0, 1, 5),
    "transpose_range": lambda m, x: x.transpose(0, 5),
    "t_3d": lambda m, x: x.t(),
    "mT_1d": lambda m, x: x[0, 0].mT,
    "H_3d": lambda m, x: x.H,
    "unsqueeze_range": lambda m, x: x.unsqueeze(4),
    "squeeze_range": lambda m, x: x.squeeze(5),
    "narrow_len": lambda m, x: x.narrow(1, 2, 2),
    "narrow_start": lambda m, x: x.narrow(1, 4, 0),
    "narrow_neg_len": lambda m, x: x.narrow(1, 0, -1),
    "narrow_0d": lambda m, x: x[0, 0, 0].narrow(0, 0, 1),
    "narrow_float_start": lambda m, x: x.narrow(0, m.tensor(1.0), 1),
    "unfold_size": lambda m, x: x.unfold(2, 5, 1),
    "unfold_step": lambda m, x: x.unfold(2, 2, 0),
    "diagonal_same": lambda m, x: x.diagonal(0, 1, 1),
    "as_strided_oob": lambda m, x: x.as_strided((2, 2), (1, 2), 100),
    "as_strided_neg": lambda m, x: x.as_strided((2, 2), (-1, 2), 1),
    "flatten_order": lambda m, x: x.flatten(2, 1),
    "unflatten_bad": lambda m, x: x.unflatten(1, (2, 2)),
    "unflatten_empty": lambda m, x: x.unflatten(1, ()),
    "movedim_len": lambda m, x: m.movedim(x, (0, 1), (0,)),
    "movedim_repeat": lambda m, x: x.movedim((0, 0), (1, 2)),
    "split_zero": lambda m, x: x.split(0),
    "split_sizes_sum": lambda m, x: x.split([1, 1], 1),
    "chunk_zero": lambda m, x: x.chunk(0),
    "chunk_0d": lambda m, x: x[0, 0, 0].chunk(2),
    "unbind_0d": lambda m, x: x[0, 0, 0].unbind(),
    "tensor_split_zero": lambda m, x: x.tensor_split(0),
    "tensor_split_0d": lambda m, x: x[0, 0, 0].tensor_split(2),
    "hsplit_indivisible": lambda m, x: x.hsplit(2),
    "vsplit_1d": lambda m, x: x[0, 0].vsplit(1),
    "dsplit_indivisible": lambda m, x: x.dsplit(3),
    "view_as_real_real": lambda m, x: m.view_as_real(x),
    "view_as_complex_last": lambda m, x: m.view_as_complex(x),
    "view_as_complex_stride": lambda m, x: m.view_as_complex(x.transpose(0, 2)[..., :2]
                                                             .transpose(0, 1)),
    "view_as_complex_offset": lambda m, x: m.view_as_complex(x[..., 1:3]),
    "view_as_complex_int": lambda m, x: m.view_as_complex(x[..., :2].int()),
    "cat_sizes": lambda m, x: m.cat([x, x[:, :2]], 0),
    "cat_ndim": lambda m, x: m.cat([x, x[0]]),
    "cat_0d": lambda m, x: m.cat([x[0, 0, 0], x[0, 0, 0]]),
    "cat_empty_list": lambda m, x: m.cat([]),
    "cat_dim": lambda m, x: m.cat([x, x], 3),
    "stack_sizes": lambda m, x: m.stack([x, x[:, :2]]),
    "stack_empty": lambda m, x: m.stack([]),
    "stack_dim": lambda m, x: m.stack([x, x], 4),
    "hstack_empty": lambda m, x: m.hstack([]),
    "flip_dup": lambda m, x: x.flip(0, 0),
    "fliplr_1d": lambda m, x: m.fliplr(x[0, 0]),
    "flipud_0d": lambda m, x: m.flipud(x[0, 0, 0]),
    "roll_align": lambda m, x: x.roll((1, 2), (0,)),
    "roll_empty": lambda m, x: x.roll((), ()),
    "rot90_same": lambda m, x: x.rot90(1, (0, 0)),
    "rot90_three": lambda m, x: x.rot90(1, (0, 1, 2)),
    "rot90_1d": lambda m, x: x[0, 0].rot90(),
    "repeat_few": lambda m, x: x.repeat(2),
    "repeat_neg": lambda m, x: x.repeat(2, -1, 1),
    "ri_len": lambda m, x: x.repeat_interleave(m.tensor([1, 2, 3]), 0),
    "ri_neg": lambda m, x: x.repeat_interleave(-1),
    "ri_neg_tensor": lambda m, x: x.repeat_interleave(m.tensor([1, -1]), 0),
    "ri_float": lambda m, x: x.repeat_interleave(m.tensor([1.0, 1.0]), 0),
    "ri_output_size": lambda m, x: x.repeat_interleave(2, output_size=5),
    "ri_2d_repeats": lambda m, x: x.repeat_interleave(m.tensor([[2]]), 0),
    "tril_1d": lambda m, x: x[0, 0].tril(),
    "tril_indices_neg": lambda m, x: m.tril_indices(-1, 3),
    "tril_indices_float": lambda m, x: m.tril_indices(3, 3, dtype=m.float32),
    "diag_3d": lambda m, x: x.diag(),
    "diag_embed_same": lambda m, x: x.diag_embed(0, 1, 1),
    "meshgrid_dtype": lambda m, x: m.meshgrid(x[0, 0], x[0, 0].int(), indexing="ij"),
    "meshgrid_empty": lambda m, x: m.meshgrid(indexing="ij"),
    "meshgrid_indexing": lambda m, x: m.meshgrid(x[0, 0], indexing="foo"),
    "broadcast_to_few": lambda m, x: m.broadcast_to(x, (3, 4)),
    "broadcast_tensors_bad": lambda m, x: m.broadcast_tensors(x, x[0, :, :3]),
    "broadcast_shapes_bad": lambda m, x: m.broadcast_shapes((2, 1), (3, 4)),
    "broadcast_shapes_neg": lambda m, x: m.broadcast_shapes((-1,), (3,)),
    "cartesian_2d": lambda m, x: m.cartesian_prod(x[0]),
    "combinations_neg": lambda m, x: m.combinations(x[0, 0], -1),
    "block_diag_3d": lambda m, x: m.block_diag(x),
    "tile_int": lambda m, x: m.tile(x, 2),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_parity(name):
    te, ge = _err(ERRORS[name], X)
    assert type(ge) is type(te), (te, ge)
    assert str(ge) == str(te)
