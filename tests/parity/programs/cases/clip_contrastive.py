"""CLIP-style contrastive step: two encoders, F.normalize, learnable logit_scale (exp, clamp),
logits = img @ txt.T * scale, symmetric cross-entropy with arange labels, accuracy via argmax,
AdamW with param groups (no weight decay for scale/bias), one step, gradients."""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, randn

RTOL = 1e-4
ATOL = 1e-5


def run():
    r = {}
    img_enc = init_params(nn.Sequential(nn.Linear(6, 8), nn.GELU(), nn.Linear(8, 4)), seed=1)
    txt_enc = init_params(nn.Sequential(nn.Embedding(10, 5), nn.Flatten(), nn.Linear(15, 4)), seed=2)
    logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
    decay, no_decay = [], []
    for m in (img_enc, txt_enc):
        for n, p in m.named_parameters():
            (no_decay if n.endswith("bias") else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.2},
                             {"params": no_decay + [logit_scale], "weight_decay": 0.0}], lr=1e-2)
    imgs = torch.tensor(randn(5, 6, seed=3))
    txt = torch.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1], [2, 4, 8]])
    for step in range(2):
        i = F.normalize(img_enc(imgs), dim=-1)
        t = F.normalize(txt_enc(txt), dim=-1)
        scale = logit_scale.exp().clamp(max=100)
        logits = scale * i @ t.T
        labels = torch.arange(5)
        loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2
        opt.zero_grad()
        loss.backward()
        r["loss%d" % step] = loss
        r["acc%d" % step] = (logits.argmax(1) == labels).float().mean()
        r["g_scale%d" % step] = logit_scale.grad.clone()
        opt.step()
    r["scale_after"] = logit_scale
    r["img_w"] = img_enc[2].weight
    r["emb_w"] = txt_enc[0].weight
    return r
