"""Random parameter sets within their declared ranges: no crash, no NaN where a number belongs,
money conserved by every pool transfer (Hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation import DrumbeatModel
from simulation.params import param_bounds

BOUNDS = param_bounds()
#: Columns that are NaN by definition in some runs (no council, no active tie).
MAY_BE_NAN = {"council_engagement", "min_trust", "mean_trust"}


@st.composite
def parameter_sets(draw):
    names = draw(st.lists(st.sampled_from(sorted(BOUNDS)), min_size=1, max_size=12, unique=True))
    out = {}
    for n in names:
        lo, hi = BOUNDS[n]
        out[n] = draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False))
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pars=parameter_sets(), seed=st.integers(0, 2**31 - 1))
def test_any_parameter_set_in_range_runs_cleanly(small_england, pars, seed):
    scn = small_england.with_overrides({**pars, "scenario.years": 2,
                                        "designation": "continuous"})
    m = DrumbeatModel(scn, seed)
    for _ in range(scn.steps):
        m.step()
        st_ = m.state
        assert np.isfinite(st_.ytd).all() and np.isfinite(st_.plan).all()
        assert np.isfinite(st_.T).all() and ((st_.T >= 0) & (st_.T <= 1)).all()
        assert abs(float(st_.transfers.sum())) < 1e-9 * max(1.0, float(np.abs(st_.transfers).sum()))
    nat = m.result().national
    numbers = nat.drop(columns=["date", *MAY_BE_NAN])
    assert np.isfinite(numbers.to_numpy(dtype=float)).all()
