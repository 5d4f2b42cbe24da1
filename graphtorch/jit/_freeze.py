"""``torch.jit.freeze`` and ``torch.jit.optimize_for_inference``.

Freezing copies an eval-mode compiled module into a new one whose graphs read parameters and
buffers as ``Constant`` nodes (numpy copies taken now) instead of graph inputs, then runs the
inference passes: with the weights known, constant folding and BatchNorm folding can rewrite
them.  As in PyTorch the frozen module has no parameters."""
from __future__ import annotations

import numpy as np

from ..ir.graph import Node, Value
from ._module import ScriptModule, _Compiled
from ._record import Trace

__all__ = ["freeze", "optimize_for_inference", "FREEZE_PASSES"]

# the passes freeze runs, in order (those whose module does not exist yet are skipped)
FREEZE_PASSES = ["inline", "simplify", "constant_fold", "cse", "dce", "bn_fold",
                 "constant_fold", "cse", "dce"]

_EVAL_MSG = ("Freezing is currently only implemented for modules in eval mode. Please call "
             ".eval() on your module before freezing.")


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    """Inline parameters and buffers of an eval-mode ``ScriptModule`` as constants.

    Args:
        mod: a module from ``torch.jit.trace`` (or ``torch.jit.load``), in eval mode.
        preserved_attrs: names of methods (traced with ``trace_module``) or parameters and
            buffers to keep; kept parameters stay real, trainable parameters.
        optimize_numerics: run passes that may change numerics slightly (BatchNorm folding).

    Returns:
        a new frozen ``ScriptModule`` computing the same outputs.
    """
    if not isinstance(mod, ScriptModule):
        raise RuntimeError("Freezing expects a ScriptModule as input. Please use "
                           "torch.jit.script or torch.jit.trace to script your 'nn.Module'.")
    if mod.training:
        raise RuntimeError(_EVAL_MSG)
    passes = FREEZE_PASSES if optimize_numerics else \
        [p for p in FREEZE_PASSES if p != "bn_fold"]
    return _frozen(mod, set(preserved_attrs or ()), passes)


def optimize_for_inference(mod, other_methods=None):
    """Freeze ``mod`` (unless it is frozen already) and run the whole inference pipeline.

    Args:
        mod: an eval-mode ``ScriptModule``.
        other_methods: further method names to keep and optimize besides ``forward``.
    """
    if not mod.__dict__.get("_frozen", False):
        mod = freeze(mod.eval() if isinstance(mod, ScriptModule) else mod,
                     preserved_attrs=other_methods)
    else:
        mod = _frozen(mod, set(other_methods or ()), FREEZE_PASSES)
    for key, comp in list(mod._compiled.items()):
        tr = comp.trace
        mod._compiled[key] = _Compiled(_retrace(tr, _run_passes(tr.graph, None)))
    return mod


def _frozen(mod, preserved, passes):
    from .serialization import RecursiveScriptModule
    out = RecursiveScriptModule(mod.__dict__.get("original_name", type(mod).__name__))
    out.__dict__["_frozen"] = True
    out.training = False
    kept = _keep_state(mod, out, preserved)
    modes = out._modes()
    now = mod._modes()
    sigs = mod.__dict__.get("_sigs") or {}
    for (method, m), comp in mod._compiled.items():
        if m != now or (method != "forward" and method not in preserved):
            continue
        tr = _inline_state(comp.trace, mod, kept)
        tr = _retrace(tr, _run_passes(tr.graph, passes))
        out._compiled[(method, modes)] = _Compiled(tr)
        fn = sigs.get(method) if sigs else getattr(mod._orig, method)
        out._sigs[method] = fn
    if not any(k[0] == "forward" for k in out._compiled):
        raise RuntimeError(f"{out.original_name} has no compiled forward for its current "
                           "training modes: call it once in eval mode before freezing")
    return out


def _keep_state(mod, out, preserved) -> set:
    """Register preserved parameters/buffers on ``out`` (submodules created as needed)."""
    from .serialization import RecursiveScriptModule
    kept = set()
    for name in sorted(preserved):
        owner_path, _, leaf = name.rpartition(".")
        try:
            src = mod.get_submodule(owner_path) if owner_path else mod
        except AttributeError:
            continue
        if leaf not in src._parameters and leaf not in src._buffers:
            continue
        dst = out
        for part in owner_path.split(".") if owner_path else ():
            if part not in dst._modules:
                child = RecursiveScriptModule("Module")
                child.training = False
                dst.add_module(part, child)
            dst = dst._modules[part]
        if leaf in src._parameters:
            dst.register_parameter(leaf, src._parameters[leaf])
        else:
            dst.register_buffer(leaf, src._buffers[leaf])
        kept.add(name)
    return kept


def _inline_state(tr: Trace, mod, kept) -> Trace:
    """A copy of ``tr`` whose state inputs (except ``kept``) are Constant nodes."""
    g = tr.graph.copy()
    tensors = mod._state(tr.state)
    mapping, consts = {}, []
    state_params = g.inputs[tr.n_user:]
    new_state = []
    for name, v, t in zip(tr.state, state_params, tensors):
        if name in kept:
            new_state.append((name, v))
            continue
        node = Node("Constant", (), {"value": np.array(t.detach()._data, copy=True)})
        out = Value(v.name, v.type, node, 0)
        node.outputs.append(out)
        node.owner = g.block
        consts.append(node)
        mapping[v] = out
    g.block.nodes[:0] = consts
    g.replace_uses(mapping)
    params = g.inputs[:tr.n_user] + [v for _, v in new_state]
    g.block.params[:] = params
    for k, p in enumerate(params):
        p.index = k
    # writes into frozen state cannot be kept: drop those outputs, renumber the others
    n_in = tr.n_user
    state_index = {tr.n_user + i: name for i, name in enumerate(tr.state)}
    keep_new = {n: n_in + j for j, (n, _) in enumerate(new_state)}
    outs, wbs = list(g.outputs[:tr.n_out]), []
    for oi, ii in tr.writebacks:
        if ii < n_in:
            target = ii
        elif state_index[ii] in keep_new:
            target = keep_new[state_index[ii]]
        else:
            continue
        wbs.append((len(outs), target))
        outs.append(g.outputs[oi])
    g.block.returns = outs
    return Trace(g, tr.in_spec, tr.out_spec, tr.n_user, [n for n, _ in new_state], tr.n_out,
                 wbs, (False,))


def _retrace(tr: Trace, graph) -> Trace:
    return Trace(graph, tr.in_spec, tr.out_spec, tr.n_user, tr.state, tr.n_out,
                 tr.writebacks, tr.modes)


def _run_passes(graph, names):
    """Run the passes named (None: the whole pipeline) that exist; others are skipped."""
    try:
        from ..ir import passes as PS
    except ImportError:
        return graph
    if names is None:
        return PS.run_pipeline(graph)
    for name in names:
        try:
            fn = PS.get_pass(name)
        except ValueError:  # unknown pass: not written yet
            continue
        if not PS._available(name, fn):
            continue
        graph = PS.run_pipeline(graph, [name])
    return graph
