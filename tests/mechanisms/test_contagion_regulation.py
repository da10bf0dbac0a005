"""Threshold contagion (Brief 3.5), regulation (3.8), the centre (3.9), durability (3.13)."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import index
from simulation.mechanisms import centre, contagion, durability, regulation

# A path 0 - 1 - 2 and a pendant 3 on 1, as directed ties in both directions.
SRC = np.array([0, 1, 1, 2, 1, 3])
DST = np.array([1, 0, 2, 1, 3, 1])


def test_support_is_the_weighted_committed_share_of_partners():
    committed = np.array([1.0, 0.0, 0.0, 1.0])
    w = np.array([1.0, 2.0, 1.0, 1.0, 1.0, 1.0])
    s = contagion.support(SRC, DST, w, committed, 5)
    # node 1: ties to 0 (w2, committed), 2 (w1), 3 (w1, committed) -> 3/4; node 4 isolated
    np.testing.assert_allclose(s, [0.0, 0.75, 0.0, 0.0, 0.0])


def test_threshold_rule_adopts_at_the_threshold_and_never_drops():
    c = contagion.threshold_step(np.array([True, False, False]), np.array([0.0, 0.5, 0.49]),
                                 np.array([0.9, 0.5, 0.5]))
    np.testing.assert_array_equal(c, [True, True, False])


def test_cascade_on_a_path_stops_where_the_threshold_is_too_high():
    theta = np.array([0.0, 0.3, 0.6, 0.9])
    c = contagion.threshold_cascade(SRC, DST, theta, seeds=np.array([True, False, False, False]))
    # 1 sees 1/3 >= 0.3 and adopts; 2 then sees 1/1 and adopts; 3 sees 1/1 and adopts
    np.testing.assert_array_equal(c, [True, True, True, True])
    theta[1] = 0.4
    c = contagion.threshold_cascade(SRC, DST, theta, seeds=np.array([True, False, False, False]))
    np.testing.assert_array_equal(c, [True, False, False, False])


def test_bass_hazard_and_curve():
    np.testing.assert_allclose(contagion.bass_hazard(0.01, 0.3, np.array([0.0, 0.5, 10.0])),
                               [0.01, 0.16, 1.0])
    t = np.array([0.0, 10.0])
    F = contagion.bass_curve(t, 0.01, 0.3)
    assert F[0] == 0.0
    e = np.exp(-3.1)
    assert F[1] == pytest.approx((1 - e) / (1 + 30 * e), abs=1e-12)


def test_regulatory_focus_turns_orientation_inwards_or_outwards():
    o = np.array([0.5])
    assert regulation.orientation_drift(o, 1.0, 0.0, 0.1)[0] == pytest.approx(0.45)
    assert regulation.orientation_drift(o, 1.0, 1.0, 0.1)[0] == pytest.approx(0.55)
    assert regulation.orientation_drift(o, 0.0, 0.0, 0.1)[0] == 0.5
    assert regulation.orientation_drift(o, 1.0, 0.5, 0.1)[0] == pytest.approx(0.5)


def test_stable_systems_get_less_intervention():
    p = regulation.intervention_probability(np.array([1, 1, 0]), np.array([0.0, 1.0, 0.0]),
                                            intensity=0.5, rate=0.2, discount=0.6)
    np.testing.assert_allclose(p, [0.1, 0.04, 0.0])


def test_mandated_commitment_is_more_fragile():
    prob = durability.withdraw_probability(np.array([0.1, 0.1, 0.9]), np.array([0.5, 0.5, 0.5]),
                                           np.array([False, True, True]), np.array([0.0, 0.5, 0.0]),
                                           rate=0.1, fragility=3.0)
    np.testing.assert_allclose(prob, [0.1, 0.45, 0.0])


def test_integration_index_renormalises_over_missing_components():
    comp = {"trust": np.array([0.5, 0.5]), "commit": np.array([1.0, 1.0]),
            "pool": np.array([0.0, 0.0]), "consolidation": np.array([1.0, 1.0]),
            "council": np.array([1.0, np.nan])}
    idx = index.integration_index(comp, (0.2, 0.2, 0.2, 0.2, 0.2))
    np.testing.assert_allclose(idx, [0.7, 0.625])


def test_stages():
    s = index.stage(np.array([0.2, 0.5, 0.5, 0.2, 0.9]), np.array([0.9, 0.9, 0.1, 0.0, 0.9]),
                    np.array([False, False, False, True, True]), shadow=0.4, mature=0.8,
                    consensus=0.6)
    np.testing.assert_array_equal(s, [0, 1, 0, 2, 3])


def test_deadline_effect_ramps_up(tiny):
    st = tiny.state
    p = st.params
    assert centre.deadline_effect(st) == 0.0
    st.deadline_step = 0
    st.step = int(p.deadline_ramp_months)
    assert centre.deadline_effect(st) == pytest.approx(p.deadline_effect * (1 - np.exp(-1)))


def test_designation_by_mandate_commits_every_member(tiny):
    st = tiny.state
    members = st.world.members(0)
    centre.designate(st, np.array([0]), mandated=True, reason="test")
    assert st.designated[0] and not st.designated[1]
    assert st.committed[members].all()
    assert st.log[-1]["kind"] == "designation"
    n_log = len(st.log)
    centre.designate(st, np.array([0]), mandated=True, reason="again")
    assert len(st.log) == n_log  # designating twice does nothing
