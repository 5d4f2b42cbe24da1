"""Training-script boilerplate: device selection, .to(device), autocast on CPU with bfloat16,
GradScaler (disabled on CPU), gradient accumulation over micro-batches, set_detect_anomaly,
full backward hooks for activations/gradients, torch.backends flags."""
import torch
import torch.nn as nn
from casekit import init_params, randn, randint


def run():
    r = {}
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    r["device"] = device
    r["mps"] = hasattr(torch.backends, "mps") and torch.backends.mps.is_available()
    m = init_params(nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3)), seed=1).to(device)
    x = torch.tensor(randn(8, 6, seed=2)).to(device, non_blocking=True)
    y = torch.tensor(randint(0, 3, (8,), seed=3)).to(device)
    r["param_device"] = next(m.parameters()).device
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        out = m(x)
        r["autocast_dtype"] = out.dtype
        r["autocast_enabled"] = torch.is_autocast_enabled("cpu") if _takes_arg() else True
    r["autocast_out"] = out.float()
    r["after_autocast"] = m(x).dtype
    scaler = torch.amp.GradScaler("cpu", enabled=False)
    opt = torch.optim.SGD(m.parameters(), lr=0.1)
    acts, grads = [], []
    h1 = m[1].register_forward_hook(lambda mod, i, o: acts.append(o.detach().clone()))
    h2 = m[2].register_full_backward_hook(lambda mod, gi, go: grads.append(go[0].clone()))
    accum = 4
    opt.zero_grad()
    for k in range(accum):
        xb, yb = x[k * 2:(k + 1) * 2], y[k * 2:(k + 1) * 2]
        loss = nn.functional.cross_entropy(m(xb), yb) / accum
        scaler.scale(loss).backward()
    scaler.step(opt)
    scaler.update()
    h1.remove(); h2.remove()
    r["accum_weight"] = m[0].weight
    r["n_acts"] = len(acts)
    r["acts0"] = acts[0]
    r["grads_out"] = torch.cat(grads)
    r["scale"] = scaler.get_scale() if scaler.is_enabled() else 1.0
    with torch.autograd.set_detect_anomaly(True):
        z = torch.tensor([1.0, 2.0], requires_grad=True)
        (z * z).sum().backward()
    r["anomaly_grad"] = z.grad
    r["anomaly_enabled_after"] = torch.is_anomaly_enabled()
    r["cudnn_flag"] = isinstance(torch.backends.cudnn.benchmark, bool)
    torch.backends.cudnn.deterministic = True
    torch.use_deterministic_algorithms(False)
    r["det"] = torch.are_deterministic_algorithms_enabled()
    r["num_threads_pos"] = torch.get_num_threads() > 0
    return r


def _takes_arg():
    try:
        torch.is_autocast_enabled("cpu")
        return True
    except TypeError:
        return False
