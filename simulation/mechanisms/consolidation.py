"""Mechanism 7. Structural consolidation of commissioners.

Rule. The CCGs of a system move through stages: 0 separate, 1 shared accountable officer,
2 single management team, 3 merged into one (000:614, 000:622-626). While a system has more
than one CCG it advances one stage with monthly probability
``merge_push * share_committed(CCGs) * mean_trust / ccg_merge_months`` (about 18 months to a
single accountable officer where the CCGs are willing: 000:626). ``merge_push`` is raised by
the Long Term Plan's call for one CCG per system (``one_ccg_per_system`` event, 000:626) and
statute merges all remaining CCGs at once (001:1). Merging deactivates all but one CCG of the
system; counts fell from 212 towards 80 by 2019 (000:614).
"""

from __future__ import annotations

import numpy as np

from ..state import State, clip, fill_nan

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


def step(st: State) -> None:
    """Advance CCG consolidation one month."""
    p = st.params
    w = st.world
    rng = st.streams["consolidation"]
    n_ccg = st.sys_count(st.is_ccg)
    committed = st.sys_mean(st.committed.astype(float), st.is_ccg, empty=0.0)
    mean_trust = st.sys_trust_mean()
    h = clip(st.merge_push * committed * fill_nan(mean_trust, 0.0) / p.ccg_merge_months, 0, 1)
    advance = (n_ccg > 1) & (st.ccg_stage < 3) & (rng.random(w.n_systems) < h)
    for s in np.flatnonzero(advance):
        st.ccg_stage[s] += 1
        if st.ccg_stage[s] == 3:
            merge(st, int(s), "after a single management team")
        else:
            st.record("ccg_consolidation", w.system_name[s],
                      f"the CCGs of {w.system_name[s]} moved to a {STAGES[st.ccg_stage[s]]}",
                      system=int(s))
    st.ccg_stage[n_ccg <= 1] = 3
