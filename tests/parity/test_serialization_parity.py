"""Files move both ways: PyTorch 2.13 loads what graphtorch saves and vice versa."""
from __future__ import annotations

import io
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import graphtorch as gt  # noqa: E402
from graphtorch.eager.tensor import make_view, wrap  # noqa: E402
from graphtorch.nn.parameter import Parameter  # noqa: E402
from graphtorch.ops import dtypes as D  # noqa: E402
from graphtorch.serialization import load, save  # noqa: E402

DTYPES = [d.name for d in D.ALL]


def np_of(t):
    if isinstance(t, gt.Tensor):
        return t._data.astype(np.float32) if t.dtype is D.bfloat16 else t._data
    t = t.detach()
    return t.float().numpy() if t.dtype == torch.bfloat16 else t.numpy()


def values(name):
    a = np.arange(-5, 7).reshape(3, 4)
    if name == "bool":
        return a % 3 == 0
    if name == "uint8":
        return np.abs(a).astype(np.uint8)
    if name.startswith("complex"):
        return (a + 1j * a[::-1]).astype(name)
    return a.astype(getattr(D, name).np)


def gt_to_torch(obj, **kw):
    buf = io.BytesIO()
    save(obj, buf)
    buf.seek(0)
    return torch.load(buf, **kw)


def torch_to_gt(obj, **kw):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return load(buf, **kw)


@pytest.mark.parametrize("name", DTYPES)
def test_every_dtype_both_ways(name):
    g = wrap(values(name))
    t = gt_to_torch(g)
    assert str(t.dtype) == f"torch.{name}" and tuple(t.shape) == (3, 4)
    np.testing.assert_array_equal(np_of(t), np_of(g))
    back = torch_to_gt(torch.from_numpy(values(name)) if name != "bfloat16"
                       else torch.arange(-5, 7).reshape(3, 4).to(torch.bfloat16))
    assert back.dtype is getattr(D, name)
    np.testing.assert_array_equal(np_of(back), np_of(g))


def test_pickle_bytes_identical_to_torch():
    g = OrderedDict(w=Parameter(gt.ones(2, 3)), b=gt.zeros(3), n=5, l=[1.5, 2],
                    dt=gt.float16, s=gt.Size([1]))
    t = OrderedDict(w=torch.nn.Parameter(torch.ones(2, 3)), b=torch.zeros(3), n=5, l=[1.5, 2],
                    dt=torch.float16, s=torch.Size([1]))
    a, b = io.BytesIO(), io.BytesIO()
    save(g, a)
    torch.save(t, b)
    za, zb = zipfile.ZipFile(a), zipfile.ZipFile(b)
    assert za.read("archive/data.pkl") == zb.read("archive/data.pkl")
    assert za.namelist() == zb.namelist()
    for n in za.namelist():
        if "serialization_id" not in n:
            assert za.read(n) == zb.read(n), n


def test_views_share_storage_both_ways():
    x = gt.arange(6.0)
    t = gt_to_torch({"x": x, "v": make_view(x._data[1:], x), "m": x.view(2, 3),
                     "tr": make_view(x._data.reshape(2, 3).T, x)})
    assert t["v"].untyped_storage().data_ptr() == t["x"].untyped_storage().data_ptr()
    assert t["v"].storage_offset() == 1 and t["tr"].stride() == (1, 3)
    t["x"][1] = 50
    assert t["v"][0].item() == 50 and t["m"][0, 1].item() == 50
    y = torch.arange(6.0)
    g = torch_to_gt({"y": y, "v": y[1:], "tr": y.view(2, 3).t(), "e": y[2:2]})
    assert np.shares_memory(g["y"]._data, g["v"]._data)
    assert g["tr"].stride() == (1, 3) and g["tr"].tolist() == y.view(2, 3).t().tolist()
    g["y"]._data[1] = 7.0
    assert g["v"]._data[0] == 7.0 and g["e"].shape == (0,)


def test_zero_dim_empty_noncontiguous_both_ways():
    base = wrap(np.arange(24.0).reshape(4, 6))
    gs = [wrap(np.array(3.5)), wrap(np.zeros((2, 0, 3))), make_view(base._data[:, 1::2], base),
          make_view(base._data[::-1], base)]
    for g in gs:
        t = gt_to_torch(g)
        assert tuple(t.shape) == g.shape
        np.testing.assert_array_equal(t.numpy(), g._data)
    tb = torch.arange(24.0).reshape(4, 6)
    for t in [torch.tensor(3.5), torch.zeros(2, 0, 3), tb[:, 1::2], tb.t(), tb[1:, 2]]:
        g = torch_to_gt(t)
        assert g.shape == tuple(t.shape) and g.stride() == t.stride()
        np.testing.assert_array_equal(g._data, t.numpy())


def _torch_net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                               torch.nn.Linear(4, 2))


def _gt_net():
    return gt.nn.Sequential(gt.nn.Linear(3, 4), gt.nn.BatchNorm1d(4), gt.nn.Linear(4, 2))


def test_state_dicts_both_ways():
    tnet, gnet = _torch_net(), _gt_net()
    gsd = torch_to_gt(tnet.state_dict())
    assert type(gsd) is OrderedDict and list(gsd) == list(tnet.state_dict())
    gnet.load_state_dict(gsd)
    for (k, a), b in zip(gnet.state_dict().items(), tnet.state_dict().values()):
        np.testing.assert_array_equal(np_of(a), np_of(b), err_msg=k)
    gnet2 = _gt_net()
    tsd = gt_to_torch(gnet2.state_dict())
    assert list(tsd) == list(gnet2.state_dict())
    tnet.load_state_dict(tsd)
    assert tsd["1.num_batches_tracked"].dtype == torch.int64
    for k, v in gnet2.state_dict().items():
        np.testing.assert_array_equal(tnet.state_dict()[k].numpy(), v._data, err_msg=k)


def test_optimizer_like_state_both_ways():
    g = {"state": {0: {"step": 3, "exp_avg": gt.ones(2), "lst": [1, 2.5, "a"]}},
         "param_groups": [{"lr": 0.01, "betas": (0.9, 0.999), "params": [0], "amsgrad": False,
                           "foreach": None}]}
    t = gt_to_torch(g)
    assert t["state"][0]["step"] == 3 and t["state"][0]["lst"] == [1, 2.5, "a"]
    assert t["param_groups"][0]["betas"] == (0.9, 0.999)
    p = torch.nn.Parameter(torch.ones(2))
    opt = torch.optim.Adam([p], lr=0.1)
    p.sum().backward()
    opt.step()
    back = torch_to_gt(opt.state_dict())
    st = back["state"][0]
    assert isinstance(st["step"], gt.Tensor) and st["step"].item() == 1.0
    np.testing.assert_allclose(st["exp_avg"]._data, opt.state[p]["exp_avg"].numpy())
    assert back["param_groups"][0]["lr"] == 0.1


def test_parameters_with_requires_grad_both_ways():
    g = {"p": Parameter(gt.ones(2)), "q": Parameter(gt.ones(1), requires_grad=False),
         "t": gt.ones(2).requires_grad_()}
    t = gt_to_torch(g)
    assert isinstance(t["p"], torch.nn.Parameter) and t["p"].requires_grad
    assert isinstance(t["q"], torch.nn.Parameter) and not t["q"].requires_grad
    assert t["t"].requires_grad and not isinstance(t["t"], torch.nn.Parameter)
    back = torch_to_gt(t)
    assert type(back["p"]) is Parameter and back["p"].requires_grad
    assert type(back["q"]) is Parameter and not back["q"].requires_grad
    assert back["t"].requires_grad


def test_legacy_format_both_ways():
    buf = io.BytesIO()
    x = torch.arange(4.0)
    torch.save({"x": x, "v": x[1:]}, buf, _use_new_zipfile_serialization=False)
    buf.seek(0)
    g = load(buf)
    assert g["v"].tolist() == [1.0, 2.0, 3.0] and np.shares_memory(g["x"]._data, g["v"]._data)
    buf = io.BytesIO()
    save({"p": Parameter(gt.ones(2))}, buf, _use_new_zipfile_serialization=False)
    buf.seek(0)
    assert torch.load(buf)["p"].requires_grad


class Foo:
    pass


def test_torch_rejects_what_we_reject():
    buf = io.BytesIO()
    save({"f": Foo()}, buf)
    for loader in (torch.load, load):
        buf.seek(0)
        with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
            loader(buf)


def test_torch_whole_module_loads_with_weights_only_false():
    buf = io.BytesIO()
    torch.save(torch.nn.Linear(3, 2), buf)
    buf.seek(0)
    m = load(buf, weights_only=False)
    assert type(m) is gt.nn.Linear and m.weight.shape == (2, 3)
