"""The sparse product behind ``sums.matvec``: SciPy's ``csr_matvec`` loop, compiled here."""

from __future__ import annotations

import numpy as np

from ._compile import compiled


@compiled
def csr_matvec(indptr, indices, x):
    """``m @ x`` for a 0/1 matrix in compressed rows (each stored entry is 1): each row's sum
    from zero, over its entries in order, of ``x[column]`` - the additions SciPy's
    ``csr_matvec`` makes into an output of zeros (``1.0 * x`` is ``x``, to the bit), so the
    same numbers (``tests/verification/test_summing_matrix.py`` holds them to
    ``np.bincount``)."""
    rows = indptr.size - 1
    out = np.empty(rows)
    for i in range(rows):
        total = 0.0
        for j in range(indptr[i], indptr[i + 1]):
            total += x[np.uint64(indices[j])]  # unsigned: no check for a negative index
        out[i] = total
    return out
