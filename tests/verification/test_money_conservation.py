"""Brief section 8: money is conserved by every pool transfer.

``rules.settle_groups`` offsets deficits against surpluses inside each pool. For any
results and any assignment of organisations to pools (Hypothesis, many random cases):
transfers sum to zero in every pool to 1e-9; non-members move nothing; nobody is pushed past
zero; if the pool is in surplus every deficit is cleared ("over the line", 004:1030), and if
it is in deficit every surplus is used. A ledger of many random months of pools and
transfers keeps its total to 1e-9; and in a running model every month's transfers sum to
zero in every system while money does move.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from simulation import DrumbeatModel, load_scenario

from . import rules

money = st.floats(-50.0, 50.0, allow_nan=False, allow_infinity=False)
TOL = 1e-9


@st.composite
def pools(draw):
    n = draw(st.integers(1, 40))
    k = draw(st.integers(1, 6))
    result = draw(arrays(float, n, elements=money))
    group = draw(arrays(np.int64, n, elements=st.integers(0, k)))  # k marks non-members
    return result, group, k


@settings(max_examples=500, deadline=None)
@given(case=pools())
def test_transfers_conserve_money_in_every_pool(case):
    result, group, k = case
    t = rules.settle_groups(result, group, k)
    sums = np.bincount(group, weights=t, minlength=k + 1)
    assert np.abs(sums[:k]).max() <= TOL
    assert (t[group == k] == 0).all()


@settings(max_examples=500, deadline=None)
@given(case=pools())
def test_nobody_crosses_zero_and_the_pool_gets_over_the_line(case):
    result, group, k = case
    t = rules.settle_groups(result, group, k)
    after = result + t
    inside = group < k
    # surplus members pay, deficit members receive, neither past break-even
    assert (t[inside & (result > 0)] <= TOL).all() and (after[inside & (result > 0)] >= -TOL).all()
    assert (t[inside & (result < 0)] >= -TOL).all() and (after[inside & (result < 0)] <= TOL).all()
    for g in range(k):
        m = group == g
        if not m.any():
            continue
        if result[m].sum() >= 0:   # pool in surplus: every deficit cleared
            assert (after[m] >= -TOL).all()
        else:                      # pool in deficit: every surplus handed over
            assert (after[m] <= TOL).all()


@settings(max_examples=200, deadline=None)
@given(result=arrays(float, st.integers(1, 30), elements=money), data=st.data())
def test_single_pool_settle_agrees_with_groups(result, data):
    members = data.draw(arrays(bool, len(result)))
    t = rules.settle(result, members)
    assert abs(t.sum()) <= TOL
    np.testing.assert_array_equal(t[~members], 0.0)
    np.testing.assert_allclose(t, rules.settle_groups(result, np.where(members, 0, 1), 1), atol=0)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 60), months=st.integers(1, 36))
def test_ledger_total_unchanged_by_many_random_months_of_transfers(seed, n, months):
    rng = np.random.default_rng(seed)
    ledger = rng.normal(0, 10, n)
    start = ledger.sum()
    for _ in range(months):
        k = int(rng.integers(1, 5))
        group = rng.integers(0, k + 1, n)
        t = rules.settle_groups(rng.normal(0, 3, n), group, k)
        ledger = ledger + t
    assert ledger.sum() == pytest.approx(start, abs=TOL * months * n)


def test_running_model_conserves_money_every_month(root):
    """Dorset with pooling made easy: every month the pool's transfers sum to zero, money moves,
    and the year-to-date books change by exactly results plus incentive money."""
    scn = load_scenario(root / "configs/scenarios/first_wave/dorset.toml",
                        {"years": 3, "threshold_mean": 0.0, "threshold_sd": 0.0,
                         "pool_trust_min": 0.0, "pool_consensus": 0.3, "pool_signup": 0.3,
                         "finance_noise": 1.0})
    model = DrumbeatModel(scn, seed=4)
    st_ = model.state
    moved = 0.0
    for _ in range(scn.steps):
        before = st_.ytd.copy()
        model.step()
        t = st_.transfers
        assert np.abs(np.bincount(st_.world.home, weights=t)).max() <= TOL
        moved += np.clip(t, 0, None).sum()
        if st_.month_of_year != 3:  # the books are reset at the end of March
            np.testing.assert_allclose(st_.ytd - before, st_.result + t + st_.incentive_paid, atol=TOL)
    assert moved > 1.0, "no money moved, so the check had nothing to test"


@settings(max_examples=200, deadline=None)
@given(plan=arrays(float, 12, elements=money), value=st.floats(0.0, 5.0),
       loser=st.integers(0, 11), gainers=st.sets(st.integers(0, 11), max_size=8))
def test_service_change_money_moves_and_moves_back(plan, value, loser, gainers):
    """A delivered change moves ``value`` out of the loser and 1.5 x value into the others
    (a net gain of half of it, the care moved to where it costs less); a reversal restores
    every plan."""
    from types import SimpleNamespace

    from simulation.mechanisms import service_change

    g = np.array(sorted(gainers - {loser}), dtype=np.int64)
    st_ = SimpleNamespace(plan=plan.copy())
    service_change._move_money(st_, loser, g, value)
    expected = 0.5 * value if g.size else -value
    assert st_.plan.sum() - plan.sum() == pytest.approx(expected, abs=1e-9)
    service_change._move_money(st_, loser, g, -value)
    np.testing.assert_allclose(st_.plan, plan, atol=1e-9)


def test_a_trust_merger_conserves_every_pound(small_england):
    from simulation.mechanisms import consolidation

    m = DrumbeatModel(small_england, seed=3)
    st_ = m.state
    acute = np.flatnonzero(st_.is_acute)
    a, b = int(acute[0]), int(acute[1])
    total = st_.plan.sum()
    consolidation.merge_trusts(st_, a, b)
    assert st_.plan.sum() == pytest.approx(total, abs=1e-12)
