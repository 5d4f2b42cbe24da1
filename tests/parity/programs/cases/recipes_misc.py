"""PyTorch recipes: defining a neural network (Dropout2d, F.max_pool2d, torch.flatten), what is a
state_dict (optimizer state_dict param_groups keys), zeroing gradients (zero_grad set_to_none
True default vs False), warmstarting with strict=False and renamed keys, saving/loading for
inference (model.eval(), torch.inference_mode, is_inference), torch.utils.benchmark.Timer
(props only), and the 'changing default dtype' recipe (set_default_dtype / get_default_dtype)."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from casekit import init_params, rand


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, 1)
        self.conv2 = nn.Conv2d(4, 8, 3, 1)
        self.dropout1 = nn.Dropout2d(0.25)
        self.fc1 = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.dropout1(x)
        return F.log_softmax(self.fc1(torch.flatten(x, 1)), dim=1)


def run():
    r = {}
    net = init_params(Net(), seed=1, scale=0.2).eval()
    x = torch.tensor(rand(2, 1, 12, 12, seed=2))
    r["out"] = net(x)
    opt = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    sd = opt.state_dict()
    r["opt_sd"] = (sorted(sd.keys()), sorted(sd["param_groups"][0].keys()), sd["param_groups"][0]["params"])
    net(x).sum().backward()
    opt.zero_grad()
    r["set_to_none"] = net.fc1.weight.grad is None
    net(x).sum().backward()
    opt.zero_grad(set_to_none=False)
    r["zeroed"] = (net.fc1.weight.grad is not None, float(net.fc1.weight.grad.abs().sum()))
    sd = {k.replace("conv", "c"): v for k, v in net.state_dict().items()}
    res = Net().load_state_dict(sd, strict=False)
    r["warm"] = (sorted(res.missing_keys), sorted(res.unexpected_keys))
    with torch.inference_mode():
        y = net(x)
    r["inference"] = (y.is_inference(), y.requires_grad, torch.is_inference_mode_enabled())
    r["inference_out"] = y
    import torch.utils.benchmark as benchmark
    t = benchmark.Timer(stmt="a + b", globals={"a": torch.ones(3), "b": torch.ones(3)})
    m = t.timeit(10)
    r["timer"] = (m.mean > 0, type(m).__name__)
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    r["default64"] = (torch.tensor([1.2]).dtype, torch.ones(2).dtype, torch.tensor([1, 2]).dtype,
                      nn.Linear(2, 2).weight.dtype, torch.get_default_dtype())
    torch.set_default_dtype(old)
    r["restored"] = torch.tensor([1.0]).dtype
    return r
