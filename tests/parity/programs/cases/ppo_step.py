"""PPO update: actor-critic MLP, Categorical(logits) log_prob/entropy, GAE computed backwards
with a Python loop, advantage normalisation (std unbiased), clipped ratio objective
(torch.clamp, torch.min), clipped value loss, clip_grad_norm_, minibatch indices via
torch.arange + chunk, Adam(eps) step."""
import torch
import torch.nn as nn
from torch.distributions import Categorical
from casekit import init_params, randn, randint, rand

RTOL = 1e-4
ATOL = 1e-5


def run():
    r = {}
    body = init_params(nn.Sequential(nn.Linear(4, 16), nn.Tanh()), seed=1)
    pi = init_params(nn.Linear(16, 3), seed=2)
    vf = init_params(nn.Linear(16, 1), seed=3)
    params = list(body.parameters()) + list(pi.parameters()) + list(vf.parameters())
    opt = torch.optim.Adam(params, lr=3e-3, eps=1e-5)
    T = 8
    obs = torch.tensor(randn(T, 4, seed=4))
    acts = torch.tensor(randint(0, 3, (T,), seed=5))
    rew = torch.tensor(rand(T, seed=6))
    done = torch.tensor([0, 0, 1, 0, 0, 0, 1, 0], dtype=torch.float32)
    with torch.no_grad():
        h = body(obs)
        old_logp = Categorical(logits=pi(h)).log_prob(acts)
        values = vf(h).squeeze(-1)
    adv = torch.zeros(T)
    last = 0.0
    for t in reversed(range(T)):
        nv = values[t + 1] if t + 1 < T else torch.tensor(0.0)
        delta = rew[t] + 0.99 * nv * (1 - done[t]) - values[t]
        last = delta + 0.99 * 0.95 * (1 - done[t]) * last
        adv[t] = last
    ret = adv + values
    r["adv"], r["ret"] = adv, ret
    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    for epoch in range(2):
        for mb in torch.arange(T).chunk(2):
            h = body(obs[mb])
            dist = Categorical(logits=pi(h))
            logp = dist.log_prob(acts[mb])
            ratio = (logp - old_logp[mb]).exp()
            s1 = ratio * adv[mb]
            s2 = torch.clamp(ratio, 0.8, 1.2) * adv[mb]
            v = vf(h).squeeze(-1)
            v_clip = values[mb] + (v - values[mb]).clamp(-0.2, 0.2)
            vloss = torch.max((v - ret[mb]) ** 2, (v_clip - ret[mb]) ** 2).mean()
            loss = -torch.min(s1, s2).mean() + 0.5 * vloss - 0.01 * dist.entropy().mean()
            opt.zero_grad()
            loss.backward()
            r["gnorm_%d_%d" % (epoch, int(mb[0]))] = nn.utils.clip_grad_norm_(params, 0.5)
            opt.step()
            r["loss_%d_%d" % (epoch, int(mb[0]))] = loss
    r["pi_w"] = pi.weight
    r["vf_w"] = vf.weight
    return r
