"""Tensor printing: ``repr(t)`` / ``str(t)`` character-identical to PyTorch's, and the print
options (torch.set_printoptions, torch._tensor_str.PRINT_OPTS).

The formatter works on host numpy arrays: floats are widened to float64 (exact for every
supported float type), so Python's float formatting gives the same digits PyTorch prints."""
from __future__ import annotations

import contextlib
import dataclasses
import math
import sys

import numpy as np

from ..ops import dtypes as D

__all__ = ["PRINT_OPTS", "set_printoptions", "get_printoptions", "printoptions",
           "tensor_repr"]


@dataclasses.dataclass
class __PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = __PrinterOptions()

_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80),
             "full": (4, math.inf, 3, 80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set options for printing tensors.

    Args:
        precision: digits after the decimal point for floats (default 4).
        threshold: number of elements above which the output is summarized (default 1000).
        edgeitems: items shown at each end of a summarized dimension (default 3).
        linewidth: characters per line before wrapping (default 80).
        profile: ``"default"``, ``"short"`` or ``"full"``; the other arguments override it.
        sci_mode: force (True) or forbid (False) scientific notation; None chooses per tensor.
    """
    if profile is not None and profile in _PROFILES:
        (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems,
         PRINT_OPTS.linewidth) = _PROFILES[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    # as in PyTorch, every call resets sci_mode (None unless given)
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current print options as a dict."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Context manager that sets print options temporarily."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


# ---------------------------------------------------------------------------- formatter
class _Formatter:
    """Decides int mode / scientific mode and the column width from the (summarized) values."""

    def __init__(self, arr: np.ndarray, floating: bool):
        self.floating_dtype = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = arr.reshape(-1)
        if not floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(f"{v}"))
            return
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return
        absv = np.abs(vals)
        vmin, vmax = float(absv.min()), float(absv.max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = vmax / vmin > 1000.0 or vmax > 1.0e8 or vmin < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        p = PRINT_OPTS.precision
        values = vals.tolist()
        if self.sci_mode:
            width = max(len(f"{v:.{p}e}") for v in values)
        elif self.int_mode:
            width = max(len(f"{v:.0f}") for v in values) + 1
        else:
            width = max(len(f"{v:.{p}f}") for v in values)
        self.max_width = max(self.max_width, width)

    def width(self) -> int:
        return self.max_width

    def format(self, value) -> str:
        if self.floating_dtype:
            p = PRINT_OPTS.precision
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{p}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{p}f}"
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _complex_str(val, f1, f2) -> str:
    real = f1.format(val.real)
    imag = (f2.format(val.imag) + "j").lstrip()
    return real + imag if imag[0] in "+-" else real + "+" + imag


def _summarized(a: np.ndarray) -> np.ndarray:
    """The elements that will be shown when summarizing (they decide the formatting)."""
    e = PRINT_OPTS.edgeitems
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return np.concatenate((a[:e], a[-e:])) if a.shape[0] > 2 * e else a
    if not e:
        return np.empty((0,) * a.ndim, a.dtype)
    rows = list(range(e)) + list(range(a.shape[0] - e, a.shape[0])) \
        if a.shape[0] > 2 * e else range(a.shape[0])
    return np.stack([_summarized(a[i]) for i in rows])


def _vector_str(a, indent, summarize, f1, f2):
    elem_len = f1.width() + 2
    if f2 is not None:
        elem_len += f2.width() + 1
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / elem_len))

    def fmt(vals):
        if f2 is not None:
            return [_complex_str(v, f1, f2) for v in vals]
        return [f1.format(v) for v in vals]

    e = PRINT_OPTS.edgeitems
    if summarize and not e:
        data = ["..."]
    elif summarize and a.shape[0] > 2 * e:
        data = fmt(a[:e].tolist()) + [" ..."] + fmt(a[-e:].tolist())
    else:
        data = fmt(a.tolist())
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nd_str(a, indent, summarize, f1, f2=None):
    if a.ndim == 0:
        v = a.item()
        return _complex_str(v, f1, f2) if f2 is not None else f1.format(v)
    if a.ndim == 1:
        return _vector_str(a, indent, summarize, f1, f2)
    e = PRINT_OPTS.edgeitems
    n = a.shape[0]
    if summarize and n > 2 * e:
        slices = [_nd_str(a[i], indent + 1, summarize, f1, f2) for i in range(e)] + ["..."] + \
            [_nd_str(a[i], indent + 1, summarize, f1, f2) for i in range(n - e, n)]
    else:
        slices = [_nd_str(a[i], indent + 1, summarize, f1, f2) for i in range(n)]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def _host_values(t) -> np.ndarray:
    a = t._data
    if type(a) is not np.ndarray:
        a = a.get()  # cupy -> host
    cat = t._dtype.category
    if cat == D._FLOAT:
        return a.astype(np.float64)
    if cat == D._COMPLEX:
        return a.astype(np.complex128)
    return a


def tensor_str(t, indent: int) -> str:
    """The bracketed contents of ``t`` as PyTorch prints them (no prefix or suffixes)."""
    a = _host_values(t)
    if a.size == 0:
        return "[]"
    summarize = a.size > PRINT_OPTS.threshold
    cat = t._dtype.category
    if cat == D._COMPLEX:
        parts = [_summarized(p) if summarize else p for p in (a.real, a.imag)]
        return _nd_str(a, indent, summarize, _Formatter(parts[0], True),
                       _Formatter(parts[1], True))
    f = _Formatter(_summarized(a) if summarize else a, cat == D._FLOAT)
    return _nd_str(a, indent, summarize, f)


def _add_suffixes(text, suffixes, indent):
    out = [text]
    last = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > PRINT_OPTS.linewidth:
            out.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            out.append(", " + s)
            last += len(s) + 2
    out.append(")")
    return "".join(out)


def _has_default_dtype(dt) -> bool:
    return dt in (D.get_default_dtype(), D.default_complex(), D.int64, D.bool)


def tensor_repr(t, prefix: str | None = None, tensor_contents: str | None = None) -> str:
    """``repr(t)`` exactly as PyTorch writes it.

    Args:
        prefix: the opening text (default ``"tensor("``, or ``"ClassName("`` for subclasses
            other than Parameter); continuation lines are indented by its length.
        tensor_contents: replaces the formatted values when given.
    """
    if prefix is None:
        name = type(t).__name__
        prefix = "tensor(" if name in ("Tensor", "Parameter") else name + "("
    indent = len(prefix)
    suffixes = []
    dev = t.device
    if dev.type != "cpu":
        suffixes.append(f"device='{dev}'")
    dt = t._dtype
    if t._data.size == 0:
        if t._data.ndim != 1:
            suffixes.append("size=" + str(tuple(t._data.shape)))
        if dt is not D.get_default_dtype():
            suffixes.append(f"dtype={dt!r}")
        body = "[]" if tensor_contents is None else tensor_contents
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + str(tuple(t._data.shape)))
        if not _has_default_dtype(dt):
            suffixes.append(f"dtype={dt!r}")
        body = tensor_str(t, indent) if tensor_contents is None else tensor_contents
    gf = t.grad_fn
    if gf is not None:
        suffixes.append(f"grad_fn=<{type(gf).__name__}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)


# ``import graphtorch._tensor_str`` finds this module, as torch._tensor_str in PyTorch
sys.modules.setdefault("graphtorch._tensor_str", sys.modules[__name__])
