"""Self-test: compares values drawn from torch's RNG (what --rng-check must flag)."""
import torch


def run():
    torch.manual_seed(3)
    return {"draw": torch.randn(3), "seed": torch.initial_seed()}
