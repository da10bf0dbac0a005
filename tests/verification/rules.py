"""The NumPy statements of rules that the model computes in its compiled kernels, and of the
bare textbook rules (threshold cascade, Bass diffusion, public-goods game) a mechanism rests
on. Only the tests call them: ``test_kernels.py`` holds each kernel to them bit for bit on
states real runs reach, the other tests hold them to theory (Watts 2002, the Bass closed
form, the public-goods game's equilibrium, money conserved inside a pool).

The rules' words, with the seed passages they rest on, stay in each mechanism's docstring
(``simulation/mechanisms/``); the mechanism calls the kernel.
"""

from __future__ import annotations

import numpy as np

from simulation.mechanisms import trust
from simulation.state import State, clip

# --- Trust (mechanisms/trust.py; kernels.trust_contacts) ----------------------------------------


def update(T: np.ndarray, good: np.ndarray, bad: np.ndarray, a_up: float,
           a_down: float) -> np.ndarray:
    """Trust after ``good`` then ``bad`` experiences (counts, per directed tie; a boolean
    array counts one or none)."""
    return trust.lose(gain(T, good, a_up), bad, a_down)


def gain(T: np.ndarray, good: np.ndarray, a_up: float) -> np.ndarray:
    """Trust after ``good`` experiences: ``T += a_up (1 - T)`` for each."""
    return 1.0 - (1.0 - T) * trust.kept(a_up, good) if a_up < 1 else np.where(good > 0, 1.0, T)


def fixed_point(p: float, a_up: float, a_down: float) -> float:
    """Mean trust that the rule settles at when each contact is good with probability ``p``
    (``trust.memoryless`` gives it for every tie at once)."""
    num = p * a_up
    den = num + (1.0 - p) * a_down
    return num / den if den > 0 else 0.0


def contact_probability(st: State, ties: slice = slice(None)) -> np.ndarray:
    """Probability of a working contact this month, per directed tie (both directions agree)."""
    p = st.params
    sysmult = (1.0 - st.pressure) * (1.0 + p.shared_data_effect * st.shared_data) \
        * (1.0 + p.centre_backing * st.designated)
    orgmult = np.where((st.vacancy > 0) | (st.under_int > 0), p.interim_contact, 1.0)
    src, dst, tsys = st.src[ties], st.dst[ties], st.tsys[ties]
    return clip((p.contact_rate * sysmult)[tsys] * orgmult[src] * orgmult[dst], 0, 1)


def good_probability(st: State, ties: slice = slice(None)) -> np.ndarray:
    """Probability that a contact is a good experience, per directed tie (symmetric)."""
    p = st.params
    src, dst = st.src[ties], st.dst[ties]
    pair = 0.5 * (st.orientation[src] + st.orientation[dst])
    hostile = p.hostility_trust * st.world.hostility[st.tsys[ties]]
    both = st.committed[src] & st.committed[dst]
    return clip(p.good_base + p.good_orientation * (pair - 0.5) + p.good_committed * both
                - hostile, 0.0, 1.0)


# --- Leadership (mechanisms/leadership.py; kernels.replace_leaders) -----------------------------


def inherit(T: np.ndarray, stranger: float, share: np.ndarray | float) -> np.ndarray:
    """Trust a successor holds on a tie its predecessor held at ``T``."""
    return stranger + share * (T - stranger)


# --- Shared control totals (mechanisms/pooling.py; kernels.settle_month) -------------------------


def settle(result: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Transfers (GBP m) that offset deficits against surpluses inside one pool.

    If the pool's total is non-negative every deficit member is brought to zero and surplus
    members pay in proportion to their surplus; otherwise all surplus goes to deficit members
    in proportion to their deficit. Non-members' transfers are zero. ``sum == 0`` up to
    rounding.
    """
    group = np.where(members, 0, 1)
    return settle_groups(result, group, 1)


def settle_groups(result: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """:func:`settle` for many pools at once; ``group == n_groups`` marks non-members."""
    inside = group < n_groups
    r = np.where(inside, result, 0.0)
    pos = np.maximum(r, 0)
    neg = np.maximum(-r, 0)
    P = np.bincount(group, weights=pos, minlength=n_groups + 1)[:n_groups]
    N = np.bincount(group, weights=neg, minlength=n_groups + 1)[:n_groups]
    moved = np.minimum(P, N)
    out_rate = np.divide(moved, P, out=np.zeros(n_groups), where=P > 0)
    in_rate = np.divide(moved, N, out=np.zeros(n_groups), where=N > 0)
    g = np.minimum(group, n_groups - 1)
    return np.where(inside, in_rate[g] * neg - out_rate[g] * pos, 0.0)


def pgg_payoffs(contrib: np.ndarray, r: float, endowment: float = 1.0) -> np.ndarray:
    """Linear public goods: keep what you did not contribute plus ``r/n`` of the pot."""
    c = contrib * endowment
    return endowment - c + r * c.sum() / len(c)


def pgg_best_response(contrib: np.ndarray, r: float, trust: float = 0.0,
                      incentive: float = 0.0, rounds: int = 50,
                      rng: np.random.Generator | None = None) -> np.ndarray:
    """Iterate asynchronous best responses; returns the contribution history (rounds x n).

    A player contributes when ``r/n - 1 + incentive + trust > 0``: the marginal return of
    a contributed pound, plus what the system (incentive money) and partners (trust) add.
    With multiplier ``r`` below the group size and no trust or incentive terms contributing
    is dominated and contributions collapse to zero (Brief section 8).
    """
    n = len(contrib)
    c = contrib.astype(float).copy()
    hist = [c.copy()]
    order_rng = rng if rng is not None else np.random.default_rng(0)
    for _ in range(rounds):
        for i in order_rng.permutation(n):
            c[i] = 1.0 if (r / n - 1.0 + incentive + trust) > 0 else 0.0
        hist.append(c.copy())
    return np.array(hist)


# --- Threshold contagion (mechanisms/contagion.py; kernels.support_and_adoption) ----------------


def support(src: np.ndarray, dst: np.ndarray, weight: np.ndarray, committed: np.ndarray,
            n: int) -> np.ndarray:
    """Weighted share of each node's partners that are committed (0 for isolated nodes)."""
    num = np.bincount(src, weights=weight * committed[dst], minlength=n)
    den = np.bincount(src, weights=weight, minlength=n)
    return share(num, den)


def share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` where ``den > 0``, else 0."""
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)


def threshold_step(committed: np.ndarray, s: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Synchronous threshold rule: adopt once support reaches the threshold; never un-adopt."""
    return committed | (s >= theta)


def threshold_cascade(src: np.ndarray, dst: np.ndarray, theta: np.ndarray, seeds: np.ndarray,
                      max_rounds: int = 10_000) -> np.ndarray:
    """Run the pure threshold rule (unit weights) to its fixed point from ``seeds``."""
    n = len(theta)
    c = seeds.astype(bool).copy()
    w = np.ones(len(src))
    for _ in range(max_rounds):
        nxt = threshold_step(c, support(src, dst, w, c.astype(float), n), theta)
        if (nxt == c).all():
            break
        c = nxt
    return c


def bass_hazard(p: float, q: float, frac: np.ndarray | float) -> np.ndarray:
    """Monthly adoption probability under outside push ``p`` and imitation ``q``."""
    return clip(p + q * np.asarray(frac), 0.0, 1.0)


def bass_curve(t: np.ndarray, p: float, q: float) -> np.ndarray:
    """Bass (1969) cumulative adoption F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})."""
    e = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1 - e) / (1 + (q / p) * e)
