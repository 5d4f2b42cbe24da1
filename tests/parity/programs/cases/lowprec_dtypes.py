"""float16 / bfloat16 / int dtypes: arithmetic rounding, overflow to inf, conversions,
finfo/iinfo, .to() semantics (copy or not), type(), item() precision, mixed ops, half matmul."""
import torch
from casekit import randn


def run():
    r = {}
    h = torch.tensor([1.0, 2049.0, 65504.0, 1e-8, 0.1]).half()
    r["half_vals"] = h.float()
    r["half_overflow"] = (h * 2).float()
    r["half_sum"] = h[:2].sum().float()
    bf = torch.tensor([1.0, 257.0, 3.14159, 1e30, -0.001]).bfloat16()
    r["bf16_vals"] = bf.float()
    r["bf16_mul"] = (bf * bf).float()
    r["bf16_div_int"] = (bf / 3).dtype
    r["bf16_plus_int_tensor"] = (bf + torch.tensor([1, 2, 3, 4, 5])).dtype
    r["finfo"] = [(torch.finfo(t).eps, torch.finfo(t).max, torch.finfo(t).tiny, torch.finfo(t).bits)
                  for t in (torch.float16, torch.bfloat16, torch.float32, torch.float64)]
    r["finfo_resolution"] = torch.finfo(torch.float32).resolution
    r["iinfo"] = [(torch.iinfo(t).min, torch.iinfo(t).max, torch.iinfo(t).bits)
                  for t in (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)]
    x = torch.tensor(randn(3, 4, seed=1))
    r["to_same_is_self"] = x.to(torch.float32) is x
    r["to_copy"] = x.to(torch.float32, copy=True) is x
    r["type_str"] = (x.type(), x.double().type(), x.long().type(), x.half().type())
    r["type_conv"] = x.type(torch.int32).dtype
    r["type_conv_str"] = x.type("torch.DoubleTensor").dtype
    r["half_matmul"] = (x.half() @ x.half().T).float()
    r["bf16_matmul"] = (x.bfloat16() @ x.bfloat16().T).float()
    r["half_softmax"] = torch.softmax(x.half(), 1).float()
    r["half_layernorm"] = torch.nn.functional.layer_norm(x.half(), (4,)).float()
    r["int_cast_wrap"] = torch.tensor([300, -1]).to(torch.uint8)
    r["int8_cast_wrap"] = torch.tensor([200, -200]).to(torch.int8)
    r["float_to_bool"] = torch.tensor([0.0, -0.0, 0.1, float("nan")]).bool()
    r["item_half"] = torch.tensor(0.1, dtype=torch.float16).item()
    r["item_bf16"] = torch.tensor(0.1, dtype=torch.bfloat16).item()
    r["item_f32"] = torch.tensor(0.1).item()
    r["tolist_half"] = torch.tensor([0.1, 0.2]).half().tolist()
    r["default_dtype"] = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    r["default_after"] = (torch.tensor([1.0]).dtype, torch.zeros(1).dtype, torch.arange(3.).dtype, torch.tensor([1]).dtype)
    torch.set_default_dtype(torch.float32)
    r["complex_from_float64"] = torch.complex(torch.tensor([1.0], dtype=torch.float64), torch.tensor([2.0], dtype=torch.float64)).dtype
    r["is_floating"] = (x.is_floating_point(), x.long().is_floating_point(), torch.is_complex(x), x.half().is_signed(), torch.tensor([1], dtype=torch.uint8).is_signed())
    r["element_size"] = [torch.tensor([], dtype=t).element_size() for t in (torch.float16, torch.bfloat16, torch.int64, torch.bool, torch.complex64)]
    r["dtype_props"] = (torch.float16.is_floating_point, torch.int32.is_signed, torch.bfloat16.itemsize, torch.complex64.is_complex)
    r["half_cumsum"] = torch.ones(3000).half().cumsum(0)[-3:].float()
    r["half_mean_big"] = torch.full((5000,), 3.0).half().mean().float()
    r["round_trip_bf16"] = torch.tensor(randn(6, seed=2)).bfloat16().float()
    return r
