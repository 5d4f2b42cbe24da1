"""NaN / inf semantics: max/min/argmax/amax with NaN (propagate), maximum vs fmax, sort and
topk with NaN (NaN largest), unique with NaN, clamp of NaN, nan_to_num defaults, mean/sum of
inf-inf, softmax with -inf rows, log(0), 0*inf, integer division by zero error, median NaN,
isclose equal_nan, allclose with inf, cumsum with NaN, relu(NaN), where with NaN grads."""
import torch
from casekit import err

nan, inf = float("nan"), float("inf")


def run():
    r = {}
    x = torch.tensor([1.0, nan, 3.0, -inf, inf])
    r["max"] = (x.max(), x.min(), x.argmax(), x.argmin(), x.amax())
    r["max_dim"] = torch.tensor([[1.0, nan], [2.0, 0.5]]).max(dim=1)
    r["maximum"] = torch.maximum(x, torch.zeros(5))
    r["fmax"] = torch.fmax(x, torch.zeros(5))
    r["sort"] = torch.sort(x)
    r["sort_desc"] = torch.sort(x, descending=True)
    r["topk"] = torch.topk(x, 2)
    r["argsort"] = torch.argsort(torch.tensor([nan, 1.0, nan, 0.0]))
    r["clamp_nan"] = x.clamp(0, 2)
    r["nan_to_num"] = (torch.nan_to_num(x), torch.nan_to_num(x, nan=0.5, posinf=9.0, neginf=-9.0))
    r["sum_inf"] = torch.tensor([inf, -inf]).sum()
    r["softmax_neginf_row"] = torch.softmax(torch.tensor([[-inf, -inf], [0.0, -inf]]), 1)
    r["log0"] = torch.log(torch.tensor([0.0, -1.0]))
    r["zero_inf"] = torch.tensor([0.0]) * inf
    r["int_div_zero"] = err(lambda: torch.tensor([1]) // torch.tensor([0]))
    r["int_rem_zero"] = err(lambda: torch.tensor([1]) % torch.tensor([0]))
    r["median_nan"] = torch.tensor([1.0, nan, 2.0]).median()
    r["isclose"] = (torch.isclose(torch.tensor([nan, 1.0]), torch.tensor([nan, 1.0])),
                    torch.isclose(torch.tensor([nan]), torch.tensor([nan]), equal_nan=True))
    r["allclose_inf"] = torch.allclose(torch.tensor([inf, 1.0]), torch.tensor([inf, 1.0]))
    r["cumsum_nan"] = torch.cumsum(torch.tensor([1.0, nan, 2.0]), 0)
    r["cummax_nan"] = torch.cummax(torch.tensor([1.0, nan, 2.0]), 0)
    r["relu_nan"] = torch.relu(torch.tensor([nan, -1.0]))
    r["sign_nan"] = torch.sign(torch.tensor([nan, -0.0, 2.0]))
    r["unique_nan"] = torch.unique(torch.tensor([nan, 1.0, nan])).shape
    r["eq_nan"] = torch.tensor([nan]) == torch.tensor([nan])
    w = torch.tensor([0.0, 1.0], requires_grad=True)
    y = torch.where(w > 0, torch.sqrt(w), torch.zeros(2))
    y.sum().backward()
    r["where_grad_nan_trap"] = w.grad
    r["pow_zero_zero"] = torch.tensor([0.0]) ** 0
    r["div_int_true"] = torch.tensor([1, -1, 0]) / 0
    r["fmod_inf"] = torch.fmod(torch.tensor([5.0]), inf)
    r["remainder_inf"] = torch.remainder(torch.tensor([5.0, -5.0]), inf)
    r["atan2"] = torch.atan2(torch.tensor([0.0, -0.0, 1.0]), torch.tensor([-0.0, -0.0, 0.0]))
    r["exp_overflow_f16"] = torch.tensor([20.0]).half().exp().float()
    r["mean_nan_dim"] = torch.tensor([[nan, 1.0], [2.0, 3.0]]).mean(0)
    r["var_single"] = torch.tensor([3.0]).var()
    r["logsumexp_nan"] = torch.logsumexp(torch.tensor([nan, 1.0]), 0)
    r["prod_zero_nan"] = torch.tensor([0.0, nan]).prod()
    r["histc_nan"] = err(lambda: torch.histc(torch.tensor([nan, 1.0]), bins=2))
    r["int_overflow"] = torch.tensor([2 ** 62]) * 4
    r["float_to_int_nan"] = err(lambda: torch.tensor([nan]).long().tolist())
    return r
