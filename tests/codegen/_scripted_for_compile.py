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
