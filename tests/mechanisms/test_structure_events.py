"""Consolidation (Brief 3.7), intervention (3.8), and invariants of whole runs on random worlds."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.mechanisms import consolidation, regulation
from simulation.model import DrumbeatModel


def test_merge_leaves_one_commissioner(tiny):
    st = tiny.state
    members = st.world.members(0)
    ccgs = members[st.is_ccg[members]]
    assert ccgs.size == 2
    st.committed[ccgs] = [False, True]
    consolidation.merge(st, 0, "test")
    assert st.active[ccgs].tolist() == [True, False]
    assert st.committed[ccgs[0]]  # the survivor keeps a merged partner's commitment
    assert st.ccg_stage[0] == 3
    assert st.sys_count(st.is_ccg)[0] == 1
    assert st.log[-1]["kind"] == "ccg_merger"


def test_intervention_takes_an_organisation_out_of_the_system(tiny):
    st = tiny.state
    org = int(np.flatnonzero(st.world.home == 1)[0])
    st.committed[org] = st.in_pool[org] = True
    extra = np.zeros(len(st.T))
    regulation.intervene(st, np.array([org]), extra, "test")
    assert st.under_int[org] == 12
    assert not st.committed[org] and not st.in_pool[org]
    assert st.counters.interventions[1] == 1
    np.testing.assert_array_equal(extra[st.in_ties(org)], 1.0)
    assert extra.sum() == len(st.in_ties(org))
    assert any(e["kind"] == "intervention" for e in st.log)


@pytest.mark.parametrize("seed", range(8))
def test_invariants_of_a_run(small_england, seed):
    """Whatever the seed: shares in [0, 1], cumulative counts never fall, commissioners never
    grow, designation is never undone, stages are codes 0-3."""
    model = DrumbeatModel(small_england.with_overrides({"scenario.years": 2}), seed=seed)
    res = model.run()
    nat, sys = res.national, res.systems
    for col in ("share_integrated", "pooled_share", "committed_share", "mean_index"):
        assert nat[col].between(0, 1).all(), col
    for col in ("leader_changes", "interventions", "service_changes_proposed"):
        assert (nat[col].diff().dropna() >= 0).all(), col
    assert (nat["commissioners"].diff().dropna() <= 0).all()
    assert set(sys["stage"].unique()) <= {0, 1, 2, 3}
    designated = sys.pivot(index="step", columns="system", values="designated").astype(int)
    assert (designated.diff().dropna() >= 0).all().all()
    delivered = nat["service_changes_delivered"] + nat["service_changes_blocked"]
    assert (delivered <= nat["service_changes_proposed"]).all()


def _two_hospitals(st):
    ties = np.flatnonzero(st.is_acute[st.src] & st.is_acute[st.dst] & (st.src < st.dst))
    e = int(ties[0])
    return int(st.src[e]), int(st.dst[e])


def test_hospitals_that_trust_each_other_come_to_share_a_chief_executive(tiny):
    st = tiny.state
    st.params = st.params.model_copy(update={"shared_ce_rate": 12.0 - 1e-9, "merger_years": 50.0,
                                             "shared_ce_trust": 0.8})
    a, b = _two_hospitals(st)
    st.committed[[a, b]] = True
    st.T[:] = 1.0
    st.changed()
    consolidation.providers(st)
    assert st.shared_ce[a] == b and st.shared_ce[b] == a
    assert st.orientation[a] == st.orientation[b]
    assert st.log[-1]["kind"] == "shared_chief_executive"
    assert st.counters.shared_ceos.sum() >= 1


def test_uncommitted_hospitals_never_share(tiny):
    st = tiny.state
    st.params = st.params.model_copy(update={"shared_ce_rate": 1.0})
    st.committed[:] = False
    st.T[:] = 1.0
    st.changed()
    for month in range(50):
        st.step = month + 1
        consolidation.providers(st)
    assert (st.shared_ce == -1).all()


def test_a_merger_conserves_money_and_leaves_one_trust(tiny):
    st = tiny.state
    a, b = _two_hospitals(st)
    st.plan[[a, b]] = [0.5, -0.2]
    total = st.plan.sum()
    consolidation.share_chief_executive(st, a, b)
    consolidation.merge_trusts(st, a, b)
    assert st.plan.sum() == pytest.approx(total)
    assert st.active[a] and not st.active[b]
    assert st.plan[a] == pytest.approx(0.3) and (st.shared_ce[[a, b]] == -1).all()


def test_one_leader_leaving_a_shared_post_replaces_both(tiny):
    from simulation.mechanisms import leadership

    st = tiny.state
    a, b = _two_hospitals(st)
    consolidation.share_chief_executive(st, a, b)
    st.params = st.params.model_copy(update={"leader_tenure_years": 0.5, "failing_turnover_mult": 1.0})
    for month in range(60):
        st.step = month + 1
        st.tenure[:] = 5
        leadership.step(st)
        assert (st.tenure[a] == 0) == (st.tenure[b] == 0)
        assert st.orientation[a] == st.orientation[b]
