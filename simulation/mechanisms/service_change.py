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
experiences on every tie towards the loser (000:408); otherwise it is blocked, and the
failed decision costs ``blocked_trust_hit`` bad experiences on the loser's ties (the real
test of a system is a decision that hurts one member, 000:534).

A delivered change moves money: the loser's monthly plan falls by ``change_value`` (GBP m)
and the other NHS providers of the system share ``1.5 * change_value`` (care moved to where
it costs less, 004:1030), so the system as a whole gains; it also counts in the integration
index (``index.py``). A delivered change is reversed at yearly hazard ``reversal_rate`` while
system trust is below ``pool_trust_min`` (000:628, 002:3117); a reversal moves the money
back.

The loser's consent goes through the decision hook (``back_service_change``).
"""

from __future__ import annotations

import numpy as np

from ..state import State, clip, fill_nan
from . import incentives, trust


def _gainers(st: State, s: int, loser: int) -> np.ndarray:
    """The system's other active NHS providers, who take on the care moved away."""
    members = st.world.members(s)
    keep = st.active[members] & st.is_pooled_kind[members] & ~st.is_ccg[members] & (members != loser)
    return members[keep]


def _move_money(st: State, loser: int, gainers: np.ndarray, value: float) -> None:
    """The loser's plan falls by ``value``; the gainers share 1.5 times it (GBP m per month)."""
    st.plan[loser] -= value
    if gainers.size:
        st.plan[gainers] += 1.5 * value / gainers.size


def _trust_of(st: State, org: int) -> float:
    """Mean trust ``org`` places in its partners (the stranger level if it has none)."""
    t = st.org_trust_of(org)
    return st.params.stranger_trust if np.isnan(t) else t


def step(st: State, extra_bad: np.ndarray) -> None:
    """Propose, decide and reverse service changes for one month."""
    p = st.params
    w = st.world
    S = w.n_systems
    c = st.counters
    # per system (rng.py): proposed, whose services, months to decision, and the five draws
    # its decision will use (consent, council scrutiny, competition review twice, forced
    # through), kept with the proposal
    rng = st.draws("service_change")
    u = rng.random((7, S))
    wait = rng.geometric(1.0 / p.change_months, S)
    propose = u[0] < (p.change_rate / 12.0) * clip(st.index, 0, 1)
    for s in np.flatnonzero(propose):
        members = w.members(s)
        members = members[st.active[members]]
        losers = members[st.is_acute[members]]
        if losers.size == 0:
            losers = members[st.is_pooled_kind[members] & ~st.is_ccg[members]]
        if losers.size == 0:
            continue
        loser = int(losers[min(int(u[1, s] * losers.size), losers.size - 1)])
        months = int(wait[s])
        st.sc_pending.append({"system": int(s), "loser": loser, "due": st.step + months,
                              "proposed": st.step, "draws": u[2:, s].tolist()})
        c.sc_proposed[s] += 1
        st.record("service_change_proposed", w.system_name[s],
                  f"{w.system_name[s]} proposed moving services out of {w.org_name[loser]}; "
                  f"a decision is due in {months} months", system=int(s), org=loser)
    due = [prop for prop in st.sc_pending if prop["due"] <= st.step]
    st.sc_pending = [prop for prop in st.sc_pending if prop["due"] > st.step]
    if due:
        council = st.sys_mean(st.committed.astype(float), st.is_council, empty=1.0)
    for prop in due:
        s, loser = prop["system"], prop["loser"]
        draw, scrutiny_draw, review_a, review_b, force_draw = prop["draws"]
        consent = bool((st.committed[loser] and p.payment == "block")
                       or draw < incentives.consent_probability(p.payment) * _trust_of(st, loser))
        consent = bool(st.decide("back_service_change", np.array([loser]), np.array([consent]))[0])
        scrutiny = scrutiny_draw < council[s]
        review_blocks = review_a < p.competition_review and review_b < 0.5
        forced = False
        if not consent and st.designated[s] and force_draw < p.reg_intensity / 2:
            consent, forced = True, True
        name, lname = w.system_name[s], w.org_name[loser]
        if consent and scrutiny and not review_blocks:
            c.sc_delivered[s] += 1
            gainers = _gainers(st, s, loser)
            _move_money(st, loser, gainers, p.change_value)
            st.sc_delivered_list.append({"system": s, "loser": loser, "gainers": gainers,
                                         "value": p.change_value})
            if forced:
                trust.hit_org(st, loser, p.forced_trust_hit, extra_bad)
            st.record("service_change_delivered", name,
                      f"{name} delivered its service change at {lname}"
                      + (" - forced through without consent, and trust suffered"
                         if forced else ""),
                      system=s, org=loser)
        else:
            why = ("the losing trust refused" if not consent else
                   "council scrutiny referred it" if not scrutiny else "competition review")
            c.sc_blocked[s] += 1
            if p.blocked_trust_hit > 0:
                trust.hit_org(st, loser, p.blocked_trust_hit, extra_bad)
            st.record("service_change_blocked", name,
                      f"{name}'s service change at {lname} was blocked: {why}", system=s, org=loser)
    # Reversals while trust is low
    mean_trust = st.sys_trust_mean()
    low = fill_nan(mean_trust, 0.0) < p.pool_trust_min
    keep_d = []
    hazard = 1.0 - np.exp(-p.reversal_rate / 12.0)
    # per system and slot: a system's k-th delivered change (in the order delivered) draws
    # row k; row k is the same numbers however many rows are drawn (rng.py)
    delivered = st.sc_delivered_list
    systems = np.fromiter((d["system"] for d in delivered), dtype=np.int64, count=len(delivered))
    slots = np.bincount(systems, minlength=S)
    reversed_ = []
    if delivered:
        reversal = st.draws("reversal").random((int(slots.max()), S))
        # each change's slot: how many changes of its system come before it in the list
        order = np.argsort(systems, kind="stable")
        starts = np.cumsum(slots) - slots
        slot = np.empty(systems.size, dtype=np.int64)
        slot[order] = np.arange(systems.size) - starts[systems[order]]
        reversed_ = (low[systems] & (reversal[slot, systems] < hazard)).tolist()
    for d, rev in zip(delivered, reversed_, strict=True):
        if rev:
            s = d["system"]
            c.sc_reversed[s] += 1
            _move_money(st, d["loser"], d["gainers"], -d["value"])
            st.record("service_change_reversed", w.system_name[s],
                      f"{w.system_name[s]} reversed a service change as trust fell to "
                      f"{mean_trust[s]:.2f}", system=s)
        else:
            keep_d.append(d)
    st.sc_delivered_list = keep_d
