"""The Tensor protocol: storage and views, version counters, numpy interop, Python protocol,
requires_grad rules, Size, device."""
import numpy as np
import pytest

import graphtorch as gt


def test_from_numpy_shares_memory_both_ways():
    a = np.arange(6, dtype=np.float32)
    t = gt.from_numpy(a)
    a[0] = 42
    assert t[0].item() == 42 if hasattr(t, "__getitem__") else True
    t.add_(1)
    assert a[0] == 43 and t.numpy() is a or np.shares_memory(t.numpy(), a)
    assert t._version == 1


def test_from_numpy_rejects_negative_strides_and_bad_dtypes():
    with pytest.raises(ValueError):
        gt.from_numpy(np.arange(4)[::-1])
    with pytest.raises(TypeError):
        gt.from_numpy(np.array(["a"]))


def test_view_shares_memory_and_version_counter():
    x = gt.zeros(2, 3)
    v = x.view(3, 2)
    assert v._base is x
    v.add_(1)
    assert x.sum().item() == 6
    assert x._version == v._version == 1
    assert v.data_ptr() == x.data_ptr()
    assert v.is_contiguous() and v.stride() == (2, 1)


def test_reshape_copies_only_when_needed():
    x = gt.arange(12).view(3, 4)
    assert x.reshape(4, 3)._base is x._base
    e = x.expand(2, 3, 4)
    assert e.stride() == (0, 4, 1)
    r = e.reshape(24)
    assert r._base is None and r.tolist() == list(range(12)) * 2


def test_view_errors():
    x = gt.zeros(2, 3)
    with pytest.raises(RuntimeError, match="invalid for input of size 6"):
        x.view(4, 2)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        x.view(-1, -1)
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.expand(2, 2, 3).view(-1)


def test_numpy_requires_grad_error_and_detach():
    x = gt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="Use tensor.detach"):
        x.numpy()
    d = x.detach()
    assert not d.requires_grad and np.shares_memory(d.numpy(), x.detach().numpy())
    d.add_(1)
    assert x._version == 1  # detach shares the version counter


def test_data_does_not_share_version_counter():
    x = gt.ones(2, requires_grad=True)
    x.data.mul_(3)
    assert x._version == 0
    assert x.detach().tolist() == [3.0, 3.0]


def test_requires_grad_rules():
    with pytest.raises(RuntimeError, match="floating point"):
        gt.ones(2, dtype=gt.int64).requires_grad_()
    x = gt.ones(2, requires_grad=True)
    y = x * 2
    assert not y.is_leaf and y.requires_grad
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1)
    with gt.no_grad():
        x.add_(1)
    assert x.detach().tolist() == [2.0, 2.0]


def test_python_protocol():
    assert int(gt.tensor([3])) == 3
    assert float(gt.tensor(2.5)) == 2.5
    assert bool(gt.tensor([1]))
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(gt.ones(2))
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(gt.tensor(1.0))
    assert len(gt.zeros(4, 2)) == 4
    assert isinstance(gt.tensor([1]).item(), int) and isinstance(gt.tensor(1.).item(), float)
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        gt.ones(3).item()
    assert [1, 2, 3][gt.tensor(1)] == 2


def test_size_and_device():
    s = gt.zeros(2, 3).shape
    assert isinstance(s, tuple) and s == (2, 3) and repr(s) == "torch.Size([2, 3])"
    assert s.numel() == 6 and isinstance(s[1:], gt.Size)
    d = gt.device("cuda:1")
    assert (d.type, d.index, str(d)) == ("cuda", 1, "cuda:1")
    assert repr(gt.device("cpu")) == "device(type='cpu')"
    assert gt.zeros(1).device == "cpu"
    with pytest.raises(RuntimeError):
        gt.device("tpu")


def test_type_strings_and_is_tensor():
    assert gt.zeros(1).type() == "torch.FloatTensor"
    assert gt.zeros(1, dtype=gt.int64).type() == "torch.LongTensor"
    assert gt.zeros(1).type(gt.float64).dtype is gt.float64
    assert gt.is_tensor(gt.zeros(1)) and not gt.is_tensor([1])
    assert isinstance(gt.LongTensor([1, 2]), gt.LongTensor)
    assert gt.Tensor([1, 2]).dtype is gt.float32 and gt.Tensor(2, 3).shape == (2, 3)


def test_out_of_place_kernels_do_not_alias_numpy_inputs():
    a = np.ones(3, dtype=np.float32)
    t = gt.from_numpy(a)
    u = t.clone()
    u.add_(1)
    assert a.tolist() == [1, 1, 1]


def test_inplace_dtype_rules():
    x = gt.ones(3, dtype=gt.int64)
    with pytest.raises(RuntimeError, match="result type Float can't be cast"):
        x.add_(1.5)
    y = gt.ones(3)
    y.add_(gt.ones(3, dtype=gt.int64))
    assert y.dtype is gt.float32
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        gt.ones(3).add_(gt.ones(2, 3))


def test_pickle_and_deepcopy_roundtrip():
    import copy
    import pickle
    x = gt.arange(6.).view(2, 3).requires_grad_()
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == x.tolist() and y.requires_grad and y.dtype is x.dtype
    z = copy.deepcopy(x)
    assert z.tolist() == x.tolist() and z.data_ptr() != x.data_ptr()


def test_kernel_failures_become_pytorch_errors():
    """numpy raises from C (no numpy frames in the traceback): the error must still become
    PyTorch's, never numpy's."""
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of "
                                           r"tensor b \(4\) at non-singleton dimension 0"):
        gt.ones(3) + gt.ones(4)
    with pytest.raises(RuntimeError, match="non-singleton dimension 1"):
        gt.ones(3) * gt.ones(2, 4)
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype"):
        gt.ones(2, dtype=gt.int64).requires_grad_()
