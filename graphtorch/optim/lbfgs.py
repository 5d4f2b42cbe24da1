"""L-BFGS with an optional strong-Wolfe line search, following PyTorch's algorithm (itself
ported from minFunc / torch7's optim) step by step, so that iterates match torch's.

Scalars follow torch's types: quantities torch holds as 0-dim tensors (dot products, the
initial step, H_diag, ro, al) are numpy scalars of the parameters' dtype, quantities torch
holds as Python floats (losses, lr) stay Python floats; numpy's promotion of Python floats
(weak, like torch's wrapped numbers) then rounds every operation as torch does."""
from __future__ import annotations

import numpy as np

from ..eager.grad_mode import enable_grad, no_grad
from ..eager.tensor import Tensor, wrap
from .adagrad import _bump, _check_lr, _fma, _real, _scalar
from .optimizer import Optimizer


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """Minimizer of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to ``bounds``
    (the interval's midpoint when the cubic has no real minimizer)."""
    if bounds is not None:
        lo, hi = bounds
    else:
        lo, hi = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = np.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, lo), hi)
    return (lo + hi) / 2.0


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                  max_ls=25):
    """Line search along ``d`` for a step ``t`` satisfying the strong Wolfe conditions:
    bracketing, then zooming with cubic interpolation. Returns (f, g, t, evaluations)."""
    d_norm = np.abs(d).max()
    br, done, ls_iter, evals = _bracket(obj_func, x, t, d, f, g.copy(), gtd, c1, c2, max_ls)
    # zoom: shrink the bracket [t, f, g, gtd] until a point satisfies the conditions
    low, high = (0, 1) if br[1][0] <= br[1][-1] else (1, 0)
    insuf_progress = False
    while not done and ls_iter < max_ls:
        if abs(br[0][1] - br[0][0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(br[0][0], br[1][0], br[3][0], br[0][1], br[1][1], br[3][1])
        t, insuf_progress = _safeguard(t, br[0], insuf_progress)
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        ls_iter += 1
        point = (t, f_new, g_new, g_new.dot(d))
        if f_new > (f + c1 * t * gtd) or f_new >= br[1][low]:
            _put(br, high, point)
            low, high = (0, 1) if br[1][0] <= br[1][1] else (1, 0)
        else:
            if abs(point[3]) <= -c2 * gtd:
                done = True
            elif point[3] * (br[0][high] - br[0][low]) >= 0:
                _put(br, high, [col[low] for col in br])    # old high becomes the new low
            _put(br, low, point)
    return br[1][low], br[2][low], br[0][low], evals


def _bracket(obj_func, x, t, d, f, g, gtd, c1, c2, max_ls):
    """First phase: extrapolate until an interval brackets an acceptable step (or the first
    trial already satisfies the conditions: done). Returns ([ts, fs, gs, gtds], done,
    iterations, evaluations)."""
    f_new, g_new = obj_func(x, t, d)
    evals, ls_iter = 1, 0
    gtd_new = g_new.dot(d)
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    while ls_iter < max_ls:
        if (f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev)
                or not abs(gtd_new) <= -c2 * gtd and gtd_new >= 0):
            return [[t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new]], \
                False, ls_iter, evals
        if abs(gtd_new) <= -c2 * gtd:
            return [[t], [f_new], [g_new], [gtd_new]], True, ls_iter, evals
        min_step, max_step = t + 0.01 * (t - t_prev), t * 10
        t_prev, t = t, _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                                          bounds=(min_step, max_step))
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new = obj_func(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    # out of evaluations: bracket from the origin (its gtd is never read: zoom cannot run)
    return [[0, t], [f, f_new], [g, g_new], [gtd, gtd_new]], False, ls_iter, evals


def _put(br, i, point):
    for col, v in zip(br, point):
        col[i] = v


def _safeguard(t, br, insuf_progress):
    """Keep the zoom step away from the bracket's ends (0.1 of its length) when progress
    stalls or the interpolation lands on / outside a boundary."""
    eps = 0.1 * (max(br) - min(br))
    if min(max(br) - t, t - min(br)) < eps:
        if insuf_progress or t >= max(br) or t <= min(br):
            t = max(br) - eps if abs(t - max(br)) < abs(t - min(br)) else min(br) + eps
            return t, False
        return t, True
    return t, False


def _box(v):
    """State value as torch stores it: arrays and numpy scalars become Tensors."""
    if isinstance(v, (np.ndarray, np.generic)):
        return wrap(np.array(v))
    if isinstance(v, list):
        return [_box(x) for x in v]
    return v


def _unbox(v):
    """Inverse of _box (0-dim tensors become numpy scalars of their dtype)."""
    if isinstance(v, Tensor):
        a = v._data
        return a[()] if a.ndim == 0 else np.array(a, copy=True)
    if isinstance(v, list):
        return [_unbox(x) for x in v]
    return v


class LBFGS(Optimizer):
    """L-BFGS (heavily inspired by minFunc). ``step(closure)`` needs a closure that clears the
    gradients, computes the loss, calls backward and returns the loss.

    Args:
        params: iterable of parameters (a single group only).
        lr (float): learning rate (default: 1).
        max_iter (int): maximal number of iterations per step (default: 20).
        max_eval (int): maximal number of function evaluations per step
            (default: max_iter * 1.25).
        tolerance_grad (float): termination tolerance on first order optimality (1e-7).
        tolerance_change (float): termination tolerance on function value / parameter
            changes (1e-9).
        history_size (int): update history size (default: 100).
        line_search_fn (str): either 'strong_wolfe' or None (default: None).
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        _check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]
        self._numel_cache = None

    def _numel(self):
        if self._numel_cache is None:
            self._numel_cache = sum(_real(p._data).size for p in self._params)
        return self._numel_cache

    def _gather_flat_grad(self):
        views = [np.zeros(_real(p._data).size, dtype=_real(p._data).dtype) if p.grad is None
                 else _real(p.grad._data).reshape(-1) for p in self._params]
        return np.concatenate(views, 0)

    def _add_grad(self, step_size, update):
        offset = 0
        for p in self._params:
            a = _real(p._data)
            a[...] = _fma(step_size, update[offset:offset + a.size].reshape(a.shape), a)
            offset += a.size
            _bump(p)

    def _clone_param(self):
        return [np.array(p._data, copy=True) for p in self._params]

    def _set_param(self, params_data):
        for p, data in zip(self._params, params_data):
            p._data[...] = data
            _bump(p)

    def _directional_evaluate(self, closure, x, t, d):
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    def step(self, closure):
        """Run up to ``max_iter`` L-BFGS iterations; returns the closure's initial loss."""
        group = self.param_groups[0]

        def run_closure():
            with enable_grad():
                return closure()
        with no_grad():
            return self._run(run_closure, group)

    def _run(self, closure, group):
        lr = _scalar(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        # L-BFGS has only global state; torch files it under the first parameter
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= tol_grad:
            return orig_loss
        s = {k: _unbox(state.get(k)) for k in ("d", "t", "old_dirs", "old_stps", "ro",
                                                 "H_diag", "prev_flat_grad", "prev_loss")}
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            self._direction(state, s, flat_grad, group["history_size"])
            s["prev_flat_grad"], s["prev_loss"] = flat_grad.copy(), loss
            # initial step: scaled by the gradient's 1-norm at the very first iteration only
            s["t"] = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(s["d"])
            if gtd > -tol_change:         # directional derivative below tolerance
                break
            loss, flat_grad, ls_evals, opt_cond = self._advance(
                closure, s, loss, flat_grad, gtd, group, n_iter == max_iter,
                max_eval - current_evals)
            current_evals += ls_evals
            state["func_evals"] += ls_evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(s["d"] * s["t"]).max() <= tol_change:       # lack of progress
                break
            if abs(loss - s["prev_loss"]) < tol_change:
                break
        for k, v in s.items():
            state[k] = _box(v)
        return orig_loss

    def _advance(self, closure, s, loss, flat_grad, gtd, group, last, max_ls):
        """Move the parameters along s['d'], by a strong-Wolfe line search or a fixed step
        s['t']. Returns (loss, flat_grad, evaluations, optimality reached)."""
        d, t = s["d"], s["t"]
        if group["line_search_fn"] is not None:
            if group["line_search_fn"] != "strong_wolfe":
                raise RuntimeError("only 'strong_wolfe' is supported")
            x_init = self._clone_param()

            def obj_func(x, t, d):
                return self._directional_evaluate(closure, x, t, d)
            loss, flat_grad, s["t"], evals = _strong_wolfe(obj_func, x_init, t, d, loss,
                                                           flat_grad, gtd, max_ls=max_ls)
            self._add_grad(s["t"], d)
            return loss, flat_grad, evals, np.abs(flat_grad).max() <= group["tolerance_grad"]
        self._add_grad(t, d)
        if last:        # no re-evaluation after the last iteration (useless when stochastic)
            return loss, flat_grad, 0, False
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        return loss, flat_grad, 1, np.abs(flat_grad).max() <= group["tolerance_grad"]

    def _direction(self, state, s, flat_grad, history_size):
        """Set s['d']: steepest descent at the first iteration, else the two-loop recursion
        product of the approximate inverse Hessian with -grad (after a memory update)."""
        if state["n_iter"] == 1:
            s.update(d=-flat_grad, old_dirs=[], old_stps=[], ro=[], H_diag=1)
            return
        dirs, stps, ro = s["old_dirs"], s["old_stps"], s["ro"]
        y = flat_grad - s["prev_flat_grad"]
        step = s["d"] * s["t"]
        ys = y.dot(step)
        if ys > 1e-10:
            if len(dirs) == history_size:
                dirs.pop(0)
                stps.pop(0)
                ro.pop(0)
            dirs.append(y)
            stps.append(step)
            ro.append(1.0 / ys)
            s["H_diag"] = ys / y.dot(y)
        num_old = len(dirs)
        if "al" not in state:
            state["al"] = [None] * history_size
        al = state["al"]
        q = -flat_grad
        for i in range(num_old - 1, -1, -1):
            al[i] = stps[i].dot(q) * ro[i]
            q = _fma(-_unbox(al[i]), dirs[i], q)
        r = q * s["H_diag"]
        for i in range(num_old):
            be_i = dirs[i].dot(r) * ro[i]
            r = _fma(_unbox(al[i]) - be_i, stps[i], r)
        s["d"] = r
        state["al"] = [_box(v) for v in al]
