"""Type promotion with 0-dim tensors and scalars (category rules): int tensor + float 0-dim,
float16 tensor + float64 0-dim, int8 + int64 0-dim, uint8 + negative Python int, bool + bool,
complex 0-dim + float tensor, result_type / promote_types / can_cast, float->int conversion
truncation, int overflow on .to(int8), bfloat16 rounding, round half even, in-place promotion
errors."""
import torch
from casekit import err


def run():
    r = {}
    i32 = torch.tensor([1, 2], dtype=torch.int32)
    f16 = torch.tensor([1.5, 2.5], dtype=torch.float16)
    i8 = torch.tensor([100, -100], dtype=torch.int8)
    u8 = torch.tensor([1, 250], dtype=torch.uint8)
    r["int_plus_f0"] = (i32 + torch.tensor(1.5)).dtype
    r["int_plus_f64_0"] = (i32 + torch.tensor(1.5, dtype=torch.float64)).dtype
    r["f16_plus_f64_0"] = (f16 + torch.tensor(1.0, dtype=torch.float64)).dtype
    r["i8_plus_i64_0"] = (i8 + torch.tensor(100)).dtype
    r["i8_plus_i64_0_val"] = i8 + torch.tensor(100)
    r["u8_plus_neg"] = u8 + (-3)
    r["bool_plus_bool"] = (torch.tensor([True]) + torch.tensor([True]))
    r["bool_plus_int"] = (torch.tensor([True, False]) + 2)
    r["c0_plus_f"] = (torch.tensor(1j) + torch.ones(2)).dtype
    r["c0_plus_f64"] = (torch.tensor(1j) + torch.ones(2, dtype=torch.float64)).dtype
    r["f16_times_int_scalar"] = (f16 * 3).dtype
    r["i32_div_int"] = (i32 / 2).dtype
    r["result_type"] = (torch.result_type(i8, 2.5), torch.result_type(torch.tensor(1), torch.tensor([1], dtype=torch.int16)),
                        torch.result_type(2, 3.0))
    r["promote_types"] = (torch.promote_types(torch.uint8, torch.int8), torch.promote_types(torch.bfloat16, torch.float16),
                          torch.promote_types(torch.int64, torch.complex64))
    r["can_cast"] = (torch.can_cast(torch.float64, torch.int32), torch.can_cast(torch.int32, torch.float16))
    f = torch.tensor([-2.7, -0.5, 0.5, 2.7, 127.9])
    r["to_int"] = f.to(torch.int32)
    r["to_int8_wrap"] = torch.tensor([200, -200, 300]).to(torch.int8)
    r["to_uint8_wrap"] = torch.tensor([-1, 256, 513]).to(torch.uint8)
    r["to_bool"] = torch.tensor([0.0, -0.0, 0.1, float("nan")]).bool()
    r["bf16_round"] = torch.tensor([1.00390625, 1.01171875, 257.0, 3.14159]).to(torch.bfloat16).float()
    r["f16_round"] = torch.tensor([65519.0, 65520.0, 1e-8, 0.1]).half().float()
    r["round_even"] = torch.round(torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5]))
    r["inplace_err"] = err(lambda: i32.clone().add_(1.5))
    r["inplace_ok"] = torch.ones(2).add_(torch.tensor([1, 2]))
    r["inplace_bool_err"] = err(lambda: torch.tensor([True]).add_(1))
    r["int_pow_neg_err"] = err(lambda: torch.tensor([2]) ** -1)
    r["int_div_floor"] = torch.tensor([-7, 7]) // 2
    r["sum_int8_dtype"] = (i8.sum().dtype, u8.sum().dtype, torch.tensor([True, True]).sum().dtype)
    r["mean_int_err"] = err(lambda: i32.mean())
    r["cumsum_bool"] = torch.tensor([True, True]).cumsum(0).dtype
    r["prod_u8"] = u8.prod().dtype
    return r
