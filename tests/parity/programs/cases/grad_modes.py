"""no_grad / enable_grad / inference_mode / set_grad_enabled as context managers and
decorators; is_grad_enabled, is_inference, requires_grad propagation."""
import torch
from casekit import err


@torch.no_grad()
def f_nograd(x):
    return x * 2


@torch.enable_grad()
def f_enable(x):
    return x * 2


@torch.inference_mode()
def f_inf(x):
    return x + 1


def run():
    r = {}
    x = torch.ones(3, requires_grad=True)
    with torch.no_grad():
        y = x * 2
        r["in_nograd_enabled"] = torch.is_grad_enabled()
        with torch.enable_grad():
            z = x * 3
            r["nested_enable"] = torch.is_grad_enabled()
        w = f_enable(x)
    r["y_rg"] = y.requires_grad
    r["y_gradfn_none"] = y.grad_fn is None
    r["z_rg"] = z.requires_grad
    r["w_rg"] = w.requires_grad
    r["dec_nograd"] = f_nograd(x).requires_grad
    r["dec_name"] = f_nograd.__name__
    with torch.set_grad_enabled(False):
        r["sge_false"] = (x * 2).requires_grad
    torch.set_grad_enabled(False)
    r["sge_func"] = torch.is_grad_enabled()
    torch.set_grad_enabled(True)
    r["sge_back"] = torch.is_grad_enabled()
    with torch.inference_mode():
        i = x * 2
        r["inf_enabled"] = torch.is_inference_mode_enabled()
    r["inf_is_inference"] = i.is_inference()
    r["inf_rg"] = i.requires_grad
    r["x_is_inference"] = x.is_inference()
    r["inf_dec"] = f_inf(x).is_inference()
    with torch.inference_mode(mode=False):
        r["inf_false"] = (x * 2).requires_grad
    r["inf_inplace_err"] = err(lambda: i.add_(1) if False else (i.requires_grad_()))
    r["leaf_inplace_err"] = err(lambda: x.add_(1))
    with torch.no_grad():
        x.add_(1)
    r["x_after"] = x
    r["x_version"] = x._version
    d = x.detach()
    r["detach_shares"] = d.data_ptr() == x.data_ptr()
    r["int_requires_grad_err"] = err(lambda: torch.ones(2, dtype=torch.long).requires_grad_())
    r["nograd_param_ops"] = torch.nn.Linear(2, 2)(torch.ones(1, 2)).requires_grad
    return r
