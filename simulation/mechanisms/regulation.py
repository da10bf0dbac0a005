"""Mechanism 8. Regulatory pressure: regulators with limited capacity who review, judge and act.

Rule. Each regional regulator (a Mesa agent, ``agents.Regulator``) oversees the NHS bodies of
its region - never councils, which NHS regulators do not oversee. Every month:

* *Performance*: each NHS body's performance against its targets (share of target met, 0-1)
  is its own level less what winter and workforce pressure (``perf_pressure_drop``) and a
  deficit shock (``perf_shock_drop``) take away, plus noise (``perf_noise``): what
  regulators read (000:474's "clinical disasters").
* *Whom to review*: a body is due a review with probability ``review_rate * reg_intensity``
  (how hard the regulators push) unless it has earned autonomy. A regulator holds at most
  ``review_capacity`` reviews a month - capacity that binds, so more intensity stops adding
  reviews once demand exceeds it. ``audit_share`` of its slots go to due bodies drawn at
  random; the rest to the worst-scoring due bodies.
* *What it measures* (``reg_focus`` = F): the review score is
  ``(1 - F) * own + F * system`` where ``own`` is the body's own standing (the mean of its
  money, ``0.5 + ytd / (2 |failing_deficit|)`` clipped to [0, 1], and its performance) and
  ``system`` its home system's standing (the same for the system's NHS bodies together, with
  money counted as met when the system's control total held). Regulators who "see and
  regulate us as sovereign organisations on performance" (004:870) measure ``own``;
  system-based assurance meetings that replace individual ones (002:3508-3514) measure
  ``system``.
* *What the leader learns*: a reviewed leader's orientation closes ``review_learning`` of
  the gap to what was measured (F): held to account "for the performance of your individual
  organisation" (002:3526-3530) pulls a leader back into the silo; being assured as a system
  pulls the other way.
* *Consequences*: a body scoring at least ``review_bar`` passes and is left alone for
  ``autonomy_months`` (earned autonomy; offsets handled in the system, 000:332). A body below
  the bar is put under undertakings: if it is failing (``failing.body_failing``: year-to-date
  money below ``failing_deficit`` or performance below ``failing_performance``) it is taken over with
  probability ``reg_intensity * (1 - stability_discount * index(system))`` - stable systems
  see less intervention (002:4012-4013) - and otherwise, if it is inside its system's control
  total, it is told to recover its own position and leaves the pool with probability
  ``(1 - F) * reg_intensity`` (partners see one of their own singled out).
* *Intervention* overrides the system (000:474): for ``intervention_months`` the body leaves
  the pool, withdraws its commitment and keeps ``interim_contact`` of its contacts; its leader
  is replaced with probability ``intervention_replace`` and every partner's trust in it takes
  one bad experience.

No regulatory lever is added to a commitment probability, a threshold or an orientation
outside a review: regulation reaches integration only through the leaders reviewed and the
bodies acted on. With ``reg_intensity = 0`` nobody is reviewed and ``reg_focus`` changes
nothing.

Where it sits in ``model.step``: stage 4, after leadership turnover and before money.
"""

from __future__ import annotations

import numpy as np

from .. import kernels
from ..failing import body_failing
from ..state import State, clip
from . import leadership, trust


def performance(st: State) -> None:
    """This month's performance against targets of every organisation (0-1): its own level,
    less ``perf_pressure_drop`` times its home system's pressure and ``perf_shock_drop``
    under a deficit shock, plus noise (standard deviation ``perf_noise``)."""
    p = st.params
    st.perf = kernels.performance(st.perf_base, st.pressure, st.world.home, st.shock_left,
                                  st.draws("performance").normal(0.0, p.perf_noise, st.world.n_orgs),
                                  p.perf_pressure_drop, p.perf_shock_drop)


def scores(st: State) -> np.ndarray:
    """Review score of every organisation under the current focus (0-1): ``(1 - F) * own +
    F * system``. ``own`` is the mean of the body's money standing (``0.5 + ytd / (2
    |failing_deficit|)`` clipped to [0, 1]: 0.5 at break-even, 0 at twice the failing line)
    and its performance; ``system`` the same for its home system's NHS bodies together (their
    mean money, counted as met when the system's control total held, and their mean
    performance)."""
    p = st.params
    return kernels.review_scores(st.ytd, st.perf, st.pool_held, st.world.home,
                                 2.0 * max(abs(p.failing_deficit), 1e-9), p.reg_focus,
                                 *st.mean_parts(st.is_pooled_kind))


def choose(due: np.ndarray, score: np.ndarray, capacity: int, audit_share: float,
           draws: np.ndarray) -> np.ndarray:
    """Bodies one regulator reviews: a random ``audit_share`` of its slots, the rest worst-first.

    Args:
        due: indices of the bodies due a review, in index order.
        score: review score per organisation.
        capacity: reviews the regulator can hold this month.
        audit_share: share of slots given to random draws.
        draws: one uniform draw per due body (the audit lottery).

    Returns:
        Indices reviewed, at most ``capacity`` of them.
    """
    if due.size <= capacity:
        return due
    n_audit = int(round(audit_share * capacity))
    audit = due[np.argsort(draws, kind="stable")[:n_audit]]
    rest = np.setdiff1d(due, audit, assume_unique=True)
    worst = rest[np.argsort(score[rest], kind="stable")[:capacity - n_audit]]
    return np.sort(np.concatenate([audit, worst]))


def step(st: State, extra_bad: np.ndarray) -> None:
    """The regulators' month, one step: intervention and autonomy counted down, this month's
    performance, every body's review score on the standings at the start of the month (one
    score for every regulator), then every regional regulator chooses within its capacity,
    reviews, judges and acts.

    The regional regulators decide independently (their regions are disjoint and they judge
    on the same scores); their choices are computed together, region by region in order. The
    bodies each reviewed are kept in ``st.reviewed`` (by region), which the regulator agents
    hold (``agents.Regulator.reviewed``).
    """
    st.under_int = np.maximum(st.under_int - 1, 0)
    st.autonomy = np.maximum(st.autonomy - 1, 0)
    performance(st)
    score = scores(st) if st.params.reg_intensity > 0 else None
    st.reviewed = _oversee(st, score, extra_bad)


def _oversee(st: State, score: np.ndarray | None, extra_bad: np.ndarray) -> list[np.ndarray]:
    """Every regional regulator's choice, review, judgement and action; the bodies each
    reviewed, by region (``score`` is None when nobody can be due: ``reg_intensity = 0``)."""
    p = st.params
    w = st.world
    # one draw per organisation for each step of a review: due, the audit lottery, takeover,
    # undertaking (rng.py): a body's draws do not depend on who else is due or reviewed
    due_draw, audit_draw, *judge_draws = st.draws("review").random((4, w.n_orgs))
    nhs = st.memo(("NHS bodies",), lambda: np.flatnonzero(st.is_nhs))
    cand = nhs[st.active[nhs] & (st.under_int[nhs] <= 0)]
    due = cand[(due_draw[cand] < p.review_rate * p.reg_intensity) & (st.autonomy[cand] <= 0)]
    audit_draw = audit_draw[due]
    region = w.region[due]
    capacity = int(p.review_capacity)
    counts = np.bincount(region, minlength=w.n_regions)
    by_region = [due[region == r] for r in range(w.n_regions)]
    for r in np.flatnonzero(counts > capacity):
        mine = region == r
        by_region[r] = choose(due[mine], score, capacity, p.audit_share, audit_draw[mine])
    reviewed = np.concatenate(by_region) if by_region else due
    if reviewed.size:
        _judge(st, np.sort(reviewed), score, extra_bad, judge_draws)
    return by_region


def _judge(st: State, reviewed: np.ndarray, score: np.ndarray, extra_bad: np.ndarray,
           draws: list[np.ndarray]) -> None:
    """What follows a review: the leader learns what was measured; pass, undertaking or
    takeover (``draws``: the takeover and undertaking draws, one per organisation)."""
    p = st.params
    w = st.world
    st.counters.reviews += np.bincount(w.home[reviewed], minlength=w.n_systems)
    o = st.orientation[reviewed]
    st.orientation[reviewed] = o + p.review_learning * (p.reg_focus - o)
    passed = score[reviewed] >= p.review_bar
    st.autonomy[reviewed[passed]] = p.autonomy_months
    below = reviewed[~passed]
    fail = body_failing(st)[below]
    take = below[fail & (draws[0][below] < p.reg_intensity * (1.0 - p.stability_discount
                                                          * clip(st.index[w.home[below]], 0, 1)))]
    told = below[~fail & st.in_pool[below] & (draws[1][below] < (1.0 - p.reg_focus) * p.reg_intensity)]
    if told.size:
        st.in_pool[told] = False
        for i in told.tolist():
            st.record("undertaking", w.org_name[i],
                      f"the regulator for region {int(w.region[i]) + 1} told {w.org_name[i]} to "
                      "recover its own position; it left the system control total",
                      system=int(w.home[i]), org=i)
    if take.size:
        intervene(st, take, extra_bad, "failing at review")


def intervene(st: State, orgs: np.ndarray, extra_bad: np.ndarray, reason: str) -> None:
    """Put ``orgs`` under statutory intervention now."""
    p = st.params
    w = st.world
    removal = st.draws("removal").random(w.n_orgs)  # one per organisation (rng.py)
    orgs = np.atleast_1d(np.asarray(orgs, dtype=np.int64))
    for i in orgs:
        st.under_int[i] = p.intervention_months
        st.in_pool[i] = False
        st.committed[i] = False
        st.mandated[i] = False
        st.counters.interventions[st.systems_of(i)] += 1
        trust.hit_org(st, int(i), 1.0, extra_bad)
        region = int(w.region[i])
        st.record("intervention", w.org_name[i],
                  f"the regulator for region {region + 1} intervened in {w.org_name[i]} "
                  f"({reason}); it left the system's shared arrangements", system=int(w.home[i]),
                  org=int(i))
    replace = orgs[removal[orgs] < p.intervention_replace]
    if replace.size:
        leadership.replace(st, replace, "removed on intervention")

