"""Self-test: changes global framework state (the next program must not see it)."""
import torch


def run():
    torch.set_default_dtype(torch.float64)
    torch.manual_seed(123)
    torch.randn(5)
    return {"default_dtype": torch.get_default_dtype()}
