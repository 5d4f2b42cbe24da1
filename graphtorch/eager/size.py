"""torch.Size: a tuple subclass with PyTorch's repr."""
from __future__ import annotations


class Size(tuple):
    """The shape of a tensor (a tuple of ints), e.g. ``torch.Size([2, 3])``."""

    __slots__ = ()

    def __new__(cls, sizes=()):
        out = []
        for s in sizes:
            if hasattr(s, "__index__") and not isinstance(s, float):
                # ints stay ints (SymInts, which carry a traced size expression, included)
                out.append(s if type(s) is int or not isinstance(s, int) or
                           hasattr(s, "_expr") else int(s))
            else:
                raise TypeError(f"torch.Size() takes an iterable of 'int' (item {len(out)} is "
                                f"'{type(s).__name__}')")
        return super().__new__(cls, out)

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self):
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def __getitem__(self, i):
        r = super().__getitem__(i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __mul__(self, n):
        return Size(tuple(self) * n)

    __rmul__ = __mul__

    def __reduce__(self):
        return (Size, (tuple(self),))
