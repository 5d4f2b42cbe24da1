"""Pruning tutorial: prune.random_unstructured (props only), prune.l1_unstructured by amount and
by int, named_buffers weight_mask, weight_orig in named_parameters, forward_pre_hooks,
iterative pruning with ln_structured(n=2, dim=0) combining masks (PruningContainer), prune.remove
making it permanent, global_unstructured over several layers with L1Unstructured, custom
BasePytorchPruning subclass with compute_mask, is_pruned, and sparsity counts."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.prune as prune
from casekit import init_params


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 3, 3)
        self.conv2 = nn.Conv2d(3, 4, 3)
        self.fc1 = nn.Linear(4 * 2 * 2, 6)
        self.fc2 = nn.Linear(6, 3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.relu(self.conv2(x))
        x = x.view(-1, int(x.nelement() / x.shape[0]))
        return self.fc2(F.relu(self.fc1(x)))


class FooBarPruningMethod(prune.BasePruningMethod):
    PRUNING_TYPE = 'unstructured'

    def compute_mask(self, t, default_mask):
        mask = default_mask.clone()
        mask.view(-1)[::2] = 0
        return mask


def run():
    r = {}
    model = init_params(LeNet(), seed=1)
    module = model.conv1
    prune.random_unstructured(module, name="weight", amount=0.3)
    r["rand_pruned_count"] = int((module.weight == 0).sum())
    r["param_names"] = [n for n, _ in module.named_parameters()]
    r["buffer_names"] = [n for n, _ in module.named_buffers()]
    r["hooks"] = [type(h).__name__ for h in module._forward_pre_hooks.values()]
    prune.l1_unstructured(module, name="bias", amount=1)
    r["bias_mask"] = module.bias_mask
    r["bias"] = module.bias
    m2 = model.conv2
    prune.l1_unstructured(m2, name="weight", amount=0.5)
    prune.ln_structured(m2, name="weight", amount=0.5, n=2, dim=0)
    r["combined_mask"] = m2.weight_mask.sum((1, 2, 3))
    hook = [h for h in m2._forward_pre_hooks.values()][0]
    r["container"] = (type(hook).__name__, [type(h).__name__ for h in hook])
    prune.remove(m2, 'weight')
    r["after_remove"] = ([n for n, _ in m2.named_parameters()], [n for n, _ in m2.named_buffers()])
    r["w2"] = m2.weight[0, 0]
    r["is_pruned"] = (prune.is_pruned(model), prune.is_pruned(model.fc2))
    model = init_params(LeNet(), seed=2)
    parameters_to_prune = ((model.conv1, 'weight'), (model.conv2, 'weight'),
                           (model.fc1, 'weight'), (model.fc2, 'weight'))
    prune.global_unstructured(parameters_to_prune, pruning_method=prune.L1Unstructured, amount=0.2)
    r["global_sparsity"] = [int(torch.sum(m.weight == 0)) for m, _ in parameters_to_prune]
    total = sum(m.weight.nelement() for m, _ in parameters_to_prune)
    r["global_total"] = (sum(r["global_sparsity"]), total)
    FooBarPruningMethod.apply(model.fc2, "bias")
    r["foobar"] = model.fc2.bias_mask
    x = torch.ones(1, 1, 10, 10)
    r["out"] = model(x)
    return r
