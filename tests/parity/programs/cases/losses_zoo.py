"""Loss functions with weights/reductions: BCEWithLogits(pos_weight), NLL(weight,
ignore_index), SmoothL1(beta), Huber, KLDiv(log_target), MarginRanking, TripletMargin,
CosineEmbedding, MultiLabelSoftMargin, PoissonNLL, GaussianNLL, HingeEmbedding, MultiMargin,
CE with probabilities; gradients."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import rand, randint, randn


def run():
    r = {}
    x = torch.tensor(randn(5, 4, seed=1), requires_grad=True)
    y01 = torch.tensor(rand(5, 4, seed=2))
    yi = torch.tensor(randint(0, 4, (5,), seed=3))
    tests = {
        "bce_logits_pw": lambda: nn.BCEWithLogitsLoss(pos_weight=torch.tensor([1., 2., 3., .5]))(x, y01),
        "bce": lambda: F.binary_cross_entropy(torch.sigmoid(x), y01, weight=torch.tensor([1., 2., 1., 1.]), reduction="sum"),
        "nll_weight_ignore": lambda: nn.NLLLoss(weight=torch.tensor([1., 2., .5, 1.]), ignore_index=1)(F.log_softmax(x, 1), yi),
        "ce_weight_ls": lambda: F.cross_entropy(x, yi, weight=torch.tensor([1., 2., .5, 1.]), label_smoothing=0.2),
        "ce_probs": lambda: F.cross_entropy(x, torch.softmax(torch.tensor(randn(5, 4, seed=4)), 1)),
        "ce_none": lambda: F.cross_entropy(x, yi, reduction="none"),
        "ce_3d": lambda: F.cross_entropy(x.reshape(1, 5, 4), torch.tensor(randint(0, 5, (1, 4), seed=9))),
        "smooth_l1": lambda: F.smooth_l1_loss(x, y01, beta=0.5),
        "huber": lambda: F.huber_loss(x, y01, delta=0.3, reduction="sum"),
        "kl_logtarget": lambda: F.kl_div(F.log_softmax(x, 1), F.log_softmax(torch.tensor(randn(5, 4, seed=5)), 1), reduction="batchmean", log_target=True),
        "kl": lambda: nn.KLDivLoss(reduction="batchmean")(F.log_softmax(x, 1), torch.softmax(torch.tensor(randn(5, 4, seed=5)), 1)),
        "margin_ranking": lambda: F.margin_ranking_loss(x[:, 0], x[:, 1], torch.tensor([1., -1., 1., 1., -1.]), margin=0.2),
        "triplet": lambda: nn.TripletMarginLoss(margin=1.0, p=2, swap=True)(x[:2], x[2:4], x[3:5]),
        "cosine_emb": lambda: F.cosine_embedding_loss(x[:3], x[2:], torch.tensor([1, -1, 1]), margin=0.1),
        "multilabel_soft": lambda: F.multilabel_soft_margin_loss(x, (y01 > 0.5).float()),
        "poisson": lambda: F.poisson_nll_loss(x, y01 * 3, log_input=True, full=True),
        "gaussian": lambda: F.gaussian_nll_loss(x, y01, torch.tensor(rand(5, 4, seed=6, lo=0.5, hi=1.5)), full=True),
        "hinge": lambda: F.hinge_embedding_loss(x, torch.tensor(randint(0, 2, (5, 4), seed=7)) * 2 - 1, margin=0.5),
        "multi_margin": lambda: F.multi_margin_loss(x, yi, p=2, margin=0.5),
        "soft_margin": lambda: F.soft_margin_loss(x, torch.sign(torch.tensor(randn(5, 4, seed=8)))),
        "l1_mean": lambda: nn.L1Loss()(x, y01),
        "mse_sum": lambda: nn.MSELoss(reduction="sum")(x, y01),
    }
    for k, fn in tests.items():
        x.grad = None
        out = fn()
        out.sum().backward()
        r[k] = out
        r[k + "_grad"] = x.grad
    return r
