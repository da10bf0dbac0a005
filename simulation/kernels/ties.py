"""Kernels over the tie arrays: contacts and trust, leaders replaced, support, shared chief
executives (see the package's docstring for what keeps them identical to NumPy)."""

from __future__ import annotations

import numpy as np

from ._compile import compiled


@compiled
def replace_leaders(orgs, home, draw_internal, draw_agenda, outsider_high, outsider_mid,
                    interim, internal_base, internal_maturity, index, change_agenda,
                    leader_ties, share_internal, share_external, stranger, T, src, dst,
                    active, out_order, out_start, in_order, in_start, orientation, tenure,
                    vacancy, mean_indptr, mean_indices, mean_has, mean_den, mem_sys, mem_org):
    """New leaders at ``orgs`` (``leadership.replace``), after its random draws.

    A successor is internal when ``draw_internal < clip(internal_base + internal_maturity *
    index(home system))``, on the change agenda when ``draw_agenda < change_agenda``. On
    every tie in or out of a replaced organisation (each tie once)
    ``T <- stranger + share * (T - stranger)``, where ``share`` is the product of the two
    ends' kept shares (``share_internal`` or ``share_external`` at a replaced end; 1.0 at
    any other end, and everywhere without ``leader_ties``). An internal successor brings the
    mean orientation of its home system's active members before today's changes (0.5 if
    none: ``mean_*`` are the parts of that mean, ``State.mean_parts(None)``) and starts at
    once; an external one brings ``outsider_high`` (on the change agenda) or
    ``outsider_mid`` and an interim of ``interim`` months (none without ``leader_ties``).

    Returns whether each successor is internal, whether it is on the change agenda, each
    organisation's mean trust in its active partners before and after (over its live
    outgoing ties, in their order; 0 where it has none), and the number of membership rows
    of replaced organisations per system.
    """
    m = orgs.size
    n_orgs = out_start.size - 1
    internal = np.empty(m, dtype=np.bool_)
    agenda = np.empty(m, dtype=np.bool_)
    keep = np.ones(n_orgs)
    replaced = np.zeros(n_orgs, dtype=np.bool_)
    for k in range(m):
        internal[k] = draw_internal[k] < _clip01(internal_base + internal_maturity * index[home[k]])
        agenda[k] = draw_agenda[k] < change_agenda
        if leader_ties:
            keep[orgs[k]] = share_internal if internal[k] else share_external
        replaced[orgs[k]] = True
    before = _mean_out(orgs, T, dst, active, out_order, out_start)
    # every tie out of a replaced organisation, then every tie into one from an organisation
    # not replaced (a tie between two replaced ones is among the first): each tie once
    for k in range(m):
        i = orgs[k]
        for j in range(out_start[i], out_start[i + 1]):
            e = out_order[j]
            T[e] = stranger + keep[src[e]] * keep[dst[e]] * (T[e] - stranger)
    for k in range(m):
        i = orgs[k]
        for j in range(in_start[i], in_start[i + 1]):
            e = in_order[j]
            if not replaced[src[e]]:
                T[e] = stranger + keep[src[e]] * keep[dst[e]] * (T[e] - stranger)
    after = _mean_out(orgs, T, dst, active, out_order, out_start)
    view = np.empty(m)  # each home system's orientation, before anyone is replaced
    for k in range(m):
        h = home[k]
        if internal[k] and mean_has[h]:
            view[k] = _row_sum(mean_indptr, mean_indices, orientation, h) / mean_den[h]
        else:
            view[k] = 0.5
    for k in range(m):
        i = orgs[k]
        if internal[k]:
            orientation[i] = view[k]
        else:
            orientation[i] = outsider_high[k] if agenda[k] else outsider_mid[k]
        tenure[i] = 0
        vacancy[i] = interim[k] if leader_ties and not internal[k] else 0
    per_system = np.zeros(mean_has.size, dtype=np.int64)
    for r in range(mem_org.size):
        if replaced[mem_org[r]]:
            per_system[mem_sys[r]] += 1
    return internal, agenda, before, after, per_system


@compiled
def _mean_out(orgs, T, dst, active, out_order, out_start):
    """Mean of ``T`` over each organisation's outgoing ties to active partners, in their
    order (0 where there are none)."""
    means = np.zeros(orgs.size)
    for k in range(orgs.size):
        i = orgs[k]
        total = 0.0
        count = 0
        for j in range(out_start[i], out_start[i + 1]):
            e = out_order[j]
            if active[dst[e]]:
                total += T[e]
                count += 1
        means[k] = total / max(count, 1)
    return means


@compiled
def trust_contacts(T, src, dst, tsys, tie_active, draw_contact, draw_good, contact_rate,
                   pressure, shared_data, shared_data_effect, designated, centre_backing,
                   vacancy, under_int, interim_contact, orientation, committed, hostile,
                   good_base, good_orientation, good_committed, kept_up, up_full, extra_bad):
    """A month of contacts on every tie, and the good experiences applied to trust.

    The first half of the directed ties holds one entry per undirected tie, the second half
    the reverse directions in the same order; the probabilities are symmetric, so they are
    computed once per undirected tie, as the trust rule states them (``contact_probability``
    and ``good_probability`` in ``tests/verification/rules.py``). ``draw_contact`` is one uniform draw per
    undirected tie, ``draw_good`` one per directed tie. Returns trust after the good
    experiences (``rules.gain``: ``1 - (1 - T) * kept_up`` on a tie with one, or 1.0 when
    ``up_full``), the bad experiences per directed tie (1.0 for a contact that went badly,
    plus ``extra_bad``), and the chance of a good experience per undirected tie.
    """
    half = T.size // 2
    reach = np.empty(pressure.size)  # contact_rate times each system's multiplier
    for s in range(pressure.size):
        sysmult = ((1.0 - pressure[s]) * (1.0 + shared_data_effect * (1.0 if shared_data[s] else 0.0))
                   * (1.0 + centre_backing * (1.0 if designated[s] else 0.0)))
        reach[s] = contact_rate * sysmult
    gained = np.empty(T.size)
    bad = np.empty(T.size)
    p_good = np.empty(half)
    for k in range(half):
        i, j = src[k], dst[k]
        slow_i = interim_contact if (vacancy[i] > 0) | (under_int[i] > 0) else 1.0
        slow_j = interim_contact if (vacancy[j] > 0) | (under_int[j] > 0) else 1.0
        met = draw_contact[k] < _clip01(reach[tsys[k]] * slow_i * slow_j)
        pair = 0.5 * (orientation[i] + orientation[j])
        both = 1.0 if committed[i] & committed[j] else 0.0
        pg = _clip01(good_base + good_orientation * (pair - 0.5) + good_committed * both
                     - hostile[k])
        p_good[k] = pg
        _experience(k, met, pg, T, tie_active, draw_good, kept_up, up_full, extra_bad,
                    gained, bad)
        _experience(k + half, met, pg, T, tie_active, draw_good, kept_up, up_full,
                    extra_bad, gained, bad)
    return gained, bad, p_good


@compiled
def _experience(e, met, pg, T, tie_active, draw_good, kept_up, up_full, extra_bad, gained,
                bad):
    """Directed tie ``e``'s month (see :func:`trust_contacts`), without branches on draws."""
    contact = met & tie_active[e]
    good = contact & (draw_good[e] < pg)
    if up_full:
        gained[e] = 1.0 if good else T[e]
    else:
        gained[e] = 1.0 - (1.0 - T[e]) * (kept_up if good else 1.0)
    bad[e] = (1.0 if contact & (not good) else 0.0) + extra_bad[e]


@compiled
def support_and_adoption(indptr, indices, T, dst, committed, active, under_int, theta, draw,
                         peer_push, push, peer_influence):
    """Support ``s_i = sum_j T_ij c_j / sum_j T_ij`` over each organisation's active ties
    (``indptr``, ``indices``: the state's per-organisation summing matrix), the summed trust
    itself, and who adopts by the rules of ``contagion.step`` (``push``: per organisation)."""
    n = active.size
    s = np.zeros(n)
    trust_sum = np.zeros(n)
    adopt = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        num = 0.0
        den = 0.0
        for j in range(indptr[i], indptr[i + 1]):
            e = indices[j]
            num += T[e] * (1.0 if committed[dst[e]] else 0.0)
            den += T[e]
        trust_sum[i] = den
        if den > 0:
            s[i] = num / den
        can = active[i] & (not committed[i]) & (under_int[i] <= 0)
        if peer_influence:
            adopt[i] = can & ((s[i] >= theta[i]) | (draw[i] < _clip01(0.0 + peer_push * s[i]) + push[i]))
        else:
            adopt[i] = can & (draw[i] < push[i])
    return s, trust_sum, adopt


@compiled
def add_to_in_ties(extra, orgs, in_order, in_start, count):
    """``extra[e] += count`` on every tie ``e`` towards one of ``orgs`` (each tie once: the
    organisations are distinct)."""
    for k in range(orgs.size):
        i = orgs[k]
        for j in range(in_start[i], in_start[i + 1]):
            e = in_order[j]
            extra[e] = extra[e] + count


@compiled
def acute_candidates(pairs, src, dst, active, shared_ce):
    """Of the fixed acute pairs (directed ties), those whose two trusts are both active and
    neither shares a chief executive."""
    cand = np.empty(pairs.size, dtype=np.int64)
    m = 0
    for k in range(pairs.size):
        e = pairs[k]
        a, b = src[e], dst[e]
        if active[a] & active[b] & (shared_ce[a] < 0) & (shared_ce[b] < 0):
            cand[m] = e
            m += 1
    return cand[:m].copy()


@compiled
def share_hits(cand, src, dst, rev, T, committed, draw, monthly_rate):
    """Which candidate pairs come to share a chief executive this month: both committed,
    and ``draw`` below ``monthly_rate`` times the pair's mean trust in each other."""
    hit = np.empty(cand.size, dtype=np.bool_)
    for k in range(cand.size):
        e = cand[k]
        t = 0.5 * (T[e] + T[rev[e]])
        hit[k] = (draw[k] < monthly_rate * t) & committed[src[e]] & committed[dst[e]]
    return hit


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
