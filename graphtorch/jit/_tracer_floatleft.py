"""Sizes read where Python computes float arithmetic with the float on the left.

While tracing, ``x.size(0)`` is a ``SymInt`` (an ``int`` subclass): ``n * 0.5`` and
``n < 0.5`` reach the SymInt, which records a guard (the value becomes a constant of the
graph).  ``0.5 * n``, ``1.0 / n`` and ``0.5 < n`` do not: ``float.__mul__`` accepts any int and
computes the result from the int's value without asking it, so the trace-time size would be
baked into the graph silently, and a call at another size would compute something else than
eager.  Nothing at run time can see that happen, so the user's code is read instead: the
bytecode of the function that reads the size is scanned (once per code object) for a float
constant, or a local holding a float, that is the left operand of an arithmetic or comparison
operator whose right operand reads a size, directly (``0.5 * x.size(0)``,
``1.0 / x.shape[0]``, ``0.5 < len(x)``) or through a local assigned from one
(``n = x.size(0)`` ... ``0.5 * n``).  A size read on such a line is taken as a constant with a
guard, exactly as ``n * 0.5`` is.  Sizes that reach a float on the left by other paths (another
function, a container) are not seen; the README says so."""
from __future__ import annotations

import dis
import functools
import os
import sys

__all__ = ["specialize_here"]

_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_SIZE_ATTRS = frozenset({"size", "shape", "numel"})
_SIZE_FUNCS = frozenset({"len"})
_CONSUMERS = frozenset({"BINARY_OP", "COMPARE_OP"})
_LOADS = frozenset({"LOAD_FAST", "LOAD_DEREF", "LOAD_NAME", "LOAD_CLOSURE"})
_STORES = frozenset({"STORE_FAST", "STORE_DEREF", "STORE_NAME"})


def _effect(ins):
    """(pops, pushes) of the instructions a simple operand expression is made of; None for
    anything else (the scan stops there: no finding rather than a wrong one)."""
    op = ins.opname
    if op in _LOADS or op == "LOAD_CONST" or op == "PUSH_NULL":
        return 0, 1
    if op == "LOAD_GLOBAL":  # pushes a NULL too before a call
        return 0, dis.stack_effect(ins.opcode, ins.arg)
    if op == "LOAD_ATTR":
        return 1, dis.stack_effect(ins.opcode, ins.arg) + 1
    if op == "LOAD_METHOD":
        return 1, 2
    if op in ("PRECALL", "KW_NAMES", "CACHE", "NOP", "RESUME"):
        return 0, 0
    if op == "CALL":
        return ins.arg + 2, 1
    if op in ("BINARY_SUBSCR", "BINARY_OP", "COMPARE_OP"):
        return 2, 1
    if op.startswith("UNARY_"):
        return 1, 1
    if op in ("BUILD_TUPLE", "BUILD_LIST"):
        return ins.arg, 1
    return None


def _reads_size(ins) -> bool:
    return ((ins.opname in ("LOAD_ATTR", "LOAD_METHOD") and ins.argval in _SIZE_ATTRS)
            or (ins.opname == "LOAD_GLOBAL" and ins.argval in _SIZE_FUNCS))


def _line_of(ins, current):
    pos = getattr(ins, "positions", None)
    line = pos.lineno if pos is not None and pos.lineno is not None else ins.starts_line
    return line if line is not None else current


def _lines(code):
    out, line = [], code.co_firstlineno
    for ins in dis.get_instructions(code):
        line = _line_of(ins, line)
        out.append((ins, line))
    return out


def _sources(prog):
    """For each local name: the lines whose size reads flow into it (through assignments)."""
    reads = {}  # line -> it reads a size (or a name that holds one)
    for ins, line in prog:
        if _reads_size(ins):
            reads.setdefault(line, set()).add(line)
    names: dict = {}
    changed = True
    while changed:
        changed = False
        for ins, line in prog:
            if ins.opname in _LOADS and ins.argval in names:
                src = reads.setdefault(line, set())
                if not names[ins.argval] <= src:
                    src |= names[ins.argval]
                    changed = True
            if ins.opname in _STORES and reads.get(line):
                have = names.setdefault(ins.argval, set())
                if not reads[line] <= have:
                    have |= reads[line]
                    changed = True
    return names


@functools.lru_cache(maxsize=2048)
def _sites(code):
    """((left kind, left value, size-read lines, the left name is assigned a float constant
    somewhere), ...) for every operator whose right operand reads a size and whose left
    operand is a float constant or a local name."""
    prog = _lines(code)
    names = _sources(prog)
    floats = _float_names(prog)
    found = []
    for i, (ins, _) in enumerate(prog):
        if ins.opname == "LOAD_CONST" and type(ins.argval) is float:
            left = ("const", ins.argval)
        elif ins.opname in _LOADS:
            left = ("name", ins.argval)
        else:
            continue
        origin = _right_operand_sizes(prog, i, names)
        if origin:
            found.append((*left, frozenset(origin), left[1] in floats))
    return tuple(found)


def _float_names(prog):
    """Locals assigned a float constant somewhere in the function (``scale = 0.5``)."""
    return frozenset(b.argval for (a, _), (b, _) in zip(prog, prog[1:])
                     if a.opname == "LOAD_CONST" and type(a.argval) is float
                     and b.opname in _STORES)


def _right_operand_sizes(prog, i, names):
    """Size-read lines of the right operand when instruction ``i`` is the left operand of a
    binary operator or comparison (an empty set otherwise)."""
    depth, origin = 1, set()
    for ins, line in prog[i + 1:]:
        if ins.opname in _CONSUMERS and depth == 2:
            return origin
        eff = _effect(ins)
        if eff is None or depth - eff[0] < 1:
            return set()
        if _reads_size(ins):
            origin.add(line)
        elif ins.opname in _LOADS and ins.argval in names:
            origin |= names[ins.argval]
        depth += eff[1] - eff[0]
    return set()


def _user_frame():
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename.startswith(_PKG):
        f = f.f_back
    return f


def specialize_here() -> bool:
    """Whether the size being read (by the nearest caller outside graphtorch) feeds float
    arithmetic with the float on the left, so it must be taken as a guarded constant."""
    f = _user_frame()
    if f is None:
        return False
    line = f.f_lineno
    local = f.f_locals
    for kind, value, origin, float_name in _sites(f.f_code):
        if line not in origin:
            continue
        if kind == "const":
            return True
        # a local's value decides; one not assigned yet counts if the code assigns it a float
        v = local.get(value, _UNBOUND)
        if isinstance(v, float) or (v is _UNBOUND and float_name):
            return True
    return False


_UNBOUND = object()
