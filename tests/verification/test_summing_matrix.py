"""The state's fast sums are ``np.bincount`` to the last bit.

``state.summing_matrix`` replaces ``np.bincount`` for the per-system and per-organisation
sums over ties and memberships (it is several times faster). Committed results were made with
``np.bincount``; they stay reproducible only if every sum is bit-for-bit the same, for any
values (positive, negative, zeros, mixed magnitudes), any grouping and any kept subset.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from simulation import DrumbeatModel, load_scenario
from simulation.state import summing_matrix
from simulation.sums import matvec, summing_rows

values = st.one_of(st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
                   st.floats(-1e-6, 1e-6, allow_nan=False), st.just(0.0), st.just(-0.0))


@st.composite
def groupings(draw):
    n = draw(st.integers(1, 300))
    groups = draw(st.integers(1, 12))
    cols = draw(st.integers(1, 50))
    rows = draw(arrays(np.int64, n, elements=st.integers(0, groups - 1)))
    col = draw(arrays(np.int64, n, elements=st.integers(0, cols - 1)))
    keep = draw(arrays(bool, n))
    x = draw(arrays(float, cols, elements=values))
    return rows, col, keep, x, (groups, cols)


@settings(max_examples=400, deadline=None)
@given(groupings())
def test_summing_matrix_equals_bincount_bit_for_bit(case):
    rows, col, keep, x, shape = case
    expected = np.bincount(rows, weights=np.where(keep, x[col], 0.0), minlength=shape[0])
    m = summing_matrix(rows, col, keep, shape)
    got = m @ x
    assert got.tobytes() == expected.tobytes()
    assert matvec(m, x).tobytes() == expected.tobytes()  # the project's compiled product
    rows_only = summing_rows(rows, col, keep, shape)  # the same matrix, without SciPy's checks
    assert (rows_only @ x).tobytes() == expected.tobytes()
    assert (rows_only @ (x > 0)).tobytes() == (m @ (x > 0)).tobytes()  # a bool vector, cast


def test_state_sums_equal_bincount_in_a_running_model():
    scn = load_scenario("configs/scenarios/baseline.toml", {"years": 2})
    model = DrumbeatModel(scn, 3)
    model.run()
    st_ = model.state
    a = st_.tie_active()
    assert (st_.out_sum(st_.T).tobytes()
            == np.bincount(st_.src, weights=st_.T * a, minlength=st_.world.n_orgs).tobytes())
    den = np.bincount(st_.tsys, weights=a, minlength=st_.n_systems)
    num = np.bincount(st_.tsys, weights=st_.T * a, minlength=st_.n_systems)
    expected = np.where(den > 0, num / np.maximum(den, 1), np.nan)
    assert st_.sys_trust_mean().tobytes() == expected.tobytes()
    w = st_.world
    k = (st_.active & st_.is_pooled_kind)[w.mem_org]
    num = np.bincount(w.mem_sys, weights=np.where(k, st_.ytd[w.mem_org], 0.0), minlength=st_.n_systems)
    den = np.bincount(w.mem_sys, weights=k, minlength=st_.n_systems)
    expected = np.where(den > 0, num / np.maximum(den, 1), 0.0)
    assert st_.sys_mean(st_.ytd, st_.is_pooled_kind, empty=0.0).tobytes() == expected.tobytes()
