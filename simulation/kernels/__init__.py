"""Compiled inner loops of the monthly step (Numba), each the same to the last bit as the NumPy
it replaces.

A month of the model is a few hundred small NumPy operations on the tie arrays (about
13,000 directed ties in England) and the organisation arrays (about 750). Each operation
costs a few microseconds of Python and dispatch whatever its size, which was most of a run's
time. These kernels do the same arithmetic in one compiled loop each.

What keeps them identical to the bit (tested against the NumPy rules they replace, in
``tests/verification/test_kernels.py``, and by the stored baseline):

- every random number is still drawn by NumPy, from the run's streams, in the same order;
  a kernel only receives the draws;
- the same floating-point operations in the same order: sums run over the same entries in
  the same order from zero (as ``np.bincount`` and the summing matrices do); no
  ``fastmath``, so nothing is reassociated or fused;
- no transcendental function is computed here (``exp``, ``log1p``): NumPy's own
  implementations may differ from the C library's in the last bit, so those stay in NumPy
  and their results are passed in.

The kernels are compiled on first use and cached beside their files (``_compile.py``), so a
fresh checkout compiles once (about 5 s; ``scripts/setup.sh`` does it) and later processes,
sweep workers included, load the cached machine code. Where no cache can be written, each
process compiles them itself, after one warning.
"""

from __future__ import annotations

from .members import (
    ccg_hazard,
    departures,
    month_results,
    performance,
    review_scores,
    settle_month,
    thresholds,
    weighted_index,
)
from .ties import (
    acute_candidates,
    add_to_in_ties,
    replace_leaders,
    share_hits,
    support_and_adoption,
    trust_contacts,
)

__all__ = ["acute_candidates", "add_to_in_ties", "ccg_hazard", "departures", "month_results",
           "performance", "replace_leaders", "review_scores", "settle_month", "share_hits",
           "support_and_adoption", "thresholds", "trust_contacts", "weighted_index"]
