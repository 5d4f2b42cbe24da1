"""Knowledge distillation: teacher in eval/no_grad, student logits, temperature-scaled
KLDivLoss(batchmean, log_target True/False), soft-target cross_entropy with probabilities,
label_smoothing, combined loss, Adam step; F.kl_div reductions."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, randn, randint

RTOL = 1e-4
ATOL = 1e-5


def run():
    r = {}
    teacher = init_params(nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 4)), seed=1)
    student = init_params(nn.Sequential(nn.Linear(5, 4)), seed=2)
    opt = torch.optim.Adam(student.parameters(), lr=0.01)
    x = torch.tensor(randn(6, 5, seed=3))
    y = torch.tensor(randint(0, 4, (6,), seed=4))
    teacher.eval()
    T = 3.0
    for step in range(2):
        with torch.no_grad():
            t_logits = teacher(x)
        s_logits = student(x)
        soft = nn.KLDivLoss(reduction="batchmean")(F.log_softmax(s_logits / T, 1), F.softmax(t_logits / T, 1)) * T * T
        soft_lt = nn.KLDivLoss(reduction="batchmean", log_target=True)(
            F.log_softmax(s_logits / T, 1), F.log_softmax(t_logits / T, 1)) * T * T
        hard = F.cross_entropy(s_logits, y, label_smoothing=0.1)
        loss = 0.7 * soft + 0.3 * hard
        opt.zero_grad()
        loss.backward()
        opt.step()
        r["soft%d" % step] = soft
        r["soft_lt%d" % step] = soft_lt
        r["hard%d" % step] = hard
    r["student_w"] = student[0].weight
    r["ce_prob_targets"] = F.cross_entropy(s_logits, F.softmax(t_logits, 1))
    r["ce_prob_targets_ls"] = F.cross_entropy(s_logits, F.softmax(t_logits, 1), label_smoothing=0.2, reduction="none")
    lp, tg = F.log_softmax(s_logits, 1), F.softmax(t_logits, 1)
    for red in ("none", "sum", "mean", "batchmean"):
        r["kl_" + red] = F.kl_div(lp, tg, reduction=red)
    r["teacher_training"] = teacher.training
    return r
