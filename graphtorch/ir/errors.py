"""Exception types the IR runtime raises, shared by every backend."""
from __future__ import annotations

__all__ = ["GuardError"]


class GuardError(RuntimeError):
    """A guard recorded while tracing does not hold for this call: a size or a data value the
    trace specialized on differs now.  It is a RuntimeError (what PyTorch users catch); callers
    that can capture again (``torch.compile``) catch this type instead of parsing messages."""
