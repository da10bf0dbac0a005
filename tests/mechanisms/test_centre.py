"""The centre (Brief 3.9): a deadline that fades, designation by sustained readiness."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulation.mechanisms import centre, contagion


def _set(st, **update):
    st.params = st.params.model_copy(update=update)


def test_deadline_ramps_up_then_fades_after_its_due_date(tiny):
    st = tiny.state
    p = st.params
    assert centre.deadline_effect(st) == 0.0 and not centre.mandate_live(st)
    st.deadline_step, st.due_step = 0, 24
    st.step = int(p.deadline_ramp_months)
    assert centre.deadline_effect(st) == pytest.approx(p.deadline_effect * (1 - math.exp(-1)))
    assert centre.mandate_live(st)
    st.step = 24
    at_due = centre.deadline_effect(st)
    assert centre.mandate_live(st)
    st.step = 24 + int(p.deadline_decay_months)
    assert centre.deadline_effect(st) == pytest.approx(
        p.deadline_effect * (1 - math.exp(-st.step / p.deadline_ramp_months)) * math.exp(-1))
    assert centre.deadline_effect(st) < at_due and not centre.mandate_live(st)


def test_thresholds_return_once_the_deadline_has_passed(tiny):
    st = tiny.state
    shift = np.zeros(st.world.n_orgs)
    st.step = 300
    before = contagion.effective_threshold(st, shift, centre.deadline_effect(st))
    st.deadline_step, st.due_step = 10, 34
    during = contagion.effective_threshold(st, shift, centre.deadline_effect(st))
    np.testing.assert_allclose(during, before, atol=1e-9)  # 266 months after: faded
    st.step = 30
    assert (contagion.effective_threshold(st, shift, centre.deadline_effect(st)) < before).all()


def _ready(st, ready_systems):
    """Make the given systems meet the readiness bar this month, the others not."""
    st.index[:] = 0.0
    st.index[ready_systems] = 1.0
    st.committed[:] = True
    st.ytd[:] = 0.0


def test_designation_needs_readiness_sustained_for_months(tiny):
    st = tiny.state
    _set(st, readiness_months=3, designation="continuous", review_months=1)
    _ready(st, [0])
    for month in range(1, 4):
        st.step = month
        centre.step(st)
        assert st.designated[0] == (month >= 3)
    assert not st.designated[1]
    assert st.ready_months[1] == 0


def test_a_lapse_in_readiness_starts_the_count_again(tiny):
    st = tiny.state
    _set(st, readiness_months=3, designation="continuous", review_months=1)
    _ready(st, [0])
    st.step = 1
    centre.step(st)
    st.step = 2
    st.committed[:] = False  # members' commitment falls away for a month
    centre.step(st)
    assert st.ready_months[0] == 0
    st.committed[:] = True
    for month in (3, 4):
        st.step = month
        centre.step(st)
    assert not st.designated[0]


def test_no_review_designates_anyone_when_no_system_is_ready(tiny):
    st = tiny.state
    _set(st, designation="continuous", review_months=1)
    _ready(st, [])
    for month in range(1, 25):
        st.step = month
        centre.step(st)
    assert not st.designated.any()


def test_invited_designation_waits_for_an_invitation(tiny):
    st = tiny.state
    _set(st, readiness_months=1, designation="invited", review_months=6)
    _ready(st, [0, 1])
    for month in range(1, 10):
        st.step = month
        centre.step(st)
    assert not st.designated.any()
    st.step = 10
    centre.invite(st)
    centre.step(st)
    assert st.designated.all() and st.invited_step == 10


def test_statute_establishes_in_law_without_committing_anyone(tiny):
    st = tiny.state
    committed = st.committed.copy()
    centre.designate(st, np.array([0]), mandated=True, reason="statute")
    assert st.designated[0] and st.designated_by_mandate[0] and not st.designated[1]
    np.testing.assert_array_equal(st.committed, committed)
    n_log = len(st.log)
    centre.designate(st, np.array([0]), mandated=True, reason="again")
    assert len(st.log) == n_log  # designating twice does nothing
