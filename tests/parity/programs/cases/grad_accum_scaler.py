"""AMP recipe on CPU + gradient accumulation: torch.amp.GradScaler("cpu", enabled=False) and
torch.cuda.amp.GradScaler(enabled=False) (no-op scaler API: scale, unscale_, step, update,
get_scale, is_enabled, state_dict), accumulation of loss / accum_steps over micro-batches with
optimizer.step every N, clip_grad_norm_ after unscale_, set_to_none zero_grad, and the
equivalence with one full-batch step."""
import torch
import torch.nn as nn
from casekit import init_params, randn


def run():
    r = {}
    x = torch.tensor(randn(8, 5, seed=1))
    y = torch.tensor(randn(8, 1, seed=2))
    m1 = init_params(nn.Linear(5, 1), seed=3)
    m2 = init_params(nn.Linear(5, 1), seed=3)
    o1 = torch.optim.SGD(m1.parameters(), lr=0.1)
    o2 = torch.optim.SGD(m2.parameters(), lr=0.1)
    scaler = torch.amp.GradScaler("cpu", enabled=False)
    r["scaler"] = (scaler.is_enabled(), scaler.get_scale())
    accum = 4
    o1.zero_grad(set_to_none=True)
    for i in range(accum):
        xb, yb = x[2 * i:2 * i + 2], y[2 * i:2 * i + 2]
        with torch.autocast("cpu", enabled=False):
            loss = nn.functional.mse_loss(m1(xb), yb) / accum
        scaler.scale(loss).backward()
    scaler.unscale_(o1)
    r["gnorm"] = nn.utils.clip_grad_norm_(m1.parameters(), 10.0)
    scaler.step(o1)
    scaler.update()
    o2.zero_grad()
    nn.functional.mse_loss(m2(x), y).backward()
    o2.step()
    r["accum_w"] = m1.weight
    r["full_w"] = m2.weight
    r["equal"] = bool(torch.allclose(m1.weight, m2.weight, atol=1e-6))
    r["scaled_is_same"] = scaler.scale(torch.tensor(2.0))
    s2 = torch.cuda.amp.GradScaler(enabled=False) if hasattr(torch.cuda, "amp") else None
    r["cuda_scaler"] = None if s2 is None else s2.is_enabled()
    r["state"] = scaler.state_dict()
    return r
