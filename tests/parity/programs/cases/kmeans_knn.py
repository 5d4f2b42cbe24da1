"""Clustering/kNN with tensor ops (common tutorial snippets): k-means with torch.cdist, argmin,
scatter_add_/index_add_ centroid sums and bincount counts, convergence check with torch.allclose;
kNN classifier with cdist + topk(largest=False) + mode voting; pairwise cosine similarity via
F.normalize and mm; torch.unique(return_counts=True) and sort."""
import torch
import torch.nn.functional as F
from casekit import randn, randint


def run():
    r = {}
    pts = torch.cat([torch.tensor(randn(10, 2, seed=1)) + 3, torch.tensor(randn(10, 2, seed=2)) - 3,
                     torch.tensor(randn(10, 2, seed=3)) * 0.5])
    k = 3
    cent = pts[torch.tensor([0, 10, 20])].clone()
    for it in range(10):
        d = torch.cdist(pts, cent)
        assign = d.argmin(1)
        sums = torch.zeros_like(cent).index_add_(0, assign, pts)
        counts = torch.bincount(assign, minlength=k).clamp(min=1).unsqueeze(1)
        new = sums / counts
        if torch.allclose(new, cent):
            break
        cent = new
    r["iters"] = it
    r["centroids"] = cent
    r["assign"] = assign
    alt = torch.zeros(k, 2).scatter_add_(0, assign.unsqueeze(1).expand(-1, 2), pts)
    r["scatter_same"] = bool(torch.allclose(alt, sums))
    q = torch.tensor(randn(5, 2, seed=4)) * 3
    dist = torch.cdist(q, pts)
    knn_d, knn_i = dist.topk(4, dim=1, largest=False)
    votes = assign[knn_i]
    r["knn"] = (knn_d, knn_i, votes.mode(dim=1).values)
    emb = torch.tensor(randn(4, 6, seed=5))
    n = F.normalize(emb, dim=1)
    r["cos"] = n @ n.t()
    r["cos_fn"] = F.cosine_similarity(emb.unsqueeze(1), emb.unsqueeze(0), dim=-1)
    labels = torch.tensor(randint(0, 4, (15,), seed=6))
    r["unique"] = torch.unique(labels, return_counts=True, return_inverse=True)
    r["sorted"] = torch.sort(labels, stable=True)
    return r
