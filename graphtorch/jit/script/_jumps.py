"""Lower ``return``/``break``/``continue`` inside control flow to flag variables.

A branch or loop body becomes a function the runtime may record as an If/Loop block, so it
cannot jump out of its caller.  Instead ``return e`` sets ``_gt_retv = e; _gt_retf = True``,
``break`` sets ``_gt_brk<N> = True`` and ``continue`` ``_gt_cont<N> = True``; the statements
after one that may jump run under ``if _gt_rt.keep_going(flags...)``, and a loop's condition
is extended by its flags.  Flags stay Python bools while every decision is a Python one (the
``if`` then costs nothing) and become tensors under data-dependent control flow, where the
guarding ``if`` is itself recorded as an If node."""
from __future__ import annotations

import ast
import itertools

from ._analysis import has_jump, has_return

__all__ = ["lower_function", "RETF", "RETV"]

RETF, RETV = "_gt_retf", "_gt_retv"


def _name(id_, store=False):
    return ast.Name(id=id_, ctx=ast.Store() if store else ast.Load())


def _set(id_, value, like):
    return ast.copy_location(ast.Assign(targets=[_name(id_, True)], value=value), like)


def _rt(attr):
    return ast.Attribute(value=_name("_gt_rt"), attr=attr, ctx=ast.Load())


def keep_going(flags, like):
    """``_gt_rt.keep_going(f1, f2, ...)``: true while none of the flags is set."""
    call = ast.Call(func=_rt("keep_going"), args=[_name(f) for f in flags], keywords=[])
    return ast.copy_location(call, like)


class _Loop:
    def __init__(self, n):
        self.brk, self.cont = f"_gt_brk{n}", f"_gt_cont{n}"


class _Lowering:
    def __init__(self, ret_mode):
        self.ret_mode = ret_mode
        self.ids = itertools.count()

    def block(self, stmts, loop):
        out = []
        for i, s in enumerate(stmts):
            if isinstance(s, ast.Return) and self.ret_mode:
                val = s.value
                if val is None or isinstance(val, ast.Constant) and val.value is None:
                    # not None: that means "not returned yet" where paths are merged
                    val = ast.copy_location(_rt("RETURNED_NONE"), s)
                    ast.copy_location(val.value, s)
                out += [_set(RETV, val, s), _set(RETF, ast.Constant(value=True), s)]
                return out
            if isinstance(s, ast.Break) and loop is not None:
                out.append(_set(loop.brk, ast.Constant(value=True), s))
                return out
            if isinstance(s, ast.Continue) and loop is not None:
                out.append(_set(loop.cont, ast.Constant(value=True), s))
                return out
            flags = self._flags(s, loop)
            out.extend(self.stmt(s, loop))
            rest = stmts[i + 1:]
            if flags and rest:
                body = self.block(rest, loop)
                guard = ast.If(test=keep_going(flags, rest[0]), body=body, orelse=[])
                out.append(ast.copy_location(guard, rest[0]))
                return out
        return out

    def _flags(self, s, loop):
        """The flags statement ``s`` may set (so the statements after it need a guard)."""
        if not isinstance(s, (ast.If, ast.With, ast.For, ast.While)):
            return []
        flags = []
        if self.ret_mode and has_return([s]):
            flags.append(RETF)
        if loop is not None:
            # a nested loop's own break/continue stay inside it; its else clause is ours
            part = s.orelse if isinstance(s, (ast.For, ast.While)) else [s]
            if has_jump(part, ast.Break):
                flags.append(loop.brk)
            if has_jump(part, ast.Continue):
                flags.append(loop.cont)
        return flags

    def stmt(self, s, loop):
        if isinstance(s, ast.If):
            s.body = self.block(s.body, loop) or [ast.copy_location(ast.Pass(), s)]
            s.orelse = self.block(s.orelse, loop)
            return [s]
        if isinstance(s, ast.With):
            s.body = self.block(s.body, loop) or [ast.copy_location(ast.Pass(), s)]
            return [s]
        if isinstance(s, (ast.For, ast.While)):
            return self.loop(s, loop)
        return [s]

    def loop(self, s, outer):
        ctx = _Loop(next(self.ids))
        may_break = has_jump(s.body, ast.Break)
        may_cont = has_jump(s.body, ast.Continue)
        may_ret = self.ret_mode and has_return(s.body)
        body = self.block(s.body, ctx)
        if may_cont:
            body = [_set(ctx.cont, ast.Constant(value=False), s)] + body
        s.body = body or [ast.copy_location(ast.Pass(), s)]
        flags = ([ctx.brk] if may_break else []) + ([RETF] if may_ret else [])
        s._gt_flags = flags  # read by the control-flow conversion: the loop's extra test
        pre = [_set(ctx.brk, ast.Constant(value=False), s)] if may_break else []
        post = []
        if s.orelse:
            orelse = self.block(s.orelse, outer)
            if flags:
                post = [ast.copy_location(ast.If(test=keep_going(flags, s), body=orelse,
                                                 orelse=[]), s)]
            else:
                post = orelse
            s.orelse = []
        return pre + [s] + post


def lower_function(fdef: ast.FunctionDef) -> bool:
    """Lower the jumps of ``fdef``'s own body in place; True if it now returns via flags."""
    ret_mode = any(not isinstance(s, ast.Return) and has_return([s]) for s in fdef.body)
    low = _Lowering(ret_mode)
    body = low.block(fdef.body, None)
    if ret_mode:
        head = [_set(RETF, ast.Constant(value=False), fdef),
                _set(RETV, ast.Constant(value=None), fdef)]
        tail = ast.copy_location(ast.Return(value=ast.Call(
            func=_rt("retval"), args=[_name(RETV)], keywords=[])), fdef.body[-1])
        for n in ast.walk(tail):
            ast.copy_location(n, tail)
        body = head + body + [tail]
    fdef.body = body or [ast.copy_location(ast.Pass(), fdef)]
    return ret_mode
