"""Default initialisation draws from the same distributions as PyTorch's (compared by
statistics of large layers), nn.init initialisers, and small networks (the seeds' LeNet and
MNIST-style net) whose loss falls when trained on synthetic data."""
import numpy as np
import pytest

import graphtorch as gt


def _stats(t):
    a = t.detach().numpy().astype(np.float64).ravel()
    return a.mean(), a.std(), a.min(), a.max()


LAYERS = [("Linear", (400, 300), {}), ("Conv2d", (16, 32, 5), {}),
          ("Embedding", (500, 64), {}), ("LSTM", (64, 128), {}), ("GRU", (64, 128), {}),
          ("Bilinear", (20, 30, 40), {}), ("MultiheadAttention", (128, 4), {}),
          ("ConvTranspose2d", (32, 16, 3), {}), ("PReLU", (), {})]


@pytest.mark.parametrize("name,args,kw", LAYERS, ids=[l[0] for l in LAYERS])
def test_default_init_statistics_match_torch(name, args, kw):
    torch = pytest.importorskip("torch")
    gt.manual_seed(0)  # statistics of random draws: the same draws on every run and order
    torch.manual_seed(0)
    gm = getattr(gt.nn, name)(*args, **kw)
    tm = getattr(torch.nn, name)(*args, **kw)
    gp, tp = dict(gm.named_parameters()), dict(tm.named_parameters())
    assert list(gp) == list(tp)
    for k in gp:
        assert tuple(gp[k].shape) == tuple(tp[k].shape), k
        gs, ts = _stats(gp[k]), _stats(tp[k])
        n = gp[k].numel()
        if ts[1] == 0:  # constant initialisation (zeros / ones / 0.25)
            assert gs == pytest.approx(ts), k
            continue
        tol = 6 * ts[1] / np.sqrt(n)
        assert abs(gs[0] - ts[0]) < tol + 1e-12, (k, gs, ts)
        assert gs[1] == pytest.approx(ts[1], rel=0.1 + 3 / np.sqrt(n)), (k, gs, ts)
        spread = ts[3] - ts[2]
        # the sample range is a stable statistic only for large tensors from bounded
        # distributions (uniform: a range of 3.5 std; a normal's extremes wander by ~0.3 std)
        if n >= 1000 and spread < 4 * ts[1]:
            assert gs[2] >= ts[2] - 0.1 * spread and gs[3] <= ts[3] + 0.1 * spread, (k, gs, ts)


def test_init_functions_distributions():
    gt.manual_seed(0)
    w = gt.empty(300, 400)
    gt.nn.init.xavier_uniform_(w)
    bound = np.sqrt(6 / 700)
    assert w.abs().max().item() <= bound and w.std().item() == pytest.approx(bound / np.sqrt(3),
                                                                              rel=0.05)
    gt.nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert w.std().item() == pytest.approx(np.sqrt(2 / 300), rel=0.05)
    gt.nn.init.trunc_normal_(w, std=1.0, a=-1.0, b=1.0)
    assert w.abs().max().item() <= 1.0
    gt.nn.init.orthogonal_(w)
    np.testing.assert_allclose(w.numpy() @ w.numpy().T, np.eye(300), atol=1e-5)
    assert gt.nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(np.sqrt(2 / 1.04))
    d = gt.empty(4, 2, 3, 3)
    gt.nn.init.dirac_(d)
    assert d.sum().item() == 2 and d[1, 1, 1, 1].item() == 1


def _blobs(n=256, d=1 * 28 * 28, classes=10, seed=0):
    rng = np.random.RandomState(seed)
    centers = rng.randn(classes, d).astype(np.float32)
    y = rng.randint(0, classes, n)
    x = centers[y] + 0.5 * rng.randn(n, d).astype(np.float32)
    return gt.tensor(x.reshape(n, 1, 28, 28)), gt.tensor(y)


class LeNet(gt.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = gt.nn.Conv2d(1, 6, 5)
        self.conv2 = gt.nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = gt.nn.Linear(256, 120), gt.nn.Linear(120, 84), \
            gt.nn.Linear(84, 10)

    def forward(self, x):
        x = gt.nn.functional.max_pool2d(gt.relu(self.conv1(x)), 2)
        x = gt.nn.functional.max_pool2d(gt.relu(self.conv2(x)), 2)
        x = x.flatten(1)
        return self.fc3(gt.relu(self.fc2(gt.relu(self.fc1(x)))))


class MnistNet(gt.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = gt.nn.Conv2d(1, 8, 3, 1)
        self.conv2 = gt.nn.Conv2d(8, 16, 3, 1)
        self.dropout1, self.dropout2 = gt.nn.Dropout(0.25), gt.nn.Dropout(0.5)
        self.fc1, self.fc2 = gt.nn.Linear(2304, 32), gt.nn.Linear(32, 10)

    def forward(self, x):
        x = gt.nn.functional.max_pool2d(gt.relu(self.conv2(gt.relu(self.conv1(x)))), 2)
        x = self.dropout1(x).flatten(1)
        x = self.dropout2(gt.relu(self.fc1(x)))
        return gt.nn.functional.log_softmax(self.fc2(x), dim=1)


@pytest.mark.parametrize("net,loss_fn,opt,epochs", [
    (LeNet, gt.nn.CrossEntropyLoss(), lambda p: gt.optim.SGD(p, lr=0.05, momentum=0.9), 30),
    (MnistNet, gt.nn.functional.nll_loss, lambda p: gt.optim.Adadelta(p, lr=1.0), 12),
])
def test_seed_networks_train(net, loss_fn, opt, epochs):
    gt.manual_seed(0)
    x, y = _blobs(n=128)
    model = net()
    optimizer = opt(model.parameters())
    losses = []
    for epoch in range(epochs):
        for i in range(0, 128, 64):
            optimizer.zero_grad()
            loss = loss_fn(model(x[i:i + 64]), y[i:i + 64])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    assert np.mean(losses[-4:]) < 0.5 * np.mean(losses[:4]), losses


def test_lenet_training_trajectory_matches_torch():
    """Same weights, data and optimizer in both frameworks: the losses agree step by step."""
    torch = pytest.importorskip("torch")
    x, y = _blobs(n=128)
    xs, ys = x.numpy(), y.numpy()
    g_model = LeNet()

    class TLeNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = torch.nn.Conv2d(1, 6, 5), torch.nn.Conv2d(6, 16, 5)
            self.fc1, self.fc2 = torch.nn.Linear(256, 120), torch.nn.Linear(120, 84)
            self.fc3 = torch.nn.Linear(84, 10)

        def forward(self, x):
            x = torch.nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
            x = torch.nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
            x = x.flatten(1)
            return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))
    t_model = TLeNet()
    t_model.load_state_dict({k: torch.tensor(v.numpy()) for k, v in
                             g_model.state_dict().items()})
    runs = []
    for lib, model in ((gt, g_model), (torch, t_model)):
        opt = lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        losses = []
        for i in range(0, 128, 32):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(lib.tensor(xs[i:i + 32])),
                                                   lib.tensor(ys[i:i + 32]))
            loss.backward()
            opt.step()
            losses.append(loss.item())
        runs.append(losses)
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-4)
