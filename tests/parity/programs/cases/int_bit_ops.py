"""Integer and bit ops on int8/uint8/int16/int64: bitwise_and/or/xor/not, shifts (including
overflow), operators &,|,^,~,<<,>>, floor_divide / fmod / remainder with negatives, int
overflow wraparound, gcd/lcm, bool bitwise, abs of int8 min, true div of ints."""
import torch
from casekit import err


def run():
    r = {}
    a8 = torch.tensor([-128, -7, -1, 0, 5, 127], dtype=torch.int8)
    b8 = torch.tensor([3, 2, -3, 7, -2, 5], dtype=torch.int8)
    u8 = torch.tensor([0, 1, 7, 128, 200, 255], dtype=torch.uint8)
    i64 = torch.tensor([-9, -4, 0, 4, 9, 2 ** 40])
    r["and"] = torch.bitwise_and(a8, b8)
    r["or"] = a8 | b8
    r["xor"] = a8 ^ 0x0F
    r["not8"] = ~a8
    r["notu8"] = ~u8
    r["shl8"] = a8 << 2
    r["shr8"] = a8 >> 1
    r["shlu8"] = u8 << 1
    r["shru8"] = u8 >> torch.tensor([0, 1, 2, 3, 4, 5], dtype=torch.uint8)
    r["shl64"] = torch.bitwise_left_shift(i64, 3)
    r["shr64"] = torch.bitwise_right_shift(i64, 2)
    r["floordiv8"] = torch.floor_divide(a8, b8)
    r["fmod8"] = torch.fmod(a8, b8)
    r["rem8"] = torch.remainder(a8, b8)
    r["rem_op"] = a8 % 3
    r["fmod64"] = torch.fmod(i64, -4)
    r["rem64"] = torch.remainder(i64, -4)
    r["floordiv64"] = i64 // -4
    r["floordiv_u8"] = u8 // 7
    r["rem_u8"] = u8 % 7
    r["add_wrap8"] = a8 + torch.tensor(100, dtype=torch.int8)
    r["mul_wrapu8"] = u8 * 3
    r["neg_u8"] = -u8
    r["abs_min8"] = torch.abs(a8)
    r["sub_u8"] = u8 - 10
    r["gcd"] = torch.gcd(torch.tensor([12, -18, 0, 7]), torch.tensor([8, 12, 5, 0]))
    r["lcm"] = torch.lcm(torch.tensor([4, -6, 0, 7]), torch.tensor([6, 4, 5, 3]))
    bt = torch.tensor([True, False, True])
    r["bool_xor"] = bt ^ torch.tensor([True, True, False])
    r["bool_not"] = ~bt
    r["truediv"] = a8 / b8
    r["div_trunc"] = torch.div(a8, b8, rounding_mode="trunc")
    r["div_floor"] = torch.div(i64, 5, rounding_mode="floor")
    r["int16_mix"] = torch.tensor([300, -300], dtype=torch.int16) * torch.tensor([100, 100], dtype=torch.int8)
    r["float_bitwise_err"] = err(torch.bitwise_and, torch.tensor([1.0]), torch.tensor([1.0]))
    r["zero_div_err"] = err(lambda: torch.tensor([1, 2]) // torch.tensor([0, 1]))
    r["pow_int"] = torch.tensor([2, -3, 5], dtype=torch.int8) ** 3
    r["count"] = (u8 & 1).sum()
    return r
