"""Mechanism 2. Leadership continuity: leaders leave, and take relationship trust with them.

Rule. Each month the leader of an organisation leaves with probability
``1 - exp(-h/12)``, where ``h = 1 / leader_tenure_years`` per year (NHS trust chief
executives last about three years) multiplied by ``failing_turnover_mult`` if the
organisation is failing or under intervention (000:194-200, 004:276). The post stays with an
interim for a geometric number of months with mean ``leader_pipeline_months`` - the pipeline
of system leaders is thin (000:568-604, 003:40-41) - during which the organisation's
contacts are halved (``trust.contact_probability``).

The successor inherits only part of the predecessor's relationships: on every tie in or out
of the organisation ``T <- stranger + trust_inherited * (T - stranger)`` (000:198-200,
002:2613-2632). With probability ``change_agenda`` the successor is appointed "on the change
agenda" and has a high system orientation, Beta(8, 2); otherwise Beta(4, 4) (000:200).
With probability ``commitment_lapse`` the successor puts the commitment back under review:
the organisation withdraws, leaves the pool, and recommits only when its support reaches its
threshold again (000:194-200, 002:2613-2632). A commitment made under a mandate is held by
nobody's own choice and lapses more readily: its probability is
``1 - (1 - commitment_lapse) ** mandated_fragility``, the same multiplier on the hazard that
``durability.py`` applies ("if it is home grown, then we've really done it", 000:654-660).
"""

from __future__ import annotations

import numpy as np

from ..state import State


def monthly_hazard(tenure_years: float, multiplier: np.ndarray | float = 1.0) -> np.ndarray:
    """Monthly leaving probability for a mean tenure in years."""
    return 1.0 - np.exp(-np.asarray(multiplier) / (tenure_years * 12.0))


def inherit(T: np.ndarray, stranger: float, share: float) -> np.ndarray:
    """Trust a successor holds on a tie its predecessor held at ``T``."""
    return stranger + share * (T - stranger)


def replace(st: State, orgs: np.ndarray, reason: str) -> None:
    """Replace the leaders of ``orgs`` now (departures, resignations, interventions)."""
    orgs = np.atleast_1d(np.asarray(orgs, dtype=np.int64))
    if orgs.size == 0:
        return
    p = st.params
    rng = st.streams["leadership"]
    w = st.world
    replaced = np.zeros(w.n_orgs, dtype=bool)
    replaced[orgs] = True
    from_replaced = replaced[st.src]
    out = np.flatnonzero(from_replaced & st.tie_active())  # each one's live ties, in order
    position = np.zeros(w.n_orgs, dtype=np.int64)
    position[orgs] = np.arange(orgs.size)
    owner = position[st.src[out]]
    count = np.maximum(np.bincount(owner, minlength=orgs.size), 1)
    before = np.bincount(owner, weights=st.T[out], minlength=orgs.size) / count
    ties = from_replaced | replaced[st.dst]  # each tie once, even between two new leaders
    st.T[ties] = inherit(st.T[ties], p.stranger_trust, p.trust_inherited)
    st.changed()
    after = np.bincount(owner, weights=st.T[out], minlength=orgs.size) / count
    agenda = rng.random(orgs.size) < p.change_agenda
    st.orientation[orgs] = np.where(agenda, rng.beta(8, 2, orgs.size), rng.beta(4, 4, orgs.size))
    st.tenure[orgs] = 0
    p_lapse = np.where(st.mandated[orgs], 1.0 - (1.0 - p.commitment_lapse) ** p.mandated_fragility,
                       p.commitment_lapse)
    lapse = orgs[rng.random(orgs.size) < p_lapse]
    st.committed[lapse] = False
    st.in_pool[lapse] = False
    mean_gap = max(p.leader_pipeline_months, 1e-9)
    st.vacancy[orgs] = np.where(p.leader_pipeline_months > 0,
                                rng.geometric(min(1.0, 1.0 / mean_gap), orgs.size), 0)
    st.counters.leader_changes += np.bincount(w.mem_sys[replaced[w.mem_org]], minlength=w.n_systems)
    log, step, names = st.log, st.step, w.org_name
    for i, was, now, ag, home in zip(orgs.tolist(), before.tolist(), after.tolist(),
                                     agenda.tolist(), w.home[orgs].tolist(), strict=True):
        log.add_later(step, "leader_change", names[i], home, i, _change_text, names[i], reason,
                      was, now, ag)


def _change_text(name: str, reason: str, was: float, now: float, agenda: bool) -> str:
    # a successor starts near the stranger level: below a trusted predecessor, above a distrusted one
    moved = "fell" if now < was else "rose" if now > was else "stayed"
    return (f"the chief executive of {name} left ({reason}); its mean trust in partners {moved} "
            f"from {was:.2f} to {now:.2f}"
            + ("; the successor was appointed on the change agenda" if agenda else ""))

def step(st: State) -> None:
    """One month of tenure, departures and interim posts."""
    p = st.params
    rng = st.streams["leadership"]
    st.tenure += 1
    st.vacancy = np.maximum(st.vacancy - 1, 0)
    failing = (st.ytd < p.failing_deficit) | (st.under_int > 0)
    mult = np.where(failing, p.failing_turnover_mult, 1.0)
    leave = st.active & (rng.random(st.world.n_orgs) < monthly_hazard(p.leader_tenure_years, mult))
    if leave.any():
        replace(st, np.flatnonzero(leave), "turnover")
