"""Trust: built slowly, lost quickly (Brief 3.1) — the rule on its own."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulation.mechanisms import trust
from tests.verification import rules


def test_one_good_experience_closes_a_share_of_the_gap():
    out = rules.update(np.array([0.2, 0.5, 1.0]), np.array([1, 1, 1]), np.zeros(3), 0.1, 0.3)
    np.testing.assert_allclose(out, [0.28, 0.55, 1.0], rtol=0, atol=1e-12)


def test_one_bad_experience_removes_a_share_of_the_level():
    out = rules.update(np.array([0.2, 0.5, 0.0]), np.zeros(3), np.array([1, 1, 1]), 0.1, 0.3)
    np.testing.assert_allclose(out, [0.14, 0.35, 0.0], rtol=0, atol=1e-12)


def test_counts_compound_like_repeated_single_updates():
    T = np.array([0.4])
    step_by_step = T.copy()
    for _ in range(3):
        step_by_step = rules.update(step_by_step, np.array([1]), np.array([0]), 0.1, 0.3)
    for _ in range(2):
        step_by_step = rules.update(step_by_step, np.array([0]), np.array([1]), 0.1, 0.3)
    at_once = rules.update(T, np.array([3]), np.array([2]), 0.1, 0.3)
    np.testing.assert_allclose(at_once, step_by_step, rtol=0, atol=1e-12)
    assert at_once[0] == pytest.approx((1 - 0.6 * 0.9**3) * 0.7**2, abs=1e-12)


def test_rates_of_one_jump_to_the_bounds():
    out = rules.update(np.array([0.3, 0.3]), np.array([1, 0]), np.array([0, 1]), 1.0, 1.0)
    np.testing.assert_array_equal(out, [1.0, 0.0])


def test_losing_is_faster_than_building_with_the_default_rates():
    from simulation.params import Params

    p = Params()
    assert p.trust_loss > p.trust_gain
    up = rules.update(np.array([0.5]), np.array([1]), np.array([0]), p.trust_gain, p.trust_loss)[0] - 0.5
    down = 0.5 - rules.update(np.array([0.5]), np.array([0]), np.array([1]), p.trust_gain, p.trust_loss)[0]
    assert down > up


@pytest.mark.parametrize(("p", "a_up", "a_down", "expected"), [
    (0.5, 0.1, 0.1, 0.5), (0.75, 0.05, 0.15, 0.5), (1.0, 0.1, 0.3, 1.0), (0.0, 0.1, 0.3, 0.0),
    (0.9, 0.02, 0.2, 0.018 / (0.018 + 0.02)),
])
def test_fixed_point_formula(p, a_up, a_down, expected):
    assert rules.fixed_point(p, a_up, a_down) == pytest.approx(expected, abs=1e-12)


@given(T=st.floats(0, 1), good=st.integers(0, 20), bad=st.integers(0, 20),
       a_up=st.floats(0, 1), a_down=st.floats(0, 1))
def test_trust_stays_in_the_unit_interval(T, good, bad, a_up, a_down):
    out = rules.update(np.array([T]), np.array([good]), np.array([bad]), a_up, a_down)[0]
    assert 0.0 <= out <= 1.0


def test_step_moves_both_directions_of_a_tie_together(tiny):
    """Contact is decided per undirected tie, so both directions see the same experience."""
    st = tiny.state
    st.T[:] = 0.5  # away from the bounds, so every contact moves trust one way or the other
    st.changed()
    before = st.T.copy()
    trust.step(st, np.zeros(len(st.T)))
    half = len(st.T) // 2
    moved = st.T != before
    np.testing.assert_array_equal(moved[:half], moved[half:])
    assert moved.any()
