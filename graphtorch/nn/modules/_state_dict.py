"""Module.state_dict / load_state_dict with PyTorch's key order, metadata, hooks and errors."""
from __future__ import annotations

from collections import OrderedDict, namedtuple

from ...eager.autograd import _Handle
from ...eager.grad_mode import no_grad
from ...eager.tensor import Tensor


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def save_to_state_dict(self, destination, prefix, keep_vars):
    for name, param in self._parameters.items():
        if param is not None:
            destination[prefix + name] = param if keep_vars else param.detach()
    for name, buf in self._buffers.items():
        if buf is not None and name not in self._non_persistent_buffers_set:
            destination[prefix + name] = buf if keep_vars else buf.detach()
    if type(self).get_extra_state is not _base_get_extra_state():
        destination[prefix + "_extra_state"] = self.get_extra_state()


def _base_get_extra_state():
    from .module import Module
    return Module.get_extra_state


def state_dict(self, *args, destination=None, prefix="", keep_vars=False):
    """An OrderedDict of parameters and persistent buffers, keys dotted by module path."""
    if args:  # the deprecated positional form (destination, prefix, keep_vars)
        destination = args[0] if len(args) > 0 else destination
        prefix = args[1] if len(args) > 1 else prefix
        keep_vars = args[2] if len(args) > 2 else keep_vars
    if destination is None:
        destination = OrderedDict()
        destination._metadata = OrderedDict()
    local_metadata = dict(version=self._version)
    if hasattr(destination, "_metadata"):
        destination._metadata[prefix[:-1]] = local_metadata
    for hook in self._state_dict_pre_hooks.values():
        hook(self, prefix, keep_vars)
    self._save_to_state_dict(destination, prefix, keep_vars)
    for name, module in self._modules.items():
        if module is not None:
            module.state_dict(destination=destination, prefix=prefix + name + ".",
                              keep_vars=keep_vars)
    for hook in self._state_dict_hooks.values():
        result = hook(self, destination, prefix, local_metadata)
        if result is not None:
            destination = result
    return destination


def load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                         unexpected_keys, error_msgs):
    for hook in self._load_state_dict_pre_hooks.values():
        hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
             error_msgs)
    persistent = {k: v for k, v in self._buffers.items()
                  if k not in self._non_persistent_buffers_set}
    local = {k: v for k, v in list(self._parameters.items()) + list(persistent.items())
             if v is not None}
    assign = local_metadata.get("assign_to_params_buffers", False)
    for name, param in local.items():
        key = prefix + name
        if key not in state_dict:
            if strict:
                missing_keys.append(key)
            continue
        value = state_dict[key]
        if not isinstance(value, Tensor):
            error_msgs.append(f'While copying the parameter named "{key}", expected torch.Tensor '
                              f"or Tensor-like object from checkpoint but received "
                              f"{type(value)}")
            continue
        if tuple(value.shape) != tuple(param.shape):
            error_msgs.append(f"size mismatch for {key}: copying a param with shape "
                              f"{value.shape} from checkpoint, the shape in current model is "
                              f"{param.shape}.")
            continue
        try:
            if assign:
                _assign(self, name, param, value)
            else:
                with no_grad():
                    param.copy_(value)
        except Exception as e:  # noqa: BLE001 - reported the way PyTorch reports it
            error_msgs.append(f'While copying the parameter named "{key}", whose dimensions in '
                              f"the model are {param.shape} and whose dimensions in the "
                              f"checkpoint are {value.shape}, an exception occurred : {e.args}.")
    extra = prefix + "_extra_state"
    if type(self).set_extra_state is not _base_set_extra_state():
        if extra in state_dict:
            self.set_extra_state(state_dict[extra])
        elif strict:
            missing_keys.append(extra)
    if strict:
        for key in state_dict:
            if key.startswith(prefix) and key != extra:
                name = key[len(prefix):].split(".", 1)[0]
                if name not in self._modules and name not in local:
                    unexpected_keys.append(key)


def _base_set_extra_state():
    from .module import Module
    return Module.set_extra_state


def _assign(self, name, param, value):
    from ..parameter import Parameter
    if name in self._parameters:
        self._parameters[name] = Parameter(value.detach(), param.requires_grad) \
            if not isinstance(value, Parameter) else value
    else:
        self._buffers[name] = value


def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
    """Copy parameters and buffers from ``state_dict``; with ``strict`` the keys must match
    exactly.  Returns ``_IncompatibleKeys(missing_keys, unexpected_keys)``."""
    if not isinstance(state_dict, dict):
        raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
    missing, unexpected, errors = [], [], []
    metadata = getattr(state_dict, "_metadata", None)
    state_dict = OrderedDict(state_dict)
    if metadata is not None:
        state_dict._metadata = metadata

    def load(module, local_state_dict, prefix=""):
        local_metadata = {} if metadata is None else dict(metadata.get(prefix[:-1], {}))
        if assign:
            local_metadata["assign_to_params_buffers"] = assign
        module._load_from_state_dict(local_state_dict, prefix, local_metadata, True, missing,
                                     unexpected, errors)
        for name, child in module._modules.items():
            if child is not None:
                child_prefix = prefix + name + "."
                child_sd = {k: v for k, v in local_state_dict.items()
                            if k.startswith(child_prefix)}
                load(child, child_sd, child_prefix)
        incompatible = _IncompatibleKeys(missing, unexpected)
        for hook in module._load_state_dict_post_hooks.values():
            hook(module, incompatible)

    load(self, state_dict)
    if strict:
        if unexpected:
            errors.insert(0, "Unexpected key(s) in state_dict: {}. ".format(
                ", ".join(f'"{k}"' for k in unexpected)))
        if missing:
            errors.insert(0, "Missing key(s) in state_dict: {}. ".format(
                ", ".join(f'"{k}"' for k in missing)))
    if errors:
        raise RuntimeError("Error(s) in loading state_dict for {}:\n\t{}".format(
            type(self).__name__, "\n\t".join(errors)))
    return _IncompatibleKeys(missing, unexpected)


def register_state_dict_pre_hook(self, hook):
    """``hook(module, prefix, keep_vars)`` runs before state_dict() collects this module."""
    return _Handle(self._state_dict_pre_hooks, hook)


def register_state_dict_post_hook(self, hook):
    """``hook(module, state_dict, prefix, local_metadata)`` runs after state_dict()."""
    return _Handle(self._state_dict_hooks, hook)


def register_load_state_dict_pre_hook(self, hook):
    """``hook(module, state_dict, prefix, local_metadata, strict, missing, unexpected, errors)``."""
    def wrapped(state_dict, prefix, *rest):
        return hook(self, state_dict, prefix, *rest)
    return _Handle(self._load_state_dict_pre_hooks, wrapped)


def register_load_state_dict_post_hook(self, hook):
    """``hook(module, incompatible_keys)`` runs after load_state_dict (may edit the key lists)."""
    return _Handle(self._load_state_dict_post_hooks, hook)
