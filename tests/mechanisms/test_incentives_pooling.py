"""Incentives (Brief 3.3) and shared control totals (Brief 3.4), rule by rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulation.mechanisms import incentives, pooling
from tests.verification import rules


def test_pbr_raises_the_threshold_of_acute_trusts_only():
    shift = incentives.threshold_shift(np.array([True, False]), np.zeros(2), "pbr", 0.2, 0.5, 2.0)
    np.testing.assert_allclose(shift, [0.2, 0.0], atol=1e-12)
    block = incentives.threshold_shift(np.array([True, False]), np.zeros(2), "block", 0.2, 0.5, 2.0)
    np.testing.assert_allclose(block, [0.0, 0.0], atol=1e-12)


def test_surplus_raises_and_deficit_lowers_the_threshold():
    shift = incentives.threshold_shift(np.zeros(3, bool), np.array([2.0, -2.0, 1.0]), "block",
                                       0.2, 0.5, 2.0)
    # 0.5 * 0.1 * (2 * 1 - 0), 0.5 * 0.1 * (0 - 1), 0.5 * 0.1 * (2 * 0.5)
    np.testing.assert_allclose(shift, [0.1, -0.05, 0.05], atol=1e-12)


def test_consent_is_likelier_under_block_contracts():
    assert incentives.consent_probability("block") > incentives.consent_probability("blended") \
        > incentives.consent_probability("pbr")


def test_settle_brings_deficits_to_zero_when_the_pool_is_in_surplus():
    result = np.array([3.0, -1.0, -1.0, 5.0])
    members = np.array([True, True, True, False])
    t = rules.settle(result, members)
    np.testing.assert_allclose(t, [-2.0, 1.0, 1.0, 0.0], atol=1e-12)
    assert t.sum() == pytest.approx(0.0, abs=1e-12)


def test_settle_shares_the_surplus_in_proportion_to_deficits():
    t = rules.settle(np.array([1.0, -1.0, -3.0]), np.ones(3, bool))
    np.testing.assert_allclose(t, [-1.0, 0.25, 0.75], atol=1e-12)


def test_settle_groups_keeps_pools_apart():
    result = np.array([2.0, -2.0, 4.0, -1.0, 7.0])
    group = np.array([0, 0, 1, 1, 2])  # the last organisation is outside every pool
    t = rules.settle_groups(result, group, 2)
    np.testing.assert_allclose(t, [-2.0, 2.0, -1.0, 1.0, 0.0], atol=1e-12)


def test_p_hold_is_a_normal_probability():
    assert pooling.p_hold(0.0, 4, 1.0) == pytest.approx(0.5)
    assert pooling.p_hold(2.0, 4, 1.0) == pytest.approx(0.5 * (1 + math.erf(1 / math.sqrt(2))))
    assert pooling.p_hold(1.0, 3, 0.0) == 1.0
    assert pooling.p_hold(-1.0, 3, 0.0) == 0.0
    assert pooling.p_hold(5.0, 0, 1.0) == 0.0


def test_signup_value_by_hand():
    plan = np.array([2.0, -1.0])
    v = pooling.signup_value(plan, orientation=np.array([0.5, 0.5]), trust_in_partners=np.array([0.5, 0.5]),
                             p_sys=0.6, p_own=np.array([0.9, 0.2]), incentive="proportional",
                             size=1.0, linked=0.5, loss_aversion=2.0, own_books_weight=0.5,
                             system_benefit=1.0)
    # money: 0.5*(0.6*0.1) - 2*0.5*(0.9*0.4) = 0.03 - 0.36 ; 0.5*(0.6*0.8) - 2*0.5*(0.2*0.4) = 0.24-0.08
    # own: f_out = 1/2, f_in = 1 -> surplus -2*0.5*2 = -2 ; deficit +1
    # system: 1 * 2 * 0.5 * 0.5 = 0.5 each
    expected = [0.5 * (0.03 - 0.36 - 2.0) + 0.25, 0.5 * (0.16 + 1.0) + 0.25]
    np.testing.assert_allclose(v, expected, atol=1e-12)


def test_all_or_nothing_puts_more_at_stake_for_a_surplus_member():
    kw = dict(orientation=np.array([0.5]), trust_in_partners=np.array([0.5]), p_sys=0.5,
              p_own=np.array([0.95]), size=1.0, linked=0.3, loss_aversion=2.0, own_books_weight=0.5,
              system_benefit=1.0)
    prop = pooling.signup_value(np.array([1.0]), incentive="proportional", **kw)
    aon = pooling.signup_value(np.array([1.0]), incentive="all_or_nothing", **kw)
    assert aon[0] < prop[0]


def test_public_goods_payoffs():
    pay = rules.pgg_payoffs(np.array([1.0, 0.0, 1.0, 0.0]), r=2.0)
    # pot 2 * 2 / 4 = 1 each; contributors kept 0, defectors kept 1
    np.testing.assert_allclose(pay, [1.0, 2.0, 1.0, 2.0])
