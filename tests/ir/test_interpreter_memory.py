"""The interpreter drops each intermediate after its last use (as eager code drops a
temporary), so a long chain of ops holds a few buffers at a time, not one per node."""
import tracemalloc

import numpy as np

import graphtorch as torch
from graphtorch.ir import parse
from graphtorch.ir.interpreter import Interpreter
from graphtorch.ir.verifier import verify

CHAIN = "graph(%x: f32[N, 1024]):\n" + "".join(
    f"  %{i + 1}: f32[N, 1024] = {'relu' if i % 2 else 'neg'}(%{i if i else 'x'})\n"
    for i in range(12)) + "  return (%12)\n"


def _peak(fn):
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_chain_holds_few_buffers():
    x = torch.randn(256, 1024)  # 1 MiB per buffer
    it = Interpreter(parse(CHAIN))
    it.run([x])  # warm-up: compile caches outside the measurement
    peak = _peak(lambda: it.run([x]))
    assert peak < 4 * x.numel() * 4, peak  # 12 buffers would be 12 MiB
    np.testing.assert_array_equal(it.run([x])[0].numpy(), _eager(x).numpy())


def _eager(x):
    for i in range(12):
        x = x.relu() if i % 2 else -x
    return x


def test_dead_outputs_and_loops_with_zero_trips():
    text = """graph(%x: f32[N], %n: int):
  %t: bool = Constant(value=True)
  %y: f32[1], %i: i64[1] = max_dim(%x, dim=0, keepdim=True)
  %z: f32[N] = Loop(%n, %t, %x)
    block0(%k: int, %c: f32[N]):
      %d: f32[N] = neg(%c)
      -> (%t, %d)
  return (%z)
"""
    g = parse(text)
    verify(g)
    it = Interpreter(g)
    x = torch.randn(5)
    np.testing.assert_array_equal(it.run([x, 0])[0].numpy(), x.numpy())
    np.testing.assert_array_equal(it.run([x, 3])[0].numpy(), -x.numpy())
