"""Basics tutorials 'Build the neural network' + 'Optimizing model parameters': NeuralNetwork with
nn.Flatten + nn.Sequential(Linear, ReLU, ...), nn.Softmax(dim=1) on logits, argmax prediction,
printing the model (repr), named_parameters sizes and param[:2], layer-by-layer walk
(flatten, Linear, ReLU); train_loop/test_loop with size = len(dataloader.dataset),
loss.item() formatting, (pred.argmax(1) == y).type(torch.float).sum().item()."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from casekit import init_params, rand, randint


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(8 * 8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 10))

    def forward(self, x):
        x = self.flatten(x)
        return self.linear_relu_stack(x)


def train_loop(dataloader, model, loss_fn, optimizer, log):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if batch % 2 == 0:
            loss, current = loss.item(), batch * dataloader.batch_size + len(X)
            log.append(f"loss: {loss:.4f}  [{current:>5d}/{size:>5d}]")


def test_loop(dataloader, model, loss_fn):
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    return f"Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f}"


def run():
    r = {}
    model = init_params(NeuralNetwork(), seed=1, scale=0.2)
    r["repr"] = repr(model)
    X = torch.tensor(rand(1, 8, 8, seed=2))
    logits = model(X)
    pred_probab = nn.Softmax(dim=1)(logits)
    r["pred"] = (pred_probab, pred_probab.argmax(1))
    input_image = torch.tensor(rand(3, 8, 8, seed=3))
    flat_image = nn.Flatten()(input_image)
    r["flat"] = flat_image.size()
    layer1 = nn.Linear(in_features=64, out_features=20)
    init_params(layer1, seed=4)
    hidden1 = layer1(flat_image)
    r["relu"] = nn.ReLU()(hidden1)[:, :4]
    r["params"] = [(name, param.size(), param[:2].shape) for name, param in model.named_parameters()]
    ds = TensorDataset(torch.tensor(rand(20, 8, 8, seed=5)), torch.tensor(randint(0, 10, (20,), seed=6)))
    dl = DataLoader(ds, batch_size=6)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    log = []
    for t in range(2):
        train_loop(dl, model, loss_fn, optimizer, log)
        log.append(test_loop(dl, model, loss_fn))
    r["log"] = log
    return r
