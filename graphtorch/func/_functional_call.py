"""torch.func.functional_call: call a module with some parameters/buffers replaced."""
from __future__ import annotations

__all__ = ["functional_call"]


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """``module(*args, **kwargs)`` with its parameters and buffers taken from the given dict
    (or tuple of dicts) by qualified name; the module is unchanged afterwards.

    Args:
        strict: every parameter and buffer must be given.
    """
    dicts = parameter_and_buffer_dicts
    if isinstance(dicts, dict):
        merged = dict(dicts)
    else:
        merged = {}
        for d in dicts:
            dup = set(merged) & set(d)
            if dup:
                raise ValueError(f"{sorted(dup)} appeared in multiple dictionaries; behavior "
                                 "of functional call is ambiguous")
            merged.update(d)
    if strict:
        names = {n for n, _ in module.named_parameters()} | {n for n, _ in
                                                              module.named_buffers()}
        missing = sorted(names - set(merged))
        if missing:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n"
                               f"\tMissing key(s): {', '.join(map(repr, missing))}.")
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    saved = []
    try:
        for name, value in merged.items():
            owner, _, leaf = name.rpartition(".")
            mod = module.get_submodule(owner) if owner else module
            store = mod._parameters if leaf in mod._parameters else \
                mod._buffers if leaf in mod._buffers else None
            if store is None:
                saved.append((mod, leaf, None, mod.__dict__.get(leaf, _MISSING)))
                mod.__dict__[leaf] = value
            else:
                saved.append((mod, leaf, store, store[leaf]))
                store[leaf] = value
        return module(*args, **(kwargs or {}))
    finally:
        for mod, leaf, store, old in reversed(saved):
            if store is not None:
                store[leaf] = old
            elif old is _MISSING:
                del mod.__dict__[leaf]
            else:
                mod.__dict__[leaf] = old


_MISSING = object()
