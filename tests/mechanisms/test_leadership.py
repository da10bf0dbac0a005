"""Leadership continuity (Brief 3.2): hazard, inheritance of trust, replacement."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulation.mechanisms import leadership
from tests.verification import rules


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
    out = rules.inherit(np.array([0.9, 0.3, 0.1]), stranger=0.3, share=0.5)
    np.testing.assert_allclose(out, [0.6, 0.3, 0.2], atol=1e-12)


def _external(st, **update):
    st.params = st.params.model_copy(update={"internal_successor": 0.0,
                                             "internal_successor_maturity": 0.0, **update})


def test_replace_resets_tenure_and_pulls_trust_to_the_stranger_level(tiny):
    st = tiny.state
    _external(st)
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
    assert st.vacancy[org] >= 1  # an outsider arrives after an interim
    assert st.counters.leader_changes.sum() == len(np.flatnonzero(st.world.mem_org == org))
    assert st.log[-1]["kind"] == "leader_change"
    assert f"from 0.90 to {expected:.2f}" in st.log[-1]["text"]


def test_internal_successor_keeps_relationships_and_the_systems_outlook(tiny):
    st = tiny.state
    st.params = st.params.model_copy(update={"internal_successor": 1.0})
    p = st.params
    org = 0
    st.T[:] = 0.9
    st.changed()
    st.orientation[:] = 0.7
    ties = np.union1d(st.out_ties(np.array([org])), st.in_ties(np.array([org])))
    leadership.replace(st, np.array([org]), "test")
    expected = p.stranger_trust + p.internal_trust_inherited * (0.9 - p.stranger_trust)
    np.testing.assert_allclose(st.T[ties], expected, atol=1e-12)
    assert st.orientation[org] == pytest.approx(0.7)  # the mean of the system's leaders
    assert st.vacancy[org] == 0  # no interim
    assert "from inside the system" in st.log[-1]["text"]


def test_two_new_leaders_on_one_tie_each_keep_their_share(tiny):
    st = tiny.state
    _external(st)
    p = st.params
    st.T[:] = 0.9
    st.changed()
    a, b = int(st.src[0]), int(st.dst[0])
    leadership.replace(st, np.array([a, b]), "test")
    kept = p.trust_inherited ** 2
    assert st.T[0] == pytest.approx(p.stranger_trust + kept * (0.9 - p.stranger_trust))


def test_a_successor_does_not_drop_the_commitment_by_rule(tiny):
    """No lapse rule: the commitment stands; withdrawal is durability's business."""
    st = tiny.state
    _external(st)
    orgs = np.arange(st.world.n_orgs)
    st.committed[:] = True
    for _ in range(50):
        leadership.replace(st, orgs, "test")
    assert st.committed.all()


def test_internal_successors_grow_with_the_systems_maturity(tiny):
    st = tiny.state
    st.params = st.params.model_copy(update={"internal_successor": 0.0,
                                             "internal_successor_maturity": 1.0})
    orgs = np.arange(st.world.n_orgs)
    inside = {0.0: 0, 1.0: 0}
    for level in inside:
        st.index[:] = level
        for _ in range(200):
            leadership.replace(st, orgs, "test")
            inside[level] += int((st.vacancy[orgs] == 0).sum())
    assert inside[0.0] == 0  # index 0: probability 0 exactly
    assert inside[1.0] == 200 * orgs.size  # index 1: probability 1 exactly


def test_elections_change_control_on_the_cycle(tiny):
    st = tiny.state
    st.params = st.params.model_copy(update={"party_change": 1.0, "council_election_years": 1.0})
    councils = np.flatnonzero(st.is_council)
    st.committed[:] = True
    st.orientation[:] = 0.9
    leadership.elections(st)
    assert not st.committed[councils].any()
    assert (st.orientation[councils] <= 0.3).all()
    assert st.committed[~st.is_council].all()  # NHS bodies hold no elections
    assert {r["kind"] for r in st.log if r["org"] in set(councils.tolist())} >= {"council_party_change"}


def test_no_party_change_when_elections_never_change_control(tiny):
    st = tiny.state
    st.params = st.params.model_copy(update={"party_change": 0.0, "council_election_years": 1.0})
    st.committed[:] = True
    for month in range(5):
        st.step = month + 1
        leadership.elections(st)
    assert st.committed.all()
