"""The basic passes (dce, cse, constant_fold, simplify; inline is in test_pipeline.py): IR text
in, IR text expected out; the rewritten graph verifies, computes the same outputs with the
interpreter, and a second run of the pass changes nothing."""
import numpy as np

from graphtorch.ir.interpreter import run_graph
from graphtorch.ir.parser import parse
from graphtorch.ir.passes import constant_fold, cse, dce, simplify
from graphtorch.ir.printer import print_graph
from graphtorch.ir.verifier import verify


def _norm(text):
    return print_graph(parse(text))


def _outs(g, inputs):
    return [np.asarray(getattr(o, "numpy", lambda: o)()) for o in run_graph(g, *inputs)]


def _functions(texts):
    fns = {k: parse(v) for k, v in texts.items()}
    for f in fns.values():
        f.functions = fns  # callees see each other
    return fns


def check(pass_mod, src, expected, inputs=(), functions=None, **options):
    """Run ``pass_mod`` on ``src``; compare with ``expected``, values and idempotence."""
    g = parse(src)
    ref = parse(src)
    if functions:
        g.functions = _functions(functions)
        ref.functions = _functions(functions)
    before = _outs(ref, inputs)
    g = pass_mod.run(g, **options)
    verify(g)
    text = print_graph(g)
    assert text == _norm(expected), text
    after = _outs(g, inputs)
    assert len(before) == len(after)
    for a, b in zip(before, after):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    g = pass_mod.run(g, **options)
    assert print_graph(g) == text  # idempotent
    return g


X23 = np.arange(-3, 3, dtype=np.float32).reshape(2, 3)
X23[0, 0] = -0.0


# ------------------------------------------------------------------ dce
def test_dce_removes_dead_chain_and_keeps_impure():
    src = """graph(%x: f32[3]):
  %0: f32[3] = neg(%x)
  %1: f32[3] = relu(%0)
  %2: f32[3] = exp(%x)
  Guard(lhs=3, cmp='eq', rhs=3)
  %3: f32[3] = add_(%2, %x)
  return (%2)
"""
    exp = """graph(%x: f32[3]):
  %2: f32[3] = exp(%x)
  Guard(lhs=3, cmp='eq', rhs=3)
  %3: f32[3] = add_(%2, %x)
  return (%2)
"""
    g = parse(src)
    assert print_graph(dce.run(g)) == _norm(exp)
    assert print_graph(dce.run(g)) == _norm(exp)


def test_dce_if_outputs_and_block_nodes():
    src = """graph(%x: f32[3], %c: bool):
  %y: f32[3], %z: f32[3] = If(%c)
    block0():
      %a: f32[3] = neg(%x)
      %b: f32[3] = exp(%x)
      -> (%a, %b)
    block1():
      %d: f32[3] = relu(%x)
      -> (%x, %d)
  return (%y)
"""
    exp = """graph(%x: f32[3], %c: bool):
  %y: f32[3] = If(%c)
    block0():
      %a: f32[3] = neg(%x)
      -> (%a)
    block1():
      -> (%x)
  return (%y)
"""
    for c in (True, False):
        check(dce, src, exp, (X23[0], c))


def test_dce_unused_if_removed_entirely_but_guarded_if_kept():
    src = """graph(%x: f32[3], %c: bool):
  %y: f32[3] = If(%c)
    block0():
      -> (%x)
    block1():
      %d: f32[3] = relu(%x)
      -> (%d)
  %w: f32[3] = If(%c)
    block0():
      Guard(lhs=3, cmp='eq', rhs=3)
      -> (%x)
    block1():
      -> (%x)
  return (%x)
"""
    # the If stays for its guard, but loses its unused output
    exp = """graph(%x: f32[3], %c: bool):
  If(%c)
    block0():
      Guard(lhs=3, cmp='eq', rhs=3)
      -> ()
    block1():
      -> ()
  return (%x)
"""
    # (text only: the interpreter cannot run a Guard inside a block yet)
    g = dce.run(parse(src))
    verify(g)
    assert print_graph(g) == _norm(exp)
    assert print_graph(dce.run(g)) == _norm(exp)


def test_dce_loop_dead_carried_value_even_if_self_updating():
    src = """graph(%x: f32[3], %n: int):
  %t: bool = Constant(value=True)
  %y: f32[3], %z: f32[3] = Loop(%n, %t, %x, %x)
    block0(%i: int, %a: f32[3], %b: f32[3]):
      %a2: f32[3] = neg(%a)
      %b2: f32[3] = exp(%b)
      -> (%t, %a2, %b2)
  return (%y)
"""
    exp = """graph(%x: f32[3], %n: int):
  %t: bool = Constant(value=True)
  %y: f32[3] = Loop(%n, %t, %x)
    block0(%i: int, %a: f32[3]):
      %a2: f32[3] = neg(%a)
      -> (%t, %a2)
  return (%y)
"""
    check(dce, src, exp, (X23[0], 3))


def test_dce_loop_keeps_carried_value_read_by_live_one():
    src = """graph(%x: f32[3], %n: int):
  %t: bool = Constant(value=True)
  %y: f32[3], %z: f32[3] = Loop(%n, %t, %x, %x)
    block0(%i: int, %a: f32[3], %b: f32[3]):
      %a2: f32[3] = add(%a, %b)
      %b2: f32[3] = neg(%b)
      -> (%t, %a2, %b2)
  return (%y)
"""
    check(dce, src, src, (X23[0], 3))


# ------------------------------------------------------------------ cse
def test_cse_merges_equal_pure_nodes_and_constants():
    src = """graph(%x: f32[2, 3]):
  %c: int = Constant(value=2)
  %d: int = Constant(value=2)
  %f: float = Constant(value=2.0)
  %0: f32[2, 3] = mul(%x, %c)
  %1: f32[2, 3] = mul(%x, %d)
  %2: f32[2, 3] = mul(%x, %f)
  %3: f32[3] = sum(%0, dim=[0], keepdim=False)
  %4: f32[3] = sum(%1, dim=[0], keepdim=False)
  %5: f32[3] = sum(%1, dim=(0,), keepdim=False)
  %6: f32[3] = add(%3, %4)
  return (%6, %5, %2)
"""
    exp = """graph(%x: f32[2, 3]):
  %c: int = Constant(value=2)
  %f: float = Constant(value=2.0)
  %0: f32[2, 3] = mul(%x, %c)
  %2: f32[2, 3] = mul(%x, %f)
  %3: f32[3] = sum(%0, dim=[0], keepdim=False)
  %5: f32[3] = sum(%0, dim=(0,), keepdim=False)
  %6: f32[3] = add(%3, %3)
  return (%6, %5, %2)
"""
    check(cse, src, exp, (X23,))


def test_cse_tensor_constants_by_bytes_and_dtype():
    src = """graph(%x: f32[2]):
  %a: f32[2] = Constant(value=tensor([1.0, 2.0], f32))
  %b: f32[2] = Constant(value=tensor([1.0, 2.0], f32))
  %c: f64[2] = Constant(value=tensor([1.0, 2.0], f64))
  %d: f32[2] = Constant(value=tensor([1.0, 3.0], f32))
  %e: f32[2] = Constant(value=tensor([-0.0, 2.0], f32))
  %f: f32[2] = Constant(value=tensor([0.0, 2.0], f32))
  return (%a, %b, %c, %d, %e, %f)
"""
    exp = """graph(%x: f32[2]):
  %a: f32[2] = Constant(value=tensor([1.0, 2.0], f32))
  %c: f64[2] = Constant(value=tensor([1.0, 2.0], f64))
  %d: f32[2] = Constant(value=tensor([1.0, 3.0], f32))
  %e: f32[2] = Constant(value=tensor([-0.0, 2.0], f32))
  %f: f32[2] = Constant(value=tensor([0.0, 2.0], f32))
  return (%a, %a, %c, %d, %e, %f)
"""
    check(cse, src, exp, (X23[0, :2],))


def test_cse_leaves_impure_nodes():
    src = """graph(%x: f32[3]):
  Guard(lhs=3, cmp='eq', rhs=3)
  Guard(lhs=3, cmp='eq', rhs=3)
  %0: f32[3] = add_(%x, %x)
  %1: f32[3] = add_(%x, %x)
  return (%0, %1)
"""
    g = cse.run(parse(src))
    assert print_graph(g) == _norm(src)


def test_cse_scoping_across_blocks():
    src = """graph(%x: f32[3], %c: bool):
  %0: f32[3] = neg(%x)
  %y: f32[3], %z: f32[3] = If(%c)
    block0():
      %1: f32[3] = neg(%x)
      %2: f32[3] = exp(%x)
      -> (%1, %2)
    block1():
      %3: f32[3] = exp(%x)
      -> (%3, %3)
  %4: f32[3] = exp(%x)
  %5: f32[3] = add(%y, %z)
  %6: f32[3] = add(%5, %4)
  return (%6, %0)
"""
    # the outer neg is reused inside block0; exp inside the blocks stays in each block and
    # does not replace the outer exp after the If
    exp = """graph(%x: f32[3], %c: bool):
  %0: f32[3] = neg(%x)
  %y: f32[3], %z: f32[3] = If(%c)
    block0():
      %2: f32[3] = exp(%x)
      -> (%0, %2)
    block1():
      %3: f32[3] = exp(%x)
      -> (%3, %3)
  %4: f32[3] = exp(%x)
  %5: f32[3] = add(%y, %z)
  %6: f32[3] = add(%5, %4)
  return (%6, %0)
"""
    for c in (True, False):
        check(cse, src, exp, (X23[0], c))


# ------------------------------------------------------------------ constant_fold
def test_fold_registry_ops_scalars_and_size():
    src = """graph(%x: f32[2, 3]):
  %a: f32[3] = Constant(value=tensor([1.0, 2.0, 3.0], f32))
  %b: int = Constant(value=2)
  %0: f32[3] = mul(%a, %b)
  %1: f32[3] = exp(%0)
  %2: int = size(%x, dim=-1)
  %3: int = scalar.mul(%2, %b)
  %4: f32[2, 3] = add(%x, %1)
  %5: int = numel(%x)
  return (%4, %3, %5)
"""
    g = parse(src)
    ref = _outs(parse(src), (X23,))
    g = constant_fold.run(g)
    verify(g)
    kinds = [n.kind for n in g.nodes]
    assert kinds.count("Constant") == 7 and "exp" not in kinds and "size" not in kinds
    assert g.outputs[1].node.attrs["value"] == 6 and g.outputs[2].node.attrs["value"] == 6
    np.testing.assert_allclose(g.nodes[3].attrs["value"], np.exp(np.float32([2, 4, 6])))
    for a, b in zip(ref, _outs(g, (X23,))):
        np.testing.assert_array_equal(a, b)
    text = print_graph(g)
    assert print_graph(constant_fold.run(g)) == text


def test_fold_if_on_constant_condition():
    src = """graph(%x: f32[3]):
  %c: bool = Constant(value=False)
  %y: f32[3] = If(%c)
    block0():
      %a: f32[3] = neg(%x)
      -> (%a)
    block1():
      %b: f32[3] = exp(%x)
      %d: f32[3] = If(%c)
        block0():
          -> (%b)
        block1():
          -> (%x)
      -> (%d)
  %z: f32[3] = add(%y, %x)
  return (%z)
"""
    exp = """graph(%x: f32[3]):
  %c: bool = Constant(value=False)
  %b: f32[3] = exp(%x)
  %z: f32[3] = add(%x, %x)
  return (%z)
"""
    check(constant_fold, src, exp, (X23[0],))


def test_fold_negative_cases():
    src = """graph(%x: f32[N, 3], %c: bool):
  %a: f32[2] = Constant(value=tensor([1.0, 2.0], f32))
  %s: int = Constant(value=N)
  %0: int = size(%x, dim=0)
  %1: int = size(%x, dim=1)
  %2: f32[2] = add(%a, %a)
  %3: f32[2] = add_(%a, %a)
  %4: f32[N, 3] = relu(%x)
  %5: int = scalar.add(%s, %s)
  %y: f32[2] = If(%c)
    block0():
      -> (%a)
    block1():
      -> (%2)
  return (%0, %1, %2, %3, %4, %5, %y)
"""
    g = constant_fold.run(parse(src), limit=1)  # %2 has 2 elements: over the limit
    kinds = [n.kind for n in g.nodes]
    assert kinds == ["Constant", "Constant", "size", "Constant", "add", "add_", "relu",
                     "scalar.add", "If"]
    g = constant_fold.run(parse(src))
    assert [n.kind for n in g.nodes][4] == "Constant"


def test_fold_division_by_zero_left_to_run_time():
    src = """graph(%x: f32[3]):
  %a: int = Constant(value=1)
  %b: int = Constant(value=0)
  %0: int = scalar.floordiv(%a, %b)
  return (%x, %0)
"""
    g = constant_fold.run(parse(src))
    assert g.nodes[-1].kind == "scalar.floordiv"


# ------------------------------------------------------------------ simplify
def test_simplify_arithmetic_identities():
    src = """graph(%x: f32[2, 3]):
  %one: int = Constant(value=1)
  %zero: float = Constant(value=0.0)
  %ones: f32[3] = Constant(value=tensor([1.0, 1.0, 1.0], f32))
  %0: f32[2, 3] = mul(%x, %one)
  %1: f32[2, 3] = mul(%one, %0)
  %2: f32[2, 3] = add(%1, %zero)
  %3: f32[2, 3] = add(%zero, %2)
  %4: f32[2, 3] = sub(%3, %zero)
  %5: f32[2, 3] = div(%4, %one)
  %6: f32[2, 3] = pow(%5, %one)
  %7: f32[2, 3] = mul(%6, %ones)
  %8: f32[2, 3] = add(%7, %zero, alpha=3)
  %9: f32[2, 3] = exp(%8)
  return (%8, %9)
"""
    exp = """graph(%x: f32[2, 3]):
  %one: int = Constant(value=1)
  %zero: float = Constant(value=0.0)
  %ones: f32[3] = Constant(value=tensor([1.0, 1.0, 1.0], f32))
  %9: f32[2, 3] = exp(%x)
  return (%x, %9)
"""
    check(simplify, src, exp, (X23,))


def test_simplify_keeps_type_changing_identities():
    src = """graph(%x: i64[3], %y: f32[3]):
  %one: float = Constant(value=1.0)
  %ones: f32[2, 3] = Constant(value=tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], f32))
  %ones64: f64[3] = Constant(value=tensor([1.0, 1.0, 1.0], f64))
  %two: int = Constant(value=2)
  %0: f32[3] = mul(%x, %one)
  %1: f32[2, 3] = mul(%y, %ones)
  %2: f64[3] = mul(%y, %ones64)
  %3: f32[3] = mul(%y, %two)
  %4: f32[3] = add(%one, %y, alpha=2)
  return (%0, %1, %2, %3, %4)
"""
    x = np.array([1, 2, 3], dtype=np.int64)
    check(simplify, src, src, (x, X23[1]))


def test_simplify_neg_relu_permutes():
    src = """graph(%x: f32[2, 3, 4]):
  %0: f32[2, 3, 4] = neg(%x)
  %1: f32[2, 3, 4] = neg(%0)
  %2: f32[2, 3, 4] = relu(%1)
  %3: f32[2, 3, 4] = relu(%2)
  %4: f32[4, 2, 3] = permute(%3, dims=[2, 0, 1])
  %5: f32[2, 3, 4] = permute(%4, dims=[1, 2, 0])
  %6: f32[2, 4, 3] = transpose(%5, dim0=1, dim1=2)
  %7: f32[2, 3, 4] = transpose(%6, dim0=-1, dim1=1)
  %8: f32[3, 2, 4] = transpose(%7, dim0=0, dim1=1)
  %9: f32[4, 3, 2] = permute(%8, dims=[2, 0, 1])
  %10: f32[2, 3, 4] = permute(%x, dims=[0, 1, 2])
  return (%9, %10)
"""
    g = parse(src)
    xin = np.random.randn(2, 3, 4).astype(np.float32)
    ref = _outs(parse(src), (xin,))
    g = dce.run(simplify.run(g))
    verify(g)
    kinds = [n.kind for n in g.nodes]
    assert kinds == ["relu", "permute"], print_graph(g)
    assert g.nodes[1].attrs == {"dims": [2, 1, 0]} and g.nodes[1].inputs[0] is g.nodes[0].outputs[0]
    assert g.outputs[1] is g.inputs[0]
    for a, b in zip(ref, _outs(g, (xin,))):
        np.testing.assert_array_equal(a, b)


def test_simplify_reshapes_copies_expand():
    src = """graph(%x: f32[2, 3]):
  %0: f32[6] = view(%x, shape=[6])
  %1: f32[3, 2] = reshape(%0, shape=[3, 2])
  %2: f32[3, 2] = view(%1, shape=[3, -1])
  %3: f32[2, 3] = view(%x, shape=[2, 3])
  %4: f32[1, 2, 3] = unsqueeze(%3, dim=0)
  %5: f32[2, 3] = squeeze(%4, dim=0)
  %6: f32[2, 3] = clone(%5)
  %7: f32[2, 3] = _to_copy(%6, dtype=torch.float32)
  %8: f64[2, 3] = _to_copy(%7, dtype=torch.float64)
  %9: f32[2, 3] = expand(%7, size=[2, 3])
  %10: f32[4, 2, 3] = expand(%7, size=[4, 2, 3])
  %11: f32[6] = view(%0, shape=[-1])
  return (%2, %8, %9, %10, %11)
"""
    exp = """graph(%x: f32[2, 3]):
  %0: f32[6] = view(%x, shape=[6])
  %1: f32[3, 2] = reshape(%x, shape=[3, 2])
  %8: f64[2, 3] = _to_copy(%x, dtype=torch.float64)
  %10: f32[4, 2, 3] = expand(%x, size=[4, 2, 3])
  return (%1, %8, %x, %10, %0)
"""
    g = parse(src)
    ref = _outs(parse(src), (X23,))
    g = simplify.run(g)
    verify(g)
    # view(%1, [3, -1]) is %1 itself; view(view(%x)) reads %x; the rest are identities
    # (nodes made dead are left for dce)
    g = dce.run(g)
    text = print_graph(g)
    assert text == _norm(exp), text
    for a, b in zip(ref, _outs(g, (X23,))):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    assert print_graph(simplify.run(g)) == text


def test_simplify_squeeze_unsqueeze_only_when_identity():
    src = """graph(%x: f32[2, 1, 3]):
  %0: f32[2, 3] = squeeze(%x, dim=1)
  %1: f32[2, 3, 1] = unsqueeze(%0, dim=2)
  %2: f32[2, 1, 3] = unsqueeze(%0, dim=1)
  %3: f32[2, 1, 3] = squeeze(%x, dim=0)
  return (%1, %2, %3)
"""
    g = simplify.run(parse(src))
    assert g.outputs[1] is g.inputs[0] and g.outputs[2] is g.inputs[0]
    assert g.outputs[0].node.kind == "unsqueeze"


def test_simplify_leaves_graphs_with_inplace_nodes():
    src = """graph(%x: f32[3]):
  %0: f32[3] = clone(%x)
  %1: f32[3] = add_(%0, %x)
  return (%1, %x)
"""
    g = simplify.run(parse(src))
    assert print_graph(g) == _norm(src)
