"""Random small programs for the differential fuzz test (test_fuzz.py): control flow on data
and on Python values, loops over sizes with break/continue/return, lists, numbers."""
from __future__ import annotations

import random

_CONDS = ["x.sum() > {c}", "bool(x.max() < {c})", "n > {k}", "x.size(0) > {k}",
          "x[0] > {c} and n < {k}", "not (x.min() > {c})", "flag", "y.sum() > x.sum()",
          "x.mean() > {c} or n == {k}"]
_STMTS = ["y = y + x", "y = y * {c}", "n += 1", "n = n * 2 + {k}", "y = torch.relu(y - {c})",
          "outs.append(y * {c})", "outs.append(x.sum() * n)", "s = s + y.sum()",
          "y = y[:-1] if y.size(0) > 1 else y", "y = torch.cat([y, x[:1]])[:x.size(0)]",
          "flag = not flag", "print('v', n, end='')"]


def _cond(r):
    return r.choice(_CONDS).format(c=round(r.uniform(-2, 2), 1), k=r.randint(0, 3))


def _block(r, depth, ind, in_loop):
    out = []
    for _ in range(r.randint(1, 3)):
        roll = r.random()
        if depth < 2 and roll < 0.25:
            out.append(f"{ind}if {_cond(r)}:")
            out += _block(r, depth + 1, ind + "    ", in_loop)
            if r.random() < 0.6:
                out.append(f"{ind}else:")
                out += _block(r, depth + 1, ind + "    ", in_loop)
        elif depth < 2 and roll < 0.4:
            it = r.choice(["range(x.size(0))", "range(3)", "range(1, x.size(0), 2)", "x",
                           "enumerate(x)", "reversed(range(x.size(0)))"])
            var = "i, row" if it.startswith("enumerate") else "i"
            out.append(f"{ind}for {var} in {it}:")
            out += _block(r, depth + 1, ind + "    ", True)
        elif depth < 2 and roll < 0.48:
            out.append(f"{ind}while n < {r.randint(1, 6)} and {_cond(r)}:")
            out.append(f"{ind}    n += 1")
            out += _block(r, depth + 1, ind + "    ", True)
        elif in_loop and roll < 0.56:
            out.append(f"{ind}if {_cond(r)}:")
            out.append(f"{ind}    {r.choice(['break', 'continue'])}")
        elif roll < 0.62:
            out.append(f"{ind}if {_cond(r)}:")
            out.append(f"{ind}    return y * {round(r.uniform(-2, 2), 1)}, n, s")
        else:
            out.append(ind + r.choice(_STMTS).format(c=round(r.uniform(-2, 2), 1),
                                                     k=r.randint(0, 3)))
    return out


def program(seed: int) -> str:
    """The source of ``def f(x, flag: bool)`` number ``seed``."""
    r = random.Random(seed)
    lines = [f"def f{seed}(x, flag: bool):", "    y = x * 1.0", "    n = 0", "    s = x.sum() * 0",
             "    outs = [x * 0]"]
    lines += _block(r, 0, "    ", False)
    lines.append("    return y, n, s, torch.stack(outs).sum(0)")
    return "\n".join(lines) + "\n"
