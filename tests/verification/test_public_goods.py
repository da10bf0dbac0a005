"""Brief section 8: a linear public-goods game with multiplier below group size collapses.

In the linear game each of n players keeps what it does not contribute and receives
``r/n`` of the pot (``rules.pgg_payoffs``). Contributing a unit changes one's own payoff by
``r/n - 1 < 0`` when ``r < n``, whatever the others do, so best responses
(``rules.pgg_best_response``) drive contributions to zero unless trust or incentive money
make up the difference. The model's sign-up value for a system control total
(``pooling.signup_value``) has the same structure: with no trust, no incentive money and only
its own books counting, no surplus organisation (a net contributor) signs.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from simulation.mechanisms import pooling

from . import rules

contribs = st.integers(2, 12).flatmap(lambda n: arrays(float, n, elements=st.sampled_from([0.0, 1.0])))


@settings(max_examples=200, deadline=None)
@given(c=contribs, r_share=st.floats(0.05, 0.99), who=st.integers(0, 11))
def test_contributing_is_dominated_when_r_below_n(c, r_share, who):
    """Switching any player from contributing to not contributing raises its payoff by 1 - r/n."""
    n = len(c)
    r = r_share * n
    i = who % n
    on, off = c.copy(), c.copy()
    on[i], off[i] = 1.0, 0.0
    gain = rules.pgg_payoffs(off, r)[i] - rules.pgg_payoffs(on, r)[i]
    assert gain == pytest.approx(1 - r / n, abs=1e-12)
    assert gain > 0


@settings(max_examples=100, deadline=None)
@given(c=contribs, r_share=st.floats(0.01, 0.99), seed=st.integers(0, 2**16))
def test_contributions_collapse_to_zero_without_trust_or_incentive(c, r_share, seed):
    """A social dilemma (1 < r < n): everyone would gain from full contribution, yet none remains."""
    n = len(c)
    r = 1 + r_share * (n - 1)
    hist = rules.pgg_best_response(c, r=r, rounds=5, rng=np.random.default_rng(seed))
    np.testing.assert_array_equal(hist[0], c)
    assert (hist[1:] == 0).all()
    assert rules.pgg_payoffs(np.zeros(n), r).sum() < rules.pgg_payoffs(np.ones(n), r).sum()


@pytest.mark.parametrize("r, trust, incentive, expected", [
    (3.0, 0.0, 0.0, 0.0),   # r < n: collapse
    (6.0, 0.0, 0.0, 1.0),   # r > n: contributing pays on its own
    (3.0, 0.3, 0.0, 1.0),   # trust makes up r/n - 1 = -0.25
    (3.0, 0.0, 0.3, 1.0),   # so does incentive money
    (3.0, 0.1, 0.1, 0.0),   # not enough of either
])
def test_trust_or_incentive_can_sustain_contribution(r, trust, incentive, expected):
    hist = rules.pgg_best_response(np.full(4, 0.5), r=r, trust=trust, incentive=incentive,
                                     rounds=3, rng=np.random.default_rng(0))
    assert (hist[-1] == expected).all()


@settings(max_examples=200, deadline=None)
@given(plan=arrays(float, st.integers(2, 15), elements=st.floats(-3, 3)),
       loss_aversion=st.floats(1, 5), noise=st.floats(0.1, 2))
def test_no_surplus_organisation_signs_without_trust_or_incentive(plan, loss_aversion, noise):
    """Own books only (w = 1), no sustainability money, zero trust: surplus members never sign."""
    p_own = pooling.ndtr(plan / noise)
    v = pooling.signup_value(plan, orientation=np.full(len(plan), 0.5),
                             trust_in_partners=np.zeros(len(plan)),
                             p_sys=pooling.p_hold(float(plan.sum()), len(plan), noise), p_own=p_own,
                             incentive="proportional", size=0.0, linked=0.5,
                             loss_aversion=loss_aversion, own_books_weight=1.0, system_benefit=1.5)
    assert (v[plan >= 0] <= 0).all()
    assert (v[plan < 0] >= 0).all()
