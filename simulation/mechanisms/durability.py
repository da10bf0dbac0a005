"""Mechanism 13. Durability: home-grown integration sticks; mandated integration is fragile.

Rule. A committed organisation whose support ``s_i`` has fallen below its effective threshold
withdraws with monthly probability ``decommit_rate * (1 + pressure)``, multiplied by
``mandated_fragility`` if it committed under a mandate (000:654-660): gains are fragile and
can reverse (000:628, 002:3117). A withdrawing member leaves the pool. With
``peer_influence`` false (the validation null of independent adoption) support plays no
part, so nothing triggers a withdrawal.
"""

from __future__ import annotations

import numpy as np

from ..state import State, clip


def withdraw_probability(support: np.ndarray, theta: np.ndarray, mandated: np.ndarray,
                         pressure: np.ndarray, rate: float, fragility: float) -> np.ndarray:
    """Monthly withdrawal probability of each committed organisation."""
    below = support < theta
    return clip(below * rate * (1.0 + pressure) * np.where(mandated, fragility, 1.0), 0, 1)


def step(st: State, support: np.ndarray, theta: np.ndarray) -> None:
    """Withdraw commitments that no longer have support."""
    p = st.params
    w = st.world
    org_pressure = st.pressure[w.home]
    prob = withdraw_probability(support, theta, st.mandated, org_pressure, p.decommit_rate,
                                p.mandated_fragility)
    if not p.peer_influence:  # the validation null: nothing peer-related can undo a commitment
        prob = np.zeros(w.n_orgs)
    out = st.committed & st.active & (st.draws("withdrawal").random(w.n_orgs) < prob)
    by_rule = out
    if st.policy is not None:  # the decision hook (decisions.py)
        who = np.flatnonzero(st.committed & st.active)
        out = np.zeros_like(out)
        out[who] = st.decide("withdraw", who, by_rule[who])
    if out.any():
        st.committed[out] = False
        st.mandated[out] = False
        st.in_pool[out] = False
        for i in np.flatnonzero(out)[:20]:
            why = (f"support {support[i]:.2f} below its threshold {theta[i]:.2f}" if by_rule[i] else
                   f"a decision, not the rule: support {support[i]:.2f}, threshold {theta[i]:.2f}")
            st.record("withdrawal", w.org_name[i],
                      f"{w.org_name[i]} withdrew from system working ({why})",
                      system=int(w.home[i]), org=int(i))
