"""A small model zoo for tracing tests, written against a library (graphtorch or torch) so the
parity tests build the same architectures in both.

Each ``ZOO`` entry maps a name to ``(build(lib) -> module, make_input(lib, batch, seq) -> args
tuple, uses_seq)``.  Inputs are deterministic (a fixed numpy generator seeded from the sizes)
so eager and traced runs, and graphtorch and torch, see the same data."""
from __future__ import annotations

import numpy as np

__all__ = ["ZOO", "build", "example", "copy_weights", "np_input"]


def np_input(shape, seed=0):
    """Deterministic float32 data of ``shape``."""
    rng = np.random.default_rng(seed + 7919 * int(np.prod(shape)))
    return rng.standard_normal(shape).astype(np.float32)


def _t(lib, arr):
    return lib.tensor(arr)


# ------------------------------------------------------------------ models
def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(64, 48), nn.ReLU(), nn.Linear(48, 48),
                         nn.ReLU(), nn.Linear(48, 10))


def mlp_input(lib, batch, seq=None):
    return (_t(lib, np_input((batch, 1, 8, 8))),)


def lenet(lib, image=28):
    """LeNet-5 for ``image`` x ``image`` single-channel inputs (28: MNIST, 32: the original)."""
    nn = lib.nn
    F = nn.functional
    side = ((image - 4) // 2 - 4) // 2

    class LeNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
            self.fc1, self.fc2, self.fc3 = nn.Linear(16 * side * side, 120), nn.Linear(120, 84), \
                nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.flatten(1)
            return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))
    return LeNet()


def lenet_input(lib, batch, seq=None):
    return (_t(lib, np_input((batch, 1, 28, 28))),)


def mnist_net(lib, p=0.25):
    nn = lib.nn
    F = nn.functional

    class MnistNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
            self.bn1 = nn.BatchNorm2d(8)
            self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
            self.bn2 = nn.BatchNorm2d(16)
            self.drop = nn.Dropout(p)
            self.fc = nn.Linear(16 * 7 * 7, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
            x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
            x = self.drop(x.reshape(x.shape[0], -1))
            return F.log_softmax(self.fc(x), dim=1)
    return MnistNet()


def resblock(lib, c=8):
    nn = lib.nn
    F = nn.functional

    class BasicBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(c)
            self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(c)

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            return F.relu(self.bn2(self.conv2(out)) + x)
    return BasicBlock()


def resblock_input(lib, batch, seq=None):
    return (_t(lib, np_input((batch, 8, 10, 10))),)


def lstm(lib):
    nn = lib.nn

    class LSTMModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(6, 12, num_layers=2, batch_first=True)
            self.head = nn.Linear(12, 4)

        def forward(self, x):
            out, (h, c) = self.lstm(x)
            return self.head(out[:, -1]), h
    return LSTMModel()


def lstm_input(lib, batch, seq=5):
    return (_t(lib, np_input((batch, seq, 6))),)


def transformer(lib):
    nn = lib.nn
    return nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, dropout=0.0,
                                      batch_first=True)


def transformer_input(lib, batch, seq=5):
    return (_t(lib, np_input((batch, seq, 16))),)


ZOO = {
    "mlp": (mlp, mlp_input, False),
    "lenet": (lenet, lenet_input, False),
    "mnist": (mnist_net, lenet_input, False),
    "resblock": (resblock, resblock_input, False),
    "lstm": (lstm, lstm_input, True),
    "transformer": (transformer, transformer_input, True),
}

BN_MODELS = ("mnist", "resblock")


def build(name, lib, seed=0):
    """The zoo model ``name`` in ``lib`` with deterministic weights (same for every lib)."""
    m = ZOO[name][0](lib)
    _init(m, lib, seed)
    return m


def example(name, lib, batch, seq=5):
    """Example inputs of zoo model ``name`` at ``batch`` (and ``seq`` for sequence models)."""
    _, make, uses_seq = ZOO[name]
    return make(lib, batch, seq) if uses_seq else make(lib, batch)


def _init(m, lib, seed):
    state = {}
    for i, (k, v) in enumerate(m.state_dict().items()):
        arr = np.asarray(v.detach().numpy() if hasattr(v, "detach") else v)
        if arr.dtype.kind == "f":
            if k.endswith("running_var"):
                arr = 0.5 + np.abs(np_input(arr.shape, seed + i))
            else:
                scale = 1.0 / np.sqrt(max(arr.shape[-1] if arr.ndim > 1 else arr.size, 1))
                arr = np_input(arr.shape, seed + i) * np.float32(scale)
        state[k] = lib.tensor(arr.astype(arr.dtype))
    m.load_state_dict(state)


def copy_weights(src, dst, lib):
    """Copy the state of module ``src`` (any lib) into ``dst`` (built with ``lib``)."""
    state = {k: lib.tensor(np.array(v.detach().numpy() if hasattr(v, "detach") else v))
             for k, v in src.state_dict().items()}
    dst.load_state_dict(state)
