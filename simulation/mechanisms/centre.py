"""Mechanism 9. The centre's mandates: deadlines that fade, designation by readiness, edicts.

Rule.
* Deadline: a national deadline announced at step ``t_a`` and due at ``t_d`` lowers every
  threshold by ``deadline_effect * (1 - exp(-(t - t_a) / deadline_ramp_months))`` while it
  is live - passive resisters become constructive players within months (000:322-326). Once
  the due date has passed the pull fades, ``* exp(-(t - t_d) / deadline_decay_months)``: a
  deadline is a date, not a lasting change of heart, and integration that it alone produced
  is the fragile, mandated kind (000:654-660). A commitment counts as *mandated* only if it
  was made while a deadline was live (between announcement and due date;
  ``mandate_live``). Nothing is designated because a deadline falls due.
* Designation by readiness: a system is *ready* in a month when its integration index is at
  least ``designation_index``, at least ``pool_consensus`` of its NHS members are committed
  and it does not fail the centre's finance test (``failing.system_failing_finance``: its
  NHS members' year-to-date mean at or below ``failing_deficit``). The centre designates
  every system that has been ready for ``readiness_months`` months in a row when it reviews
  (002:1443-1455: areas selected "when their local system is considered to be advanced
  enough", recognising those "making fastest progress"; 003:4). How many that is, and which,
  is an outcome: higher bars give fewer, and a review finds none when no system is ready.
  With ``designation = "continuous"`` the centre reviews every ``review_months`` from the
  start; with ``"invited"`` only once it has invited applications (a dated
  ``designation_wave`` event: June 2017, May 2018 in England, 002:1444-1447, 002:1537-1539),
  at every invitation and every ``review_months`` after the first. Designation is kept once
  granted.
* Statute: the 2022 Act establishes every system in law (001:1). This is the one outcome the
  model imposes (``designate(..., mandated=True)`` from the ``statute`` event).
* Edict: an inconsistent or sudden demand costs ``edict_trust_hit`` bad experiences on every
  tie (000:174, 000:486).

Where it sits in ``model.step``: the deadline effect enters the thresholds at step 7; the
readiness count and reviews run after the integration index (step 9), by the national
regulator agent.
"""

from __future__ import annotations

import math

import numpy as np

from ..failing import system_failing_finance
from ..state import State


def deadline_effect(st: State) -> float:
    """Threshold reduction from a national deadline at the current step (fraction)."""
    if st.deadline_step < 0:
        return 0.0
    p = st.params
    t = st.step - st.deadline_step
    effect = p.deadline_effect * (1.0 - math.exp(-max(t, 0) / p.deadline_ramp_months))
    if st.due_step >= 0 and st.step > st.due_step:
        effect *= math.exp(-(st.step - st.due_step) / p.deadline_decay_months)
    return effect


def mandate_live(st: State) -> bool:
    """Whether a national deadline hangs over organisations this month."""
    return st.deadline_step >= 0 and (st.due_step < 0 or st.step <= st.due_step)


def ready_now(st: State) -> np.ndarray:
    """Systems that meet the centre's readiness bar this month (not yet designated)."""
    p = st.params
    committed = st.sys_mean(st.committed.astype(float), st.is_pooled_kind, empty=0.0)
    return (~st.designated & (st.index >= p.designation_index)
            & (committed >= p.pool_consensus) & ~system_failing_finance(st))


def track_readiness(st: State) -> None:
    """Count each system's consecutive months of readiness (after the index is updated)."""
    st.ready_months = np.where(ready_now(st), st.ready_months + 1, 0)


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
        st.record("designation", w.system_name[s],
                  f"{w.system_name[s]} was designated an integrated care system ({reason}); "
                  f"integration index {st.index[s]:.2f}", system=s)


def review(st: State, reason: str) -> np.ndarray:
    """The centre's readiness review: designate every system ready for long enough."""
    chosen = np.flatnonzero(~st.designated & (st.ready_months >= st.params.readiness_months))
    designate(st, chosen, mandated=False, reason=reason)
    return chosen


def invite(st: State) -> None:
    """An invitation to apply (a dated wave): reviews open from now (``invited`` designation)."""
    if st.invited_step < 0:
        st.invited_step = st.step
    st.review_now = True


def step(st: State) -> None:
    """Readiness counted, then the centre's review if one is due this month."""
    p = st.params
    track_readiness(st)
    if p.designation == "continuous":
        due = st.step % p.review_months == 0
    else:
        due = st.invited_step >= 0 and (st.step - st.invited_step) % p.review_months == 0
    if due or st.review_now:
        review(st, "judged ready at an invitation to apply" if st.review_now
               else "judged ready at a periodic review")
    st.review_now = False
