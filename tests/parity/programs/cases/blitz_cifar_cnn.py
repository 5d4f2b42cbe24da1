"""60-minute blitz CIFAR-10 classifier: the Net (conv-pool-conv-pool-fc x3 with torch.flatten),
CrossEntropyLoss, SGD(momentum=0.9) 3 steps on synthetic 32x32 batches, running loss with
.item(), save state_dict to PATH, load into a new Net, predict with torch.max(outputs, 1),
accuracy via (predicted == labels).sum().item() and per-class counts."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from casekit import init_params, randn, randint


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def run():
    r = {}
    net = init_params(Net(), seed=1, scale=0.1)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    running_loss = 0.0
    for i in range(3):
        inputs = torch.tensor(randn(4, 3, 32, 32, seed=10 + i))
        labels = torch.tensor(randint(0, 10, (4,), seed=20 + i))
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        r["loss_%d" % i] = loss
    r["running_loss"] = running_loss
    PATH = "./cifar_net.pth"
    torch.save(net.state_dict(), PATH)
    net2 = Net()
    res = net2.load_state_dict(torch.load(PATH, weights_only=True))
    r["load_res"] = (list(res.missing_keys), list(res.unexpected_keys))
    images = torch.tensor(randn(8, 3, 32, 32, seed=5))
    labels = torch.tensor(randint(0, 10, (8,), seed=6))
    correct = 0
    total = 0
    with torch.no_grad():
        outputs = net2(images)
        _, predicted = torch.max(outputs, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()
    r["outputs"] = outputs
    r["predicted"] = predicted
    r["acc"] = (correct, total, 100 * correct // total)
    counts = {c: 0 for c in range(10)}
    for label, prediction in zip(labels, predicted):
        if label == prediction:
            counts[int(label)] += 1
    r["counts"] = counts
    r["state_keys"] = list(net2.state_dict().keys())
    r["n_params"] = sum(p.numel() for p in net2.parameters() if p.requires_grad)
    return r
