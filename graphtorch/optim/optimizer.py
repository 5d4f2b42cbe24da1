"""Optimizer base: param_groups with per-group options, state keyed by parameter,
state_dict / load_state_dict in PyTorch's layout, zero_grad, step hooks."""
from __future__ import annotations

import functools
from collections import OrderedDict, defaultdict
from copy import deepcopy
from itertools import chain

from ..eager.autograd import _Handle
from ..eager.grad_mode import no_grad
from ..eager.grad_utils import reset_grads
from ..eager.sparse_tensor import ACTIVE as SPARSE_ACTIVE
from ..eager.sparse_tensor import SparseData
from ..eager.tensor import Tensor


class _RequiredParameter:
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()
_global_pre_hooks: dict = OrderedDict()
_global_post_hooks: dict = OrderedDict()


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of Tensors, or of dicts defining parameter groups.
        defaults: default values of the optimization options.
    """

    def __init__(self, params, defaults):
        self.defaults = defaults
        self._optimizer_step_pre_hooks = OrderedDict()
        self._optimizer_step_post_hooks = OrderedDict()
        self._optimizer_state_dict_pre_hooks = OrderedDict()
        self._optimizer_state_dict_post_hooks = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks = OrderedDict()
        self._optimizer_load_state_dict_post_hooks = OrderedDict()
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)
        self._wrap_step()

    def _wrap_step(self):
        cls_step = type(self).step
        if getattr(cls_step, "_hooked", False):
            return

        @functools.wraps(cls_step)
        def step(this, *args, **kwargs):
            for hook in chain(_global_pre_hooks.values(),
                              this._optimizer_step_pre_hooks.values()):
                r = hook(this, args, kwargs)
                if r is not None:
                    if not (isinstance(r, tuple) and len(r) == 2):
                        raise RuntimeError(f"{hook} must return None or a tuple of (new_args, "
                                           f"new_kwargs), but got {r}.")
                    args, kwargs = r
            out = cls_step(this, *args, **kwargs)
            this._opt_called = True
            for hook in chain(this._optimizer_step_post_hooks.values(),
                              _global_post_hooks.values()):
                hook(this, args, kwargs)
            return out
        step._hooked = True
        type(self).step = step

    def __getstate__(self):
        return {"defaults": self.defaults, "state": self.state,
                "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def __repr__(self):
        s = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            s += "\n" + f"Parameter Group {i}"
            for key in sorted(group.keys()):
                if key != "params":
                    s += "\n" + f"    {key}: {group[key]}"
        return s + "\n)"

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters (a dict with 'params' and options) to optimize."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        else:
            param_group["params"] = list(params)
        for p in param_group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                + type(p).__name__)
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or
                                                                       p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        params = param_group["params"]
        if len(params) != len({id(p) for p in params}):
            import warnings
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized parameters (to None by default)."""
        reset_grads((p for g in self.param_groups for p in g["params"]), set_to_none)

    def step(self, closure=None):
        raise NotImplementedError

    # ---------------------------------------------------------------- state dict
    def state_dict(self) -> dict:
        """{'state': {index: {...}}, 'param_groups': [{options..., 'params': [index, ...]}]}."""
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        mapping, start = {}, 0

        def pack_group(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = {id(p): i for i, p in enumerate(group["params"], start)
                   if id(p) not in mapping}
            mapping.update(ids)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(ids)
            return packed
        groups = [pack_group(g) for g in self.param_groups]
        state = {mapping[id(k)]: v for k, v in self.state.items() if id(k) in mapping}
        sd = {"state": state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            r = hook(self, sd)
            if r is not None:
                sd = r
        return sd

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore options and per-parameter state saved by :meth:`state_dict`."""
        state_dict = state_dict.copy()
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            r = hook(self, state_dict)
            if r is not None:
                state_dict = r
        groups = self.param_groups
        saved_groups = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = {old: p for g, s in zip(groups, saved_groups)
                  for old, p in zip(s["params"], g["params"])}
        state = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = {key: _cast(param, val, key) for key, val in v.items()}
            else:
                state[k] = v
        new_groups = []
        for g, s in zip(groups, saved_groups):
            s["params"] = g["params"]
            new_groups.append(s)
        self.__setstate__({"state": state, "param_groups": new_groups})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)

    # ---------------------------------------------------------------- hooks
    def register_step_pre_hook(self, hook):
        return _Handle(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook):
        return _Handle(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        return _Handle(self._optimizer_state_dict_pre_hooks, hook)

    def register_state_dict_post_hook(self, hook, prepend=False):
        return _Handle(self._optimizer_state_dict_post_hooks, hook)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        return _Handle(self._optimizer_load_state_dict_pre_hooks, hook)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        return _Handle(self._optimizer_load_state_dict_post_hooks, hook)

    # the error for a sparse gradient (None: this optimizer handles sparse gradients)
    _SPARSE_ERROR = "{} does not support sparse gradients"

    def _params_with_grad(self, group):
        ps = [p for p in group["params"] if p.grad is not None]
        msg = self._SPARSE_ERROR
        if msg is not None and SPARSE_ACTIVE[0]:  # no sparse grad can exist before
            for p in ps:
                if type(p.grad._data) is SparseData:
                    raise RuntimeError(msg.format(type(self).__name__))
        return ps

    @staticmethod
    def _closure(closure):
        if closure is None:
            return None
        from ..eager.grad_mode import enable_grad
        with enable_grad():
            return closure()


def _cast(param, value, key):
    """Saved state moves to the parameter's dtype (except 'step') and device."""
    if isinstance(value, Tensor):
        if key != "step" and value.is_floating_point() and param.is_floating_point():
            return value.to(dtype=param.dtype)
        return value
    if isinstance(value, dict):
        return {k: _cast(param, v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):  # LBFGS keeps lists of tensors
        return type(value)(_cast(param, v, None) for v in value)
    return value


def register_optimizer_step_pre_hook(hook):
    return _Handle(_global_pre_hooks, hook)


def register_optimizer_step_post_hook(hook):
    return _Handle(_global_post_hooks, hook)


__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook",
           "register_optimizer_step_post_hook"]
del no_grad
