"""torch.nn.utils.prune: zero parameter entries through a mask.

Pruning ``module.<name>`` moves the parameter to ``<name>_orig``, adds the buffer
``<name>_mask`` and recomputes ``<name> = <name>_orig * <name>_mask`` before every forward
(a forward pre-hook).  Pruning again only considers the entries still unpruned; ``remove``
makes the pruning permanent."""
from __future__ import annotations

import numbers

__all__ = ["BasePruningMethod", "PruningContainer", "Identity", "RandomUnstructured", "L1Unstructured",
           "RandomStructured", "LnStructured", "CustomFromMask", "identity",
           "random_unstructured", "l1_unstructured", "random_structured", "ln_structured",
           "global_unstructured", "custom_from_mask", "remove", "is_pruned"]


def _n_to_prune(amount, size):
    if isinstance(amount, numbers.Integral) and not isinstance(amount, bool):
        if amount < 0:
            raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or "
                             "a non-negative integer")
        if amount > size:
            raise ValueError(f"amount={amount} should be smaller than the number of parameters "
                             f"to prune={size}")
        return int(amount)
    if not 0.0 <= float(amount) <= 1.0:
        raise ValueError(f"amount={amount} should either be a float in the range [0, 1] or a "
                         "non-negative integer")
    return round(float(amount) * size)


class BasePruningMethod:
    """A pruning method: ``compute_mask(t, default_mask)`` gives the new mask."""

    PRUNING_TYPE = "unstructured"

    def __call__(self, module, inputs):
        setattr(module, self._tensor_name, self.apply_mask(module))

    def compute_mask(self, t, default_mask):
        raise NotImplementedError

    def apply_mask(self, module):
        name = self._tensor_name
        return getattr(module, name + "_orig") * getattr(module, name + "_mask")

    def prune(self, t, default_mask=None, importance_scores=None):
        from ... import ones_like
        scores = t if importance_scores is None else importance_scores
        mask = ones_like(t) if default_mask is None else default_mask
        return t * self._combined(scores, mask)

    def _combined(self, scores, mask):
        """The new mask: entries already pruned stay pruned; the method decides among the
        remaining ones (structured methods among the remaining channels)."""
        keep = mask == 1
        new = mask.clone()
        if self.PRUNING_TYPE == "unstructured":
            sub = self.compute_mask(scores[keep], mask[keep])
            new[keep] = sub.to(new.dtype)
            return new
        if scores.dim() <= 1:
            raise ValueError("Structured pruning can only be applied to multidimensional "
                             f"tensors. Found tensor of shape {scores.shape} with "
                             f"{scores.dim()} dims")
        return mask * self.compute_mask(scores * mask, mask)

    @classmethod
    def apply(cls, module, name, *args, importance_scores=None, **kwargs):
        from ... import no_grad, ones_like
        from ..parameter import Parameter
        method = cls(*args, **kwargs)
        method._tensor_name = name
        old = None
        for k, hook in list(module._forward_pre_hooks.items()):
            if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
                old = k
        if old is None:
            orig = getattr(module, name)
            if not isinstance(orig, Parameter):
                raise AttributeError(f"Parameter '{name}' of module {module} has to be "
                                     "pruned but is not a Parameter")
            default_mask = ones_like(orig)
        else:
            orig = getattr(module, name + "_orig")
            default_mask = getattr(module, name + "_mask").detach().clone()
        scores = orig if importance_scores is None else importance_scores
        with no_grad():  # before any change to the module: a bad amount leaves it intact
            mask = method._combined(scores.detach(), default_mask)
        if old is None:
            module.register_parameter(name + "_orig", orig)
            del module._parameters[name]
        else:  # pruned again: the hook becomes (or grows) a PruningContainer, as in torch
            prev = module._forward_pre_hooks.pop(old)
            container = prev if isinstance(prev, PruningContainer) else PruningContainer(prev)
            container.add_pruning_method(method)
        if name + "_mask" in module._buffers:
            module._buffers[name + "_mask"] = mask
        else:
            module.register_buffer(name + "_mask", mask)
        setattr(module, name, method.apply_mask(module))
        module.register_forward_pre_hook(method if old is None else container)
        return method

    def remove(self, module):
        from ..parameter import Parameter
        name = self._tensor_name
        weight = self.apply_mask(module)
        if hasattr(module, name):
            delattr(module, name)
        orig = module._parameters[name + "_orig"]
        orig.data = weight.data
        del module._parameters[name + "_orig"]
        del module._buffers[name + "_mask"]
        module.register_parameter(name, orig if isinstance(orig, Parameter) else Parameter(orig))


class PruningContainer(BasePruningMethod):
    """The pruning methods applied one after the other to one tensor (the forward pre-hook
    of a tensor pruned more than once); iterable, indexable and sized like a tuple."""

    def __init__(self, *args):
        self._pruning_methods = ()
        methods = args[0] if len(args) == 1 and not isinstance(args[0], BasePruningMethod) \
            else args
        for m in methods:
            if not hasattr(self, "_tensor_name"):
                self._tensor_name = m._tensor_name
            self.add_pruning_method(m)

    def add_pruning_method(self, method):
        """Append ``method`` (it must prune the same tensor)."""
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise TypeError(f"{type(method)} is not a BasePruningMethod subclass")
        if method is not None and self._tensor_name != method._tensor_name:
            raise ValueError(f"Can only add pruning methods acting on the parameter named "
                             f"'{self._tensor_name}' to PruningContainer {self}. Found "
                             f"'{method._tensor_name}'")
        self._pruning_methods += (method,)

    def __len__(self):
        return len(self._pruning_methods)

    def __iter__(self):
        return iter(self._pruning_methods)

    def __getitem__(self, idx):
        return self._pruning_methods[idx]

    def compute_mask(self, t, default_mask):
        return self._pruning_methods[-1]._combined(t, default_mask)


class Identity(BasePruningMethod):
    def compute_mask(self, t, default_mask):
        return default_mask


class RandomUnstructured(BasePruningMethod):
    def __init__(self, amount):
        self.amount = amount

    def compute_mask(self, t, default_mask):
        from ... import rand_like
        return _drop_smallest(rand_like(t, dtype=None), default_mask,
                              _n_to_prune(self.amount, t.numel()))


class L1Unstructured(BasePruningMethod):
    def __init__(self, amount):
        self.amount = amount

    def compute_mask(self, t, default_mask):
        return _drop_smallest(t.abs(), default_mask, _n_to_prune(self.amount, t.numel()))


def _drop_smallest(scores, mask, k):
    mask = mask.clone()
    if k:
        idx = scores.reshape(-1).topk(k, largest=False).indices
        flat = mask.reshape(-1)
        flat[idx] = 0
        mask = flat.reshape(mask.shape)
    return mask


class LnStructured(BasePruningMethod):
    PRUNING_TYPE = "structured"

    def __init__(self, amount, n, dim=-1):
        self.amount, self.n, self.dim = amount, n, dim

    def compute_mask(self, t, default_mask):
        dim = self.dim % t.dim()
        other = [d for d in range(t.dim()) if d != dim]
        norms = t.norm(self.n, dim=other) if other else t.abs()
        return _keep_channels(norms, t, dim, _n_to_prune(self.amount, t.shape[dim]))


class RandomStructured(BasePruningMethod):
    PRUNING_TYPE = "structured"

    def __init__(self, amount, dim=-1):
        self.amount, self.dim = amount, dim

    def compute_mask(self, t, default_mask):
        from ... import rand
        dim = self.dim % t.dim()
        return _keep_channels(rand(t.shape[dim]), t, dim, _n_to_prune(self.amount,
                                                                        t.shape[dim]))


def _keep_channels(scores, t, dim, k):
    from ... import zeros_like
    mask = zeros_like(t)
    keep = scores.topk(t.shape[dim] - k).indices if t.shape[dim] - k > 0 else None
    if keep is not None:
        mask.index_fill_(dim, keep, 1.0)
    return mask


class CustomFromMask(BasePruningMethod):
    def __init__(self, mask):
        self.mask = mask

    def compute_mask(self, t, default_mask):
        return default_mask * self.mask.to(default_mask.dtype)

    def _combined(self, scores, mask):
        return self.compute_mask(scores, mask)


def identity(module, name):
    """Apply a mask of ones (the reparametrization without pruning anything)."""
    Identity.apply(module, name)
    return module


def random_unstructured(module, name, amount):
    """Prune ``amount`` (a count or a fraction) random unpruned entries."""
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module, name, amount, importance_scores=None):
    """Prune the ``amount`` unpruned entries of smallest magnitude."""
    L1Unstructured.apply(module, name, amount, importance_scores=importance_scores)
    return module


def random_structured(module, name, amount, dim):
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module, name, amount, n, dim, importance_scores=None):
    """Prune the ``amount`` channels along ``dim`` of smallest L``n`` norm."""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def custom_from_mask(module, name, mask):
    CustomFromMask.apply(module, name, mask)
    return module


def global_unstructured(parameters, pruning_method, importance_scores=None, **kwargs):
    """Prune across several (module, name) pairs at once, ranking all their entries."""
    from ... import cat, no_grad, ones_like
    parameters = list(parameters)
    ts, masks = [], []
    for module, name in parameters:
        t = getattr(module, name)
        ts.append(t.detach().reshape(-1))
        m = getattr(module, name + "_mask", None)
        masks.append((ones_like(t) if m is None else m).reshape(-1))
    with no_grad():
        scores, mask = cat(ts), cat(masks)
        new = pruning_method(**kwargs)._combined(scores, mask)
    start = 0
    for (module, name), t in zip(parameters, ts):
        n = t.numel()
        custom_from_mask(module, name, new[start:start + n].reshape(getattr(module, name).shape))
        start += n


def remove(module, name):
    """Make the pruning of ``module.<name>`` permanent (drop the mask and the hook)."""
    for k, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"Parameter '{name}' of module {module} has to be pruned before pruning "
                     "can be removed")


def is_pruned(module) -> bool:
    """Whether ``module`` or one of its submodules is pruned."""
    return any(isinstance(h, BasePruningMethod)
               for m in module.modules() for h in m._forward_pre_hooks.values())
