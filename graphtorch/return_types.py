"""torch.return_types: the named tuples returned by max/min/sort/topk/... and linalg functions.

Each type is a tuple subclass with named fields, built from a sequence as torch's structseqs
are (``torch.return_types.max((values, indices))``), and printed exactly as torch prints them.
Adding a type is one line in ``_TYPES``."""
from __future__ import annotations

__all__ = ["all_return_types"]

_TYPES = {
    "max": "values indices", "min": "values indices", "sort": "values indices",
    "topk": "values indices", "kthvalue": "values indices", "median": "values indices",
    "nanmedian": "values indices", "mode": "values indices", "cummax": "values indices",
    "cummin": "values indices", "aminmax": "min max", "histogram": "hist bin_edges",
    "histogramdd": "hist bin_edges", "frexp": "mantissa exponent", "geqrf": "a tau",
    "slogdet": "sign logabsdet", "linalg_slogdet": "sign logabsdet", "qr": "Q R",
    "linalg_qr": "Q R", "svd": "U S V", "linalg_svd": "U S Vh",
    "linalg_eig": "eigenvalues eigenvectors", "linalg_eigh": "eigenvalues eigenvectors",
    "linalg_cholesky_ex": "L info", "linalg_inv_ex": "inverse info",
    "linalg_ldl_factor": "LD pivots", "linalg_ldl_factor_ex": "LD pivots info",
    "linalg_lstsq": "solution residuals rank singular_values", "linalg_lu": "P L U",
    "lu_unpack": "P L U", "linalg_lu_factor": "LU pivots", "linalg_lu_factor_ex": "LU pivots info",
    "linalg_solve_ex": "result info", "triangular_solve": "solution cloned_coefficient",
}


class _StructSeq(tuple):
    """Base of the named result tuples: built from one sequence, fields by name or position."""

    __slots__ = ()
    _names: tuple = ()

    def __new__(cls, seq=()):
        seq = tuple(seq)
        if len(seq) != len(cls._names):
            raise TypeError(f"torch.return_types.{cls.__name__}() takes a {len(cls._names)}-"
                            f"sequence ({len(seq)}-sequence given)")
        return tuple.__new__(cls, seq)

    @property
    def n_fields(self) -> int:
        return len(self._names)

    n_sequence_fields = n_fields

    def __repr__(self):
        body = ",\n".join(f"{n}={v!r}" for n, v in zip(self._names, self))
        return f"torch.return_types.{type(self).__name__}(\n{body})"

    __str__ = __repr__

    def __reduce__(self):
        return (type(self), (tuple(self),))


def _field(i):
    return property(lambda self: tuple.__getitem__(self, i))


def define(name: str, fields: str) -> type:
    """Create (and export) the return type ``name`` with space-separated ``fields``."""
    names = tuple(fields.split())
    ns = {"__slots__": (), "_names": names, "__module__": __name__}
    ns.update({f: _field(i) for i, f in enumerate(names)})
    cls = type(name, (_StructSeq,), ns)
    globals()[name] = cls
    globals()[name + "_out"] = cls
    return cls


all_return_types = [define(n, f) for n, f in _TYPES.items()]
