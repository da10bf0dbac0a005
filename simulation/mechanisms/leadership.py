"""Mechanism 2. Leadership continuity: leaders leave, and take relationship trust with them.

Rule. Each month the leader of an organisation leaves with probability
``1 - exp(-h/12)``, where ``h = 1 / leader_tenure_years`` per year (NHS trust chief
executives last about three years) multiplied by ``failing_turnover_mult`` if the
organisation is failing (on money or performance) or under intervention
(``failing.body_failing_or_intervened``; 000:194-200,
004:276). An external successor's post stays with an interim for a geometric number of
months with mean ``leader_pipeline_months`` - the pipeline of system leaders is thin
(000:568-604, 003:40-41) - during which the organisation's contacts are halved
(the trust rule, ``interim_contact``).

Successors come from inside the system or from outside it. With probability
``internal_successor + internal_successor_maturity * index(home system)`` the post goes to
someone from inside the system - "longstanding and respected leaders" with "knowledge of
the local system" (002:2613-2620); systems that invest in leadership development grow their
own (000:196-200, 002:2628-2632) and the pipeline elsewhere is thin (000:568-604). An
internal successor starts at once, keeps ``internal_trust_inherited`` of the predecessor's
relationships and brings the system's own orientation (the mean of the other members'
leaders). An external one inherits only ``trust_inherited`` of them - on every tie in or out
of the organisation ``T <- stranger + share * (T - stranger)`` (000:198-200) - is appointed
"on the change agenda" (a high system orientation, Beta(8, 2)) with probability
``change_agenda`` and otherwise Beta(4, 4) (000:200), and arrives after an interim. With
``leader_ties`` false (a validation alternative) every successor keeps all of the
predecessor's relationships and starts at once; orientations still change.

A successor's commitment is not put aside by rule: it stands or falls by the ordinary
withdrawal rule (``durability``) under the new leader's orientation and trust (Dorset's
new leaders, appointed on the change agenda, kept integration going: 000:196-200).

Councils are politically led: each council holds elections every ``council_election_years``
(in May, on its own cycle), and an election changes its political control with probability
``party_change`` (002:3152-3201, 004:884-886): a new leader, with an orientation of at most
``new_council_orientation``, and the council withdraws while the new administration reviews the partnership.
"""

from __future__ import annotations

import functools

import numpy as np

from .. import kernels
from ..failing import body_failing_or_intervened
from ..state import State


def monthly_hazard(tenure_years: float, multiplier: np.ndarray | float = 1.0) -> np.ndarray:
    """Monthly leaving probability for a mean tenure in years."""
    return 1.0 - np.exp(-np.asarray(multiplier) / (tenure_years * 12.0))


def _successor_draws(st: State) -> tuple[np.ndarray, ...]:
    """This month's successor draws, one set per organisation (``succession`` stream, drawn
    once a month): inside or outside, on the change agenda, both orientations, the interim."""
    months = st.params.leader_pipeline_months

    def draw(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
        n = st.world.n_orgs
        return (rng.random(n), rng.random(n), rng.beta(8, 2, n), rng.beta(4, 4, n),
                rng.geometric(min(1.0, 1.0 / max(months, 1e-9)), n) if months > 0
                else np.zeros(n, dtype=np.int64))

    return st.month_draws("succession", (months,), draw)


def replace(st: State, orgs: np.ndarray, reason: str) -> None:
    """Replace the leaders of ``orgs`` now (departures, resignations, interventions)."""
    orgs = np.array(orgs, dtype=np.int64, ndmin=1)  # a copy: the log's lines are made from it later
    if orgs.size == 0:
        return
    p = st.params
    w = st.world
    home = w.home[orgs]
    # every draw made for every organisation, whatever the branch (rng.py): organisation i's
    # successor depends on the seed, the month and i alone
    draw_internal, draw_agenda, high, mid, interim = (x[orgs] for x in _successor_draws(st))
    # (with leader_ties false, the validation null, a successor keeps every relationship)
    internal, agenda, before, after, per_system = kernels.replace_leaders(
        orgs, home, draw_internal, draw_agenda, high, mid, interim, p.internal_successor,
        p.internal_successor_maturity, st.index, p.change_agenda, p.leader_ties,
        p.internal_trust_inherited, p.trust_inherited, p.stranger_trust, st.T, st.src, st.dst,
        st.active, st.out_order, st.out_start, st.in_order, st.in_start, st.orientation,
        st.tenure, st.vacancy, *st.mean_parts(None), w.mem_sys, w.mem_org)
    st.changed()
    st.counters.leader_changes += per_system
    st.log.add_many_later(functools.partial(_change_lines, st.step, w.org_name, reason, orgs,
                                            home, before, after, agenda, internal),
                          kinds=("leader_change",))


def _change_lines(step: int, names: list[str], reason: str, orgs: np.ndarray, home: np.ndarray,
                  before: np.ndarray, after: np.ndarray, agenda: np.ndarray,
                  internal: np.ndarray) -> list[list]:
    """The event log's lines for the leaders of ``orgs`` replaced at ``step``."""
    return [[step, "leader_change", names[i], h, i, None,
             (_change_text, (names[i], reason, was, now, ag and not ins, ins))]
            for i, h, was, now, ag, ins in zip(orgs.tolist(), home.tolist(), before.tolist(),
                                               after.tolist(), agenda.tolist(),
                                               internal.tolist(), strict=True)]


def party_change(st: State, council: int, reason: str) -> None:
    """A council changes political control: it withdraws and gets a new, sceptical leader."""
    w = st.world
    st.committed[council] = False
    st.mandated[council] = False
    st.record("council_party_change", w.org_name[council],
              f"{w.org_name[council]} changed political control and withdrew from the partnership "
              f"while the new administration reviews it{reason}", system=int(w.home[council]),
              org=council)
    replace(st, np.array([council]), "new council leader after the election")
    st.orientation[council] = min(st.orientation[council], st.params.new_council_orientation)


def elections(st: State) -> None:
    """May: councils whose year it is hold elections; some change political control."""
    p = st.params
    st.mays += 1
    cycle = max(int(round(p.council_election_years)), 1)
    voting = st.active & st.is_council & ((st.election_offset + st.mays) % cycle == 0)
    flips = np.flatnonzero(voting & (st.draws("election").random(st.world.n_orgs) < p.party_change))
    for i in flips.tolist():
        party_change(st, i, " (local elections)")


def _change_text(name: str, reason: str, was: float, now: float, agenda: bool,
                 internal: bool) -> str:
    # a successor starts near the stranger level: below a trusted predecessor, above a distrusted one
    moved = "fell" if now < was else "rose" if now > was else "stayed"
    return (f"the chief executive of {name} left ({reason}); its mean trust in partners {moved} "
            f"from {was:.2f} to {now:.2f}"
            + ("; the successor came from inside the system" if internal else "")
            + ("; the successor was appointed on the change agenda" if agenda else ""))

def step(st: State) -> None:
    """One month of tenure, departures and interim posts."""
    p = st.params
    # failing on money or performance, or under intervention: failing_turnover_mult times
    # the hazard
    normal, failing = monthly_hazard(p.leader_tenure_years, np.array([1.0, p.failing_turnover_mult]))
    st.vacancy, leave = kernels.departures(st.tenure, st.vacancy, st.active,
                                           body_failing_or_intervened(st),
                                           st.draws("departure").random(st.world.n_orgs), normal,
                                           failing)
    shared = st.shared_ce >= 0
    if shared.any():  # one chief executive runs both trusts of a pair: both posts fall vacant
        leave[st.shared_ce[shared & leave]] = True
    if leave.any():
        replace(st, np.flatnonzero(leave), "turnover")
        if shared.any():  # the successor of a shared post leads both: one outlook
            pair = np.flatnonzero(shared & leave)
            partner = st.shared_ce[pair]
            dp, dq = st.out_degree[pair], st.out_degree[partner]
            lead = np.where((dp > dq) | ((dp == dq) & (pair < partner)), pair, partner)
            st.orientation[pair] = st.orientation[lead]
    if st.month_of_year == 5:
        elections(st)
