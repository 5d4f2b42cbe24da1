"""gradcheck / gradgradcheck: compare analytical gradients with central finite differences."""
from __future__ import annotations

import numpy as np

from ..eager.tensor import Tensor, wrap
from .api import grad as autograd_grad


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients differ."""


def _as_tuple(x):
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _outputs(func, inputs):
    return [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]


def _numerical(func, inputs, out_idx, out_numel, eps):
    """Jacobian columns by central differences, one perturbed input element at a time."""
    jac = []
    for t in inputs:
        if not (isinstance(t, Tensor) and t._requires_grad):
            jac.append(None)
            continue
        flat = t._data.reshape(-1) if t._data.flags.c_contiguous else None
        J = np.zeros((t._data.size, out_numel), dtype=np.float64)
        for i in range(t._data.size):
            idx = np.unravel_index(i, t._data.shape)
            orig = t._data[idx]
            t._data[idx] = orig + eps
            plus = _outputs(func, inputs)[out_idx]._data.astype(np.float64).ravel()
            t._data[idx] = orig - eps
            minus = _outputs(func, inputs)[out_idx]._data.astype(np.float64).ravel()
            t._data[idx] = orig
            J[i] = (plus - minus) / (2 * eps)
        del flat
        jac.append(J)
    return jac


def _analytical(func, inputs, out_idx, out):
    diff = [t for t in inputs if isinstance(t, Tensor) and t._requires_grad]
    n = out._data.size
    jac = [np.zeros((t._data.size, n)) for t in diff]
    for j in range(n):
        go = np.zeros(out._data.shape, dtype=out._dtype.np)
        go.reshape(-1)[j] = 1
        out_now = _outputs(func, inputs)[out_idx]
        gs = autograd_grad(out_now, diff, wrap(go), allow_unused=True)
        for k, g in enumerate(gs):
            if g is not None:
                jac[k][:, j] = g._data.astype(np.float64).ravel()
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False,
              masked=None) -> bool:
    """Check gradients of ``func`` at ``inputs`` (double precision tensors) against finite
    differences; raises GradcheckError (or returns False) on mismatch."""
    inputs = _as_tuple(inputs)
    for t in inputs:
        if isinstance(t, Tensor) and t._requires_grad and t._dtype.itemsize < 8 and \
                t._dtype.category == 2:
            import warnings
            warnings.warn("Input #0 requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex. ", UserWarning)
    outs = _outputs(func, inputs)
    diff = [t for t in inputs if isinstance(t, Tensor) and t._requires_grad]
    for oi, out in enumerate(outs):
        if not out._requires_grad or out._dtype.category < 2:
            continue
        num = [j for j in _numerical(func, inputs, oi, out._data.size, eps) if j is not None]
        ana = _analytical(func, inputs, oi, out)
        for k, (a, n) in enumerate(zip(ana, num)):
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                msg = (f"Jacobian mismatch for output {oi} with respect to input {k},\n"
                       f"numerical:{n}\nanalytical:{a}\n")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    del diff
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, **kwargs) -> bool:
    """Check second derivatives: gradcheck of the vector-Jacobian product of ``func``."""
    inputs = _as_tuple(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.RandomState(0)
        grad_outputs = tuple(wrap(rng.standard_normal(o._data.shape).astype(o._dtype.np))
                             .requires_grad_(True) for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def vjp_fn(*args):
        ins, gos = args[:n_in], args[n_in:]
        o = _outputs(func, ins)
        diff = [t for t in ins if isinstance(t, Tensor) and t._requires_grad]
        gs = autograd_grad(o, diff, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(vjp_fn, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
