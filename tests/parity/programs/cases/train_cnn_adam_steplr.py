"""Small CNN trained 3 steps: Adam(weight_decay) + StepLR + clip_grad_norm_, CrossEntropyLoss."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, rand, randint


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 6, 3, padding=1)
        self.bn = nn.BatchNorm2d(6)
        self.c2 = nn.Conv2d(6, 8, 3, stride=2)
        self.pool = nn.AdaptiveAvgPool2d((2, 2))
        self.fc = nn.Linear(32, 5)

    def forward(self, x):
        x = F.relu(self.bn(self.c1(x)))
        x = F.max_pool2d(x, 2)
        x = F.gelu(self.c2(x))
        x = self.pool(x)
        return self.fc(torch.flatten(x, 1))


def run():
    r = {}
    m = init_params(CNN(), seed=3, scale=0.3)
    x = torch.tensor(rand(4, 3, 11, 11, seed=1))
    y = torch.tensor(randint(0, 5, (4,), seed=2))
    opt = torch.optim.Adam(m.parameters(), lr=0.01, weight_decay=1e-2)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    crit = nn.CrossEntropyLoss()
    losses, norms, lrs = [], [], []
    for _ in range(3):
        opt.zero_grad()
        loss = crit(m(x), y)
        loss.backward()
        norms.append(float(nn.utils.clip_grad_norm_(m.parameters(), max_norm=0.5)))
        opt.step()
        sched.step()
        losses.append(loss.item())
        lrs.append(sched.get_last_lr()[0])
    r["losses"] = losses
    r["norms"] = norms
    r["lrs"] = lrs
    r["params"] = {k: v for k, v in m.state_dict().items()}
    r["num_batches_tracked"] = m.bn.num_batches_tracked
    r["state_step"] = float(opt.state[m.fc.weight]["step"])
    r["exp_avg_sq"] = opt.state[m.fc.weight]["exp_avg_sq"]
    m.eval()
    with torch.no_grad():
        r["eval_out"] = m(x)
    return r
