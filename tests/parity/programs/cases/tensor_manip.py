"""Shape manipulation and set-like ops: chunk/split/stack/flip/roll/repeat/
repeat_interleave/expand/tril/triu/diag_embed/narrow/unbind/movedim/unflatten, unique,
bincount, histc, searchsorted, bucketize, clamp with tensors, meshgrid, cartesian_prod."""
import torch
from casekit import randn, randint


def run():
    r = {}
    a = torch.arange(24).reshape(2, 3, 4)
    r["chunk_uneven"] = torch.arange(10).chunk(4)
    r["split_sizes"] = torch.arange(10).split([3, 7])
    r["tensor_split"] = torch.tensor_split(torch.arange(7), 3)
    r["tensor_split_idx"] = torch.tensor_split(torch.arange(7), [1, 5])
    r["flip"] = a.flip(0, 2)
    r["fliplr"] = torch.fliplr(a[0])
    r["roll"] = torch.roll(a, shifts=(1, -2), dims=(1, 2))
    r["roll_flat"] = torch.roll(a, 5)
    r["repeat"] = a[0, :2].repeat(2, 1, 2)
    r["repeat_interleave"] = torch.repeat_interleave(torch.tensor([1, 2, 3]), torch.tensor([2, 0, 3]))
    r["repeat_interleave_dim"] = a[:, :2, :1].repeat_interleave(2, dim=1)
    r["tile"] = torch.tile(torch.tensor([1, 2]), (2, 2))
    r["expand_neg1"] = torch.tensor([[1], [2]]).expand(-1, 3)
    r["tril_k"] = torch.tril(torch.ones(3, 4), diagonal=-1)
    r["triu_batch"] = torch.triu(a.float(), 1)
    r["diag_embed"] = torch.diag_embed(torch.tensor([[1., 2.], [3., 4.]]), offset=1)
    r["diag"] = (torch.diag(torch.tensor([1, 2])), torch.diag(a[0], -1), torch.diagflat(torch.tensor([1, 2])))
    r["narrow"] = a.narrow(2, 1, 2)
    r["unbind"] = a.unbind(1)
    r["movedim"] = a.movedim((0, 1), (2, 0)).shape
    r["unflatten"] = a.unflatten(2, (2, -1)).shape
    r["flatten_range"] = a.flatten(0, 1).shape
    r["squeeze_multi"] = torch.zeros(1, 2, 1, 3).squeeze((0, 2)).shape
    r["swapaxes"] = a.swapaxes(0, 2).shape
    r["hstack_vstack"] = (torch.hstack([torch.tensor([1]), torch.tensor([2, 3])]), torch.vstack([torch.tensor([1, 2]), torch.tensor([3, 4])]))
    r["dstack_column"] = (torch.dstack([a[0], a[1]]).shape, torch.column_stack([torch.tensor([1, 2]), torch.tensor([[3], [4]])]))
    v = torch.tensor([3, 1, 2, 3, 3, 1, 7])
    r["unique"] = torch.unique(v, return_inverse=True, return_counts=True)
    r["unique_unsorted_dim"] = torch.unique(torch.tensor([[1, 2], [1, 2], [0, 5]]), dim=0)
    r["unique_consecutive"] = torch.unique_consecutive(v, return_counts=True)
    r["bincount"] = torch.bincount(v, weights=torch.arange(7.) / 2, minlength=9)
    r["histc"] = torch.histc(torch.tensor(randn(50, seed=1)), bins=6, min=-2, max=2)
    r["histogram"] = torch.histogram(torch.tensor(randn(50, seed=1), dtype=torch.float64), bins=4)
    s = torch.tensor([1., 3., 5., 7.])
    q = torch.tensor([0., 3., 6., 9.])
    r["searchsorted"] = (torch.searchsorted(s, q), torch.searchsorted(s, q, right=True))
    r["bucketize"] = torch.bucketize(q, s, right=False, out_int32=True)
    r["clamp_tensors"] = torch.clamp(torch.arange(5.), min=torch.tensor([1., 1., 1., 0., 0.]), max=torch.tensor(3.))
    r["clamp_min_only"] = torch.arange(-2, 3).clamp(min=0)
    r["meshgrid_xy"] = torch.meshgrid(torch.arange(2), torch.arange(3), indexing="xy")
    r["cartesian"] = torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([3, 4, 5]))
    r["combinations"] = torch.combinations(torch.tensor([1, 2, 3]), r=2)
    r["cdist"] = torch.cdist(torch.tensor(randn(3, 2, seed=2)), torch.tensor(randn(4, 2, seed=3)))
    r["kron"] = torch.kron(torch.eye(2), torch.tensor([[1., 2.], [3., 4.]]))
    r["block_diag"] = torch.block_diag(torch.ones(1, 2), torch.tensor([[5]]))
    r["rot90"] = torch.rot90(a[0], 1, (0, 1))
    r["trace"] = torch.trace(a[0].float())
    r["view_as_real"] = torch.view_as_real(torch.tensor([1 + 2j, 3 - 1j]))
    r["atleast"] = (torch.atleast_2d(torch.tensor(1.)).shape, torch.atleast_3d(torch.ones(2)).shape)
    r["scatter_dim1"] = torch.zeros(2, 5).scatter(1, torch.tensor(randint(0, 5, (2, 3), seed=4)), 1.0)
    r["argwhere"] = torch.argwhere(a % 7 == 0)
    r["isin"] = _isin(torch, v, torch.tensor([1, 7]))
    r["diff"] = torch.diff(torch.tensor([1, 4, 9, 16]), n=2, prepend=torch.tensor([0]))
    r["cummax"] = torch.cummax(torch.tensor([1, 3, 2, 5, 4]), 0)
    r["logcumsumexp"] = torch.logcumsumexp(torch.tensor([0., 1., 2.]), 0)
    return r


def _isin(torch, a, b):
    try:
        return torch.isin(a, b)
    except Exception as e:  # noqa: BLE001
        return type(e).__name__
