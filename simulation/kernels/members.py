"""Kernels over organisations and systems: departures, money and pools, thresholds, reviews,
commissioners and the integration index (see the package's docstring)."""

from __future__ import annotations

import numpy as np

from ._compile import compiled


@compiled
def departures(tenure, vacancy, active, failing, draw, hazard_normal, hazard_failing):
    """A month of tenure and interim posts, and who leaves (``leadership.step``): the leader
    of an active organisation leaves when ``draw`` falls below its monthly hazard, the
    failing one where ``failing`` (``failing.body_failing_or_intervened``). Adds a month to
    ``tenure`` in place; returns the interim months left and who leaves."""
    n = tenure.size
    left = np.empty(n)
    leave = np.empty(n, dtype=np.bool_)
    for i in range(n):
        tenure[i] += 1
        v = vacancy[i] - 1
        left[i] = v if v > 0 else 0.0
        leave[i] = active[i] & (draw[i] < (hazard_failing if failing[i] else hazard_normal))
    return left, leave


@compiled
def month_results(plan, noise, shock_size, shock_left, is_pooled_kind, active, home,
                  n_systems):
    """This month's financial results (plan, noise, shock; zero for bodies that do not pool),
    which bodies may pool (active NHS bodies of a pooled kind) and how many each system
    has."""
    result = np.empty(plan.size)
    eligible = np.empty(plan.size, dtype=np.bool_)
    home_size = np.zeros(n_systems, dtype=np.int64)
    for i in range(plan.size):
        hit = shock_size[i] * (1.0 if shock_left[i] > 0 else 0.0)
        result[i] = plan[i] + noise[i] - hit if is_pooled_kind[i] else 0.0
        eligible[i] = active[i] & is_pooled_kind[i]
        if eligible[i]:
            home_size[home[i]] += 1
    return result, eligible, home_size


@compiled
def settle_month(result, eligible, in_pool, pool_active, home, is_pooled_kind, size, linked,
                 all_or_nothing, overspend_below, ytd, year_result):
    """A month inside every active pool (the settlement, ``settle_groups`` in
    ``tests/verification/rules.py``, and the incentive rules of ``pooling.step``, in the
    same order). Adds the month to ``ytd`` and ``year_result``
    in place; returns the transfers, the money moved in each pool, the sustainability money
    paid, who overspent badly, each system's member count and whether its pool held."""
    n, S = result.size, pool_active.size
    member = np.empty(n, dtype=np.bool_)
    P = np.zeros(S)
    N = np.zeros(S)
    total = np.zeros(S)
    missed = np.zeros(S)
    n_members = np.zeros(S, dtype=np.int64)
    for i in range(n):
        s = home[i]
        member[i] = eligible[i] & in_pool[i] & pool_active[s]
        if member[i]:
            r = result[i]
            P[s] += r if r > 0.0 else 0.0
            N[s] += -r if -r > 0.0 else 0.0
            total[s] += r
            missed[s] += 0.0 if r >= 0 else 1.0
            n_members[s] += 1
    out_rate = np.zeros(S)
    in_rate = np.zeros(S)
    held = np.empty(S, dtype=np.bool_)
    paid = np.empty(S, dtype=np.bool_)
    for s in range(S):
        moved = P[s] if P[s] < N[s] else N[s]
        if P[s] > 0:
            out_rate[s] = moved / P[s]
        if N[s] > 0:
            in_rate[s] = moved / N[s]
        held[s] = pool_active[s] & (total[s] >= 0)
        paid[s] = held[s] & (missed[s] == 0) if all_or_nothing else held[s]
    transfers = np.zeros(n)
    money_moved = np.zeros(S)
    incentive = np.empty(n)
    big = np.empty(n, dtype=np.bool_)
    for i in range(n):
        s = home[i]
        r = result[i]
        own_ok = 1.0 if r >= 0 else 0.0
        if member[i]:
            pos = r if r > 0.0 else 0.0
            neg = -r if -r > 0.0 else 0.0
            transfers[i] = in_rate[s] * neg - out_rate[s] * pos
            money_moved[s] += transfers[i] if transfers[i] > 0.0 else 0.0
            pay = size if paid[s] else (1 - linked) * size * own_ok
        else:
            pay = size * own_ok
        incentive[i] = pay * (1.0 if is_pooled_kind[i] else 0.0)
        big[i] = member[i] & (r < overspend_below)
        ytd[i] += r + transfers[i] + incentive[i]
        year_result[i] += r + transfers[i]
    return transfers, money_moved, incentive, big, n_members, held


@compiled
def thresholds(threshold, shift, history, orientation_weight, orientation, deadline,
               data_effect, shared_data, burning_platform, ytd, mem_sys, org_start,
               mean_indptr, mean_indices, mean_has, mean_den):
    """Effective thresholds (``contagion.effective_threshold``). ``mean_*`` are the parts of
    the mean over each system's active pooled-kind members (``State.mean_parts``): a system
    is in collective deficit when that mean of ``ytd`` is below zero."""
    S = mean_has.size
    deficit = np.zeros(S, dtype=np.bool_)
    for s in range(S):
        if mean_has[s]:
            deficit[s] = _row_sum(mean_indptr, mean_indices, ytd, s) / mean_den[s] < 0
    n = threshold.size
    theta = np.empty(n)
    for i in range(n):
        stop = org_start[i + 1] if i + 1 < n else mem_sys.size
        data = False
        in_deficit = False
        for r in range(org_start[i], stop):
            data |= shared_data[mem_sys[r]]
            in_deficit |= deficit[mem_sys[r]]
        platform = burning_platform * (1.0 if (ytd[i] < 0) & in_deficit else 0.0)
        theta[i] = (threshold[i] + shift[i] + history[i]
                    + orientation_weight * (0.5 - orientation[i])
                    - deadline - data_effect * (1.0 if data else 0.0) - platform)
    return theta


@compiled
def performance(perf_base, pressure, home, shock_left, noise, pressure_drop, shock_drop):
    """Performance against targets this month (``regulation.performance``)."""
    perf = np.empty(perf_base.size)
    for i in range(perf_base.size):
        drop = pressure_drop * pressure[home[i]] + shock_drop * (1.0 if shock_left[i] > 0 else 0.0)
        perf[i] = _clip01(perf_base[i] - drop + noise[i])
    return perf


@compiled
def review_scores(ytd, perf, pool_held, home, scale, focus, mean_indptr, mean_indices,
                  mean_has, mean_den):
    """Review score of every organisation (``regulation.scores``): ``(1 - focus) * own +
    focus * system``. ``scale`` is twice the failing deficit's size; ``mean_*`` the parts
    of the mean over each system's active pooled-kind members (``State.mean_parts``)."""
    S = mean_has.size
    system = np.empty(S)
    for s in range(S):
        if mean_has[s]:
            money = _row_sum(mean_indptr, mean_indices, ytd, s) / mean_den[s]
            level = _row_sum(mean_indptr, mean_indices, perf, s) / mean_den[s]
        else:
            money, level = 0.0, 0.5
        standing = 1.0 if pool_held[s] else _clip01(0.5 + money / scale)
        system[s] = 0.5 * (standing + level)
    score = np.empty(ytd.size)
    own_weight = 1.0 - focus
    for i in range(ytd.size):
        own = 0.5 * (_clip01(0.5 + ytd[i] / scale) + perf[i])
        score[i] = own_weight * own + focus * system[home[i]]
    return score


@compiled
def ccg_hazard(merge_push, committed, mean_trust, months, mean_indptr, mean_indices, mean_has,
               mean_den):
    """Monthly chance that a system's CCGs move a stage closer together
    (``consolidation.commissioners``): ``merge_push`` times the committed share of its CCGs
    (``mean_*``: the parts of the mean over each system's active CCGs) times its mean trust
    (0 if it has no ties), over ``months``, clipped to [0, 1]."""
    S = mean_has.size
    h = np.empty(S)
    for s in range(S):
        share = 0.0
        if mean_has[s]:
            total = 0.0
            for j in range(mean_indptr[s], mean_indptr[s + 1]):
                total += 1.0 if committed[mean_indices[j]] else 0.0
            share = total / mean_den[s]
        trust = 0.0 if np.isnan(mean_trust[s]) else mean_trust[s]
        h[s] = _clip01(merge_push * share * trust / months)
    return h


@compiled
def weighted_index(stack, weights):
    """``index.integration_index`` of the stacked components (one row each): the weighted
    mean per system, a NaN component counting 0 with weight 0; rows added in order."""
    K, S = stack.shape
    out = np.empty(S)
    for s in range(S):
        num = 0.0
        den = 0.0
        for k in range(K):
            x = stack[k, s]
            w = weights[k] * (0.0 if np.isnan(x) else 1.0)
            term = 0.0 if np.isnan(x) else x * w
            if k == 0:
                num, den = term, w
            else:
                num += term
                den += w
        out[s] = num / (den if den > 1e-12 else 1e-12)
    return out


# The two helpers below are repeated in each kernel module on purpose: Numba's cache notices
# a change to the file a kernel is in, not to a file it calls into, so a kernel that called a
# helper kept elsewhere could run stale machine code after that helper changed.


@compiled
def _clip01(x):
    """``np.clip(x, 0, 1)`` for a number (NumPy's rule: ``min(max(x, 0), 1)``, where
    ``max(a, b)`` is ``a if a > b else b``)."""
    x = x if x > 0.0 else 0.0
    return x if x < 1.0 else 1.0


@compiled
def _row_sum(indptr, indices, x, row):
    """Row ``row`` of a 0/1 compressed-row matrix times ``x``: SciPy's ``csr_matvec`` sum
    (from zero, the row's entries in order)."""
    total = 0.0
    for j in range(indptr[row], indptr[row + 1]):
        total += x[indices[j]]
    return total
