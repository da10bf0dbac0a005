"""What can come up next month for an organisation a participant plays, read from the model's
state: :func:`live_choices`.

The participant's page offers only the choices that can arise in the month the facilitator
runs next (its commitment, a vote on a system control total in a planning round, a service
change whose decision is due), with sentences on where the organisation stands on each.
"""

from __future__ import annotations

from ..mechanisms.pooling import PLANNING_MONTHS
from ..state import State


def live_choices(st: State, orgs: list[int]) -> tuple[dict[int, tuple[str, ...]], dict[int, tuple[str, ...]]]:
    """For each organisation of ``orgs``: the choices that can come up in the next month, and
    sentences on where it stands (its commitment, the control total, a service change)."""
    p, w = st.params, st.world
    month = st.month_of_year % 12 + 1
    wait = next(k for k in range(12) if (month - 1 + k) % 12 + 1 in PLANNING_MONTHS)
    share = st.sys_mean(st.committed.astype(float), st.is_pooled_kind, empty=0.0)
    trust = st.sys_trust_mean()
    live, notes = {}, {}
    for i in orgs:
        s = int(w.home[i])
        got, said = [], []
        if not st.active[i]:
            live[i], notes[i] = (), ("It no longer exists (merged or closed): nothing comes up.",)
            continue
        if st.committed[i] or st.under_int[i] <= 0:
            got.append("stance")
        else:
            said.append("Under statutory intervention: it is not asked to commit this month.")
        if st.is_pooled_kind[i] and st.pool_active[s]:
            said.append(f"{w.system_name[s]} has a system control total in force; you are "
                        f"{'inside' if st.in_pool[i] else 'outside'} it.")
        elif st.is_pooled_kind[i] and p.pooling_available and wait == 0:
            got.append("sign")
            said.append(f"Vote on a system control total: this month is a planning round. One is put to "
                        f"{w.system_name[s]}'s committed NHS bodies if at least {p.pool_consensus:.0%} of "
                        f"its NHS bodies are committed (now {share[s]:.0%}) and mean trust is at least "
                        f"{p.pool_trust_min:.2f} (now {trust[s]:.2f}).")
        elif st.is_pooled_kind[i] and p.pooling_available:
            said.append(f"No system control total can be put this month: the next planning round is "
                        f"month {st.step + 1 + wait}.")
        for q in st.sc_pending:
            if q["loser"] == i and q["due"] <= st.step + 1:
                got += [] if "service" in got else ["service"]
                said.append(f"Vote on a service change: the decision on moving services out of "
                            f"{w.org_name[i]} (proposed in month {q['proposed']}) is due this month.")
            elif q["loser"] == i:
                said.append(f"A proposal to move services out of {w.org_name[i]} is pending: its decision "
                            f"is due in month {q['due']}.")
        live[i], notes[i] = tuple(got), tuple(said)
    return live, notes
