"""Mechanism 4. Shared control totals: a public-goods game with a threshold.

Rule. A system whose committed share reaches ``pool_consensus`` and whose mean trust reaches
``pool_trust_min`` proposes a system control total at the next quarterly planning round
(January, April, July, October; negotiation takes time, 002:3093-3095); each committed NHS
member then signs if its sign-up value is positive (:func:`signup_value`). The pool forms when
the signed share of the system's NHS bodies reaches ``pool_signup`` (002:3473-3479).

Inside the pool overspends and underspends offset (002:1527-1529): each month the
settlement moves money from members in surplus to members in deficit so that everyone gets
"over the line" if the pool as a whole is (004:1030): if the pool's total is non-negative
every deficit member is brought to zero and surplus members pay in proportion to their
surplus; otherwise all surplus goes to deficit members in proportion to their deficit.
Transfers sum to zero (up to rounding; tested).
A member that overspends by more than ``overspend_sds`` standard deviations costs its
partners ``overspend_trust_hit`` bad experiences. A pool breaks up when its system's mean
trust falls ``pool_dissolve_margin`` below ``pool_trust_min``, or fewer of its NHS bodies
remain signed than ``pool_dissolve_share`` of the sign-up bar.

Sustainability money of ``incentive_size`` per member per month is paid while
``sustainability_fund`` is on (from 2016/17 in the England history: an outside assumption,
docs/ODD.md) to each NHS body that hits its own control total, and is tied to the system total
for pool members (002:3075-3101). Under ``all_or_nothing`` a member receives it only when the pool holds and
no member missed its own control total - "all sustainability funding across a system could
be lost if one organisation missed its control total" (002:3473-3476) - so members judge
the chance of being paid as the chance that every signatory hits its own total; under
``proportional`` only ``incentive_linked`` of it is at stake, against the pool's total. An all-or-nothing
design deterred sign-up, a proportional one did not (002:3089-3101, 002:3473-3479).

Beneath it lies the bare linear public-goods game: with multiplier ``r`` below the group
size and no trust or incentive terms contributing is dominated and contributions collapse to
zero (Brief section 8; ``tests/verification/test_public_goods.py``).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

from .. import kernels
from ..state import State, fill_nan
from . import trust

PLANNING_MONTHS = (1, 4, 7, 10)  # calendar months of the quarterly planning rounds


def p_hold(plan_sum: float, n: int, noise: float) -> float:
    """Probability a pool of ``n`` members with summed plan ``plan_sum`` holds in a month."""
    if n == 0:
        return 0.0
    sd = noise * math.sqrt(n)
    if sd <= 0:
        return 1.0 if plan_sum >= 0 else 0.0
    return 0.5 * (1.0 + math.erf(plan_sum / (sd * math.sqrt(2.0))))


def signup_value(plan: np.ndarray, orientation: np.ndarray, trust_in_partners: np.ndarray,
                 p_sys: float, p_own: np.ndarray, incentive: str, size: float, linked: float,
                 loss_aversion: float, own_books_weight: float,
                 system_benefit: float) -> np.ndarray:
    """Value of signing the system control total, per member (GBP m per month).

    ``V = w * (money + own) + (1 - w) * system`` with ``w = own_books_weight``:

    * money: sustainability money gained although the member's own total is missed, less
      ``loss_aversion`` times the money lost although it was met (only the linked share is
      at stake under the proportional design; all of it under all-or-nothing);
    * own: expected transfers - a surplus member expects to pay out ``f_out`` of its
      surplus and weighs that loss ``loss_aversion`` times (004:710); a deficit member
      expects ``f_in`` of its deficit covered (002:4100-4101);
    * system: ``system_benefit * 2 * orientation * trust`` - the leader's valuation of the
      system working, through its trust in partners.
    """
    share = 1.0 if incentive == "all_or_nothing" else linked
    gain = share * size * p_sys * (1 - p_own)
    loss = share * size * p_own * (1 - p_sys)
    money = gain - loss_aversion * loss
    surplus, deficit = np.maximum(plan, 0), np.maximum(-plan, 0)
    P, N = float(surplus.sum()), float(deficit.sum())
    f_out = min(1.0, N / P) if P > 0 else 0.0
    f_in = min(1.0, P / N) if N > 0 else 0.0
    own = -loss_aversion * f_out * surplus + f_in * deficit
    system = system_benefit * 2.0 * orientation * trust_in_partners
    return own_books_weight * (money + own) + (1 - own_books_weight) * system


def _form(st: State, s: int, home: np.ndarray, p_own: np.ndarray, org_t: np.ndarray) -> None:
    """Propose a system control total in system ``s``; members sign if it is worth it.

    ``p_own``: each organisation's chance of meeting its own total; ``org_t``: its mean trust
    in its partners (the stranger level if it has none).
    """
    p = st.params
    w = st.world
    cand = home[st.committed[home] & (st.under_int[home] <= 0)]
    ps = p_hold(float(st.plan[cand].sum()), cand.size, p.finance_noise)
    if p.incentive == "all_or_nothing":  # one member missing loses everyone's money (002:3473-3476)
        ps = min(ps, float(np.prod(p_own[cand])))
    money = p.incentive_size if p.sustainability_fund else 0.0
    v = signup_value(st.plan[cand], st.orientation[cand], org_t[cand], ps, p_own[cand],
                     p.incentive, money, p.incentive_linked, p.loss_aversion,
                     p.own_books_weight, p.system_benefit)
    signed = cand[st.decide("sign_control_total", cand, v > 0)]
    if signed.size >= p.pool_signup * home.size:
        st.pool_active[s] = True
        st.in_pool[signed] = True
        st.record("pool_formed", w.system_name[s],
                  f"{w.system_name[s]} agreed a system control total: {signed.size} "
                  f"of {home.size} NHS bodies signed ({p.incentive} incentive)", system=s)


def step(st: State, extra_bad: np.ndarray) -> None:
    """Form pools, settle this month's results inside them, pay incentives, dissolve failures."""
    p = st.params
    w = st.world
    n, S = w.n_orgs, w.n_systems
    # This month's financial results: plan, noise, shocks (GBP m); an organisation pools in
    # its home system only.
    st.result, eligible, home_size = kernels.month_results(
        st.plan, st.draws("finance").normal(0, p.finance_noise, n), st.shock_size, st.shock_left,
        st.is_pooled_kind, st.active, w.home, S)
    mean_trust = fill_nan(st.sys_trust_mean(), 0.0)
    # Formation, where the committed share and trust allow it, at the quarterly planning
    # rounds (negotiating a system total takes time: 002:3093-3095)
    if p.pooling_available and st.month_of_year in PLANNING_MONTHS:
        committed_share = st.sys_mean(st.committed.astype(float), st.is_pooled_kind, empty=0.0)
        propose = (~st.pool_active & (committed_share >= p.pool_consensus)
                   & (mean_trust >= p.pool_trust_min) & (home_size > 0))
        if propose.any():
            p_own = ndtr(st.plan / max(p.finance_noise, 1e-9))
            org_t = fill_nan(st.org_trust(), p.stranger_trust)
            for s in np.flatnonzero(propose):
                _form(st, int(s), np.flatnonzero(eligible & (w.home == s)), p_own, org_t)
    # Settlement inside every active pool at once, the sustainability money,
    # and the month added to the year's books, in one compiled loop
    size = p.incentive_size if p.sustainability_fund else 0.0
    aon = p.incentive == "all_or_nothing"  # lost if any member missed its own total (002:3473-3476)
    linked = 1.0 if aon else p.incentive_linked
    transfers, moved, incentive_paid, big, n_members, st.pool_held = \
        kernels.settle_month(st.result, eligible, st.in_pool, st.pool_active, w.home,
                             st.is_pooled_kind, size, linked, aon, -p.overspend_sds * p.finance_noise,
                             st.ytd, st.year_result)
    st.counters.money_moved[:] = moved
    if big.any() and p.overspend_trust_hit > 0:
        trust.hit_org(st, np.flatnonzero(big), p.overspend_trust_hit, extra_bad)
    # Dissolve when trust collapses or too few remain signed
    dissolve = st.pool_active & ((mean_trust < p.pool_trust_min - p.pool_dissolve_margin)
                                 | (n_members < p.pool_dissolve_share * p.pool_signup * home_size))
    for s in np.flatnonzero(dissolve):
        st.pool_active[s] = False
        st.in_pool[w.home == s] = False
        st.record("pool_dissolved", w.system_name[s],
                  f"{w.system_name[s]}'s system control total broke up (trust "
                  f"{mean_trust[s]:.2f})", system=int(s))
    st.transfers = transfers
    st.incentive_paid = incentive_paid
    st.year_months += 1
    st.overspent = big
    if st.month_of_year == 3:  # financial year ends in March: positions for the next plan
        st.position = st.year_result / st.year_months
        st.position_version += 1
        st.year_result[:] = 0.0
        st.year_months = 0
        st.ytd[:] = 0.0
