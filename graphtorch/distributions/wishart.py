"""torch.distributions.Wishart."""
from __future__ import annotations

import math
import warnings
from numbers import Number

import graphtorch as torch

from . import constraints
from .chi2 import Chi2
from .exp_family import ExponentialFamily
from .lkj_cholesky import _mvlgamma
from .multivariate_normal import _precision_to_scale_tril
from .utils import lazy_property

__all__ = ["Wishart"]

_LOG_2 = math.log(2)


def _mvdigamma(x, p):
    """The multivariate digamma function: sum_i digamma(x - i/2), i < p."""
    result = 0
    for i in range(p):
        result = result + torch.digamma(x - i / 2)
    return result


class Wishart(ExponentialFamily):
    """Wishart distribution over positive-definite matrices with ``df`` degrees of freedom
    and a scale matrix given by one of ``covariance_matrix``, ``precision_matrix`` or
    ``scale_tril``.  Samples use the Bartlett decomposition (reparameterized).

    Args:
        df (float or Tensor): degrees of freedom, greater than (dimension - 1).
        covariance_matrix (Tensor): positive-definite scale matrix.
        precision_matrix (Tensor): positive-definite inverse of the scale matrix.
        scale_tril (Tensor): lower-triangular factor of the scale matrix.
    """

    support = constraints.positive_definite
    has_rsample = True
    _mean_carrier_measure = 0

    def __init__(self, df, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args=None):
        given = [m is not None for m in (covariance_matrix, precision_matrix, scale_tril)]
        if sum(given) != 1:
            # torch asserts this, so the type is AssertionError
            raise AssertionError("Exactly one of covariance_matrix or precision_matrix or "
                                 "scale_tril may be specified.")
        param = next(m for m in (covariance_matrix, precision_matrix, scale_tril)
                     if m is not None)
        if param.dim() < 2:
            raise ValueError("scale_tril must be at least two-dimensional, with optional "
                             "leading batch dimensions")
        if isinstance(df, Number):
            batch_shape = torch.Size(param.shape[:-2])
            self.df = torch.tensor(df, dtype=param.dtype, device=param.device)
        else:
            batch_shape = torch.broadcast_shapes(param.shape[:-2], df.shape)
            self.df = df.expand(batch_shape)
        event_shape = param.shape[-2:]
        if bool(self.df.le(event_shape[-1] - 1).any()):
            raise ValueError(f"Value of df={df} expected to be greater than "
                             f"ndim - 1 = {event_shape[-1] - 1}.")
        full = tuple(batch_shape) + (-1, -1)
        if scale_tril is not None:
            self.scale_tril = param.expand(full)
        elif covariance_matrix is not None:
            self.covariance_matrix = param.expand(full)
        else:
            self.precision_matrix = param.expand(full)
        self.arg_constraints["df"] = constraints.greater_than(event_shape[-1] - 1)
        if self.df.lt(event_shape[-1]).any():
            warnings.warn("Low df values detected. Singular samples are highly likely to "
                          "occur for ndim - 1 < df < ndim.")
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        self._batch_dims = [-(x + 1) for x in range(len(self._batch_shape))]
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = torch.linalg.cholesky(covariance_matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(precision_matrix)
        p = self._event_shape[-1]
        # Bartlett: the squared diagonal of the factor is chi2(df - i)
        steps = torch.arange(p, dtype=self.df.dtype, device=self.df.device)
        self._dist_chi2 = Chi2(df=self.df.unsqueeze(-1) - steps.expand(tuple(batch_shape) + (-1,)))

    @lazy_property
    def arg_constraints(self):
        return {"covariance_matrix": constraints.positive_definite,
                "precision_matrix": constraints.positive_definite,
                "scale_tril": constraints.lower_cholesky}

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Wishart, _instance)
        batch_shape = torch.Size(batch_shape)
        cov_shape = tuple(batch_shape) + tuple(self.event_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril.expand(cov_shape)
        new.df = self.df.expand(batch_shape)
        new._batch_dims = [-(x + 1) for x in range(len(batch_shape))]
        for name in ("covariance_matrix", "scale_tril", "precision_matrix"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(cov_shape))
        new.arg_constraints = dict(self.arg_constraints)
        new._dist_chi2 = self._dist_chi2.expand(tuple(batch_shape) + tuple(self.event_shape[-1:]))
        super(Wishart, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _matrix_shape(self):
        return tuple(self._batch_shape) + tuple(self._event_shape)

    @lazy_property
    def scale_tril(self):
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @lazy_property
    def covariance_matrix(self):
        L = self._unbroadcasted_scale_tril
        return (L @ L.mT).expand(self._matrix_shape())

    @lazy_property
    def precision_matrix(self):
        eye = torch.eye(self._event_shape[-1], dtype=self.df.dtype, device=self.df.device)
        return torch.cholesky_solve(eye, self._unbroadcasted_scale_tril).expand(
            self._matrix_shape())

    def _df_matrix(self, value):
        return value.reshape(tuple(self._batch_shape) + (1, 1))

    @property
    def mean(self):
        return self._df_matrix(self.df) * self.covariance_matrix

    @property
    def mode(self):
        factor = self.df - self.covariance_matrix.shape[-1] - 1
        factor = torch.where(factor <= 0, torch.full_like(factor, float("nan")), factor)
        return self._df_matrix(factor) * self.covariance_matrix

    @property
    def variance(self):
        V = self.covariance_matrix
        diag = V.diagonal(dim1=-2, dim2=-1)
        return self._df_matrix(self.df) * (V.pow(2) + diag.unsqueeze(-1) * diag.unsqueeze(-2))

    def _bartlett_sampling(self, sample_shape=torch.Size()):
        p = self._event_shape[-1]
        tiny = torch.finfo(self.df.dtype).eps
        diag = self._dist_chi2.rsample(sample_shape).sqrt().clamp(min=tiny)
        rows, cols = torch.tril_indices(p, p, offset=-1).unbind(0)
        noise = torch.diag_embed(diag)
        shape = tuple(self._extended_shape(sample_shape))
        lower = torch.zeros(shape, dtype=diag.dtype, device=diag.device)
        lower[..., rows, cols] = torch.randn(shape[:-2] + (p * (p - 1) // 2,),
                                             dtype=diag.dtype, device=diag.device)
        chol = self._unbroadcasted_scale_tril @ (noise + lower)
        return chol @ chol.mT

    def rsample(self, sample_shape=torch.Size(), max_try_correction=None):
        """Bartlett samples; singular ones are redrawn up to ``max_try_correction`` times
        (default 10) and a warning is given if any remain."""
        max_try = 10 if max_try_correction is None else max_try_correction
        sample = self._bartlett_sampling(sample_shape)
        singular = ~constraints.positive_definite.check(sample.detach())
        tries = 0
        while bool(singular.any()) and tries < max_try:
            warnings.warn("Singular sample detected.")
            fresh = self._bartlett_sampling(sample_shape)
            sample = torch.where(singular.reshape(tuple(singular.shape) + (1, 1)), fresh, sample)
            singular = ~constraints.positive_definite.check(sample.detach())
            tries += 1
        return sample

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        nu, p = self.df, self._event_shape[-1]
        log_det_tril = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        trace = torch.cholesky_solve(value, self._unbroadcasted_scale_tril).diagonal(
            dim1=-2, dim2=-1).sum(-1)
        return (-nu * (p * _LOG_2 / 2 + log_det_tril) - _mvlgamma(nu / 2, p)
                + (nu - p - 1) / 2 * torch.linalg.slogdet(value)[1] - trace / 2)

    def entropy(self):
        nu, p = self.df, self._event_shape[-1]
        log_det_tril = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return ((p + 1) * (p * _LOG_2 / 2 + log_det_tril) + _mvlgamma(nu / 2, p)
                - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p) + nu * p / 2)
