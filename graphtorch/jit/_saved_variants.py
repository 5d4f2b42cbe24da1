"""Every compiled specialization of a scripted method in a jit.save archive (one per Python
int/float argument value or input signature the module was called with), and the choice among
them when the loaded module is called."""
from __future__ import annotations

from . import _pytree as P

__all__ = ["save_variants", "pick"]


def save_variants(save_trace, zf, tensors, method, modes, latest, variants):
    """The other specializations of a scripted method (one per Python int/float argument
    value or input signature it was called with), so that the loaded module accepts those
    calls too; one that cannot be saved (a Python call) is left out."""
    out = []
    for k, comp in enumerate([c for _, _, c in (variants.items if variants else ())
                              if c is not latest], 1):
        try:
            out.append(save_trace(zf, tensors, method, modes, comp.trace, variant=k))
        except RuntimeError:
            continue
    return out


def pick(comp, alts, norm, canon):
    """The first saved specialization that accepts these arguments (else ``comp``, whose
    entry check then words the error)."""
    flat, spec = P.flatten(norm)
    want = canon(spec)
    for c in [comp] + alts:
        if canon(c.trace.in_spec) != want:
            continue
        try:
            c.check(flat)
        except (RuntimeError, TypeError):
            continue
        return c
    return comp
