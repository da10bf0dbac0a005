"""Mechanism 1. Trust is built slowly and lost quickly, along ties, through contact.

Rule. Each month a tie has a working contact with probability ``contact_rate``, reduced by
winter and workforce pressure (001:18-22), cut to ``interim_contact`` (a half) for an
organisation with an interim leader or under intervention, raised by shared data (000:636)
and by the centre's backing of designated systems (003:32). At a contact each side has a
good experience with probability

    p_good = good_base + good_orientation * (mean orientation of the pair - 0.5)
             + good_committed * [both committed] - hostility_trust * hostility(system)

(frequent contact, open books and altruism build trust: 002:2583-2599, 000:166; hostile
histories do not: 000:660). After ``g`` good and ``b`` bad experiences in a month

    T <- 1 - (1 - T) (1 - a_up)^g          then        T <- T (1 - a_down)^b

which is ``T += a_up (1 - T)`` per good and ``T -= a_down T`` per bad experience, with
``a_down > a_up``: trust is built slowly and lost quickly (004:852, 001:89). Under
Bernoulli(p) good experiences the mean fixed point is ``p a_up / (p a_up + (1-p) a_down)``
(``tests/verification/test_trust_fixed_point.py``). With ``trust_memory`` false (a
validation alternative) every tie holds that level for its present chance each month
(:func:`memoryless`): history is forgotten.
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..state import State


def lose(T: np.ndarray, bad: np.ndarray, a_down: float) -> np.ndarray:
    """Trust after ``bad`` experiences: ``T -= a_down T`` for each."""
    return T * kept(a_down, bad) if a_down < 1 else np.where(bad > 0, 0.0, T)


def kept(a: float, count: np.ndarray) -> np.ndarray:
    """``(1 - a) ** count`` as ``exp(log1p(-a) * count)``; for one-or-none counts the same
    numbers with a single ``exp``."""
    if count.dtype == bool:
        return np.where(count, kept_once(a), 1.0)
    return np.exp(np.log1p(-a) * count)


def kept_once(a: float) -> float:
    """What one experience keeps, ``1 - a``, computed as :func:`kept` computes it."""
    return np.exp(np.log1p(-a))


def memoryless(p_good: np.ndarray, a_up: float, a_down: float) -> np.ndarray:
    """The mean fixed point of every tie: the trust its present chance of a good experience
    settles at, ``p a_up / (p a_up + (1-p) a_down)`` (the ``trust_memory = false``
    alternative)."""
    num = p_good * a_up
    den = num + (1.0 - p_good) * a_down
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def _hostile(st: State, ties: slice) -> np.ndarray:
    """How much a system's hostile history lowers the chance of a good contact, per tie
    (fixed for the run: computed once for each value of ``hostility_trust``)."""
    h = st.params.hostility_trust
    return st.memo(("hostile ties", h, ties.start, ties.stop, ties.step),
                   lambda: h * st.world.hostility[st.tsys[ties]])


def step(st: State, extra_bad: np.ndarray | None = None) -> None:
    """One month of contacts and trust updates on every active tie.

    Args:
        st: run state, updated in place.
        extra_bad: added bad experiences per directed tie from other mechanisms (overspends
            inside the pool, forced service changes, edicts, interventions).
    """
    E2 = len(st.T)
    if E2 == 0:
        return
    p = st.params
    half = E2 // 2
    # One contact draw per undirected tie, shared by both directions (the probabilities are
    # symmetric), then one draw per directed tie for how the contact went: the contact and
    # good-experience probabilities of the rule above, and the gains, in one compiled loop
    # (held to their NumPy statement in tests/verification/rules.py by test_kernels.py).
    draw_contact = st.draws("contact").random(half)
    draw_good = st.draws("experience").random(E2)
    gained, bad, pg = kernels.trust_contacts(
        st.T, st.src, st.dst, st.tsys, st.tie_active(), draw_contact, draw_good,
        p.contact_rate, st.pressure, st.shared_data, p.shared_data_effect, st.designated,
        p.centre_backing, st.vacancy, st.under_int, p.interim_contact, st.orientation,
        st.committed,
        _hostile(st, slice(0, half)), p.good_base, p.good_orientation, p.good_committed,
        kept_once(p.trust_gain) if p.trust_gain < 1 else 0.0, p.trust_gain >= 1,
        np.zeros(E2) if extra_bad is None else extra_bad)
    st.T = lose(gained, bad if extra_bad is not None else bad > 0, p.trust_loss)
    if not p.trust_memory:  # the validation null: each tie at the level its chance settles at
        level = memoryless(pg, p.trust_gain, p.trust_loss)
        st.T = np.concatenate([level, level])
    st.changed()


def hit_org(st: State, org: int | np.ndarray, count: float, extra: np.ndarray) -> None:
    """Add ``count`` bad experiences on every tie of its partners towards ``org`` (one
    organisation or several distinct ones)."""
    kernels.add_to_in_ties(extra, np.atleast_1d(np.asarray(org, dtype=np.int64)),
                           st.in_order, st.in_start, float(count))
