"""``torch.func.stack_module_state``: the model-ensembling tutorial stacks the parameters and
buffers of several same-shaped modules to ``vmap`` one functional model over them."""
from __future__ import annotations


def stack_module_state(models):
    """Stack the parameters and buffers of ``models`` (same structure) along a new dim 0.

    Returns:
        (params, buffers): dicts name -> stacked tensor.  Stacked parameters are new leaves
        that require grad when the originals do; buffers are stacked as they are.
    """
    from .. import stack
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if not (all(m.training for m in models) or all(not m.training for m in models)):
        raise RuntimeError("stack_module_state: Expected all models to have the same training/"
                           "eval mode.")
    kinds = {type(m) for m in models}
    if len(kinds) > 1:
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    names = [n for n, _ in models[0].named_parameters()]
    params = {}
    for n in names:
        ps = [dict(m.named_parameters())[n] for m in models]
        params[n] = stack([p.detach() for p in ps]).requires_grad_(ps[0].requires_grad)
    buffers = {n: stack([dict(m.named_buffers())[n] for m in models])
               for n, _ in models[0].named_buffers()}
    return params, buffers
