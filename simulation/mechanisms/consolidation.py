"""Mechanism 7. Structural consolidation: commissioners merge; hospitals share a chief executive, then merge.

Rule. The CCGs of a system move through stages: 0 separate, 1 shared accountable officer,
2 single management team, 3 merged into one (000:614, 000:622-626). While a system has more
than one CCG it advances one stage with monthly probability
``merge_push * share_committed(CCGs) * mean_trust / ccg_merge_months`` (about 18 months to a
single accountable officer where the CCGs are willing: 000:626). ``merge_push`` is raised by
the Long Term Plan's call for one CCG per system (``one_ccg_per_system`` event, 000:626) and
statute merges all remaining CCGs at once (001:1). Merging deactivates all but one CCG of the
system; counts fell from 212 towards 80 by 2019 (000:614).

Providers (000:616-620, 000:646-650): two acute trusts of the same system, both committed and
tied, come to share a chief executive with monthly probability ``shared_ce_rate / 12 * T``,
``T`` their mean trust in each other - "a limited number of smaller hospitals now share a
chief executive with a bigger one" (the bigger: the one with more ties). From then on one
leader runs both: the smaller takes the bigger's orientation, the two trust each other at
least ``shared_ce_trust``, and when either leader leaves both are replaced
(``leadership``). A pair sharing a chief executive merges at monthly hazard
``1 / (12 * merger_years)`` - a dozen years from proposal to merged services at Bournemouth
and Poole (000:646-650) - unless competition review blocks it (probability
``competition_review / 2`` at the decision, as for service changes, 004:1073). A merger
takes the smaller trust out of the run and adds its plan to the bigger one's (money is
conserved).

Where it sits in ``model.step``: step 8, after commitment.
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..state import State

STAGES = ("separate", "shared accountable officer", "single management team", "merged")


def merge(st: State, s: int, reason: str) -> None:
    """Merge the active CCGs of system ``s`` into its first one."""
    w = st.world
    members = w.members(s)
    ccgs = members[st.is_ccg[members] & st.active[members] & (w.home[members] == s)]
    st.ccg_stage[s] = 3
    if ccgs.size <= 1:
        return
    keep, gone = ccgs[0], ccgs[1:]
    st.deactivate(gone)
    st.committed[keep] = st.committed[keep] or bool(st.committed[gone].any())
    st.record("ccg_merger", w.system_name[s],
              f"the {ccgs.size} CCGs of {w.system_name[s]} merged into one ({reason})", system=s)


def _acute_pairs(st: State) -> tuple[np.ndarray, np.ndarray]:
    """Directed ties (src < dst) between two acute trusts of the same home system (fixed for
    the run, sorted), and those of them between two active trusts neither sharing a chief
    executive (this month's candidates to share one)."""
    w = st.world
    a, b = st.src, st.dst
    fixed = st.memo(("acute pairs",), lambda: np.flatnonzero(
        (a < b) & st.is_acute[a] & st.is_acute[b] & (w.home[a] == w.home[b])))
    return fixed, kernels.acute_candidates(fixed, a, b, st.active, st.shared_ce)


def share_chief_executive(st: State, big: int, small: int) -> None:
    """One leader for two trusts: ``small`` takes ``big``'s chief executive."""
    p = st.params
    w = st.world
    st.shared_ce[big], st.shared_ce[small] = small, big
    st.orientation[small] = st.orientation[big]
    pair = ((st.src == big) & (st.dst == small)) | ((st.src == small) & (st.dst == big))
    st.T[pair] = np.maximum(st.T[pair], p.shared_ce_trust)
    st.changed()
    st.counters.shared_ceos[st.systems_of(small)] += 1
    st.record("shared_chief_executive", w.org_name[small],
              f"{w.org_name[small]} now shares its chief executive with {w.org_name[big]}",
              system=int(w.home[small]), org=small)


def merge_trusts(st: State, big: int, small: int) -> None:
    """``small`` merges into ``big``: it leaves the run, its plan goes with it."""
    w = st.world
    st.plan[big] += st.plan[small]
    st.plan[small] = 0.0
    st.deactivate(small)
    st.shared_ce[big] = st.shared_ce[small] = -1
    st.counters.trust_mergers[st.systems_of(small)] += 1
    st.record("trust_merger", w.org_name[small],
              f"{w.org_name[small]} merged into {w.org_name[big]}", system=int(w.home[small]),
              org=small)


def providers(st: State) -> None:
    """Shared chief executives form between trusting, committed hospitals; shared ones merge."""
    p = st.params
    fixed, cand = _acute_pairs(st)
    # one draw per tie that could ever be a candidate (rng.py), of which the candidates' are used
    draw = st.draws("shared_ce").random(fixed.size)[np.searchsorted(fixed, cand)]
    hit = kernels.share_hits(cand, st.src, st.dst, st.rev, st.T, st.committed, draw,
                             p.shared_ce_rate / 12.0)
    taken: set[int] = set()
    for x, y in zip(st.src[cand[hit]].tolist(), st.dst[cand[hit]].tolist(), strict=True):
        if x in taken or y in taken:
            continue
        big, small = (x, y) if st.out_degree[x] >= st.out_degree[y] else (y, x)
        share_chief_executive(st, big, small)
        taken.update((x, y))
    pairs = np.flatnonzero((st.shared_ce >= 0) & (np.arange(st.world.n_orgs) < st.shared_ce))
    if pairs.size:
        # per organisation: the lower-numbered trust of a pair draws for the pair
        draws = st.draws("trust_merger").random((2, st.world.n_orgs))
        for i in pairs.tolist():
            if draws[0, i] < 1.0 / (12.0 * p.merger_years):
                j = int(st.shared_ce[i])
                big, small = (i, j) if st.out_degree[i] >= st.out_degree[j] else (j, i)
                if draws[1, i] < p.competition_review / 2:
                    st.record("trust_merger_blocked", st.world.org_name[small],
                              f"competition review blocked the merger of {st.world.org_name[small]} "
                              f"into {st.world.org_name[big]}", system=int(st.world.home[small]),
                              org=small)
                else:
                    merge_trusts(st, big, small)


def step(st: State) -> None:
    """Advance commissioner and provider consolidation one month."""
    providers(st)
    commissioners(st)


def commissioners(st: State) -> None:
    """Advance CCG consolidation one month."""
    p = st.params
    w = st.world
    n_ccg = st.sys_count(st.is_ccg)
    h = kernels.ccg_hazard(st.merge_push, st.committed, st.sys_trust_mean(), p.ccg_merge_months,
                           *st.mean_parts(st.is_ccg))
    advance = (n_ccg > 1) & (st.ccg_stage < 3) & (st.draws("ccg_merger").random(w.n_systems) < h)
    for s in np.flatnonzero(advance):
        st.ccg_stage[s] += 1
        if st.ccg_stage[s] == 3:
            merge(st, int(s), "after a single management team")
        else:
            st.record("ccg_consolidation", w.system_name[s],
                      f"the CCGs of {w.system_name[s]} moved to a {STAGES[st.ccg_stage[s]]}",
                      system=int(s))
    st.ccg_stage[n_ccg <= 1] = 3
