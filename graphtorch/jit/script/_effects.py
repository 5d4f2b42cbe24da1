"""``print`` and f-strings in scripted code: printed on every call, as TorchScript does.

``print(...)`` records a ``Print`` node (a side effect the interpreter runs each time the
graph runs; passes never remove or move it): its ``template`` holds the text with a ``{}``
placeholder per traced tensor or symbolic size, which are its inputs.  An f-string that
formats such a value is a ``LazyStr``: an ordinary ``str`` with the trace-time text (any other
use sees that), which ``print`` turns back into its template and values."""
from __future__ import annotations

from ...eager.tensor import Tensor
from ...ir import symbolic as S
from .._tracer import source_line
from ._context import replay, staged, tracer
from ._numbers import NUMBERS, as_python, is_number

__all__ = ["LazyStr", "fstring", "record_print", "pin_strings"]


class LazyStr(str):
    """An f-string result that formats graph values: ``template`` (``str.format`` syntax)
    and ``values`` (traced tensors / symbolic sizes) give its text when the graph runs."""

    def __new__(cls, text, template, values):
        out = super().__new__(cls, text)
        out.template, out.values = template, list(values)
        return out

    def pin(self):
        """Any use but ``print`` reads the trace-time text: guard the values it shows."""
        vals = object.__getattribute__(self, "values")
        if not vals:
            return
        tr = tracer()
        self.template, self.values = _escape(str.__str__(self)), []
        for v in vals:
            if type(v) is S.SymInt:
                int(v)  # a size guard
            elif tr is not None and tr.lookup(v) is not None:
                tr.on_scalar(v, "numpy")  # a data guard on the formatted tensor

    def __getattribute__(self, name):
        if name not in _OWN:
            object.__getattribute__(self, "pin")()
        return object.__getattribute__(self, name)


_OWN = frozenset({"template", "values", "pin", "__class__", "__dict__"})


def _pinned(name):
    def method(self, *a, **k):
        self.pin()
        return getattr(str, name)(self, *a, **k)
    method.__name__ = name
    return method


for _m in ("__add__", "__radd__", "__mul__", "__rmul__", "__mod__", "__rmod__", "__eq__",
           "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__len__",
           "__getitem__", "__contains__", "__iter__", "__format__", "__reduce_ex__"):
    if hasattr(str, _m):
        setattr(LazyStr, _m, _pinned(_m))


def pin_strings(obj):
    """``obj`` (a function's result) with every LazyStr guarded and made a plain str."""
    if isinstance(obj, LazyStr):
        obj.pin()
        return str.__str__(obj)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*[pin_strings(x) for x in obj])
    if type(obj) in (tuple, list):
        return type(obj)(pin_strings(x) for x in obj)
    if type(obj) is dict:
        return {pin_strings(k): pin_strings(x) for k, x in obj.items()}
    return obj


def _escape(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _dynamic(v) -> bool:
    return type(v) is S.SymInt or (isinstance(v, Tensor) and staged(v))


def fstring(layout, *values):
    """An f-string: ``layout`` is a tuple of literal strings and ``(conversion, spec)``
    pairs (one per formatted value, in order)."""
    text, template, dyn = [], [], []
    it = iter(values)
    for part in layout:
        if isinstance(part, str):
            text.append(part)
            template.append(_escape(part))
            continue
        conv, spec = part
        v = next(it)
        if isinstance(v, LazyStr) and conv is None and not spec:
            text.append(str.__str__(v))
            template.append(v.template)
            dyn.extend(v.values)
            continue
        with replay():  # the trace-time text decides nothing: no guard
            shown = {"s": str, "r": repr, "a": ascii}.get(conv, lambda x: x)(v)
            s = format(shown, spec)
        text.append(s)
        if _dynamic(v) and conv in (None, "s", "r"):
            template.append("{" + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "")
                            + "}")
            dyn.append(v)
        else:
            template.append(_escape(s))
    out = "".join(text)
    return LazyStr(out, "".join(template), dyn) if dyn else out


def _part(a):
    """(template, values) for one argument of print."""
    if isinstance(a, LazyStr):
        return a.template, a.values
    if _dynamic(a):
        return "{!s}", [a]
    if isinstance(a, tuple) and type(a).__name__ == "Size" and any(_dynamic(d) for d in a):
        return "torch.Size([" + ", ".join("{!s}" for _ in a) + "])", list(a)
    return _escape(str(a)), []


def _input(tr, v):
    """The Value printed for ``v``: a number the graph carries as a 0-dim tensor (a loop
    counter) prints as the Python number it is."""
    val = tr.value_of(v)
    if NUMBERS and isinstance(v, Tensor) and is_number(val, NUMBERS[-1]):
        return as_python(tr.graph, val)
    return val


def record_print(args, kwargs) -> bool:
    """Record ``print(*args, **kwargs)`` as a Print node; False (print now, as Python) when
    it has arguments a graph cannot hold (``file=``)."""
    tr = tracer()
    sep, end = kwargs.get("sep", " "), kwargs.get("end", "\n")
    if set(kwargs) - {"sep", "end", "flush"} or not isinstance(sep or "", str) or \
            not isinstance(end or "", str):
        return False
    sep = " " if sep is None else sep
    end = "\n" if end is None else end
    parts, vals = [], []
    for a in args:
        t, v = _part(a)
        parts.append(t)
        vals.extend(v)
    ins = [_input(tr, v) for v in vals]
    tr.graph.create("Print", ins, {"template": _escape(sep).join(parts), "end": end}, [],
                    source=source_line(), scope=tr.scope[-1] if tr.scope else "")
    return True
