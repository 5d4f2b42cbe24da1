"""Random small programs for the differential fuzz test (test_fuzz.py): control flow on data
and on Python values, loops over sizes with break/continue/return, while/else and for/else,
lists, numbers, chained comparisons, comprehensions (nested, dict over items()), f-strings
and asserts with messages."""
from __future__ import annotations

import random

_CONDS = ["x.sum() > {c}", "bool(x.max() < {c})", "n > {k}", "x.size(0) > {k}",
          "x[0] > {c} and n < {k}", "not (x.min() > {c})", "flag", "y.sum() > x.sum()",
          "x.mean() > {c} or n == {k}", "{c} < x.sum() < 2 * {k} + 1", "0 <= n < {k}",
          "-1 < x.mean() <= y.mean() + {c}"]
_STMTS = ["y = y + x", "y = y * {c}", "n += 1", "n = n * 2 + {k}", "y = torch.relu(y - {c})",
          "outs.append(y * {c})", "outs.append(x.sum() * n)", "s = s + y.sum()",
          "y = y[:-1] if y.size(0) > 1 else y", "y = torch.cat([y, x[:1]])[:x.size(0)]",
          "flag = not flag", "print('v', n, end='')",
          "s = s + sum([v * w for v in [x.sum(), y.sum()] for w in range(n % 3)])",
          "s = s + sum({{q: v * 2 for q, v in {{'a': s, 'b': x.max()}}.items()}}.values())",
          "s = s + len([[i, j] for i in range(n % 3) for j in range(i)])",
          "print(f'n={{n}} {{n * {k}:>3}}|', end='')",
          "print(f'{{y.size(0)}}', y.sum() > {c}, end=';')",
          "assert y.size(0) > 0, f'empty at {{n}}'",
          "assert x.sum() > {c} * 3, 'small ' + str(n)"]


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
            if r.random() < 0.3:  # for/else: the else runs when no break left the loop
                out.append(f"{ind}else:")
                out += _block(r, depth + 1, ind + "    ", in_loop)
        elif depth < 2 and roll < 0.48:
            out.append(f"{ind}while n < {r.randint(1, 6)} and {_cond(r)}:")
            out.append(f"{ind}    n += 1")
            out += _block(r, depth + 1, ind + "    ", True)
            if r.random() < 0.3:  # while/else
                out.append(f"{ind}else:")
                out += _block(r, depth + 1, ind + "    ", in_loop)
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
