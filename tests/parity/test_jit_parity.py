"""torch.jit.trace against PyTorch 2.13: the zoo models traced in both libraries (same weights
copied through numpy) give the same outputs at the trace shape and at another batch size;
error types agree for the documented misuse cases."""
from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pytest

import graphtorch as gt

torch = pytest.importorskip("torch")

sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
from jit.zoo import ZOO, build, copy_weights, example  # noqa: E402


def _leaves(out):
    return list(out) if isinstance(out, tuple) else [out]


def _quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


@pytest.mark.parametrize("name", list(ZOO))
def test_zoo_traced_outputs_agree(name):
    g = build(name, gt).eval()
    t = build(name, torch).eval()
    copy_weights(g, t, torch)
    gtr = _quiet(lambda: gt.jit.trace(g, example(name, gt, 4)))
    # torch's own checker trips on TransformerEncoderLayer's fast path: no check there
    ttr = _quiet(lambda: torch.jit.trace(t, example(name, torch, 4), check_trace=False))
    for b in (4, 2):
        a_out = _leaves(gtr(*example(name, gt, b)))
        b_out = _leaves(ttr(*example(name, torch, b)))
        assert len(a_out) == len(b_out)
        for x, y in zip(a_out, b_out):
            assert tuple(x.shape) == tuple(y.shape)
            np.testing.assert_allclose(x.detach().numpy(), y.detach().numpy(),
                                       rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", ["mlp", "resblock"])
def test_zoo_traced_gradients_agree(name):
    g = build(name, gt).eval()
    t = build(name, torch).eval()
    copy_weights(g, t, torch)
    gtr = _quiet(lambda: gt.jit.trace(g, example(name, gt, 4)))
    ttr = _quiet(lambda: torch.jit.trace(t, example(name, torch, 4)))
    xg = example(name, gt, 3)[0].requires_grad_()
    xt = example(name, torch, 3)[0].requires_grad_()
    gtr(xg).pow(2).sum().backward()
    ttr(xt).pow(2).sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-4)
    for (n, p), (_, q) in zip(g.named_parameters(), t.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-4,
                                   err_msg=n)


def _exc(lib, fn):
    try:
        _quiet(lambda: fn(lib))
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e).__name__
    return None


def _branch(lib):
    def f(x):
        return x * 2 if x.sum() > 0 else x - 1
    return f


class _Cases:
    @staticmethod
    def dict_output(lib):
        return lib.jit.trace(lambda x: {"a": x}, lib.ones(2))

    @staticmethod
    def list_output_strict(lib):
        return lib.jit.trace(lambda x: [x, x * 2], lib.ones(2))

    @staticmethod
    def dict_output_nonstrict(lib):
        return lib.jit.trace(lambda x: {"a": x}, lib.ones(2), strict=False)

    @staticmethod
    def module_dict_output(lib):
        class D(lib.nn.Module):
            def forward(self, x):
                return {"a": x}
        return lib.jit.trace(D(), lib.ones(2))

    @staticmethod
    def non_callable(lib):
        return lib.jit.trace(3, lib.ones(2))

    @staticmethod
    def trace_module_of_function(lib):
        return lib.jit.trace_module(lambda x: x, {"forward": lib.ones(2)})

    @staticmethod
    def trace_module_without_dict(lib):
        return lib.jit.trace_module(lib.nn.Linear(3, 2), lib.ones(2, 3))

    @staticmethod
    def check_inputs_data_branch(lib):
        return lib.jit.trace(_branch(lib), lib.ones(3),
                             check_inputs=[(lib.ones(3),), (-lib.ones(3),)])

    @staticmethod
    def too_many_args_at_call(lib):
        t = lib.jit.trace(lambda x: x * 2, lib.ones(2))
        return t(lib.ones(2), lib.ones(2))


@pytest.mark.parametrize("case", [k for k in vars(_Cases) if not k.startswith("_")])
def test_exception_types_agree(case):
    fn = getattr(_Cases, case)
    assert _exc(gt, fn) == _exc(torch, fn)


def test_tracing_check_error_is_exception():
    assert issubclass(gt.jit.TracingCheckError, Exception)
    assert issubclass(gt.jit.TracerWarning, Warning)
    assert issubclass(torch.jit.TracerWarning, Warning)


def test_traced_module_state_dict_keys_agree():
    g, t = build("resblock", gt).eval(), build("resblock", torch).eval()
    gtr = _quiet(lambda: gt.jit.trace(g, example("resblock", gt, 2)))
    ttr = _quiet(lambda: torch.jit.trace(t, example("resblock", torch, 2)))
    assert list(gtr.state_dict()) == list(ttr.state_dict())
    assert [n for n, _ in gtr.named_parameters()] == [n for n, _ in ttr.named_parameters()]
