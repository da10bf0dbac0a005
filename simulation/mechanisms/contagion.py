"""Mechanism 5. The pace of the slowest, then the drumbeat: threshold (complex) contagion.

Rule. Each organisation's *support* is the trust-weighted share of its partners that are
committed to the system: ``s_i = sum_j T_ij c_j / sum_j T_ij`` over its active ties. An
uncommitted organisation commits when ``s_i`` reaches its effective threshold ``theta_i``
(Granovetter/Watts fractional threshold: "once enough partners are committed, the peer
group starts doing it for you", 000:640), or at random with the Bass hazard
``p_i + q s_i`` - an outside push ``p`` plus imitation ``q`` (000:322-326).

With ``peer_influence`` false (a validation alternative, never an experiment's lever) only
the outside push ``p`` remains: organisations adopt independently of their partners.

The effective threshold is the organisation's own threshold plus its incentive shift
(``incentives.py``), the hostility term of ``geography.py`` (000:660),
``orientation_weight * (0.5 - orientation)`` for its leader,
less the
deadline effect (000:322-326), less ``shared_data_effect`` where the system shares one data
set (000:212, 000:636), less ``burning_platform`` for a deficit organisation in a system in
collective deficit (002:4103-4104).

The two rules on their own - the pure threshold cascade and the Bass curve - are checked
against Watts (2002) and the Bass closed form in ``tests/verification/`` (their NumPy
statement, with the support rule's, in ``rules.py``).
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..state import State
from . import geography


def effective_threshold(st: State, shift: np.ndarray, deadline: float) -> np.ndarray:
    """theta_i after incentives, history, leader orientation, deadline, data and deficits."""
    p = st.params
    w = st.world
    history = st.memo(("threshold term", p.hostility_threshold),
                      lambda: geography.threshold_term(p, w))
    # the help of any shared data set or collective deficit among an organisation's systems,
    # less a burning platform for a deficit organisation in a system in deficit
    return kernels.thresholds(st.threshold, shift, history, p.orientation_weight, st.orientation,
                              deadline, p.shared_data_effect, st.shared_data, p.burning_platform,
                              st.ytd, w.mem_sys, w.org_start, *st.mean_parts(st.is_pooled_kind))


def step(st: State, theta: np.ndarray, push: np.ndarray | float, mandate: bool) -> np.ndarray:
    """Commit organisations whose support reaches their threshold, or by the Bass hazard.

    Args:
        st: run state (``committed`` and ``mandated`` updated in place).
        theta: effective thresholds.
        push: outside push ``p_i`` (the Bass innovation rate and copying other systems).
        mandate: whether a national deadline is live (commitments now are *mandated*).

    Returns:
        Support ``s_i`` of every organisation (used by ``durability.py``).
    """
    p = st.params
    draw = st.draws("commitment").random(st.world.n_orgs)
    # support over the active ties (the state's per-organisation summing matrix: the same
    # sums), and the rules' choice; peer_influence false is the validation null:
    # independent adoption at the outside push alone
    ties = st.org_ties()
    n = st.world.n_orgs
    push = np.full(n, push) if np.ndim(push) == 0 else np.asarray(push, dtype=float)
    s, trust_sum, adopt = kernels.support_and_adoption(
        ties.indptr, ties.indices, st.T, st.dst, st.committed, st.active, st.under_int, theta,
        draw, p.peer_push, push, p.peer_influence)
    st.keep_out_trust(trust_sum)
    if st.policy is not None:  # the decision hook (decisions.py): the rules' choice is the default
        who = np.flatnonzero(st.active & ~st.committed & (st.under_int <= 0))
        default = adopt
        adopt = np.zeros_like(default)
        adopt[who] = st.decide("commit", who, default[who])
    if adopt.any():
        st.committed[adopt] = True
        st.mandated[adopt] = mandate  # committed while a deadline hangs over them
    return s
