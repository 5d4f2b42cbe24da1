"""What is torch.nn really: logistic regression from scratch (weights/sqrt(784), log_softmax by
hand, nll via fancy indexing, accuracy), then F.cross_entropy, nn.Module, nn.Linear, optim,
TensorDataset + DataLoader(shuffle=False), get_data/fit loops with validation under no_grad,
Lambda preprocess layer with view, nn.Sequential CNN with AdaptiveAvgPool2d."""
import math
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim
from torch.utils.data import TensorDataset, DataLoader
from casekit import rand, randint, init_params


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def loss_batch(model, loss_func, xb, yb, opt=None):
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
    return loss.item(), len(xb)


def run():
    r = {}
    x_train = torch.tensor(rand(64, 784, seed=1))
    y_train = torch.tensor(randint(0, 10, (64,), seed=2))
    x_valid = torch.tensor(rand(32, 784, seed=3))
    y_valid = torch.tensor(randint(0, 10, (32,), seed=4))
    r["shapes"] = (x_train.shape, y_train.min(), y_train.max())
    weights = torch.tensor(np.random.RandomState(5).randn(784, 10).astype(np.float32)) / math.sqrt(784)
    weights.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)
    model = lambda xb: log_softmax(xb @ weights + bias)
    bs, lr = 16, 0.5
    for i in range(64 // bs):
        xb, yb = x_train[i * bs:(i + 1) * bs], y_train[i * bs:(i + 1) * bs]
        loss = nll(model(xb), yb)
        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()
    r["scratch_loss"] = nll(model(x_train[:bs]), y_train[:bs])
    r["scratch_acc"] = accuracy(model(x_train[:bs]), y_train[:bs])
    r["ce_equal"] = F.cross_entropy(x_train[:bs] @ weights + bias, y_train[:bs])
    train_ds = TensorDataset(x_train, y_train)
    train_dl = DataLoader(train_ds, batch_size=bs)
    valid_dl = DataLoader(TensorDataset(x_valid, y_valid), batch_size=bs * 2)
    r["len_dl"] = (len(train_dl), len(valid_dl), len(train_ds))
    model = nn.Sequential(
        Lambda(lambda x: x.view(-1, 1, 28, 28)),
        nn.Conv2d(1, 4, kernel_size=3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(4, 4, kernel_size=3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(4, 10, kernel_size=3, stride=2, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        Lambda(lambda x: x.view(x.size(0), -1)),
    )
    init_params(model, seed=6, scale=0.3)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for epoch in range(2):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, F.cross_entropy, xb, yb, opt)
        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, F.cross_entropy, xb, yb) for xb, yb in valid_dl])
        r["val_loss_%d" % epoch] = np.sum(np.multiply(losses, nums)) / np.sum(nums)
    r["first_xb"] = next(iter(train_dl))[0][:2, :5]
    return r
