"""A scripted function with data-dependent control flow, for the torch.compile tests (the
script compiler reads source from a file)."""
import graphtorch as torch


@torch.jit.script
def halve_until_small(x):
    while x.abs().max() > 1.0:
        x = x * 0.5
    if x.sum() > 0:
        x = x + 1
    return x


class RecurrentSum(torch.nn.Module):
    """A hand-written recurrence over the sequence (a Loop with a symbolic trip count) with a
    data-dependent branch per step (an If inside the Loop)."""

    def __init__(self):
        super().__init__()
        self.cell = torch.nn.Linear(8, 8)

    def forward(self, x):
        h = torch.zeros(x.size(0), 8)
        for t in range(x.size(1)):
            h = torch.tanh(self.cell(h) + x[:, t])
            if h.mean() > 0.1:
                h = h * 0.5
        return h


@torch.jit.script
def noisy_double(x):
    print("step")
    return x * 2
