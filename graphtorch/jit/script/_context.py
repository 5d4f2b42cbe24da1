"""Tracer state the script runtime needs: the active tracer, eager replay, undo.

Staging a branch or loop body records it into a block and then *replays* it eagerly (tracer
hooks off) on the real values so tracing continues with correct data; a staging attempt that
fails is undone (nodes, tensor bindings, size specializations) before the runtime falls back to
Python semantics with guards."""
from __future__ import annotations

import contextlib
import os
import traceback

import numpy as np

from ...eager import dispatch as DP
from ...eager import tensor as T
from ...eager.tensor import Tensor, wrap
from ...ir import symbolic as S
from .. import _tracer as TR

__all__ = ["tracer", "staged", "replay", "replaying", "Undo", "in_block", "fresh", "SCRIPTING",
           "no_python_scalars", "StagingAbort", "scripting"]

from .._api import SCRIPTING  # noqa: E402  (> 0 while scripting: is_scripting() is True)


class StagingAbort(Exception):
    """Raised inside a staged body when it cannot be a block (the runtime falls back)."""


def tracer():
    """The active tracer, or None (also None while a staged body is replayed eagerly)."""
    return TR._CURRENT[-1] if TR._CURRENT else None


def staged(x) -> bool:
    """Whether ``x`` is a tensor computed by the graph being recorded (a data dependency)."""
    if not isinstance(x, Tensor):
        return False
    tr = tracer()
    return tr is not None and tr.lookup(x) is not None


@contextlib.contextmanager
def replay():
    """Run eagerly: nothing is recorded, no guards, and the runtime sees no tracer."""
    saved = (DP.HOOKS.tracer, T._scalar_hook[0], S.GUARD_HOOK[0])
    DP.HOOKS.tracer, T._scalar_hook[0], S.GUARD_HOOK[0] = None, None, None
    TR._CURRENT.append(None)
    try:
        yield
    finally:
        TR._CURRENT.pop()
        DP.HOOKS.tracer, T._scalar_hook[0], S.GUARD_HOOK[0] = saved


class Undo:
    """A snapshot of the tracer and the insert block, restored by ``restore()``."""

    def __init__(self, tr):
        self.tr = tr
        self.block = tr.graph.insert_point
        self.n_nodes = len(self.block.nodes)
        self.env = dict(tr.env)
        self.views = dict(tr.views)
        self.repl = dict(tr.repl)
        self.spec_lines = dict(tr.spec_lines)
        self.hints = dict(tr.hints)
        self.scope = list(tr.scope)

    def restore(self):
        tr = self.tr
        tr.graph.insert_point = self.block
        for n in self.block.nodes[self.n_nodes:]:
            n.owner = None
        del self.block.nodes[self.n_nodes:]
        tr.env, tr.views, tr.repl = self.env, self.views, self.repl
        tr.spec_lines, tr.hints, tr.scope = self.spec_lines, self.hints, self.scope


@contextlib.contextmanager
def in_block(tr, blk):
    """Record into ``blk``; tensor bindings made inside do not leak out."""
    g = tr.graph
    saved_point, saved_env = g.insert_point, dict(tr.env)
    g.insert_point = blk
    try:
        yield
    finally:
        g.insert_point = saved_point
        tr.env = saved_env


@contextlib.contextmanager
def no_python_scalars(tr):
    """Converting a traced tensor to a Python value aborts the staging (inside a loop body a
    guard would pin one iteration's value for all of them)."""
    saved = T._scalar_hook[0]

    def hook(t, kind):
        if tr.lookup(t) is not None:
            raise StagingAbort(f"a tensor is converted to a Python {kind} inside the loop")
        if saved is not None:
            saved(t, kind)
    T._scalar_hook[0] = hook
    try:
        yield
    finally:
        T._scalar_hook[0] = saved


def fresh(tr, t: Tensor, value=None) -> Tensor:
    """A new tensor object holding a copy of ``t``'s data, bound to ``value`` (default: the
    Value computing ``t``): in-place writes in a staged body must not reach the original."""
    out = wrap(np.array(t._data, copy=True))
    out._dtype = t._dtype
    if value is None:
        value = tr.lookup(t)
    if value is not None:
        tr.bind(out, value)
    return out


@contextlib.contextmanager
def scripting(on=True):
    """Code run inside is scripted code (``on``), or Python called back from it (not)."""
    saved = SCRIPTING[0]
    SCRIPTING[0] = saved + 1 if on else 0
    try:
        yield
    finally:
        SCRIPTING[0] = saved


def replaying() -> bool:
    """Whether a staged body is being replayed eagerly (see ``replay``)."""
    return bool(TR._CURRENT) and TR._CURRENT[-1] is None


_DEBUG = os.environ.get("GRAPHTORCH_SCRIPT_DEBUG") == "1"


def debug(e: BaseException):
    """With GRAPHTORCH_SCRIPT_DEBUG=1, print why a block could not be staged."""
    if _DEBUG:
        print("[jit.script] staging fell back to Python:", "".join(
            traceback.format_exception(type(e), e, e.__traceback__)[-6:]))
