"""The validation alternatives (null models): each switch does what it says and nothing else.

``peer_influence``, ``trust_memory`` and ``leader_ties`` exist only so that a pattern can be
tested against a rival model (``configs/validation/patterns.toml``); their defaults are the
model itself (``tests/test_baseline.py`` checks that the default run is unchanged to the bit).
"""

from __future__ import annotations

import numpy as np

from simulation.mechanisms import contagion, durability, leadership, trust
from tests.verification import rules


def _switch(st, **update):
    st.params = st.params.model_copy(update=update)


def test_without_peer_influence_full_support_does_not_commit(tiny):
    st = tiny.state
    _switch(st, peer_influence=False)
    st.committed[:] = True
    st.committed[0] = False  # everyone else is committed: support 1, above any threshold
    contagion.step(st, np.zeros(st.world.n_orgs), push=0.0, mandate=False)
    assert not st.committed[0]


def test_with_peer_influence_full_support_commits(tiny):  # the check above can fail
    st = tiny.state
    st.committed[:] = True
    st.committed[0] = False
    st.under_int[:] = 0
    contagion.step(st, np.zeros(st.world.n_orgs), push=0.0, mandate=False)
    assert st.committed[0]


def test_without_peer_influence_the_outside_push_alone_commits(tiny):
    st = tiny.state
    _switch(st, peer_influence=False)
    st.committed[:] = False
    st.under_int[:] = 0
    contagion.step(st, np.full(st.world.n_orgs, 9.0), push=1.0, mandate=False)
    assert st.committed[st.active].all()


def test_without_peer_influence_lost_support_withdraws_no_one(tiny):
    st = tiny.state
    st.committed[:] = True
    theta = np.ones(st.world.n_orgs)  # every threshold above any support
    support = np.zeros(st.world.n_orgs)
    _switch(st, peer_influence=False, decommit_rate=1.0)
    durability.step(st, support, theta)
    assert st.committed[st.active].all()
    _switch(st, peer_influence=True)
    durability.step(st, support, theta)
    assert not st.committed[st.active].any()


def test_memoryless_trust_forgets_the_starting_level(tiny):
    """Two states that differ only in trust hold the same trust after one month."""
    from simulation.model import DrumbeatModel

    other = DrumbeatModel(tiny.spec, seed=4)
    for m in (tiny, other):
        _switch(m.state, trust_memory=False)
    other.state.T[:] = 0.01
    other.state.changed()
    for m in (tiny, other):
        trust.step(m.state)
    np.testing.assert_allclose(tiny.state.T, other.state.T, atol=1e-12)
    half = len(tiny.state.T) // 2
    pg = rules.good_probability(tiny.state, slice(0, half))
    p = tiny.state.params
    expected = [rules.fixed_point(x, p.trust_gain, p.trust_loss) for x in pg]
    np.testing.assert_allclose(tiny.state.T[:half], expected, atol=1e-12)


def test_without_leader_ties_a_successor_keeps_every_relationship(tiny):
    st = tiny.state
    _switch(st, leader_ties=False, internal_successor=0.0, internal_successor_maturity=0.0,
            leader_pipeline_months=12.0)
    st.T[:] = 0.9
    st.changed()
    leadership.replace(st, np.array([0]), "test")
    np.testing.assert_array_equal(st.T, 0.9)
    assert st.vacancy[0] == 0 and st.tenure[0] == 0
