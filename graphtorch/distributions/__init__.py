"""torch.distributions: parameterizable probability distributions and sampling functions.

Distributions follow PyTorch's API (batch_shape/event_shape, sample/rsample, log_prob,
cdf/icdf, mean/mode/variance/stddev, entropy, enumerate_support, expand, argument
validation) and are built on graphtorch tensor ops, so log-densities are differentiable.
Samples come from graphtorch's default generator (``torch.manual_seed``)."""
from __future__ import annotations

from . import constraints, transforms, utils  # noqa: F401
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .chi2 import Chi2
from .cauchy import Cauchy
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .gumbel import Gumbel
from .half_normal import HalfCauchy, HalfNormal
from .geometric import Geometric
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .log_normal import LogNormal
from .mixture_same_family import MixtureSameFamily
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .negative_binomial import NegativeBinomial
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .pareto import Pareto, Weibull
from .poisson import Poisson
from .studentT import StudentT
from .transformed_distribution import TransformedDistribution
from .transforms import (AbsTransform, AffineTransform, ComposeTransform, ExpTransform,
                         PowerTransform, SigmoidTransform, TanhTransform, Transform)
from .uniform import Uniform

__all__ = ["AbsTransform", "AffineTransform", "Bernoulli", "Beta", "Binomial", "Categorical",
           "Cauchy", "Chi2", "ComposeTransform", "Dirichlet", "Distribution", "ExpTransform",
           "Exponential", "ExponentialFamily", "Gamma", "Geometric", "Gumbel", "HalfCauchy",
           "HalfNormal", "Independent", "Laplace", "LogNormal", "MixtureSameFamily",
           "Multinomial", "MultivariateNormal", "NegativeBinomial", "Normal",
           "OneHotCategorical", "Pareto", "Poisson", "PowerTransform", "SigmoidTransform",
           "StudentT", "TanhTransform", "Transform", "TransformedDistribution", "Uniform",
           "Weibull", "constraints", "kl_divergence", "register_kl", "transforms"]
