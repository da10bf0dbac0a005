"""Regulators that decide (Brief 3.8): whom they review, what they measure, what follows."""

from __future__ import annotations

import numpy as np

from simulation import load_scenario
from simulation.mechanisms import regulation
from simulation.model import DrumbeatModel


def _set(st, **update):
    st.params = st.params.model_copy(update=update)


def test_choose_takes_everyone_within_capacity():
    due = np.array([2, 5, 7])
    np.testing.assert_array_equal(regulation.choose(due, np.zeros(10), 3, 0.3, np.zeros(3)), due)


def test_choose_takes_the_worst_when_nothing_is_audited():
    score = np.array([0.9, 0.1, 0.5, 0.3, 0.8, 0.2])
    got = regulation.choose(np.arange(6), score, 3, 0.0, np.zeros(6))
    np.testing.assert_array_equal(got, [1, 3, 5])


def test_choose_audits_the_lowest_draws_then_the_worst():
    score = np.linspace(0, 1, 10)  # body 0 worst
    draws = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
    got = regulation.choose(np.arange(10), score, 4, 0.5, draws)
    np.testing.assert_array_equal(got, [0, 1, 8, 9])  # audits: 9 and 8; worst: 0 and 1


def test_score_weighs_own_and_system_standing_by_focus(tiny):
    st = tiny.state
    st.ytd[:] = 0.0
    st.perf[:] = 0.6
    st.pool_held[:] = True  # the system's money counts as met
    _set(st, reg_focus=0.0)
    np.testing.assert_allclose(regulation.scores(st), 0.5 * (0.5 + 0.6))
    _set(st, reg_focus=1.0)
    np.testing.assert_allclose(regulation.scores(st), 0.5 * (1.0 + 0.6))


def test_councils_are_never_reviewed(tiny):
    st = tiny.state
    _set(st, reg_intensity=1.0, review_rate=1.0, review_capacity=100.0)
    regulation.step(st, np.zeros(len(st.T)))
    reviewed = np.concatenate(st.reviewed)
    assert reviewed.size == np.count_nonzero(~st.is_council)
    assert not st.is_council[reviewed].any()


def test_a_review_moves_the_leader_towards_what_was_measured(tiny):
    st = tiny.state
    _set(st, reg_intensity=1.0, review_rate=1.0, review_capacity=100.0, review_learning=0.25,
         reg_focus=1.0, review_bar=0.0)
    st.orientation[:] = 0.2
    regulation.step(st, np.zeros(len(st.T)))
    reviewed = np.concatenate(st.reviewed)
    np.testing.assert_allclose(st.orientation[reviewed], 0.2 + 0.25 * (1.0 - 0.2))
    others = np.setdiff1d(np.arange(st.world.n_orgs), reviewed)
    np.testing.assert_array_equal(st.orientation[others], 0.2)
    assert (st.autonomy[reviewed] == st.params.autonomy_months).all()  # all passed (bar 0)


def test_a_failing_reviewed_body_is_taken_over(tiny):
    st = tiny.state
    _set(st, reg_intensity=1.0, review_rate=1.0, review_capacity=100.0, review_bar=1.0,
         stability_discount=0.0)
    st.committed[:] = True
    st.ytd[:] = st.params.failing_deficit - 1.0  # every NHS body failing on money
    regulation.step(st, np.zeros(len(st.T)))
    nhs = ~st.is_council
    assert (st.under_int[nhs] == st.params.intervention_months).all()
    assert not st.committed[nhs].any() and st.committed[st.is_council].all()


def test_an_own_books_regulator_pulls_a_pool_member_out(tiny):
    st = tiny.state
    _set(st, reg_intensity=1.0, review_rate=1.0, review_capacity=100.0, review_bar=1.0,
         reg_focus=0.0, failing_performance=0.0)
    st.ytd[:] = 0.0  # not failing, but below the bar
    st.in_pool[:] = True
    regulation.step(st, np.zeros(len(st.T)))
    assert not st.in_pool[~st.is_council].any()
    assert st.log[-1]["kind"] in {"undertaking", "intervention"}


def _small(tmp_path, **params):
    text = """
[scenario]
name = "small"
start = "2014-10"
years = 3
[world]
generator = "england"
n_systems = 10
trusts = 60
ccgs = 50
councils = 36
districts = 30
"""
    path = tmp_path / "small.toml"
    path.write_text(text)
    return load_scenario(path, overrides=params)


def _run(scn, seed=3):
    m = DrumbeatModel(scn, seed)
    return m.run()


def test_with_regulators_switched_off_focus_changes_nothing(tmp_path):
    a = _run(_small(tmp_path, reg_intensity=0.0, reg_focus=0.0))
    b = _run(_small(tmp_path, reg_intensity=0.0, reg_focus=1.0))
    assert a.national["reviews"].iloc[-1] == 0
    assert a.national.equals(b.national) and a.systems.equals(b.systems)


def test_focus_matters_when_regulators_review(tmp_path):
    a = _run(_small(tmp_path, reg_intensity=1.0, reg_focus=0.0))
    b = _run(_small(tmp_path, reg_intensity=1.0, reg_focus=1.0))
    assert a.national["reviews"].iloc[-1] > 0
    assert not a.national.equals(b.national)


def test_capacity_binds_so_intensity_levels_off(tmp_path):
    """Reviews a month never exceed capacity x regions; once demand exceeds capacity, more
    intensity adds no reviews."""
    reviews = {}
    for level in (0.1, 0.3, 0.6, 1.0):
        res = _run(_small(tmp_path, reg_intensity=level, review_rate=1.0, review_capacity=3.0))
        monthly = np.diff(res.national["reviews"].to_numpy())
        regions = 7
        assert monthly.max() <= 3 * regions
        reviews[level] = monthly.mean()
    assert reviews[0.3] > reviews[0.1]
    assert reviews[1.0] - reviews[0.6] < 0.25 * (reviews[0.3] - reviews[0.1])


def test_no_regulator_reviews_or_intervenes_in_a_council(tmp_path):
    m = DrumbeatModel(_small(tmp_path, reg_intensity=1.0, review_rate=1.0, failing_performance=0.9), 3)
    m.run()
    acted = [r["org"] for r in m.state.log if r["kind"] in ("intervention", "undertaking")]
    assert len(acted) > 0
    assert not m.state.is_council[acted].any()
