"""torch.distributed: not provided yet (``is_available()`` is False, as in PyTorch builds
without distributed support)."""


def is_available() -> bool:
    return False
