"""Straight-line Python for the interpreter's plan.

``codegen(interp)`` turns the plan of an ``Interpreter`` into one Python function with a local
variable per Value instead of a slot list: one line per node, ``If`` as ``if``/``else``,
``Loop`` as ``for`` (when it runs exactly its trip count) or ``while``, ``FusionGroup`` bodies
inline.  The per-call overhead is then a few local loads per node, in loop bodies too.  Inputs
that are not Tensors, and any input check that fails, go to the interpreter's generic path
(which words the error); an exception inside a node is re-raised naming that node."""
from __future__ import annotations

import keyword

from ..eager.dispatch import call as _call
from ..eager.tensor import Tensor
from . import prim
from . import symbolic as S
from .graph import Value

__all__ = ["codegen"]

_Expr = S.Expr


def codegen(it):
    """The function ``run(inputs) -> list of outputs`` for Interpreter ``it``."""
    from .interpreter import _reraise, _shape, stack_scan
    nodes: list = []
    ns = {"_call": _call, "_ev": S.evaluate, "_Tensor": Tensor, "_shape": _shape,
          "_reraise": _reraise, "_slow": it._slow, "_NODES": nodes, "_slots": it._slots,
          "_stack_scan": stack_scan, "_inf": float("inf")}
    for i, c in it._consts.items():
        ns[f"v{i}"] = c  # constants are globals of the generated function
    ins = [f"v{s}" for s in it._input_slots]
    lines = ["def _run(inputs):", f"  if len(inputs) != {len(ins)}:", "    return _slow(inputs)"]
    if ins:
        lines.append(f"  {', '.join(ins)}{',' if len(ins) == 1 else ''} = inputs")
    conds, syms = _entry_code(it, ns)
    if conds:
        lines.append("  if " + " or ".join(f"({c})" for c in conds) + ":\n    return _slow(inputs)")
    lines.append("  env = {" + ", ".join(f"{s!r}: {e}" for s, e in syms.items()) + "}")
    lines += ["  _k = 0", "  try:", "    pass"]
    lines += _plan_code(it, it._plan, ns, nodes, "    ", _frees(it))
    lines += ["  except Exception as e:", "    _reraise(e, _NODES[_k])",
              "  return [" + ", ".join(f"v{s}" for s in it._out_slots) + "]"]
    exec(compile("\n".join(lines), f"<graph interpreter {id(it):x}>", "exec"), ns)
    return ns["_run"]


def _frees(it) -> dict:
    """Top-level step index -> slots whose Value is last read there (or never read): the
    generated code drops them right away, as eager code drops a temporary, so the peak
    memory (and the allocator's work on large buffers) matches eager instead of holding every
    intermediate until the call returns."""
    keep = set(it._out_slots) | set(it._input_slots) | set(it._consts)
    last: dict = {}  # only slots a top-level step assigns (never block params, which a
    for j, step in enumerate(it._plan):  # zero-trip loop leaves unassigned)
        for v in _reads(step[7]):
            s = it._slots.get(v)
            if s in last:
                last[s] = j
        for s in step[5]:
            last.setdefault(s, j)  # defined here: dead unless read later
    frees: dict = {}
    for s, j in last.items():
        if s not in keep:
            frees.setdefault(j, []).append(s)
    return frees


def _reads(node):
    """Every Value ``node`` reads: inputs, Values in attributes, and those of nested blocks."""
    out = list(node.inputs)
    for a in node.attrs.values():
        out += [x for x in _flat(a) if type(x) is Value]
    for b in node.blocks:
        for n in b.nodes:
            out += _reads(n)
        out += list(b.returns)
    return out


def _flat(a):
    if type(a) in (list, tuple):
        for x in a:
            yield from _flat(x)
    else:
        yield a


def _plan_code(it, plan, ns, nodes, ind, frees=None) -> list:
    out = []
    for j, step in enumerate(plan):
        node = step[7]
        k = len(nodes)
        nodes.append(node)
        out.append(f"{ind}_k = {k}")
        if node.kind == "If":
            body = _if_code(it, k, step, ns, nodes, ind)
        elif node.kind == "Loop":
            body = _loop_code(it, k, step, ns, nodes, ind)
        elif node.kind == "FusionGroup":
            body = _fusion_code(it, step, ns, nodes, ind)
        else:
            body = [ind + x for x in _step_code(k, step, ns)]
        out += body
        if node.kind in ("If", "Loop", "FusionGroup"):
            out += [ind + x for x in _bind_code(step)]
        if frees and j in frees:
            out.append(f"{ind}del {', '.join(f'v{x}' for x in sorted(frees[j]))}")
    return out


def _tuple_assign(lhs, rhs) -> str:
    """``a, b = x, y`` (simultaneous, so a loop's carried values may swap)."""
    if len(lhs) == 1:
        return f"{lhs[0]} = {rhs[0]}"
    return f"{', '.join(lhs)} = {', '.join(rhs)}"


def _names(slots) -> list:
    return [f"v{s}" for s in slots]


def _if_code(it, k, step, ns, nodes, ind) -> list:
    node, ins, outs = step[7], step[2], step[5]
    lines = [f"{ind}if v{ins[0]}:"]
    for b, (_, plan, rets) in enumerate(it._sub_plans[node]):
        if b == 1:
            lines.append(f"{ind}else:")
        body = _plan_code(it, plan, ns, nodes, ind + "  ")
        if outs:
            body.append(ind + "  " + _tuple_assign(_names(outs), _names(rets)))
        lines += body or [f"{ind}  pass"]
    return lines


def _loop_code(it, k, step, ns, nodes, ind) -> list:
    node, ins, outs = step[7], step[2], step[5]
    ((params, plan, rets),) = it._sub_plans[node]
    nc = len(params) - 1
    carried, nexts, scans = _names(params[1:]), _names(rets[1:1 + nc]), _names(rets[1 + nc:])
    i, n = f"v{params[0]}", f"_n{k}"
    lines = [f"{ind}{n} = v{ins[0]}", f"{ind}{n} = _inf if {n} is None else int({n})"]
    if carried:
        lines.append(ind + _tuple_assign(carried, _names(ins[2:])))
    acc = [f"_s{k}_{j}" for j in range(len(scans))]
    lines += [f"{ind}{a} = []" for a in acc]
    fixed = prim.loop_trip_dim(node) is not None  # runs exactly the trip count
    if fixed:
        lines.append(f"{ind}for {i} in range({n}):")
    else:
        c = f"_c{k}"
        lines += [f"{ind}{c} = bool(v{ins[1]})", f"{ind}{i} = 0",
                  f"{ind}while {i} < {n} and {c}:"]
    body = _plan_code(it, plan, ns, nodes, ind + "  ")
    for a, v in zip(acc, scans):
        body.append(f"{ind}  {a}.append({v})")
    if carried:
        body.append(ind + "  " + _tuple_assign(carried, nexts))
    if not fixed:
        body += [f"{ind}  {c} = bool(v{rets[0]})", f"{ind}  {i} += 1"]
    lines += body or [f"{ind}  pass"]
    if carried:
        lines.append(ind + _tuple_assign(_names(outs[:nc]), carried))
    for j, (a, o) in enumerate(zip(acc, outs[nc:])):
        ns[f"T{k}_{j}"] = node.outputs[nc + j].type
        lines.append(f"{ind}v{o} = _stack_scan({a}, T{k}_{j}, env)")
    return lines


def _fusion_code(it, step, ns, nodes, ind) -> list:
    node, ins, outs = step[7], step[2], step[5]
    ((params, plan, rets),) = it._sub_plans[node]
    lines = [ind + _tuple_assign(_names(params), _names(ins))] if params else []
    lines += _plan_code(it, plan, ns, nodes, ind)
    if outs:
        lines.append(ind + _tuple_assign(_names(outs), _names(rets)))
    return lines


def _bind_code(step) -> list:
    outs, binds = step[5], step[8]
    return [f"env[{name!r}] = _shape(v{outs[oi]})[{d}]" for oi, d, name in binds or ()]


def _entry_code(it, ns):
    conds, syms = [], {}
    for slot, i, name, rank, dims in it._entry:
        v = f"v{slot}"
        conds.append(f"not isinstance({v}, _Tensor)")
        sh = f"s{slot}"
        if all(type(w) is int for _, w in dims):  # static shape: one tuple comparison
            conds.append(f"({sh} := {v}._data.shape) != {tuple(w for _, w in dims)!r}")
            continue
        conds.append(f"len({sh} := {v}._data.shape) != {rank}")
        for d, want in dims:
            s = S.bare_symbol(want)
            if type(want) is int:
                conds.append(f"{sh}[{d}] != {want}")
            elif s is not None and s not in syms:
                syms[s] = f"{sh}[{d}]"
            elif s is not None:
                conds.append(f"{sh}[{d}] != {syms[s]}")
    for slot, i, name, rank, dims in it._entry:  # compound dims once every symbol is bound
        for d, want in dims:
            if type(want) is _Expr and S.bare_symbol(want) is None and \
                    S.free_symbols(want) <= set(syms):
                ns[f"E_in{slot}_{d}"] = want
                env = "{" + ", ".join(f"{k!r}: {e}" for k, e in syms.items()) + "}"
                conds.append(f"s{slot}[{d}] != _ev(E_in{slot}_{d}, {env})")
    return conds, syms


def _step_code(k, step, ns):
    op, fn, ins, attrs, dyn, outs, multi, node, binds = step
    args = [f"v{s}" for s in ins]
    kw = []
    for key, a in node.attrs.items():
        kw.append((key, _attr_code(a, f"A{k}_{len(kw)}", ns)))
    if op is not None:
        ns[f"op{k}"] = op
        if all(key.isidentifier() and not keyword.iskeyword(key) for key, _ in kw):
            call = f"_call(op{k}, {', '.join(args + [f'{a}={c}' for a, c in kw])})"
        else:
            call = f"_call(op{k}, {', '.join(args)}, **{{{_dict(kw)}}})"
    else:
        ns[f"fn{k}"] = fn
        call = f"fn{k}([{', '.join(args)}], {{{_dict(kw)}}}, None, env)"
    lhs = [f"v{s}" for s in outs]
    if not lhs:
        out = [call]
    elif multi == "seq":  # split into one chunk returns a 1-tuple
        out = [f"{lhs[0]} = {call}", f"if type({lhs[0]}) is tuple: {lhs[0]}, = {lhs[0]}"]
    elif multi:
        out = [f"{', '.join(lhs)}{',' if len(lhs) == 1 else ''} = {call}"]
    else:
        out = [f"{lhs[0]} = {call}"]
    return out + _bind_code(step)


def _dict(kw) -> str:
    return ", ".join(f"{k!r}: {c}" for k, c in kw)


def _attr_code(a, name, ns) -> str:
    t = type(a)
    if t is _Expr:
        ns[name] = a
        return f"_ev({name}, env)"
    if t is Value:
        return f"v{ns['_slots'][a]}"
    if t in (list, tuple) and any(type(x) in (_Expr, Value, list, tuple) for x in a):
        parts = [_attr_code(x, f"{name}_{i}", ns) for i, x in enumerate(a)]
        if t is list:
            return "[" + ", ".join(parts) + "]"
        return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    ns[name] = a
    return name
