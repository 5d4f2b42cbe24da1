"""torch.distributions transforms and more families: TransformedDistribution with
AffineTransform/ExpTransform/SigmoidTransform/ComposeTransform (log_prob, log_abs_det_jacobian,
inv), StudentT, Cauchy, Gumbel, HalfNormal, Uniform, Binomial, NegativeBinomial,
OneHotCategorical, Weibull, Pareto, Kumaraswamy, VonMises log_prob, constraints checks."""
import torch
import torch.distributions as D
import torch.distributions.transforms as T
from casekit import rand

RTOL = 1e-4
ATOL = 1e-5


def run():
    r = {}
    base = D.Normal(torch.tensor([0.0, 1.0]), torch.tensor([1.0, 0.5]))
    tr = T.ComposeTransform([T.AffineTransform(1.0, 2.0), T.ExpTransform()])
    td = D.TransformedDistribution(base, [tr])
    y = torch.tensor([0.5, 3.0])
    r["td_log_prob"] = td.log_prob(y)
    r["inv"] = tr.inv(y)
    r["ladj"] = tr.log_abs_det_jacobian(tr.inv(y), y)
    r["sigmoid_td"] = D.TransformedDistribution(base, [T.SigmoidTransform()]).log_prob(torch.tensor([0.3, 0.9]))
    x = torch.tensor(rand(4, seed=1, lo=0.1, hi=3.0))
    r["studentt"] = D.StudentT(torch.tensor(3.0), 0.5, 2.0).log_prob(x)
    r["studentt_mv"] = (D.StudentT(torch.tensor(3.0)).mean, D.StudentT(torch.tensor(3.0)).variance)
    r["cauchy"] = (D.Cauchy(0.0, 1.5).log_prob(x), D.Cauchy(0.0, 1.5).cdf(x), D.Cauchy(0.0, 1.5).entropy())
    r["gumbel"] = (D.Gumbel(1.0, 2.0).log_prob(x), D.Gumbel(1.0, 2.0).mean, D.Gumbel(1.0, 2.0).entropy())
    r["halfnormal"] = (D.HalfNormal(2.0).log_prob(x), D.HalfNormal(2.0).cdf(x), D.HalfNormal(2.0).mean)
    u = D.Uniform(torch.tensor([0.0, -1.0]), torch.tensor([2.0, 1.0]))
    r["uniform"] = (u.log_prob(torch.tensor([1.0, 0.5])), u.entropy(), u.cdf(torch.tensor([0.5, 0.0])), u.variance)
    k = torch.tensor([0.0, 2.0, 5.0])
    r["binomial"] = (D.Binomial(5, probs=torch.tensor(0.3)).log_prob(k), D.Binomial(5, logits=torch.tensor(0.2)).mean)
    r["negbinom"] = (D.NegativeBinomial(3.0, probs=torch.tensor(0.4)).log_prob(k), D.NegativeBinomial(3.0, probs=torch.tensor(0.4)).variance)
    oh = D.OneHotCategorical(probs=torch.tensor([0.2, 0.5, 0.3]))
    r["onehot"] = (oh.log_prob(torch.tensor([0.0, 1.0, 0.0])), oh.entropy(), oh.sample((4,)).sum(-1))
    r["weibull"] = (D.Weibull(2.0, 1.5).log_prob(x), D.Weibull(2.0, 1.5).mean, D.Weibull(2.0, 1.5).entropy())
    r["pareto"] = (D.Pareto(0.5, 3.0).log_prob(x + 0.5), D.Pareto(0.5, 3.0).mean, D.Pareto(0.5, 3.0).entropy())
    r["kumaraswamy"] = (D.Kumaraswamy(2.0, 3.0).log_prob(torch.tensor([0.2, 0.7])), D.Kumaraswamy(2.0, 3.0).mean)
    r["vonmises"] = D.VonMises(0.5, 2.0).log_prob(torch.tensor([0.0, 1.0, -2.0]))
    r["support_check"] = (D.constraints.positive.check(torch.tensor([-1.0, 1.0])),
                          D.constraints.unit_interval.check(torch.tensor([0.5, 1.5])),
                          D.constraints.simplex.check(torch.tensor([0.3, 0.7])))
    bij = D.biject_to(D.constraints.positive)
    r["biject"] = (bij(torch.tensor([-1.0, 2.0])), type(bij).__name__)
    r["validate_err"] = type(_catch(lambda: D.Normal(0.0, -1.0))).__name__
    r["lp_out_of_support"] = _catch(lambda: D.Exponential(1.0).log_prob(torch.tensor(-1.0)))
    return r


def _catch(fn):
    try:
        return fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__
