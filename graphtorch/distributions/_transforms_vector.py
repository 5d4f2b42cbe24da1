"""Transforms over vectors and tensor slices: Softmax, StickBreaking, Independent, Reshape,
Cat, Stack, CumulativeDistribution and Softplus (re-exported by transforms.py, as torch
has them)."""
from __future__ import annotations

import math

import graphtorch as torch
import graphtorch.nn.functional as F

from . import constraints
from .transforms import Transform
from .utils import _sum_rightmost

__all__ = ["CatTransform", "CumulativeDistributionTransform", "IndependentTransform",
           "ReshapeTransform", "SoftmaxTransform", "SoftplusTransform", "StackTransform",
           "StickBreakingTransform"]


def _need_vector(shape):
    if len(shape) < 1:
        raise ValueError("Too few dimensions on input")


class SoftmaxTransform(Transform):
    """Real vectors to the simplex by ``exp`` and normalization (not bijective: the inverse
    returns log-probabilities, one representative of each equivalence class)."""

    domain = constraints.real_vector
    codomain = constraints.simplex

    def __eq__(self, other):
        return isinstance(other, SoftmaxTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        # subtracting the max keeps exp finite; the result is unchanged
        probs = (x - x.max(-1, keepdim=True)[0]).exp()
        return probs / probs.sum(-1, keepdim=True)

    def _inverse(self, y):
        return y.log()

    def forward_shape(self, shape):
        _need_vector(shape)
        return shape

    def inverse_shape(self, shape):
        _need_vector(shape)
        return shape


def _stick_offset(x):
    """log of K, K-1, ..., 2 for a K-1 vector: centres the logits so zeros map to the
    uniform point of the simplex."""
    n = x.shape[-1]
    return (n + 1 - torch.ones(n, dtype=x.dtype, device=x.device).cumsum(-1)).log()


class StickBreakingTransform(Transform):
    """Bijection from R^(K-1) to the K-simplex by stick breaking (sigmoid of shifted logits
    take successive fractions of the remaining stick)."""

    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    def __eq__(self, other):
        return isinstance(other, StickBreakingTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        z = torch.sigmoid(x - _stick_offset(x))
        remaining = (1 - z).cumprod(-1)
        return F.pad(z, [0, 1], value=1) * F.pad(remaining, [1, 0], value=1)

    def _inverse(self, y):
        y_crop = y[..., :-1]
        n = y_crop.shape[-1]
        offset = (y.shape[-1] - torch.ones(n, dtype=y.dtype, device=y.device).cumsum(-1)).log()
        rest = (1 - y_crop.cumsum(-1)).clamp(min=torch.finfo(y.dtype).tiny)
        return y_crop.log() - rest.log() + offset

    def log_abs_det_jacobian(self, x, y):
        x = x - _stick_offset(x)
        return (-x + F.logsigmoid(x) + y[..., :-1].log()).sum(-1)

    def forward_shape(self, shape):
        _need_vector(shape)
        return tuple(shape[:-1]) + (shape[-1] + 1,)

    def inverse_shape(self, shape):
        _need_vector(shape)
        return tuple(shape[:-1]) + (shape[-1] - 1,)


class IndependentTransform(Transform):
    """Wrap a transform to treat ``reinterpreted_batch_ndims`` extra right-most dims as event
    dims (the log-det Jacobian is summed over them).

    Args:
        base_transform (Transform): the transform to wrap.
        reinterpreted_batch_ndims (int): the number of batch dims to reinterpret.
    """

    def __init__(self, base_transform, reinterpreted_batch_ndims, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.base_transform = base_transform.with_cache(cache_size)
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return IndependentTransform(self.base_transform, self.reinterpreted_batch_ndims,
                                    cache_size=cache_size)

    @constraints.dependent_property(is_discrete=False)
    def domain(self):
        return constraints.independent(self.base_transform.domain,
                                       self.reinterpreted_batch_ndims)

    @constraints.dependent_property(is_discrete=False)
    def codomain(self):
        return constraints.independent(self.base_transform.codomain,
                                       self.reinterpreted_batch_ndims)

    @property
    def bijective(self):
        return self.base_transform.bijective

    @property
    def sign(self):
        return self.base_transform.sign

    def _call(self, x):
        if x.dim() < self.domain.event_dim:
            raise ValueError("Too few dimensions on input")
        return self.base_transform(x)

    def _inverse(self, y):
        if y.dim() < self.codomain.event_dim:
            raise ValueError("Too few dimensions on input")
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x, y):
        return _sum_rightmost(self.base_transform.log_abs_det_jacobian(x, y),
                              self.reinterpreted_batch_ndims)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.base_transform!r}, " \
               f"{self.reinterpreted_batch_ndims})"

    def forward_shape(self, shape):
        return self.base_transform.forward_shape(shape)

    def inverse_shape(self, shape):
        return self.base_transform.inverse_shape(shape)


class ReshapeTransform(Transform):
    """Reshape the right-most part of a tensor from ``in_shape`` to ``out_shape`` (same numel).

    Args:
        in_shape (torch.Size): the input event shape.
        out_shape (torch.Size): the output event shape.
    """

    bijective = True

    def __init__(self, in_shape, out_shape, cache_size=0):
        self.in_shape = torch.Size(in_shape)
        self.out_shape = torch.Size(out_shape)
        if math.prod(self.in_shape) != math.prod(self.out_shape):
            raise ValueError("in_shape, out_shape have different numbers of elements")
        super().__init__(cache_size=cache_size)

    @constraints.dependent_property
    def domain(self):
        return constraints.independent(constraints.real, len(self.in_shape))

    @constraints.dependent_property
    def codomain(self):
        return constraints.independent(constraints.real, len(self.out_shape))

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return ReshapeTransform(self.in_shape, self.out_shape, cache_size=cache_size)

    def _call(self, x):
        batch = tuple(x.shape[:x.dim() - len(self.in_shape)])
        return x.reshape(batch + tuple(self.out_shape))

    def _inverse(self, y):
        batch = tuple(y.shape[:y.dim() - len(self.out_shape)])
        return y.reshape(batch + tuple(self.in_shape))

    def log_abs_det_jacobian(self, x, y):
        batch = tuple(x.shape[:x.dim() - len(self.in_shape)])
        return x.new_zeros(batch)

    def _reshape(self, shape, src, dst):
        if len(shape) < len(src):
            raise ValueError("Too few dimensions on input")
        cut = len(shape) - len(src)
        if tuple(shape[cut:]) != tuple(src):
            raise ValueError(f"Shape mismatch: expected {tuple(shape[cut:])} but got {tuple(src)}")
        return tuple(shape[:cut]) + tuple(dst)

    def forward_shape(self, shape):
        return self._reshape(shape, self.in_shape, self.out_shape)

    def inverse_shape(self, shape):
        return self._reshape(shape, self.out_shape, self.in_shape)


def _check_tseq(tseq):
    if not all(isinstance(t, Transform) for t in tseq):
        raise TypeError("every element of tseq must be a Transform")


class CatTransform(Transform):
    """Apply a sequence of transforms to consecutive slices (of ``lengths``) along ``dim``
    and concatenate the results.

    Args:
        tseq (list of Transform): the transforms, one per slice.
        dim (int): the dimension to slice.
        lengths (list of int): the slice lengths (default: 1 each).
    """

    def __init__(self, tseq, dim=0, lengths=None, cache_size=0):
        _check_tseq(tseq)
        if cache_size:
            tseq = [t.with_cache(cache_size) for t in tseq]
        super().__init__(cache_size=cache_size)
        self.transforms = list(tseq)
        self.lengths = list(lengths) if lengths is not None else [1] * len(self.transforms)
        if len(self.lengths) != len(self.transforms):
            raise ValueError("lengths must have one entry per transform")
        self.dim = dim

    @property
    def event_dim(self):
        return max(t.event_dim for t in self.transforms)

    @property
    def length(self):
        return sum(self.lengths)

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return CatTransform(self.transforms, self.dim, self.lengths, cache_size)

    def _apply(self, x, fns):
        if not -x.dim() <= self.dim < x.dim() or x.size(self.dim) != self.length:
            raise ValueError(f"CatTransform expects size {self.length} along dim {self.dim}, "
                             f"got shape {tuple(x.shape)}")
        parts, start = [], 0
        for fn, length in zip(fns, self.lengths):
            parts.append(fn(x.narrow(self.dim, start, length)))
            start += length
        return torch.cat(parts, dim=self.dim)

    def _call(self, x):
        return self._apply(x, self.transforms)

    def _inverse(self, y):
        return self._apply(y, [t.inv for t in self.transforms])

    def log_abs_det_jacobian(self, x, y):
        terms, start = [], 0
        for t, length in zip(self.transforms, self.lengths):
            term = t.log_abs_det_jacobian(x.narrow(self.dim, start, length),
                                          y.narrow(self.dim, start, length))
            if t.event_dim < self.event_dim:
                term = _sum_rightmost(term, self.event_dim - t.event_dim)
            terms.append(term)
            start += length
        # the cat dim survives in the result only when it is a batch dim
        dim = (self.dim - x.dim() if self.dim >= 0 else self.dim) + self.event_dim
        if dim < 0:
            return torch.cat(terms, dim=dim)
        return sum(terms[1:], terms[0])

    @property
    def bijective(self):
        return all(t.bijective for t in self.transforms)

    @constraints.dependent_property
    def domain(self):
        return constraints.cat([t.domain for t in self.transforms], self.dim, self.lengths)

    @constraints.dependent_property
    def codomain(self):
        return constraints.cat([t.codomain for t in self.transforms], self.dim, self.lengths)


class StackTransform(Transform):
    """Apply the i-th transform of ``tseq`` to the i-th slice along ``dim`` and stack.

    Args:
        tseq (list of Transform): the transforms, one per slice.
        dim (int): the dimension to slice.
    """

    def __init__(self, tseq, dim=0, cache_size=0):
        _check_tseq(tseq)
        if cache_size:
            tseq = [t.with_cache(cache_size) for t in tseq]
        super().__init__(cache_size=cache_size)
        self.transforms = list(tseq)
        self.dim = dim

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return StackTransform(self.transforms, self.dim, cache_size)

    def _slices(self, z):
        if not -z.dim() <= self.dim < z.dim() or z.size(self.dim) != len(self.transforms):
            raise ValueError(f"StackTransform expects size {len(self.transforms)} along dim "
                             f"{self.dim}, got shape {tuple(z.shape)}")
        return [z.select(self.dim, i) for i in range(z.size(self.dim))]

    def _call(self, x):
        return torch.stack([t(s) for s, t in zip(self._slices(x), self.transforms)],
                           dim=self.dim)

    def _inverse(self, y):
        return torch.stack([t.inv(s) for s, t in zip(self._slices(y), self.transforms)],
                           dim=self.dim)

    def log_abs_det_jacobian(self, x, y):
        return torch.stack([t.log_abs_det_jacobian(xs, ys) for xs, ys, t in
                            zip(self._slices(x), self._slices(y), self.transforms)],
                           dim=self.dim)

    @property
    def bijective(self):
        return all(t.bijective for t in self.transforms)

    @constraints.dependent_property
    def domain(self):
        return constraints.stack([t.domain for t in self.transforms], self.dim)

    @constraints.dependent_property
    def codomain(self):
        return constraints.stack([t.codomain for t in self.transforms], self.dim)


class CumulativeDistributionTransform(Transform):
    """Map a distribution's support to [0, 1] by its CDF (so a Uniform base gives a copula).

    Args:
        distribution (Distribution): a univariate distribution with cdf/icdf/log_prob.
    """

    bijective = True
    codomain = constraints.unit_interval
    sign = +1

    def __init__(self, distribution, cache_size=0):
        super().__init__(cache_size=cache_size)
        self.distribution = distribution

    @property
    def domain(self):
        return self.distribution.support

    def _call(self, x):
        return self.distribution.cdf(x)

    def _inverse(self, y):
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x, y):
        return self.distribution.log_prob(x)

    def with_cache(self, cache_size=1):
        if self._cache_size == cache_size:
            return self
        return CumulativeDistributionTransform(self.distribution, cache_size=cache_size)


class SoftplusTransform(Transform):
    """y = log(1 + exp(x)): the reals onto the positive reals, smoother than exp."""

    domain = constraints.real
    codomain = constraints.positive
    bijective = True
    sign = +1

    def __eq__(self, other):
        return isinstance(other, SoftplusTransform)

    __hash__ = object.__hash__

    def _call(self, x):
        return F.softplus(x)

    def _inverse(self, y):
        # log(exp(y) - 1) = y + log(1 - exp(-y)), finite for large y
        return (-y).expm1().neg().log() + y

    def log_abs_det_jacobian(self, x, y):
        return -F.softplus(-x)
