"""Evaluation loop idioms: model.eval() + torch.no_grad(), accuracy via argmax/eq/float/mean,
top-k accuracy, confusion matrix via bincount, running averages with .item(), softmax
probabilities, precision/recall with sum over masks, torch.max with dim on logits."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from casekit import init_params, randn, randint


def run():
    r = {}
    model = init_params(nn.Sequential(nn.Linear(6, 10), nn.ReLU(), nn.Dropout(0.5), nn.Linear(10, 4)), seed=1)
    X = torch.tensor(randn(23, 6, seed=2))
    Y = torch.tensor(randint(0, 4, (23,), seed=3))
    loader = DataLoader(TensorDataset(X, Y), batch_size=5)
    model.eval()
    correct, total, loss_sum = 0, 0, 0.0
    top2 = 0
    preds, labels = [], []
    crit = nn.CrossEntropyLoss(reduction="sum")
    with torch.no_grad():
        for xb, yb in loader:
            logits = model(xb)
            loss_sum += crit(logits, yb).item()
            _, pred = torch.max(logits, 1)
            correct += (pred == yb).sum().item()
            total += yb.size(0)
            top2 += (logits.topk(2, dim=1).indices == yb.unsqueeze(1)).any(1).sum().item()
            preds.append(pred)
            labels.append(yb)
    r["acc"] = correct / total
    r["top2"] = top2 / total
    r["avg_loss"] = loss_sum / total
    p, l = torch.cat(preds), torch.cat(labels)
    cm = torch.bincount(l * 4 + p, minlength=16).reshape(4, 4)
    r["confusion"] = cm
    tp = cm.diag().float()
    r["precision"] = tp / cm.sum(0).clamp(min=1)
    r["recall"] = tp / cm.sum(1).clamp(min=1)
    r["acc_float"] = (p == l).float().mean()
    probs = torch.softmax(model(X), dim=-1)
    r["probs_rowsum"] = probs.sum(-1)
    r["max_prob"] = probs.max(dim=1).values
    r["types"] = (type(correct).__name__, type(loss_sum).__name__)
    r["argmax_keep"] = probs.argmax(dim=1, keepdim=True)
    r["grad_disabled_out"] = model(X).requires_grad
    return r
