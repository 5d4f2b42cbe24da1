"""Metric-learning step: embedding net + F.normalize, torch.cdist (p=1,2,inf), hard-negative
mining, TripletMarginLoss(p, swap, margin), TripletMarginWithDistanceLoss, CosineEmbeddingLoss,
HingeEmbeddingLoss, MultiMarginLoss, contrastive loss by hand; one SGD step."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, randn

RTOL = 1e-3
ATOL = 1e-5


def run():
    r = {}
    net = init_params(nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 4)), seed=1)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    xa = torch.tensor(randn(5, 6, seed=2))
    xp = xa + 0.1 * torch.tensor(randn(5, 6, seed=3))
    xn = torch.tensor(randn(5, 6, seed=4))
    a, p, n = (F.normalize(net(t), dim=1) for t in (xa, xp, xn))
    r["norms"] = a.norm(dim=1)
    d = torch.cdist(a, n)
    r["cdist2"] = d
    r["cdist1"] = torch.cdist(a, n, p=1)
    r["cdist_inf"] = torch.cdist(a, n, p=float("inf"))
    r["hard_neg"] = d.argmin(dim=1)
    tl = nn.TripletMarginLoss(margin=0.5, p=2, swap=True)
    r["triplet_swap"] = tl(a, p, n)
    r["triplet_p1_none"] = F.triplet_margin_loss(a, p, n, p=1, reduction="none")
    twd = nn.TripletMarginWithDistanceLoss(distance_function=lambda x, y: 1 - F.cosine_similarity(x, y), margin=0.3)
    r["triplet_dist"] = twd(a, p, n)
    y = torch.tensor([1, -1, 1, -1, 1])
    r["cos_emb"] = nn.CosineEmbeddingLoss(margin=0.2)(a, n, y)
    r["hinge_emb"] = nn.HingeEmbeddingLoss(margin=1.0)(d.diagonal(), y.float())
    r["multi_margin"] = nn.MultiMarginLoss(p=1, margin=0.5)(d, torch.tensor([0, 1, 2, 3, 4]))
    r["multi_margin_p2w"] = F.multi_margin_loss(d, torch.tensor([4, 3, 2, 1, 0]), p=2, weight=torch.arange(1., 6.))
    lab = torch.tensor([1., 0., 1., 0., 1.])
    dist = F.pairwise_distance(a, n)
    contr = (lab * dist ** 2 + (1 - lab) * F.relu(1.0 - dist) ** 2).mean()
    loss = r["triplet_swap"] + contr + r["cos_emb"]
    opt.zero_grad()
    loss.backward()
    r["grad0"] = net[0].weight.grad
    opt.step()
    r["w_after"] = net[2].weight
    return r
