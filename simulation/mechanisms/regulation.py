"""Mechanism 8. Regulatory pressure: intensity and focus, kept apart.

Rule. ``reg_intensity`` (0-1) is how hard regulators push; ``reg_focus`` (0-1) whether they
look at each organisation's own books and targets (0) or at the system as a whole (1).

* Silo pull: every month a leader's system orientation moves by
  ``-silo_pull * I * (1 - F) * orientation`` (organisation-focused regulation pulls leaders
  back into silos: 004:870, 000:486, 002:3530) and by ``+silo_pull * I * F * (1 - orientation)``
  (system assurance and delegated offsets help: 000:332, 002:3512).
* System focus adds an outside push ``2 * external_push * I * F`` to every organisation's
  commitment hazard (``contagion.py``).
* Statutory intervention: an organisation that is failing (year-to-date result below
  ``failing_deficit``) is taken over with monthly probability
  ``intervention_rate * I * (1 - stability_discount * index(system))`` - stable systems see
  less intervention (002:4012-4013). Intervention overrides the system (000:474): for 12
  months the organisation leaves the pool, withdraws its commitment, has its contacts halved,
  its leader is replaced with probability 1/2, and every partner's trust in it takes one
  bad experience. The intervening body is the regulator of its region.
"""

from __future__ import annotations

import numpy as np

from ..state import State, clip
from . import leadership, trust


def orientation_drift(orientation: np.ndarray, intensity: float, focus: float,
                      rate: float) -> np.ndarray:
    """Leader orientation after one month of regulatory pressure."""
    down = rate * intensity * (1.0 - focus) * orientation
    up = rate * intensity * focus * (1.0 - orientation)
    return clip(orientation - down + up, 0.0, 1.0)


def intervention_probability(failing: np.ndarray, index: np.ndarray, intensity: float,
                             rate: float, discount: float) -> np.ndarray:
    """Monthly probability of statutory intervention per organisation."""
    return failing * rate * intensity * (1.0 - discount * clip(index, 0, 1))


def intervene(st: State, orgs: np.ndarray, extra_bad: np.ndarray, reason: str) -> None:
    """Put ``orgs`` under statutory intervention now."""
    w = st.world
    rng = st.streams["regulation"]
    orgs = np.atleast_1d(np.asarray(orgs, dtype=np.int64))
    for i in orgs:
        st.under_int[i] = 12
        st.in_pool[i] = False
        st.committed[i] = False
        st.counters.interventions[st.systems_of(i)] += 1
        trust.hit_org(st, int(i), 1.0, extra_bad)
        region = int(w.region[i])
        st.record("intervention", w.org_name[i],
                  f"the regulator for region {region + 1} intervened in {w.org_name[i]} "
                  f"({reason}); it left the system's shared arrangements", system=int(w.home[i]),
                  org=int(i))
    replace = orgs[rng.random(orgs.size) < 0.5]
    if replace.size:
        leadership.replace(st, replace, "removed on intervention")


def step(st: State, extra_bad: np.ndarray) -> None:
    """One month of regulation."""
    p = st.params
    w = st.world
    rng = st.streams["regulation"]
    st.orientation = orientation_drift(st.orientation, p.reg_intensity, p.reg_focus, p.silo_pull)
    st.under_int = np.maximum(st.under_int - 1, 0)
    failing = st.active & st.is_pooled_kind & (st.ytd < p.failing_deficit) & (st.under_int <= 0)
    idx = st.index[w.home]
    prob = intervention_probability(failing, idx, p.reg_intensity, p.intervention_rate,
                                    p.stability_discount)
    hit = np.flatnonzero(rng.random(w.n_orgs) < prob)
    if hit.size:
        intervene(st, hit, extra_bad, "failing finances")


def push(st: State) -> float:
    """Outside commitment push from system-focused regulation (probability per month)."""
    p = st.params
    return 2.0 * p.external_push * p.reg_intensity * p.reg_focus
