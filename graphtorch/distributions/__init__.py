"""torch.distributions: parameterizable probability distributions and sampling functions.

Distributions follow PyTorch's API (batch_shape/event_shape, sample/rsample, log_prob,
cdf/icdf, mean/mode/variance/stddev, entropy, enumerate_support, expand, argument
validation) and are built on graphtorch tensor ops, so log-densities are differentiable.
Samples come from graphtorch's default generator (``torch.manual_seed``)."""
from __future__ import annotations

from . import constraint_registry, constraints, transforms, utils  # noqa: F401
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .chi2 import Chi2
from .constraint_registry import biject_to, transform_to
from .continuous_bernoulli import ContinuousBernoulli
from .cauchy import Cauchy
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .fishersnedecor import FisherSnedecor
from .generalized_pareto import GeneralizedPareto
from .gamma import Gamma
from .gumbel import Gumbel
from .half_normal import HalfCauchy, HalfNormal
from .geometric import Geometric
from .independent import Independent
from .inverse_gamma import InverseGamma
from .kl import kl_divergence, register_kl
from .kumaraswamy import Kumaraswamy
from .laplace import Laplace
from .lkj_cholesky import LKJCholesky
from .log_normal import LogNormal
from .logistic_normal import LogisticNormal
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .mixture_same_family import MixtureSameFamily
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .negative_binomial import NegativeBinomial
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .pareto import Pareto, Weibull
from .poisson import Poisson
from .relaxed_bernoulli import LogitRelaxedBernoulli, RelaxedBernoulli
from .relaxed_categorical import ExpRelaxedCategorical, RelaxedOneHotCategorical
from .studentT import StudentT
from .transformed_distribution import TransformedDistribution
from .transforms import *  # noqa: F401,F403 - torch exports every transform here
from .transforms import __all__ as _transform_names
from .uniform import Uniform
from .von_mises import VonMises
from .wishart import Wishart

__all__ = sorted(["Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2",
                  "ContinuousBernoulli", "Dirichlet", "Distribution", "ExpRelaxedCategorical",
                  "Exponential", "ExponentialFamily", "FisherSnedecor", "Gamma",
                  "GeneralizedPareto", "Geometric", "Gumbel", "HalfCauchy", "HalfNormal",
                  "Independent", "InverseGamma", "Kumaraswamy", "LKJCholesky", "Laplace",
                  "LogNormal", "LogisticNormal", "LogitRelaxedBernoulli",
                  "LowRankMultivariateNormal", "MixtureSameFamily", "Multinomial",
                  "MultivariateNormal", "NegativeBinomial", "Normal", "OneHotCategorical",
                  "OneHotCategoricalStraightThrough", "Pareto", "Poisson", "RelaxedBernoulli",
                  "RelaxedOneHotCategorical", "StudentT", "TransformedDistribution", "Uniform",
                  "VonMises", "Weibull", "Wishart", "biject_to", "constraints", "kl_divergence",
                  "register_kl", "transform_to", "transforms"]
                 + list(_transform_names))
