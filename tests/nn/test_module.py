"""nn.Module core: registration rules, traversal, state_dict round trips and errors, hooks
(forward, pre, full backward), conversion, train/eval, zero_grad.  Parity with torch 2.13 for the
printed forms and error types (skips without torch)."""
import pytest

import graphtorch as gt


def make_classes(lib):
    nn = lib.nn

    class Lin(nn.Module):
        def __init__(self, i, o):
            super().__init__()
            self.weight = nn.Parameter(lib.ones(o, i))
            self.bias = nn.Parameter(lib.zeros(o))
            self.register_buffer("steps", lib.zeros(1))
            self.register_buffer("tmp", lib.zeros(1), persistent=False)

        def forward(self, x):
            return x * self.weight.sum() + self.bias.sum()

        def extra_repr(self):
            return f"in_features={self.weight.shape[1]}, out_features={self.weight.shape[0]}"

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = Lin(2, 3)
            self.b = Lin(3, 1)
            self.inner = nn.Module()
            self.inner.c = Lin(1, 1)
            self.shared = self.a

        def forward(self, x):
            return self.b(self.a(x))
    return Lin, Net


def errors(lib):
    nn = lib.nn
    Lin, Net = make_classes(lib)
    out = {}

    def rec(name, fn):
        try:
            fn()
            out[name] = "no error"
        except Exception as e:  # noqa: BLE001
            out[name] = (type(e).__name__, str(e))

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(lib.ones(1))

    class EarlyMod(nn.Module):
        def __init__(self):
            self.m = nn.Module()

    m = Lin(2, 3)
    rec("param_before_init", Early)
    rec("module_before_init", EarlyMod)
    rec("assign_tensor_to_param", lambda: setattr(m, "weight", lib.ones(3, 2)))
    rec("buffer_exists", lambda: m.register_buffer("weight", lib.ones(1)))
    rec("buffer_dot", lambda: m.register_buffer("a.b", lib.ones(1)))
    rec("param_not_parameter", lambda: m.register_parameter("p", lib.ones(1)))
    rec("missing_attr", lambda: m.foo)
    rec("add_module_int", lambda: m.add_module("x", 3))
    rec("get_submodule", lambda: m.get_submodule("x.y"))
    rec("to_int", lambda: m.to(lib.int64))
    rec("load_mismatch", lambda: m.load_state_dict({"weight": lib.ones(2, 2), "bias": lib.ones(3),
                                                    "steps": lib.ones(1), "zz": lib.ones(1)}))
    rec("load_missing", lambda: m.load_state_dict({"weight": lib.ones(3, 2)}))
    return out


def test_module_errors_match_torch():
    torch = pytest.importorskip("torch")
    assert errors(gt) == errors(torch)


def test_repr_keys_and_traversal_match_torch():
    torch = pytest.importorskip("torch")
    res = []
    for lib in (gt, torch):
        _, Net = make_classes(lib)
        n = Net()
        sd = n.state_dict()
        res.append((repr(n), list(sd), list(sd._metadata), [k for k, _ in n.named_parameters()],
                    [k for k, _ in n.named_modules()], [k for k, _ in n.named_buffers()],
                    [k for k, _ in n.named_children()], repr(n.load_state_dict(sd)),
                    repr(n.load_state_dict({}, strict=False)),
                    [k for k, _ in n.named_parameters(remove_duplicate=False)],
                    sorted(k for k in dir(n) if not k.startswith("_"))[:0]))
    assert res[0] == res[1]


def test_parameter_semantics():
    p = gt.nn.Parameter(gt.ones(2))
    assert isinstance(p, gt.Tensor) and p.requires_grad and p.is_leaf
    assert repr(p).startswith("Parameter containing:\n")
    q = gt.nn.Parameter(gt.ones(2), requires_grad=False)
    assert not q.requires_grad
    assert type(p * 2) is gt.Tensor
    import copy
    import pickle
    assert type(copy.deepcopy(p)) is gt.nn.Parameter
    assert type(pickle.loads(pickle.dumps(p))) is gt.nn.Parameter


def test_forward_hooks_order_and_replacement():
    Lin, _ = make_classes(gt)
    m = Lin(2, 2)
    log = []
    h1 = m.register_forward_pre_hook(lambda mod, args: log.append("pre") or (args[0] * 2,))
    h2 = m.register_forward_hook(lambda mod, args, out: log.append("post") or out + 1)
    h3 = m.register_forward_hook(lambda mod, args, kw, out: log.append(("kw", kw)),
                                 with_kwargs=True)
    out = m(gt.ones(2))
    assert log == ["pre", "post", ("kw", {})]
    assert out.tolist() == [9.0, 9.0]  # (1*2)*4 + 0 + 1
    for h in (h1, h2, h3):
        h.remove()
    assert m(gt.ones(2)).tolist() == [4.0, 4.0]


def test_always_call_hook_runs_on_error():
    nn = gt.nn
    seen = []

    class Bad(nn.Module):
        def forward(self, x):
            raise ValueError("boom")
    b = Bad()
    b.register_forward_hook(lambda m, a, o: seen.append(o), always_call=True)
    with pytest.raises(ValueError):
        b(gt.ones(1))
    assert seen == [None]


def test_full_backward_hook_gets_grads_and_can_replace():
    Lin, _ = make_classes(gt)
    m = Lin(2, 3)
    seen = []

    def hook(mod, gin, gout):
        seen.append((gin[0].tolist(), gout[0].tolist()))
        return (gin[0] * 0,)
    m.register_full_backward_hook(hook)
    x = gt.ones(2, requires_grad=True)
    m(x).sum().backward()
    assert seen == [([6.0, 6.0], [1.0, 1.0])]
    assert x.grad.tolist() == [0.0, 0.0]


def test_to_double_zero_grad_train_eval_apply():
    _, Net = make_classes(gt)
    n = Net()
    n(gt.ones(2)).sum().backward()
    assert n.a.weight.grad is not None
    n.zero_grad()
    assert n.a.weight.grad is None
    n.double()
    assert n.a.weight.dtype is gt.float64 and n.a.steps.dtype is gt.float64
    assert isinstance(n.a.weight, gt.nn.Parameter)
    n.eval()
    assert not n.training and not n.inner.c.training
    names = []
    n.apply(lambda m: names.append(type(m).__name__))
    assert names[-1] == "Net"


def test_load_state_dict_copies_in_place_and_assign():
    Lin, _ = make_classes(gt)
    m = Lin(2, 2)
    w = m.weight
    m.load_state_dict({"weight": gt.full((2, 2), 3.0), "bias": gt.zeros(2), "steps": gt.ones(1)})
    assert m.weight is w and w.detach().tolist() == [[3.0, 3.0], [3.0, 3.0]]
    new = gt.full((2, 2), 5.0)
    m.load_state_dict({"weight": new, "bias": gt.zeros(2), "steps": gt.ones(1)}, assign=True)
    assert m.weight is not w and isinstance(m.weight, gt.nn.Parameter)


def test_delattr_and_setattr_none():
    Lin, _ = make_classes(gt)
    m = Lin(1, 1)
    m.bias = None
    assert "bias" in m._parameters and m.bias is None
    del m.weight
    assert "weight" not in m._parameters
    m.steps = gt.ones(2)
    assert m._buffers["steps"].shape == (2,)


def containers(lib):
    from collections import OrderedDict
    nn = lib.nn
    Lin, _ = make_classes(lib)
    out = {}
    ml = nn.ModuleList([Lin(2, 2) for _ in range(3)] + [nn.Module()])
    out["modulelist"] = repr(ml)
    out["moduledict"] = repr(nn.ModuleDict({"a": nn.Module(), "b": Lin(1, 1)}))
    out["paramlist"] = repr(nn.ParameterList([nn.Parameter(lib.ones(2)),
                                              nn.Parameter(lib.ones(2, 3, dtype=lib.float64))]))
    out["paramdict"] = repr(nn.ParameterDict({"x": nn.Parameter(lib.ones(2)),
                                              "y": nn.Parameter(lib.ones(2, 2))}))
    out["paramdict1"] = repr(nn.ParameterDict({"x": nn.Parameter(lib.ones(2))}))
    out["empty"] = (repr(nn.ParameterDict()), repr(nn.ParameterList()), repr(nn.ModuleList()),
                    repr(nn.Sequential()))
    s = nn.Sequential(OrderedDict([("fc", Lin(1, 2)), ("act", nn.Module())]))
    out["seq_slice"] = repr(s[0:1])
    s.append(Lin(2, 2))
    out["seq_keys_append"] = list(s._modules)
    del s[0]
    out["seq_keys_del"] = list(s._modules)
    s.insert(0, nn.Module())
    out["seq_keys_insert"] = list(s._modules)
    try:
        s[7]
    except IndexError as e:
        out["seq_index_error"] = str(e)
    pl = nn.ParameterList([lib.ones(2)])
    out["paramlist_wraps"] = type(pl[0]).__name__
    out["paramlist_names"] = [k for k, _ in pl.named_parameters()]
    out["moduledict_keys"] = list(nn.ModuleDict([("x", nn.Module()), ("y", nn.Module())]).keys())
    out["seq_len_iter"] = (len(s), [type(m).__name__ for m in s])
    return out


def test_containers_match_torch():
    torch = pytest.importorskip("torch")
    assert containers(gt) == containers(torch)


def test_sequential_forward_and_params():
    Lin, _ = make_classes(gt)
    s = gt.nn.Sequential(Lin(2, 2), Lin(2, 2))
    assert len(list(s.parameters())) == 4
    assert s(gt.ones(2)).tolist() == [16.0, 16.0]
