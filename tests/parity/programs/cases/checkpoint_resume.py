"""Saving and loading a general checkpoint tutorial: dict with epoch, model_state_dict,
optimizer_state_dict (SGD momentum), loss; torch.save to file, torch.load(weights_only=True),
model.load_state_dict + optimizer.load_state_dict, resume training gives identical results to an
uninterrupted run; named_parameters / state_dict key order; strict=False partial loading into a
different model (missing/unexpected keys), saving multiple models in one dict, map_location."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from casekit import init_params, randn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.fc1 = nn.Linear(4 * 3 * 3, 5)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn(self.conv1(x))), 2)
        return self.fc1(torch.flatten(x, 1))


class Bigger(Net):
    def __init__(self):
        super().__init__()
        self.fc2 = nn.Linear(5, 2)


def train(model, opt, steps, start):
    for i in range(start, start + steps):
        x = torch.tensor(randn(2, 3, 8, 8, seed=i))
        loss = model(x).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss


def run():
    r = {}
    net = init_params(Net(), seed=1)
    opt = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    loss = train(net, opt, 2, 0)
    torch.save({'epoch': 2, 'model_state_dict': net.state_dict(),
                'optimizer_state_dict': opt.state_dict(), 'loss': loss}, "ckpt.pt")
    final_a = train(net, opt, 2, 2)
    r["uninterrupted"] = (final_a, net.fc1.weight[0])
    model = Net()
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    checkpoint = torch.load("ckpt.pt", weights_only=True)
    model.load_state_dict(checkpoint['model_state_dict'])
    optimizer.load_state_dict(checkpoint['optimizer_state_dict'])
    r["ckpt_meta"] = (checkpoint['epoch'], checkpoint['loss'])
    r["opt_lr"] = optimizer.param_groups[0]['lr']
    r["momentum_keys"] = sorted(optimizer.state_dict()['state'].keys())
    model.train()
    final_b = train(model, optimizer, 2, 2)
    r["resumed"] = (final_b, model.fc1.weight[0])
    r["same"] = bool(torch.allclose(net.fc1.weight, model.fc1.weight))
    r["sd_keys"] = list(model.state_dict().keys())
    r["bn_tracked"] = model.bn.num_batches_tracked
    big = Bigger()
    res = big.load_state_dict(model.state_dict(), strict=False)
    r["strict_false"] = (res.missing_keys, res.unexpected_keys)
    res2 = Net().load_state_dict(init_params(Bigger(), seed=3).state_dict(), strict=False)
    r["unexpected"] = res2.unexpected_keys
    try:
        Net().load_state_dict(big.state_dict())
        r["strict_err"] = "no error"
    except RuntimeError as e:
        r["strict_err"] = ("RuntimeError", "Unexpected key(s)" in str(e))
    torch.save({'modelA': model.state_dict(), 'modelB': big.state_dict()}, "both.pt")
    both = torch.load("both.pt", map_location=torch.device('cpu'))
    r["both"] = sorted(both.keys())
    r["param_names"] = [n for n, p in big.named_parameters()]
    return r
