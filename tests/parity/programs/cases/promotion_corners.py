"""Type promotion corners: int tensor * float scalar, uint8 wraparound, bool arithmetic,
integer division (//, div rounding modes), remainder/fmod of negatives, int pow, mean of int."""
import torch
from casekit import err


def run():
    r = {}
    i = torch.tensor([1, 2, -3])
    r["int_mul_float"] = i * 1.5
    r["int_add_bool"] = i + True
    r["int_div"] = i / 2
    r["int_floordiv"] = i // 2
    r["int_floordiv_neg"] = torch.tensor([-7, 7]) // torch.tensor([2, -2])
    r["div_trunc"] = torch.div(torch.tensor([-7, 7]), 2, rounding_mode="trunc")
    r["div_floor_float"] = torch.div(torch.tensor([-7.5, 7.5]), 2, rounding_mode="floor")
    r["remainder_neg"] = torch.remainder(torch.tensor([-7, 7, -7]), torch.tensor([3, -3, -3]))
    r["remainder_float"] = torch.tensor([-7.5, 7.5]) % 2
    r["fmod_neg"] = torch.fmod(torch.tensor([-7, 7]), 3)
    r["int_pow"] = i ** 2
    r["int_pow_float"] = i ** 0.5
    r["pow_neg_int_err"] = err(lambda: torch.tensor([2]) ** -1)
    r["scalar_pow_tensor"] = 2 ** torch.tensor([1, 3])
    u = torch.tensor([250, 3], dtype=torch.uint8)
    r["uint8_add"] = u + 10
    r["uint8_sub"] = u - 5
    r["uint8_neg"] = -torch.tensor([1, 2], dtype=torch.uint8)
    r["uint8_int8"] = (u + torch.tensor([1, 1], dtype=torch.int8)).dtype
    r["bool_add"] = torch.tensor([True, False]) + torch.tensor([True, True])
    r["bool_mul_float"] = torch.tensor([True, False]) * 2.5
    r["bool_sum"] = torch.tensor([True, True, False]).sum()
    r["bool_sub_err"] = err(lambda: torch.tensor([True]) - torch.tensor([False]))
    r["bool_neg_err"] = err(lambda: -torch.tensor([True]))
    r["int_mean_err"] = err(lambda: torch.tensor([1, 2]).mean())
    r["int_true_divide"] = torch.true_divide(torch.tensor([3]), torch.tensor([2]))
    r["int_div_zero"] = torch.tensor([1.0, -1.0, 0.0]) / 0
    r["int_floordiv_zero_err"] = err(lambda: torch.tensor([1]) // 0)
    r["f16_plus_f32_scalar"] = (torch.ones(2, dtype=torch.float16) + 1e-4)
    r["f16_plus_f32_0d"] = (torch.ones(2, dtype=torch.float16) + torch.tensor(1.0)).dtype
    r["int_plus_f64_0d"] = (torch.ones(2, dtype=torch.int32) + torch.tensor(1.0, dtype=torch.float64)).dtype
    r["bf16_f16"] = (torch.ones(1, dtype=torch.bfloat16) + torch.ones(1, dtype=torch.float16)).dtype
    r["int32_int64_0d"] = (torch.ones(2, dtype=torch.int32) + torch.tensor(5)).dtype
    r["int8_times_big"] = torch.tensor([100], dtype=torch.int8) * 2
    r["result_type"] = [torch.result_type(torch.tensor([1]), 1.0), torch.result_type(torch.tensor([1.], dtype=torch.float16), 2)]
    r["promote_types"] = torch.promote_types(torch.uint8, torch.int8)
    r["can_cast"] = torch.can_cast(torch.float32, torch.int32)
    r["float_to_int"] = torch.tensor([-1.7, 2.9]).to(torch.int64)
    r["float_to_uint8"] = torch.tensor([3.9, 255.0]).to(torch.uint8)
    r["bitwise"] = (torch.tensor([5]) & 3, torch.tensor([5]) | 2, torch.tensor([5]) ^ 1, ~torch.tensor([5]), torch.tensor([1]) << 3)
    r["bitwise_float_err"] = err(lambda: torch.tensor([1.0]) & 1)
    r["inplace_cast_err"] = err(lambda: torch.tensor([1, 2]).add_(1.5))
    r["inplace_ok"] = torch.tensor([1.0]).add_(torch.tensor([2]))
    r["clamp_int"] = torch.tensor([1, 5, 9]).clamp(2, 7.5)
    r["abs_int_min"] = torch.tensor([-128], dtype=torch.int8).abs()
    r["sqrt_int"] = torch.sqrt(torch.tensor([4, 9]))
    r["round_half"] = torch.round(torch.tensor([0.5, 1.5, 2.5, -0.5]))
    r["round_decimals"] = torch.round(torch.tensor([1.2345, 2.5551]), decimals=2)
    return r
