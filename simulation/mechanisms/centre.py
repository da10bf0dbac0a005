"""Mechanism 9. The centre's mandates: deadlines, designation in waves, edicts.

Rule.
* Deadline: once announced at step ``t_a`` the deadline lowers every threshold by
  ``deadline_effect * (1 - exp(-(t - t_a) / deadline_ramp_months))`` - passive resisters
  become constructive players within months (000:322-326). Commitments made while a deadline
  hangs are marked *mandated* (``durability.py``). When the deadline falls due, every system
  not yet designated is designated by mandate and its remaining members are committed
  (every area an ICS by April 2021: 000:54, 003:4).
* Designation by readiness: a system is *ready* when its integration index reaches
  ``designation_index`` and its committed share ``pool_consensus``. With
  ``designation = "continuous"`` the centre designates ready systems at reviews every
  ``review_months``; with ``"waves"`` only at dated ``designation_wave`` events, at most
  ``count`` a wave, readiest first (10 in June 2017, 4 more in May 2018: 002:1443-1455,
  002:1537-1539). A wave recognises "areas that were making fastest progress" once they are
  "advanced enough" (002:1443-1452): its candidates are the systems whose index has reached
  ``shadow_index``, ranked by index, not only those that meet the full readiness bar.
* Edict: an inconsistent or sudden demand costs ``edict_trust_hit`` bad experiences on every
  tie (000:174, 000:486).
"""

from __future__ import annotations

import numpy as np

from ..state import State


def deadline_effect(st: State) -> float:
    """Threshold reduction from an announced deadline at the current step."""
    if st.deadline_step < 0:
        return 0.0
    p = st.params
    t = st.step - st.deadline_step
    return p.deadline_effect * (1.0 - np.exp(-max(t, 0) / p.deadline_ramp_months))


def ready(st: State) -> np.ndarray:
    """Systems the centre would judge ready to be designated."""
    p = st.params
    committed = st.sys_mean(st.committed.astype(float), st.is_pooled_kind, empty=0.0)
    return ~st.designated & (st.index >= p.designation_index) & (committed >= p.pool_consensus)


def designate(st: State, systems: np.ndarray, mandated: bool, reason: str) -> None:
    """Designate ``systems`` as integrated care systems now."""
    w = st.world
    for s in np.atleast_1d(systems):
        s = int(s)
        if st.designated[s]:
            continue
        st.designated[s] = True
        st.designated_step[s] = st.step
        st.designated_by_mandate[s] = mandated
        if mandated:
            members = w.members(s)
            newly = members[st.active[members] & ~st.committed[members]]
            st.committed[newly] = True
            st.mandated[newly] = True
        st.record("designation", w.system_name[s],
                  f"{w.system_name[s]} was designated an integrated care system ({reason}); "
                  f"integration index {st.index[s]:.2f}", system=s)


def wave(st: State, count: int, reason: str) -> None:
    """Designate up to ``count`` systems advanced enough (index >= shadow_index), readiest first."""
    cand = np.flatnonzero(~st.designated & (st.index >= st.params.shadow_index))
    order = cand[np.argsort(-st.index[cand], kind="stable")][:count]
    designate(st, order, mandated=False, reason=reason)


def step(st: State) -> None:
    """Reviews and the deadline falling due."""
    p = st.params
    if p.designation == "continuous" and st.step % p.review_months == 0:
        designate(st, np.flatnonzero(ready(st)), mandated=False, reason="judged ready at review")
    if st.due_step >= 0 and st.step >= st.due_step:
        designate(st, np.flatnonzero(~st.designated), mandated=True, reason="national deadline")
        st.due_step = -1
