"""Service changes: properties that hold by construction (so unit tests, not patterns).

Pattern 8 of Brief section 6 says reconfigurations are rare, slow and often blocked. *Rare*
and *slow* follow from the rule itself - proposals at ``change_rate * index`` a year, decisions
after a geometric delay with mean ``change_months`` - so they are verified here, on the tiny
world, and only *often blocked*, which depends on trust, councils and money, is left to the
validation scorecard (``configs/validation/patterns.toml``).
"""

from __future__ import annotations

import numpy as np

from simulation.mechanisms import service_change


def _propose_for(model, months: int, index: float, rate: float, mean_months: float) -> list[dict]:
    """Proposals made over ``months`` with the index held at ``index`` (decisions never due)."""
    st = model.state
    st.params.change_rate = rate
    st.params.change_months = mean_months
    made: list[dict] = []
    for m in range(months):
        st.step = m
        st.index[:] = index
        st.sc_pending = []
        extra = np.zeros(len(st.T))
        service_change.step(st, extra)
        made += st.sc_pending
    return made


def test_no_proposal_at_index_zero(tiny):
    assert _propose_for(tiny, 240, 0.0, 5.0, 30.0) == []


def test_proposals_follow_the_rate_at_full_index(tiny):
    months = 600
    made = _propose_for(tiny, months, 1.0, 5.0, 30.0)
    per_system = np.bincount([p["system"] for p in made], minlength=2)
    q = 5.0 / 12  # monthly probability at index 1
    assert (np.abs(per_system - months * q) < 4 * np.sqrt(months * q * (1 - q))).all()
    assert (per_system <= months).all()  # at most one a month


def test_proposals_are_capped_by_change_rate_times_index(tiny):
    months, index, rate = 2400, 0.5, 0.6
    made = _propose_for(tiny, months, index, rate, 30.0)
    per_system_year = len(made) / (2 * months / 12)
    expected = rate * index  # 0.3 a year: the cap that makes them rare
    se = np.sqrt(2 * months * (rate / 12 * index)) / (2 * months / 12)
    assert abs(per_system_year - expected) < 4 * se


def test_decision_delay_has_mean_change_months(tiny):
    made = _propose_for(tiny, 900, 1.0, 5.0, 30.0)
    delays = np.array([p["due"] - p["proposed"] for p in made], dtype=float)
    assert delays.min() >= 1
    # geometric with mean 30: standard deviation sqrt(30 * 29), about 29.5
    assert abs(delays.mean() - 30.0) < 4 * np.sqrt(30 * 29) / np.sqrt(delays.size)
