"""Mechanism 6. Service changes (reconfigurations): rare, slow, often blocked, and costly when forced.

Rule. A system proposes a change with monthly probability ``change_rate/12 * index`` (the
real test of a system is a decision that hurts one member, 000:534). Each proposal names a
loser - an acute trust of the system if it has one - and reaches its decision after a
geometric number of months with mean ``change_months`` (consultation, scrutiny and review
take years: 000:646-650, 002:3352-3376). At decision:

* the loser consents with probability ``consent(payment) * T_loser`` (PbR punishes losing
  activity, 004:431-437), where ``T_loser`` is its mean trust in partners, and always if it is
  committed and payment is by block contract;
* the councils scrutinise (004:884): the change fails scrutiny with probability
  ``1 - council engagement``;
* with probability ``competition_review`` it goes to competition review, which blocks half
  (004:1073).

A change the loser refuses is forced through with probability ``reg_intensity/2`` when the
system is designated (the centre backs it), at a cost of ``forced_trust_hit`` bad
experiences on every tie towards the loser (000:408); otherwise it is blocked. A delivered
change is reversed at yearly hazard ``reversal_rate`` while system trust is below
``pool_trust_min`` (000:628, 002:3117).
"""

from __future__ import annotations

import numpy as np

from ..state import State, clip, fill_nan
from . import incentives, trust


def step(st: State, extra_bad: np.ndarray) -> None:
    """Propose, decide and reverse service changes for one month."""
    p = st.params
    w = st.world
    rng = st.streams["service_change"]
    S = w.n_systems
    c = st.counters
    propose = rng.random(S) < (p.change_rate / 12.0) * clip(st.index, 0, 1)
    for s in np.flatnonzero(propose):
        members = w.members(s)
        members = members[st.active[members]]
        losers = members[st.is_acute[members]]
        if losers.size == 0:
            losers = members[st.is_pooled_kind[members] & ~st.is_ccg[members]]
        if losers.size == 0:
            continue
        loser = int(rng.choice(losers))
        months = int(rng.geometric(1.0 / p.change_months))
        st.sc_pending.append({"system": int(s), "loser": loser, "due": st.step + months,
                              "proposed": st.step})
        c.sc_proposed[s] += 1
        st.record("service_change_proposed", w.system_name[s],
                  f"{w.system_name[s]} proposed moving services out of {w.org_name[loser]}; "
                  f"a decision is due in {months} months", system=int(s), org=loser)
    due = [prop for prop in st.sc_pending if prop["due"] <= st.step]
    st.sc_pending = [prop for prop in st.sc_pending if prop["due"] > st.step]
    if due:
        org_t = fill_nan(st.org_trust(), p.stranger_trust)
        council = st.sys_mean(st.committed.astype(float), st.is_council, empty=1.0)
    for prop in due:
        s, loser = prop["system"], prop["loser"]
        consent = (st.committed[loser] and p.payment == "block") or (
            rng.random() < incentives.consent_probability(p.payment) * org_t[loser])
        scrutiny = rng.random() < council[s]
        review_blocks = rng.random() < p.competition_review and rng.random() < 0.5
        forced = False
        if not consent and st.designated[s] and rng.random() < p.reg_intensity / 2:
            consent, forced = True, True
        name, lname = w.system_name[s], w.org_name[loser]
        if consent and scrutiny and not review_blocks:
            c.sc_delivered[s] += 1
            st.sc_delivered_list.append({"system": s, "loser": loser})
            if forced:
                trust.hit_org(st, loser, p.forced_trust_hit, extra_bad)
            st.record("service_change_delivered", name,
                      f"{name} delivered its service change at {lname}"
                      + (" - forced through without consent, and trust suffered" if forced else ""),  # noqa: E501
                      system=s, org=loser)
        else:
            why = ("the losing trust refused" if not consent else
                   "council scrutiny referred it" if not scrutiny else "competition review")
            c.sc_blocked[s] += 1
            st.record("service_change_blocked", name,
                      f"{name}'s service change at {lname} was blocked: {why}", system=s, org=loser)
    # Reversals while trust is low
    mean_trust = st.sys_trust_mean()
    low = fill_nan(mean_trust, 0.0) < p.pool_trust_min
    keep_d = []
    hazard = 1.0 - np.exp(-p.reversal_rate / 12.0)
    for d in st.sc_delivered_list:
        s = d["system"]
        if low[s] and rng.random() < hazard:
            c.sc_reversed[s] += 1
            st.record("service_change_reversed", w.system_name[s],
                      f"{w.system_name[s]} reversed a service change as trust fell to "
                      f"{mean_trust[s]:.2f}", system=s)
        else:
            keep_d.append(d)
    st.sc_delivered_list = keep_d
