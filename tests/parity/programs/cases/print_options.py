"""torch.set_printoptions variants (sci_mode, linewidth, threshold, edgeitems, precision),
repr of integer/negative/mixed magnitude tensors, 1-element/3-D float formatting, f-string
of tensors, str(Parameter with grad), repr of grad_fn names after common ops."""
import torch


def run():
    r = {}
    t = torch.tensor([[1e-5, 123.456, -7.0], [0.5, 1e3, 2.25]])
    r["default"] = repr(t)
    torch.set_printoptions(sci_mode=False)
    r["no_sci"] = repr(t)
    torch.set_printoptions(sci_mode=True)
    r["sci"] = repr(torch.tensor([1.5, 2.0]))
    torch.set_printoptions(profile="default")
    torch.set_printoptions(linewidth=40)
    r["linewidth"] = repr(torch.arange(30.))
    torch.set_printoptions(profile="default")
    torch.set_printoptions(threshold=5, edgeitems=2)
    r["threshold"] = repr(torch.arange(20))
    r["threshold_2d"] = repr(torch.arange(100.).reshape(10, 10))
    torch.set_printoptions(profile="default")
    torch.set_printoptions(precision=6)
    r["precision6"] = repr(torch.tensor([3.14159265, 2.0]))
    torch.set_printoptions(profile="short")
    r["short"] = repr(torch.tensor([3.14159265, 2.0]))
    torch.set_printoptions(profile="full")
    r["full"] = repr(torch.arange(1005))[-40:]
    torch.set_printoptions(profile="default")
    r["neg_mixed"] = repr(torch.tensor([-1.5, 22.25, -333.125]))
    r["int_neg"] = repr(torch.tensor([[-1, 20], [300, -4000]]))
    r["one_elem"] = repr(torch.tensor([0.1]))
    r["3d_float"] = str(torch.linspace(0, 1, 8).reshape(2, 2, 2))
    r["fstring"] = f"{torch.tensor([1.0, 2.0])}"
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    ops = {"add": x + 1, "sub": x - 1, "mul": x * 2, "div": x / 2, "pow": x ** 2, "neg": -x,
           "sum": x.sum(), "mean": x.mean(), "exp": x.exp(), "view": x.view(2, 1),
           "index": x[0], "slice": x[1:], "t": x.unsqueeze(0).t(), "relu": x.relu(),
           "matmul": x @ x, "cat": torch.cat([x, x]), "expand": x.expand(2, 2),
           "clone": x.clone(), "to": x.double(), "softmax": x.softmax(0), "max": x.max()}
    r["grad_fns"] = {k: type(v.grad_fn).__name__ for k, v in ops.items()}
    r["reprs_with_grad"] = repr(x * 2)
    p = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    (p * 3).sum().backward()
    r["param_grad_str"] = str(p.grad)
    r["param_str"] = str(p)
    r["empty_int"] = repr(torch.zeros(0, dtype=torch.int64))
    r["bool_2d"] = repr(torch.tensor([[True, False], [False, True]]))
    r["half_repr"] = repr(torch.tensor([0.1, 1000.0]).half())
    r["f64_repr_many"] = repr(torch.tensor([0.1, 0.25, 1 / 3], dtype=torch.float64))
    r["scalar_grad"] = repr(torch.tensor(2.0, requires_grad=True) * 3)
    return r
