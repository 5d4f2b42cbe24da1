"""repr of modules (nested, Sequential, ModuleList/Dict, extra_repr), named_* listings,
parameter counts."""
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c * 2, 3, stride=2, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(c * 2)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([Block(2), Block(4)])
        self.heads = nn.ModuleDict({"a": nn.Linear(8, 3), "b": nn.Identity()})
        self.seq = nn.Sequential(nn.Flatten(), nn.Dropout(p=0.25), nn.LeakyReLU(0.2))
        self.scale = nn.Parameter(torch.ones(1))
        self.register_buffer("steps", torch.zeros((), dtype=torch.long))

    def forward(self, x):
        return x


def run():
    r = {}
    n = Net()
    r["net"] = repr(n)
    mods = [nn.Linear(3, 4, bias=False), nn.Conv1d(2, 3, 5, dilation=2, groups=1, padding="same"),
            nn.ConvTranspose2d(3, 2, 3, stride=2, output_padding=1), nn.LSTM(3, 4, 2, batch_first=True),
            nn.GRU(3, 4, bidirectional=True), nn.Embedding(10, 3, padding_idx=0),
            nn.MaxPool2d(2), nn.AvgPool2d(3, stride=1, padding=1), nn.Softmax(dim=-1),
            nn.LayerNorm(4), nn.GroupNorm(2, 4), nn.Dropout2d(), nn.GELU(approximate="tanh"),
            nn.Upsample(scale_factor=2, mode="nearest"), nn.MultiheadAttention(4, 2),
            nn.CrossEntropyLoss(), nn.Hardtanh(-2, 2), nn.ELU(alpha=0.5), nn.AdaptiveAvgPool2d(1),
            nn.Unflatten(1, (2, 2)), nn.PReLU(), nn.Bilinear(2, 3, 4), nn.EmbeddingBag(5, 2),
            nn.TransformerEncoderLayer(4, 2, 8)]
    r["mods"] = [repr(m) for m in mods]
    r["named_modules"] = [k for k, _ in n.named_modules()]
    r["named_parameters"] = [(k, tuple(p.shape)) for k, p in n.named_parameters()]
    r["named_buffers"] = [k for k, _ in n.named_buffers()]
    r["state_dict_keys"] = list(n.state_dict().keys())
    r["num_params"] = sum(p.numel() for p in n.parameters())
    r["trainable"] = sum(p.numel() for p in n.parameters() if p.requires_grad)
    r["children"] = [type(c).__name__ for c in n.children()]
    r["seq_index"] = repr(n.seq[1:])
    r["seq_len"] = len(n.seq)
    r["moduledict_keys"] = list(n.heads.keys())
    r["get_submodule"] = repr(n.get_submodule("blocks.1.conv"))
    r["get_parameter"] = tuple(n.get_parameter("heads.a.weight").shape)
    return r
