"""torch.func tutorials: per-sample gradients (functional_call + grad + vmap with in_dims=(None,
None, 0, 0)), compared with a loop of per-sample backward; model ensembling with
stack_module_state + vmap over a base 'meta' copy; jacrev/jacfwd NTK-style (vmap over jacrev of a
functional model), hessian of a scalar function, and vjp/jvp."""
import copy
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, vmap, grad, stack_module_state, jacrev, jacfwd, hessian, vjp, jvp
from casekit import init_params, randn, randint


class SimpleMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def run():
    r = {}
    model = init_params(SimpleMLP(), seed=1)
    data = torch.tensor(randn(5, 6, seed=2))
    targets = torch.tensor(randint(0, 3, (5,), seed=3))
    params = {k: v.detach() for k, v in model.named_parameters()}
    buffers = {k: v.detach() for k, v in model.named_buffers()}

    def compute_loss(params, buffers, sample, target):
        batch = sample.unsqueeze(0)
        predictions = functional_call(model, (params, buffers), (batch,))
        return F.cross_entropy(predictions, target.unsqueeze(0))

    ft_compute_sample_grad = vmap(grad(compute_loss), in_dims=(None, None, 0, 0))
    ft = ft_compute_sample_grad(params, buffers, data, targets)
    loop = []
    for i in range(5):
        model.zero_grad()
        F.cross_entropy(model(data[i:i + 1]), targets[i:i + 1]).backward()
        loop.append(model.fc1.weight.grad.clone())
    r["per_sample_fc1"] = ft["fc1.weight"]
    r["per_sample_match"] = bool(torch.allclose(ft["fc1.weight"], torch.stack(loop), atol=1e-6))
    models = [init_params(SimpleMLP(), seed=10 + i) for i in range(3)]
    p, b = stack_module_state(models)
    base = copy.deepcopy(models[0])  # the tutorial uses .to('meta'): graphtorch has no meta device

    def fmodel(params, buffers, x):
        return functional_call(base, (params, buffers), (x,))

    r["ensemble_same_minibatch"] = vmap(fmodel, in_dims=(0, 0, None))(p, b, data)
    r["ensemble_shapes"] = {k: v.shape for k, v in p.items()}
    r["ensemble_check"] = bool(torch.allclose(r["ensemble_same_minibatch"][1], models[1](data), atol=1e-6))

    def fnet_single(params, x):
        return functional_call(model, params, (x.unsqueeze(0),)).squeeze(0)

    jac = vmap(jacrev(fnet_single), (None, 0))(params, data[:2])
    r["ntk_jac_fc2"] = jac["fc2.weight"]
    f = lambda x: (x.sin() * x.pow(2)).sum()
    x = torch.tensor([0.3, -1.2, 2.0])
    r["hessian"] = hessian(f)(x)
    r["jacfwd"] = jacfwd(lambda x: x.sin() * 2)(x)
    out, vjp_fn = vjp(lambda x: x.exp() * x, x)
    r["vjp"] = vjp_fn(torch.ones(3))[0]
    r["jvp"] = jvp(lambda x: x.cos(), (x,), (torch.ones(3),))
    return r
