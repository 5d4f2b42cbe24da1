"""The llvm backend on every registry op: LLVM == interpreter == eager for the op's samples in
every dtype the backend handles natively, and every op is either lowered natively, decomposed
into ops that are, or listed in HOST_FALLBACK (run by its eager kernel through a callback).

Per op, the samples of all its native dtypes (at most CAP per dtype) are traced into one graph
(one input per sample array, one output per sample output) and compiled once at opt level 1:
LLVM compile time, not run time, dominates this file."""
from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest

import graphtorch as torch
from graphtorch.codegen.llvm import compile_graph
from graphtorch.codegen.llvm.compile import _rules
from graphtorch.codegen.llvm.fnctx import NATIVE_DTYPES
from graphtorch.codegen.llvm.lower import LoweringError
from graphtorch.eager.dispatch import call
from graphtorch.eager.tensor import Tensor, wrap
from graphtorch.ir.interpreter import Interpreter
from graphtorch.ir.types import DTYPE_SHORT
from graphtorch.ops import all_ops
from graphtorch.ops import registry as R

OPS = all_ops()
RULES = _rules()
CAP = 3  # samples per dtype

# Ops with neither a native rule nor a decomposition: their node calls the eager kernel
# through the host callback.  Exact: the coverage test fails when one gains a rule or a
# decomposition, or when an op outside this set lacks both.
HOST_FALLBACK = frozenset("""
_as_strided_take _cumprod_backward _gather_dim _indexing_alias _overlap_add _prod_others
_random_values _scatter_dim _stft_frames affine_grid_generator_backward aminmax angle
as_strided avg_pool_backward bernoulli bincount block_diag conj_physical
convolution_backward_input convolution_backward_weight ctc_loss_backward cummax cummin
diag_embed diagonal diagonal_backward diagonal_copy diagonal_scatter diff digamma einsum
erfinv eye fft_c2c fft_c2r fft_fftshift fft_r2c frexp gcd grid_sampler grid_sampler_backward
gru_cell_backward histc i0 imag index index_add index_fill index_put isclose isreal kthvalue
lcm linalg_cholesky_ex linalg_cross linalg_det linalg_eig linalg_eigh linalg_inv_ex
linalg_lstsq linalg_lu_factor_ex linalg_lu_solve linalg_matrix_exp linalg_qr linalg_slogdet
linalg_solve linalg_solve_triangular linalg_svd linalg_svdvals linspace logcumsumexp
logspace lstm_cell_backward lu_unpack masked_scatter masked_select max_pool_backward median
median_dim mode multinomial mvlgamma nanmedian nanmedian_dim nansum nonzero poisson
polygamma put rand_cauchy rand_exponential rand_geometric rand_log_normal rand_normal
rand_uniform randint randperm real repeat_interleave repeat_interleave_backward roll rot90
scatter scatter_add scatter_reduce searchsorted select_backward select_scatter
slice_backward slice_scatter sort spatial_gather spatial_scatter_add special_airy_ai
special_bessel_j0 special_bessel_j1 special_bessel_y0 special_bessel_y1 special_erfcx
special_gammainc special_gammaincc special_i0e special_i1 special_i1e special_log_ndtr
special_modified_bessel_i0 special_modified_bessel_i1 special_modified_bessel_k0
special_modified_bessel_k1 special_ndtr special_ndtri special_scaled_modified_bessel_k0
special_scaled_modified_bessel_k1 special_spherical_bessel_j0 special_zeta sum_to_size take
topk tril_indices triu_indices unfold unfold_backward unique upsample_backward
view_as_complex view_as_real geqrf linalg_ldl_factor_ex linalg_ldl_solve
""".split())

# Ops whose output size depends on the data: no plan can be made before the call, so
# compile_graph raises LoweringError and torch.compile runs such graphs on the interpreter.
DATA_DEPENDENT = frozenset("bincount masked_select nonzero repeat_interleave unique".split())

# Failures caused outside the rules (bugs in other modules, reported to their owners).  The
# test requires each of these still to fail (so the entry is removed once fixed) and checks
# nothing else about them.
UPSTREAM: dict = {}  # op -> why it fails; empty now


def _native(dt) -> bool:
    return DTYPE_SHORT.get(dt) in NATIVE_DTYPES


@functools.lru_cache(maxsize=None)
def _samples(op, cap=CAP, native=True):
    """Up to ``cap`` samples per dtype whose inputs and outputs all have native dtypes (or,
    with ``native=False``, the samples of native input dtypes whose outputs do not)."""
    out = []
    for dt in op.dtypes:
        if _native(dt):
            out += [(dt, s) for s in list(op.samples(dt))[:cap]
                    if _native_outputs(op, s) == native]
    return tuple(out)


def _native_outputs(op, s) -> bool:
    o = call(op, *[wrap(a.copy()) if isinstance(a, np.ndarray) else a for a in s.args],
             **s.kwargs)
    return all(_native(t.dtype) for t in (o if isinstance(o, tuple) else (o,)))


def _program(op, samples):
    """A function of every sample's arrays calling ``op`` once per sample, and its inputs."""
    def f(*ts):
        it = iter(ts)
        outs = []
        for _, s in samples:
            args = [next(it) if isinstance(a, np.ndarray) else a for a in s.args]
            o = call(op, *args, **s.kwargs)
            outs.extend(o if isinstance(o, tuple) else (o,))
        return tuple(outs)
    return f, [a for _, s in samples for a in s.args if isinstance(a, np.ndarray)]


def _exact(op) -> bool:
    """+, -, * and / round once in IEEE arithmetic, as numpy does: results must be bitwise."""
    return op.name in ("add", "sub", "mul", "div", "neg", "abs", "maximum", "minimum", "where",
                       "_where_ew", "clamp", "clamp_min", "clamp_max", "relu") \
        or "random" in op.tags


def _compare(op, got, want, what):
    assert got.shape == want.shape and got.dtype == want.dtype, \
        f"{what}: llvm {got.shape} {got.dtype} vs {want.shape} {want.dtype}"
    if got.dtype.kind in "biu" or _exact(op):
        np.testing.assert_array_equal(got, want, err_msg=what)
        return
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan), f"{what}: NaN positions differ"
    rtol = 1e-5 if got.dtype == np.float32 else 1e-12
    fin = want[np.isfinite(want)]
    # absolute slack scaled by the magnitude of the result: a reassociated sum differs in
    # the last bits relative to its largest terms, not to a result that cancels to ~0
    scale = max(1.0, float(np.abs(fin).max())) if fin.size else 1.0
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale, err_msg=what)


def _outputs(seed, fn):
    if seed is not None:
        torch.manual_seed(seed)
    res = fn()
    return [r.numpy() if isinstance(r, Tensor) else np.asarray(r) for r in res]


def _run(op, samples):
    """Compile ``op`` over ``samples``; check llvm == interpreter == eager; return host ops."""
    f, arrays = _program(op, samples)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tr = torch.jit.trace(f, tuple(wrap(a.copy()) for a in arrays), check_trace=False)
    cg = compile_graph(tr.graph, opt_level=1, use_cache=False)
    seed = 1234 if "random" in op.tags else None
    eager = _outputs(seed, lambda: f(*[wrap(a.copy()) for a in arrays]))
    interp = _outputs(seed, lambda: Interpreter(tr.graph).run([wrap(a.copy()) for a in arrays]))
    native = _outputs(seed, lambda: cg(*[a.copy() for a in arrays]))
    assert len(native) == len(eager) == len(interp)
    for k, (n, i, e) in enumerate(zip(native, interp, eager)):
        _compare(op, i, e, f"{op.name} output {k}: interpreter vs eager")
        if "random" in op.tags and op.name not in cg.host_ops:
            # native sampling draws its own stream: only the type is comparable
            assert n.shape == e.shape and n.dtype == e.dtype, f"{op.name} output {k}"
            continue
        _compare(op, n, e, f"{op.name} output {k}: llvm vs eager")
    return cg.host_ops


def _run_isolating(op, samples):
    """``_run`` on all samples at once; on failure, once per sample to name the bad one."""
    try:
        return _run(op, samples)
    except Exception:  # noqa: BLE001 - re-run to name the failing sample
        for dt, s in samples:
            try:
                _run(op, [(dt, s)])
            except Exception as e:
                raise AssertionError(f"{op.name} [{dt}] sample {s.name!r} {s.kwargs}: "
                                     f"{type(e).__name__}: {e}") from e
        raise


CASES = [op for op in OPS if op.name not in DATA_DEPENDENT and _samples(op)]


# Ops with a native rule that hands some cases (dtypes, attributes) to the host on purpose.
PARTIAL = frozenset({
    "pow",         # integer powers (an exponent loop) run on the host
    "index_copy",  # creation_rules.py hands non-vector indices to the host
})


@pytest.mark.parametrize("op", CASES, ids=lambda o: o.name)
def test_llvm_matches_interpreter(op):
    samples = _samples(op)
    if op.name in UPSTREAM:  # still broken elsewhere: some sample must still fail
        with pytest.raises(Exception):
            for sample in samples:
                _run(op, [sample])
        return
    host = set(_run_isolating(op, samples))
    allowed = HOST_FALLBACK | PARTIAL
    assert host <= allowed, \
        f"{op.name}: {sorted(host - allowed)} ran on the host but have a native rule or " \
        f"decomposition (and are not in PARTIAL)"
    if op.name in PARTIAL:
        assert op.name in host, f"{op.name} is fully native now: remove it from PARTIAL"


@pytest.mark.parametrize("op", [op for op in OPS if op.name not in DATA_DEPENDENT and
                                _samples(op, 1, native=False)], ids=lambda o: o.name)
def test_non_native_outputs_raise_lowering_error(op):
    """Ops producing complex / half results from native inputs are rejected cleanly."""
    with pytest.raises(LoweringError, match="does not support"):
        _run(op, _samples(op, 1, native=False)[:1])


@pytest.mark.parametrize("op", sorted(DATA_DEPENDENT), ids=str)
def test_data_dependent_sizes_raise_lowering_error(op):
    op = R.get(op)
    with pytest.raises(LoweringError, match="data-dependent"):
        _run(op, _samples(op, 1))


NON_NATIVE = [op for op in OPS if any(not _native(d) for d in op.dtypes)]


def test_non_native_dtypes_raise_lowering_error():
    """float16 / bfloat16 / complex graphs are rejected cleanly (the caller falls back)."""
    checked = 0
    for op in NON_NATIVE[::8]:
        dt = next(d for d in op.dtypes if not _native(d))
        samples = [(dt, s) for s in list(op.samples(dt))[:1]]
        if not samples or op.name in UPSTREAM or op.name in DATA_DEPENDENT:
            continue
        with pytest.raises(LoweringError):
            _run(op, samples)
        checked += 1
    assert checked > 10


def test_every_op_is_native_decomposed_or_host():
    lacking = sorted(op.name for op in OPS
                     if op.name not in RULES and op.decomp is None and
                     op.name not in HOST_FALLBACK)
    assert not lacking, f"ops with no rule, no decomposition and not in HOST_FALLBACK: {lacking}"
    stale = sorted(n for n in HOST_FALLBACK if n in RULES or R.get(n).decomp is not None)
    assert not stale, f"HOST_FALLBACK lists ops that now have a rule or decomposition: {stale}"
    unknown = sorted(n for n in HOST_FALLBACK | DATA_DEPENDENT | set(UPSTREAM) if not R.has(n))
    assert not unknown, unknown
