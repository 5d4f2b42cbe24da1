"""The op registry: one OpDef per op, read by eager dispatch, autograd, the tracer, the IR and
every backend.  Nothing here knows about Tensor; kernels see arrays, meta sees TensorSpecs."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

__all__ = ["OpDef", "Sample", "register", "get", "all_ops", "has"]


@dataclass
class Sample:
    """One valid call of an op: positional inputs (numpy arrays for tensors, or Python values)
    and keyword attributes.  ``grad`` says whether gradcheck applies to this sample."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    grad: bool = True
    name: str = ""


@dataclass(eq=False)
class OpDef:
    """Everything graphtorch knows about one op.

    kernel(xp, *arrays, **attrs) -> array | tuple      the eager implementation (numpy or cupy)
    meta(*specs, **attrs) -> TensorSpec | tuple        output types; raises PyTorch's errors
    vjp(ctx, *grads) -> tuple                          one grad (Tensor or None) per input,
                                                       written with graphtorch ops
    decomp(*inputs, **attrs)                           the op in terms of other ops
    samples(dtype) -> iterable[Sample]                 small valid inputs for the tests
    prepare(args, attrs) -> (arrays, out_dtype|None)   dtype promotion of inputs (pointwise ops)
    """

    name: str
    kernel: Callable
    meta: Callable
    vjp: Optional[Callable] = None
    decomp: Optional[Callable] = None
    samples: Optional[Callable[[Any], Iterable[Sample]]] = None
    prepare: Optional[Callable] = None
    dtypes: tuple = ()
    differentiable: bool = True
    save_output: bool | tuple = False  # or the output positions the vjp reads
    save_inputs: Optional[tuple] = None  # input positions the vjp reads; None = all
    # {input position: positions whose grad reads it}: that input is saved only when one of
    # those inputs requires grad (like PyTorch: x * 2 saves nothing of x, so a later x.add_(1)
    # does not break backward)
    save_if: Optional[dict] = None
    view: Any = False  # True: output aliases input 0; "maybe": aliases when memory is shared
    grad_name: Any = ""  # a str, or fn(attrs) / fn(attrs, inputs) -> str
    num_outputs: int = 1
    nondiff_outputs: tuple = ()
    tags: frozenset = frozenset()
    ufunc: Any = None  # a numpy ufunc computing the op: lets in-place calls write in place
    doc: str = ""

    def __post_init__(self):
        if not self.grad_name:
            self.grad_name = "".join(p.capitalize() for p in self.name.split("_")) + "Backward0"
        if not self.differentiable:
            self.vjp = None

    def __repr__(self):
        return f"<OpDef {self.name}>"


_REGISTRY: dict[str, OpDef] = {}


def register(op: OpDef) -> OpDef:
    """Add ``op`` to the registry; a second op with the same name is an error."""
    if op.name in _REGISTRY:
        raise ValueError(f"op {op.name!r} registered twice")
    _REGISTRY[op.name] = op
    return op


def get(name: str) -> OpDef:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no op named {name!r} in the graphtorch registry") from None


def has(name: str) -> bool:
    return name in _REGISTRY


def all_ops() -> list[OpDef]:
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]
