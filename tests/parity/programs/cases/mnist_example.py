"""examples/mnist: Net with Conv2d(1,32,3)->scaled down, Dropout(0.25)/Dropout(0.5) in eval mode
for determinism checks, max_pool2d, flatten, log_softmax; Adadelta(lr=1.0) + StepLR(step_size=1,
gamma=0.7); train loop with F.nll_loss; test loop summing nll_loss(reduction='sum').item() and
pred.eq(target.view_as(pred)).sum().item(); argmax(dim=1, keepdim=True); Dropout2d behaviour."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from casekit import init_params, rand, randint


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, 1)
        self.conv2 = nn.Conv2d(4, 8, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(8 * 5 * 5, 16)
        self.fc2 = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return F.log_softmax(self.fc2(x), dim=1)


def run():
    r = {}
    model = init_params(Net(), seed=1, scale=0.2)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    data = torch.tensor(rand(6, 1, 14, 14, seed=2))
    target = torch.tensor(randint(0, 10, (6,), seed=3))
    for epoch in range(1, 3):
        model.eval()  # dropout off so both frameworks agree
        for batch_idx in range(2):
            d, t = data[batch_idx * 3:(batch_idx + 1) * 3], target[batch_idx * 3:(batch_idx + 1) * 3]
            optimizer.zero_grad()
            output = model(d)
            loss = F.nll_loss(output, t)
            loss.backward()
            optimizer.step()
            r["loss_%d_%d" % (epoch, batch_idx)] = loss.item()
        scheduler.step()
        r["lr_%d" % epoch] = optimizer.param_groups[0]["lr"]
    test_loss, correct = 0, 0
    with torch.no_grad():
        output = model(data)
        test_loss += F.nll_loss(output, target, reduction='sum').item()
        pred = output.argmax(dim=1, keepdim=True)
        correct += pred.eq(target.view_as(pred)).sum().item()
    r["test"] = (test_loss / 6, correct, pred)
    model.train()
    torch.manual_seed(0)
    out = model.dropout2(torch.ones(1000))
    r["dropout_props"] = (bool(((out == 0) | (out == 2)).all()), 350 < int((out == 0).sum()) < 650)
    d2 = nn.Dropout2d(0.5)
    o = d2(torch.ones(2, 50, 3, 3))
    per_ch = o.view(2, 50, 9)
    r["dropout2d_channelwise"] = bool(((per_ch == per_ch[:, :, :1]).all()))
    r["state_keys"] = list(optimizer.state_dict()["state"][0].keys())
    return r
