"""repr/str of tensors: dtypes, grad_fn, requires_grad, 0-dim, empty, large (summarised),
scientific notation, int/bool, half, bfloat16, complex, set_printoptions."""
import torch
from casekit import randn


def run():
    r = {}
    r["float"] = repr(torch.tensor([1.0, 2.5, -3.0]))
    r["float_str"] = str(torch.tensor([[1.0, 2.5], [-3.0, 4.125]]))
    r["int"] = repr(torch.tensor([1, 2, 3]))
    r["int32"] = repr(torch.tensor([1, 2], dtype=torch.int32))
    r["bool"] = repr(torch.tensor([True, False]))
    r["scalar"] = repr(torch.tensor(3.5))
    r["scalar_int"] = repr(torch.tensor(7))
    r["empty"] = repr(torch.tensor([]))
    r["empty_2d"] = repr(torch.zeros(0, 3))
    r["f64"] = repr(torch.tensor([1.0, 2.0], dtype=torch.float64))
    r["f16"] = repr(torch.tensor([1.0, 2.0]).half())
    r["bf16"] = repr(torch.tensor([1.5, -2.0]).bfloat16())
    r["sci"] = repr(torch.tensor([1e-8, 1.0, 1e8]))
    r["small"] = repr(torch.tensor([0.0001, 0.002]))
    r["mixed_rounding"] = repr(torch.tensor(randn(3, 3, seed=1)))
    r["requires_grad"] = repr(torch.ones(2, requires_grad=True))
    r["grad_fn"] = repr(torch.ones(2, requires_grad=True) * 2)
    r["large"] = repr(torch.arange(2000.))
    r["large_2d"] = repr(torch.arange(10000).reshape(100, 100))
    r["inf_nan"] = repr(torch.tensor([float("inf"), float("nan"), -float("inf"), 1.5]))
    r["neg_zero"] = repr(torch.tensor([-0.0, 0.0]))
    r["int_big"] = repr(torch.tensor([1, 100000, -5]))
    r["complex"] = repr(torch.tensor([1 + 2j, -0.5j]))
    r["uint8"] = repr(torch.tensor([0, 255], dtype=torch.uint8))
    r["3d"] = str(torch.arange(8).reshape(2, 2, 2))
    r["param"] = repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    r["param_nograd"] = repr(torch.nn.Parameter(torch.tensor([1.0]), requires_grad=False))
    r["size"] = repr(torch.Size([2, 3]))
    r["size_str"] = str(torch.zeros(2, 3).shape)
    r["dtype"] = [repr(torch.float32), str(torch.int64), repr(torch.bool), str(torch.bfloat16)]
    r["device"] = [repr(torch.device("cpu")), str(torch.zeros(1).device)]
    r["whole_floats"] = repr(torch.tensor([1.0, 2.0, 300.0]))
    r["format"] = "%.2f|{:.3f}".format(torch.tensor(2.5).item()) % torch.tensor(1.25)
    r["fstring_scalar"] = f"{torch.tensor(0.125):.2f}"
    r["tolist"] = torch.tensor([[1.5, 2.0]]).tolist()
    r["item_types"] = [type(torch.tensor(1).item()).__name__, type(torch.tensor(1.0).item()).__name__,
                       type(torch.tensor(True).item()).__name__]
    torch.set_printoptions(precision=2)
    r["precision2"] = repr(torch.tensor([1.23456, 2.0]))
    torch.set_printoptions(profile="default")
    r["after_reset"] = repr(torch.tensor([1.23456, 2.0]))
    return r
