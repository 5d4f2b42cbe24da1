"""Self-test: sees pristine global state (default dtype, RNG seeded with 0)."""
import torch


def run():
    first = torch.randn(4)
    torch.manual_seed(0)
    return {"default_dtype": torch.get_default_dtype(),
            "seeded_draw": bool(torch.equal(first, torch.randn(4)))}
