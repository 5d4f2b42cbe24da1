"""Unsupported syntax raises NotSupportedError / UnsupportedNodeError naming the file and line
with a caret under the offending code; type errors are RuntimeErrors; the frontend never
fails with an internal error on odd input."""
from __future__ import annotations

import os
from typing import Dict, List, Optional, Tuple

import pytest

import graphtorch as torch
from graphtorch.jit import frontend
from graphtorch.jit.script import script

HERE = os.path.basename(__file__)


def g_global(x):
    global _SOMETHING
    return x


def g_nonlocal(x):
    y = x

    def inner():
        nonlocal y
        y = y + 1
    inner()
    return y


def g_import(x):
    import math
    return x * math.pi


def g_import_from(x):
    from math import pi
    return x * pi


def g_class(x):
    class A:
        pass
    return x


def g_try(x):
    try:
        x = x + 1
    except ValueError:
        pass
    return x


def g_yield(x):
    yield x


def g_yield_from(x):
    yield from [x]


def g_walrus(x):
    if (y := x.sum()) > 0:
        return y
    return x


def g_del_name(x):
    y = x
    del y
    return x


async def g_async(x):
    return x


def g_await(x):
    async def inner():
        await x
    return x


def g_match(x, k: int):
    match k:
        case 1:
            return x
    return x


def g_reserved(x):
    _gt_rt = 1
    return x + _gt_rt


CASES = [
    (g_global, "global variables aren't supported", "global _SOMETHING", "~~~~~~"),
    (g_nonlocal, "nonlocal variables aren't supported", "nonlocal y", "~~~~~~~~"),
    (g_import, "import statements aren't supported", "import math", "~~~~~~"),
    (g_import_from, "import statements aren't supported", "from math import pi", "~~~~"),
    (g_class, "class definitions aren't supported", "class A:", "~~~~~"),
    (g_try, "try blocks aren't supported", "try:", "~~~"),
    (g_yield, "Yield aren't supported", "yield x", "~~~~~"),
    (g_yield_from, "Yield aren't supported", "yield from [x]", "~~~~~"),
    (g_walrus, "assignment expressions (:=) aren't supported", "y := x.sum()", "~~~~~~~~~~~~"),
    (g_del_name, "del of a local variable isn't supported (delete list items or dict keys only)", "y\n", "~ "),
    (g_await, "async function definitions aren't supported", "async def inner", "~~~~~"),
    (g_match, "match statements aren't supported", "match k:", "~"),
    (g_reserved, "names starting with '_gt_' are reserved for the script compiler",
     "_gt_rt = 1", "~~~~~~ "),
]


def _line_of(fn, text):
    import inspect
    lines, start = inspect.getsourcelines(fn)
    for i, ln in enumerate(lines):
        if text in ln:
            return start + i, ln
    raise AssertionError(text)


@pytest.mark.parametrize("fn,msg,code,caret", CASES, ids=[c[0].__name__ for c in CASES])
def test_unsupported_syntax_points_at_the_code(fn, msg, code, caret):
    with pytest.raises(frontend.NotSupportedError) as ei:
        script(fn)
    text = str(ei.value)
    lineno, line = _line_of(fn, code)
    assert text.startswith(msg + ":\n"), text
    assert f'File "{fn.__code__.co_filename}", line {lineno}' in text
    lines = text.splitlines()
    k = lines.index(line.rstrip("\n"))
    marker = lines[k + 1]
    assert marker.endswith(" <--- HERE")
    assert marker.index("~") == line.index(code) and marker.lstrip().startswith(caret)
    assert lines[1 + 0].startswith("  File")


def test_statement_kinds_get_unsupported_node_error():
    for fn in (g_global, g_try, g_yield, g_class):
        with pytest.raises(frontend.UnsupportedNodeError):
            script(fn)


def test_async_function_is_rejected():
    with pytest.raises(frontend.NotSupportedError, match="not a Python function|"
                                                          "async function definitions"):
        script(g_async)


def test_error_context_stays_inside_the_function():
    with pytest.raises(frontend.NotSupportedError) as ei:
        script(g_global)
    lines = str(ei.value).splitlines()
    assert lines[2].startswith("def g_global")
    assert "def g_nonlocal" not in str(ei.value)


def test_no_source_is_a_clear_error():
    ns = {}
    exec("def made(x):\n    return x + 1\n", ns)
    with pytest.raises(frontend.NotSupportedError, match="could not get the source"):
        script(ns["made"])


def test_non_callables_and_classes():
    with pytest.raises(RuntimeError, match="expects a function"):
        script(3)
    with pytest.raises(frontend.NotSupportedError, match="class"):
        script(dict)


def typed(x: torch.Tensor, n: int, xs: List[torch.Tensor], d: Dict[str, float],
          t: Tuple[int, int], o: Optional[torch.Tensor] = None):
    y = x * n + t[0] + t[1] + d["a"]
    for z in xs:
        y = y + z
    if o is not None:
        y = y + o
    return y


def test_annotations_are_checked_like_pytorch():
    sf = script(typed)
    one = torch.ones(2)
    ok = sf(one, 2, [one], {"a": 1.0}, (1, 2))
    assert ok.tolist() == [7.0, 7.0]
    assert sf(one, 2, [one], {"a": 1.0}, (1, 2), one).tolist() == [8.0, 8.0]
    bad = [((one, 2.5, [one], {"a": 1.0}, (1, 2)), "argument 'n'", "'int'", "'float'"),
           ((1.0, 2, [one], {"a": 1.0}, (1, 2)), "argument 'x'", "'Tensor'", "'float'"),
           ((one, 2, [1], {"a": 1.0}, (1, 2)), "argument 'xs'", "'List[Tensor]'", ""),
           ((one, 2, [one], {"a": "s"}, (1, 2)), "argument 'd'", "'Dict[str, float]'", ""),
           ((one, 2, [one], {"a": 1.0}, (1,)), "argument 't'", "'Tuple[int, int]'", ""),
           ((one, 2, [one], {"a": 1.0}, (1, 2), 3), "argument 'o'", "'Optional[Tensor]'",
            "'int'")]
    for args, arg, want, got in bad:
        with pytest.raises(RuntimeError) as ei:
            sf(*args)
        msg = str(ei.value)
        assert msg.startswith("typed() Expected a value of type") and arg in msg
        assert want in msg and got in msg


def type_comment(x, n):
    # type: (Tensor, int) -> Tensor
    return x * n


def test_type_comments_are_checked():
    sf = script(type_comment)
    assert sf(torch.ones(2), 3).tolist() == [3.0, 3.0]
    with pytest.raises(RuntimeError, match="argument 'n'"):
        sf(torch.ones(2), 1.5)


def test_graph_before_first_call_says_what_to_do():
    sf = script(type_comment)
    with pytest.raises(RuntimeError, match="call it once, or pass example_inputs|"
                                           "Call it once, or pass example_inputs"):
        sf.graph


def test_wrong_number_of_arguments_is_a_runtime_error():
    sf = script(type_comment)
    with pytest.raises(RuntimeError):
        sf(torch.ones(2))


def weird(x, *args, k=2, **kw):
    return x * k + len(args) + len(kw)


def test_varargs_and_keyword_only_are_accepted():
    sf = script(weird)
    assert sf(torch.ones(1), 1, 2, k=3, z=4).tolist() == weird(torch.ones(1), 1, 2, k=3,
                                                                  z=4).tolist()


def test_frontend_never_fails_internally_on_odd_functions():
    oddities = [lambda: None, lambda *a: a, lambda x=[]: x]
    for fn in oddities:
        try:
            script(fn)
        except frontend.NotSupportedError:
            pass
