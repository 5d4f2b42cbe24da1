"""Stochastic weight averaging and EMA: torch.optim.swa_utils.AveragedModel (default mean,
get_ema_multi_avg_fn, custom avg_fn), SWALR annealing trajectory, update_bn on a loader,
n_averaged buffer, module attribute of the averaged model."""
import torch
import torch.nn as nn
from torch.optim.swa_utils import AveragedModel, SWALR, update_bn, get_ema_multi_avg_fn
from casekit import init_params, randn


def run():
    r = {}
    model = init_params(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)), seed=1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    swa = AveragedModel(model)
    ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
    custom = AveragedModel(model, avg_fn=lambda avg, p, n: 0.5 * avg + 0.5 * p)
    sched = SWALR(opt, swa_lr=0.02, anneal_epochs=3, anneal_strategy="linear")
    x = torch.tensor(randn(8, 3, seed=2))
    y = torch.tensor(randn(8, 1, seed=3))
    lrs = []
    for _ in range(4):
        loss = ((model(x) - y) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        swa.update_parameters(model)
        ema.update_parameters(model)
        custom.update_parameters(model)
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    r["swalr"] = lrs
    r["n_averaged"] = swa.n_averaged
    r["swa_w"] = swa.module[0].weight
    r["ema_w"] = ema.module[0].weight
    r["custom_w"] = custom.module[2].weight
    loader = [(x[:4],), (x[4:],)]
    update_bn(loader, swa)
    r["bn_mean"] = swa.module[1].running_mean
    r["bn_var"] = swa.module[1].running_var
    swa.eval()
    r["swa_out"] = swa(x)
    r["sd_keys"] = list(swa.state_dict().keys())
    cos = SWALR(torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0), swa_lr=0.1, anneal_epochs=4)
    seq = []
    for _ in range(5):
        seq.append(cos.get_last_lr()[0])
        cos.optimizer.step()
        cos.step()
    r["swalr_cos"] = seq
    return r
