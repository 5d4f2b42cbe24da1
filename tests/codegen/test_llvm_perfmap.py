"""GRAPHTORCH_PERF_MAP=1 (codegen/llvm/perfmap.py): every linked object's functions are
written to /tmp/perf-<pid>.map with the addresses the linker gave them."""
from __future__ import annotations

import numpy as np

import graphtorch as gt
from graphtorch.codegen.llvm import compile_graph, perfmap


def test_graph_functions_are_named_at_their_addresses(tmp_path, monkeypatch):
    target = tmp_path / "perf.map"
    monkeypatch.setenv("GRAPHTORCH_PERF_MAP", "1")
    monkeypatch.setenv("GRAPHTORCH_DISABLE_CACHE", "1")  # linked now, not found in a cache
    monkeypatch.setattr(perfmap, "path", lambda: str(target))
    w = gt.randn(48, 40)
    tr = gt.jit.trace(lambda x: gt.relu(gt.nn.functional.linear(x, w)) * 2 + 1,
                      (gt.randn(3, 40),))
    cg = compile_graph(tr.graph)
    rows = [line.split() for line in target.read_text().splitlines()]
    named = {r[2]: (int(r[0], 16), int(r[1], 16)) for r in rows}
    entry = [n for n in named if n.startswith("gt_entry_") and not n.endswith("_shim")]
    assert len(entry) == 1
    assert named[entry[0]][0] == cg._addr and named[entry[0]][1] > 0
    assert len(named) >= 3  # the entry, its front door and at least one kernel
    x = np.ones((2, 40), np.float32)
    out = cg(x)[0]
    np.testing.assert_allclose(out, np.maximum(x @ w.numpy().T, 0) * 2 + 1, rtol=1e-5)


def test_non_elf_bytes_give_no_functions():
    assert perfmap.functions(b"not an object") == []
