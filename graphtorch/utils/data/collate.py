"""default_collate / default_convert: turn fetched samples into batched tensors.

Samples are walked recursively by type (tensors, numpy arrays and scalars, Python numbers,
strings, mappings, named tuples, sequences) with a type -> function table, as in PyTorch;
``collate(batch, collate_fn_map=...)`` lets users extend the table."""
from __future__ import annotations

import collections.abc
import copy
import functools
import re
from collections.abc import Callable

import numpy as np

from ...eager.tensor import Tensor, wrap
from ...ops import dtypes as D

__all__ = ["collate", "default_collate", "default_convert", "default_collate_fn_map",
           "collate_tensor_fn", "collate_numpy_array_fn", "collate_numpy_scalar_fn",
           "collate_float_fn", "collate_int_fn", "collate_str_fn"]

np_str_obj_array_pattern = re.compile(r"[SaUO]")
default_collate_err_msg_format = ("default_collate: batch must contain tensors, numpy arrays, "
                                  "numbers, dicts or lists; found {}")


def _gt():
    import graphtorch
    return graphtorch


def _is_string_array(arr) -> bool:
    return np_str_obj_array_pattern.search(arr.dtype.str) is not None


# ------------------------------------------------------------------------- default_convert
def _convert_mapping(data):
    converted = {key: default_convert(data[key]) for key in data}
    try:
        if isinstance(data, collections.abc.MutableMapping):
            clone = copy.copy(data)
            clone.update(converted)
            return clone
        return type(data)(converted)
    except TypeError:  # the mapping type cannot be rebuilt from a dict
        return converted


def _convert_sequence(data):
    try:
        if isinstance(data, collections.abc.MutableSequence):
            clone = copy.copy(data)
            for i, d in enumerate(data):
                clone[i] = default_convert(d)
            return clone
        return type(data)([default_convert(d) for d in data])
    except TypeError:
        return [default_convert(d) for d in data]


def default_convert(data):
    """Convert numpy arrays and scalars inside ``data`` to tensors, keeping the structure
    (tuples become lists); everything else passes through. The collate function used when
    automatic batching is off (``batch_size=None``)."""
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_"):
        if elem_type.__name__ == "ndarray" and _is_string_array(data):
            return data
        return _gt().as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        return _convert_mapping(data)
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # named tuple
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _convert_sequence(data)
    return data


# ------------------------------------------------------------------------- collate
def _collate_mapping(batch, elem, fn_map):
    collated = {key: collate([d[key] for d in batch], collate_fn_map=fn_map) for key in elem}
    try:
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update(collated)
            return clone
        return type(elem)(collated)
    except TypeError:
        return collated


def _collate_sequence(batch, elem, fn_map):
    size = len(elem)
    if not all(len(e) == size for e in batch):
        raise RuntimeError("each element in list of batch should be of equal size")
    columns = [collate(s, collate_fn_map=fn_map) for s in zip(*batch)]  # tuples, as torch
    if isinstance(elem, tuple):
        return columns  # tuples become lists, as in PyTorch
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            for i, col in enumerate(columns):
                clone[i] = col
            return clone
        return type(elem)(columns)
    except TypeError:
        return columns


def _lookup(elem, fn_map):
    fn = fn_map.get(type(elem))
    if fn is not None:
        return fn
    for key, fn in fn_map.items():
        if isinstance(elem, key):
            return fn
    return None


def collate(batch, *, collate_fn_map: dict | None = None):
    """Collate a list of samples, dispatching on the type of the first one through
    ``collate_fn_map`` (type or tuple of types -> ``fn(batch, *, collate_fn_map)``), then
    recursing into mappings, named tuples and sequences."""
    elem = batch[0]
    if collate_fn_map is not None:
        fn = _lookup(elem, collate_fn_map)
        if fn is not None:
            return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        return _collate_mapping(batch, elem, collate_fn_map)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # named tuple
        return type(elem)(*(collate(s, collate_fn_map=collate_fn_map)
                            for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        return _collate_sequence(batch, elem, collate_fn_map)
    raise TypeError(default_collate_err_msg_format.format(type(elem)))


def _stack_error(tensors):
    first = list(tensors[0].shape)
    for i, t in enumerate(tensors):
        if list(t.shape) != first:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {first} "
                               f"at entry 0 and {list(t.shape)} at entry {i}")


def stack_tensors(tensors) -> Tensor:
    """``torch.stack(tensors, 0)``; host tensors without grad are stacked directly in numpy
    (the data-loading hot path), with PyTorch's dtype promotion and shape error."""
    if any(t.requires_grad or type(t._data) is not np.ndarray for t in tensors):
        return _gt().stack(tensors, 0)
    dtype = tensors[0]._dtype
    if any(t._dtype is not dtype for t in tensors):
        dtype = functools.reduce(D.promote_types, (t._dtype for t in tensors))
    try:
        out = np.stack([t._data for t in tensors])
    except ValueError:
        _stack_error(tensors)
        raise
    if out.dtype != dtype.np:
        out = out.astype(dtype.np)
    return wrap(out)


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """Stack a batch of tensors along a new first dimension."""
    return stack_tensors(batch)


def _uniform_arrays(batch) -> bool:
    elem = batch[0]
    if elem.dtype not in D._NP_TO_DTYPE:
        return False
    return all(type(b) is np.ndarray and b.dtype == elem.dtype and b.shape == elem.shape
               for b in batch)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    """Batch numpy arrays into one tensor (strings/objects raise TypeError)."""
    elem = batch[0]
    if _is_string_array(elem):
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    if type(elem) is np.ndarray and _uniform_arrays(batch):
        return wrap(np.stack(batch))  # fast path: one copy, dtype kept
    as_tensor = _gt().as_tensor
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    """Batch numpy scalars into a 1-d tensor of their dtype."""
    return _gt().as_tensor(batch)


def collate_float_fn(batch, *, collate_fn_map=None):
    """Python floats become a float64 tensor."""
    torch = _gt()
    return torch.tensor(batch, dtype=torch.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    """Python ints (and bools) become an int64 (bool) tensor."""
    return _gt().tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    """Strings and bytes stay a list."""
    return batch


default_collate_fn_map: dict[type | tuple[type, ...], Callable] = {
    Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """Collate a list of samples into a batch: tensors, numpy arrays and numbers are stacked
    into tensors with a new first dimension; mappings, named tuples and sequences are
    collated field by field (tuples become lists); strings stay lists.

    Example::

        >>> default_collate([(0, 1.5), (1, 2.5)])
        [tensor([0, 1]), tensor([1.5000, 2.5000], dtype=torch.float64)]
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
