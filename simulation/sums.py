"""Sums and small array helpers of the run's state, each the same to the last bit as the
plain NumPy it replaces (``tests/verification/test_summing_matrix.py``)."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from .kernels.sparse import csr_matvec

#: ``np.clip`` (the mechanisms take it from here, through ``state.py``).
clip = np.clip


class SumRows:
    """A 0/1 matrix in compressed rows (``indptr``, ``indices``, ``data``, ``shape``, as SciPy's
    ``csr_array``) whose only use is ``m @ x``: made without SciPy's checks of its input,
    which cost more than the product when the matrix changes (every merger)."""

    __slots__ = ("data", "indices", "indptr", "shape")

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, shape: tuple[int, int]) -> None:
        self.indptr, self.indices, self.shape = indptr, indices, shape
        self.data = np.ones(indices.size)

    def tocsr(self) -> sparse.csr_array:
        return sparse.csr_array((self.data, self.indices, self.indptr), shape=self.shape)

    def __matmul__(self, x: np.ndarray) -> np.ndarray:
        return matvec(self, x)


def summing_rows(rows: np.ndarray, cols: np.ndarray, keep: np.ndarray,
                 shape: tuple[int, int], order: np.ndarray | None = None) -> SumRows:
    """0/1 matrix ``M`` with ``M @ x`` equal, to the last bit, to
    ``np.bincount(rows, weights=np.where(keep, x[cols], 0), minlength=shape[0])``.

    Each row lists its kept entries in their order in ``rows``, so the sparse product adds
    them in the same order, from the same zero, as ``np.bincount`` does (adding a zero leaves
    a sum unchanged). It is several times faster on the tie arrays: ``np.bincount`` over an
    index sorted by system chains every addition into one bin after the previous one.
    ``order``, if given, is ``np.argsort(rows, kind="stable")``, computed once by the caller.
    """
    if order is None:
        order = np.argsort(rows, kind="stable")
    j = order[keep[order]]
    indptr = np.zeros(shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[j], minlength=shape[0]), out=indptr[1:])
    return SumRows(indptr, cols[j].astype(np.int64), shape)


def summing_matrix(rows: np.ndarray, cols: np.ndarray, keep: np.ndarray,
                   shape: tuple[int, int], order: np.ndarray | None = None) -> sparse.csr_array:
    """:func:`summing_rows` as SciPy's ``csr_array`` (the same entries in the same order)."""
    return summing_rows(rows, cols, keep, shape, order).tocsr()


def matvec(m: SumRows | sparse.csr_array, x: np.ndarray) -> np.ndarray:
    """``m @ x`` for a 0/1 matrix (every stored entry 1, as :func:`summing_rows` makes them)
    and a vector: SciPy's sparse product, as a compiled
    loop of this project (``kernels/sparse.py``) that adds in the same order, without SciPy's
    checks and dispatch (most of the cost of a product on the tie arrays). A vector of another
    real type is cast to float64 first, as SciPy's ``@`` does."""
    rows, cols = m.shape
    if x.ndim != 1 or x.shape[0] != cols:
        raise ValueError(f"dimension mismatch: {m.shape} @ {x.shape}")
    if x.dtype != np.float64 or not x.flags.c_contiguous:
        if x.dtype.kind not in "biuf":
            raise TypeError(f"matvec of a {x.dtype} vector")
        x = np.ascontiguousarray(x, dtype=np.float64)
    return csr_matvec(m.indptr, m.indices, x)


def fill_nan(values: np.ndarray, value: float) -> np.ndarray:
    """``values`` with NaN replaced by ``value`` (a cheaper ``np.nan_to_num`` for finite data)."""
    return np.where(np.isnan(values), value, values)
