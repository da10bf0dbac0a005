"""Brief section 8: the trust rule on its own.

Rule (``simulation/mechanisms/trust.py``): after a good experience ``T += a_up (1 - T)``, after a bad one
``T -= a_down T``. If each experience is good with probability ``p``, the expected update is
``E[T'] = T + p a_up (1 - T) - (1 - p) a_down T``, whose fixed point is
``T* = p a_up / (p a_up + (1 - p) a_down)``. Checked three ways: single updates exactly;
the fixed-point function against the expected-update map; and simulated ties (with the
model's own ``trust.step``) whose long-run mean trust matches ``T*`` within 0.02.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulation.mechanisms import trust

from . import rules
from .worlds import bare_state, complete_edges, world_from_edges

unit = st.floats(0.0, 1.0, allow_nan=False)
rate = st.floats(0.0, 0.99, allow_nan=False)


def test_single_good_and_bad_experiences_exact():
    T = np.array([0.0, 0.25, 0.5, 1.0])
    np.testing.assert_allclose(rules.update(T, np.ones(4), np.zeros(4), 0.1, 0.3),
                               [0.1, 0.325, 0.55, 1.0], atol=1e-15)
    np.testing.assert_allclose(rules.update(T, np.zeros(4), np.ones(4), 0.1, 0.3),
                               [0.0, 0.175, 0.35, 0.7], atol=1e-15)
    # a_up = 1 fills the gap, a_down = 1 empties trust
    np.testing.assert_array_equal(rules.update(T, np.ones(4), np.zeros(4), 1.0, 0.3), [1, 1, 1, 1])
    np.testing.assert_array_equal(rules.update(T, np.zeros(4), np.ones(4), 0.1, 1.0), [0, 0, 0, 0])


@settings(max_examples=300, deadline=None)
@given(T=unit, a_up=rate, a_down=rate, good=st.integers(0, 6), bad=st.integers(0, 6))
def test_counts_equal_repeated_single_updates(T, a_up, a_down, good, bad):
    """g good then b bad experiences in one month = g single good updates, then b bad ones."""
    expected = T
    for _ in range(good):
        expected += a_up * (1 - expected)
    for _ in range(bad):
        expected -= a_down * expected
    got = rules.update(np.array([T]), np.array([good], float), np.array([bad], float), a_up, a_down)
    assert got[0] == pytest.approx(expected, abs=1e-12)
    assert 0.0 <= got[0] <= 1.0


@settings(max_examples=300, deadline=None)
@given(p=unit, a_up=st.floats(0.01, 0.99), a_down=st.floats(0.01, 0.99))
def test_fixed_point_is_the_fixed_point_of_the_expected_update(p, a_up, a_down):
    t = rules.fixed_point(p, a_up, a_down)
    assert t == pytest.approx(p * a_up / (p * a_up + (1 - p) * a_down), abs=1e-12)
    expected_next = p * float(rules.update(np.array([t]), np.ones(1), np.zeros(1), a_up, a_down)[0]) \
        + (1 - p) * float(rules.update(np.array([t]), np.zeros(1), np.ones(1), a_up, a_down)[0])
    assert expected_next == pytest.approx(t, abs=1e-12)


@pytest.mark.parametrize("p, a_up, a_down", [(0.8, 0.06, 0.20), (0.5, 0.1, 0.1), (0.95, 0.05, 0.3)])
def test_simulated_ties_settle_at_the_mean_fixed_point(p, a_up, a_down):
    """The model's trust.step on a complete graph, one contact a month, good with probability p.

    The time-and-tie average of T after burn-in is within 0.02 of p a_up / (p a_up + (1-p) a_down)
    (600 directed ties x 1500 months; its standard error is below 0.003).
    """
    world = world_from_edges(25, complete_edges(25))
    s = bare_state(world, seed=3, trust=0.5, trust_gain=a_up, trust_loss=a_down, contact_rate=1.0,
                   good_base=p, good_orientation=0.0, good_committed=0.0, hostility_trust=0.0)
    means = []
    for month in range(1700):
        s.step = month + 1  # a new month: each decision's draws are the month's (rng.py)
        trust.step(s)
        if month >= 200:
            means.append(s.T.mean())
    assert np.mean(means) == pytest.approx(rules.fixed_point(p, a_up, a_down), abs=0.02)


def test_no_contact_no_change():
    """With contact_rate 0 no tie has an experience and trust stays where it was."""
    world = world_from_edges(6, complete_edges(6))
    s = bare_state(world, seed=1, contact_rate=0.0)
    before = s.T.copy()
    for _ in range(12):
        trust.step(s)
    np.testing.assert_allclose(s.T, before, rtol=0, atol=1e-15)
