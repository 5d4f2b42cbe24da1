"""REINFORCE example: Policy with dropout(p=0) and softmax, Categorical(probs) sample replaced by
fixed actions (log_prob, entropy), saved_log_probs list, discounted returns via reversed loop and
insert(0), returns normalisation with eps = np.finfo(np.float32).eps.item(), policy_loss
torch.cat(...).sum(), Adam step; and an actor-critic variant with SmoothL1 value loss and
torch.stack losses."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical
from casekit import init_params, randn, randint, rand

eps = np.finfo(np.float32).eps.item()


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(4, 16)
        self.dropout = nn.Dropout(p=0.0)
        self.affine2 = nn.Linear(16, 2)
        self.value_head = nn.Linear(16, 1)
        self.saved_log_probs, self.rewards = [], []

    def forward(self, x):
        x = F.relu(self.dropout(self.affine1(x)))
        return F.softmax(self.affine2(x), dim=1), self.value_head(x)


def run():
    r = {}
    policy = init_params(Policy(), seed=1)
    optimizer = optim.Adam(policy.parameters(), lr=1e-2)
    gamma = 0.99
    acts = randint(0, 2, (10,), seed=2)
    values = []
    for t in range(10):
        state = torch.from_numpy(randn(4, seed=10 + t)).float().unsqueeze(0)
        probs, v = policy(state)
        m = Categorical(probs)
        s = m.sample()
        r.setdefault("sample_ok", True)
        r["sample_ok"] = r["sample_ok"] and s.shape == (1,) and 0 <= s.item() < 2
        action = torch.tensor([acts[t]])
        policy.saved_log_probs.append(m.log_prob(action))
        values.append(v)
        policy.rewards.append(float(rand(1, seed=30 + t)[0]))
        if t == 0:
            r["entropy0"] = m.entropy()
            r["probs0"] = m.probs
    R = 0
    returns = []
    for rr in policy.rewards[::-1]:
        R = rr + gamma * R
        returns.insert(0, R)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)
    r["returns"] = returns
    policy_loss = []
    value_losses = []
    for log_prob, R, v in zip(policy.saved_log_probs, returns, values):
        policy_loss.append(-log_prob * (R - v.item()))
        value_losses.append(F.smooth_l1_loss(v, torch.tensor([[R]])))
    optimizer.zero_grad()
    loss = torch.cat(policy_loss).sum() + torch.stack(value_losses).sum()
    loss.backward()
    optimizer.step()
    r["loss"] = loss
    r["w2"] = policy.affine2.weight
    r["grad_v"] = policy.value_head.weight.grad
    del policy.rewards[:]
    del policy.saved_log_probs[:]
    r["cleared"] = (len(policy.rewards), len(policy.saved_log_probs))
    c = Categorical(logits=torch.tensor([[0.1, 2.0, -1.0], [0.0, 0.0, 0.0]]))
    r["cat_logits_probs"] = c.probs
    r["cat_logp"] = c.log_prob(torch.tensor([1, 2]))
    r["cat_shapes"] = (c.batch_shape, c.event_shape, c.sample((5,)).shape)
    return r
