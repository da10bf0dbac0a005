"""Leadership continuity (Brief 3.2): hazard, inheritance of trust, replacement."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulation.mechanisms import leadership


def test_hazard_gives_the_mean_tenure():
    h = float(leadership.monthly_hazard(3.0))
    assert h == pytest.approx(1 - math.exp(-1 / 36), abs=1e-15)
    # geometric mean waiting time 1/h months is the tenure to within half a month
    assert 1 / h == pytest.approx(36.5, abs=0.01)


def test_failing_multiplier_raises_the_hazard():
    h = leadership.monthly_hazard(3.0, np.array([1.0, 2.0]))
    assert h[1] == pytest.approx(1 - math.exp(-2 / 36), abs=1e-15)
    assert h[1] > h[0]


def test_successor_inherits_part_of_the_trust():
    out = leadership.inherit(np.array([0.9, 0.3, 0.1]), stranger=0.3, share=0.5)
    np.testing.assert_allclose(out, [0.6, 0.3, 0.2], atol=1e-12)


def test_replace_resets_tenure_and_pulls_trust_to_the_stranger_level(tiny):
    st = tiny.state
    p = st.params
    org = 0
    st.T[:] = 0.9
    st.changed()
    ties = np.union1d(st.out_ties(np.array([org])), st.in_ties(np.array([org])))
    others = np.setdiff1d(np.arange(len(st.T)), ties)
    leadership.replace(st, np.array([org]), "test")
    expected = p.stranger_trust + p.trust_inherited * (0.9 - p.stranger_trust)
    np.testing.assert_allclose(st.T[ties], expected, atol=1e-12)
    np.testing.assert_array_equal(st.T[others], 0.9)
    assert st.tenure[org] == 0
    assert st.counters.leader_changes.sum() == len(np.flatnonzero(st.world.mem_org == org))
    assert st.log[-1]["kind"] == "leader_change"
    assert f"from 0.90 to {expected:.2f}" in st.log[-1]["text"]


def test_mandated_commitments_lapse_more_readily(tiny):
    """Lapse probability 1 - (1 - lapse) ** fragility for a mandated member: 0.875 at 0.5 and 3."""
    st = tiny.state
    st.params = st.params.model_copy(update={"commitment_lapse": 0.5, "mandated_fragility": 3.0,
                                             "leader_pipeline_months": 0.0})
    orgs = np.arange(st.world.n_orgs)
    mandated = orgs % 2 == 0
    lapsed = np.zeros(st.world.n_orgs)
    rounds = 400
    for _ in range(rounds):
        st.committed[:] = True
        st.mandated[:] = mandated
        leadership.replace(st, orgs, "test")
        lapsed += ~st.committed
    share = lapsed / rounds
    # binomial sd at n = 400 rounds x 4-5 organisations is under 0.025; tolerance 0.05
    assert share[mandated].mean() == pytest.approx(0.875, abs=0.05)
    assert share[~mandated].mean() == pytest.approx(0.5, abs=0.05)
