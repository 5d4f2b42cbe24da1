"""Every compiled specialization of a scripted method in a jit.save archive (one per input
signature, or per value of a Python argument compiled on its value: a string, None, or a number
the code needs as a Python value, see ``script/_lifted``), and the choice among them when the
loaded module or function is called."""
from __future__ import annotations

from . import _pytree as P
from ._numargs import decode_numbers, encode_numbers, explain_guards, lift  # noqa: F401

__all__ = ["save_variants", "function_traces", "pick", "encode_numbers", "decode_numbers", "explain_guards"]


def save_variants(save_trace, zf, tensors, method, modes, latest, variants):
    """The other specializations of a scripted method (one per input signature or
    compile-time argument value it was called with), so that the loaded module accepts those
    calls too; one that cannot be saved (a Python call) is left out."""
    out = []
    for k, comp in enumerate([c for _, _, c in (variants.items if variants else ())
                              if c is not latest], 1):
        try:
            out.append(save_trace(zf, tensors, method, modes, comp.trace, variant=k))
        except RuntimeError:
            continue
    return out


def function_traces(save_trace, zf, tensors, fn):
    """The saved traces of a ScriptFunction: the latest compiled variant first, then (for a
    scripted function) the others, e.g. one per value of a number argument it needs as a
    Python value."""
    latest = fn._comp
    return [save_trace(zf, tensors, "forward", (), latest.trace)] + save_variants(
        save_trace, zf, tensors, "forward", (), latest, getattr(fn, "_variants", None))


def pick(comp, alts, norm, canon):
    """The first saved specialization that accepts these arguments (else ``comp``, whose
    entry check then words the error)."""
    for c in [comp, *alts]:
        lifted = lift(norm, c.trace.numbers)  # Python number arguments as 0-dim tensors
        if lifted is None:
            continue
        flat, spec = P.flatten(lifted)
        if canon(c.trace.in_spec) != canon(spec):
            continue
        try:
            c.check(flat)
        except (RuntimeError, TypeError):
            continue
        return c
    return comp
