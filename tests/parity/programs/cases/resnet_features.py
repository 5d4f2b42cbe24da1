"""ResNet-style blocks with skip connections and downsampling, BatchNorm in eval,
feature extraction via forward hooks and nn.Sequential slicing, freezing a backbone, and
fine-tuning only the head; global average pooling via mean and adaptive pool."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from casekit import init_params, rand, randint


class Basic(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        idt = x if self.down is None else self.down(x)
        out = F.relu(self.b1(self.c1(x)), inplace=True)
        out = self.b2(self.c2(out))
        out += idt
        return F.relu(out)


def run():
    r = {}
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                        Basic(4, 4, 1), Basic(4, 8, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                        nn.Linear(8, 3))
    init_params(net, seed=1, scale=0.3)
    x = torch.tensor(rand(2, 3, 9, 9, seed=2))
    net.train()
    for _ in range(2):
        net(x)
    r["running_mean"] = net[4].b1.running_mean
    net.eval()
    feats = {}
    net[4].register_forward_hook(lambda m, i, o: feats.__setitem__("b2", o))
    out = net(x)
    r["out"] = out
    r["feat"] = feats["b2"]
    r["backbone"] = net[:5](x).mean((2, 3))
    for p in net[:7].parameters():
        p.requires_grad = False
    opt = torch.optim.SGD(filter(lambda p: p.requires_grad, net.parameters()), lr=0.5, momentum=0.9)
    y = torch.tensor(randint(0, 3, (2,), seed=3))
    for _ in range(2):
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()
    r["head_w"] = net[7].weight
    r["backbone_grad_none"] = all(p.grad is None for p in net[:7].parameters())
    r["n_trainable"] = sum(p.numel() for p in net.parameters() if p.requires_grad)
    return r
