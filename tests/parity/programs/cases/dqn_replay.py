"""DQN tutorial: namedtuple Transition, ReplayMemory(deque maxlen) with deterministic sampling,
policy/target nets, target.load_state_dict(policy.state_dict()), epsilon schedule via
math.exp, select_action with max(1).indices.view(1,1), non_final_mask from map/tuple,
torch.cat of batch fields, gather(1, action_batch), target max(1).values under no_grad,
SmoothL1Loss, clip_grad_value_(100), AdamW(amsgrad=True), soft update of target state_dict."""
import math
import random
from collections import namedtuple, deque
import torch
import torch.nn as nn
import torch.optim as optim
from casekit import init_params, randn, rand

Transition = namedtuple('Transition', ('state', 'action', 'next_state', 'reward'))


class ReplayMemory:
    def __init__(self, capacity):
        self.memory = deque([], maxlen=capacity)

    def push(self, *args):
        self.memory.append(Transition(*args))

    def sample(self, batch_size, rng):
        return rng.sample(list(self.memory), batch_size)

    def __len__(self):
        return len(self.memory)


class DQN(nn.Module):
    def __init__(self, n_observations, n_actions):
        super().__init__()
        self.layer1 = nn.Linear(n_observations, 16)
        self.layer2 = nn.Linear(16, 16)
        self.layer3 = nn.Linear(16, n_actions)

    def forward(self, x):
        x = torch.relu(self.layer1(x))
        x = torch.relu(self.layer2(x))
        return self.layer3(x)


def run():
    r = {}
    GAMMA, EPS_START, EPS_END, EPS_DECAY, TAU = 0.99, 0.9, 0.05, 1000, 0.005
    policy = init_params(DQN(4, 2), seed=1)
    target = DQN(4, 2)
    target.load_state_dict(policy.state_dict())
    optimizer = optim.AdamW(policy.parameters(), lr=1e-3, amsgrad=True)
    memory = ReplayMemory(20)
    rng = random.Random(0)
    eps = []
    steps_done = 0
    for i in range(24):
        state = torch.tensor(randn(4, seed=i)).unsqueeze(0)
        eps_threshold = EPS_END + (EPS_START - EPS_END) * math.exp(-1. * steps_done / EPS_DECAY)
        eps.append(eps_threshold)
        steps_done += 1
        with torch.no_grad():
            action = policy(state).max(1).indices.view(1, 1)
        nxt = None if i % 7 == 6 else torch.tensor(randn(4, seed=100 + i)).unsqueeze(0)
        reward = torch.tensor([float(rand(1, seed=200 + i)[0])])
        memory.push(state, action, nxt, reward)
    r["eps"] = eps[-1]
    r["len_mem"] = len(memory)
    criterion = nn.SmoothL1Loss()
    for step in range(3):
        transitions = memory.sample(8, rng)
        batch = Transition(*zip(*transitions))
        non_final_mask = torch.tensor(tuple(map(lambda s: s is not None, batch.next_state)), dtype=torch.bool)
        non_final_next_states = torch.cat([s for s in batch.next_state if s is not None])
        state_batch = torch.cat(batch.state)
        action_batch = torch.cat(batch.action)
        reward_batch = torch.cat(batch.reward)
        state_action_values = policy(state_batch).gather(1, action_batch)
        next_state_values = torch.zeros(8)
        with torch.no_grad():
            next_state_values[non_final_mask] = target(non_final_next_states).max(1).values
        expected = (next_state_values * GAMMA) + reward_batch
        loss = criterion(state_action_values, expected.unsqueeze(1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_value_(policy.parameters(), 100)
        optimizer.step()
        r["loss_%d" % step] = loss
        r["mask_%d" % step] = non_final_mask
        tsd = target.state_dict()
        psd = policy.state_dict()
        for key in psd:
            tsd[key] = psd[key] * TAU + tsd[key] * (1 - TAU)
        target.load_state_dict(tsd)
    r["target_w"] = target.layer3.weight
    r["policy_w"] = policy.layer3.weight
    r["amsgrad_state"] = sorted(optimizer.state[policy.layer3.weight].keys())
    return r
