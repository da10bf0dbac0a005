"""What each facilitator event did, measured against the same months without it.

Comparing the state before and after a month credits an event with everything else that
happened in that month (ordinary dynamics, other events pressed at the same time). Here an
event's effect is the difference between two branches that start from one copy of the model
taken just before the step: the *factual* branch (the live model, with every event of the
month) and a *counterfactual* branch with that one event taken out (leave-one-out, when
several events share a month). ``copy.deepcopy`` copies every random stream with the model,
so both branches draw the same random numbers (common random numbers): an event that changes
nothing shows exactly no difference.

Effects are read over the month itself and over a stated horizon (:data:`HORIZON` months
later, or the end of the run if sooner), with no further facilitator actions in either
branch. The horizon is computed on first use and cached, so stepping pays only for the
month itself.

Every decision draws from its own stream, positioned by month, one number per organisation,
tie or system (``simulation/rng.py``), so an event changes which draws are used, never what
they are: the two branches' later draws are the same everywhere, and the effect is what the
event did, not a reshuffle of chance (``docs/teaching.md``).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np

from ..model import DrumbeatModel
from ..state import State

#: Months after the event month over which the lasting effect is read.
HORIZON = 6

#: What is compared, in reading order, with the words the story uses.
MEASURES = (("pair", "trust with {who}"), ("trust", "mean trust across the system"),
            ("index", "the integration index"), ("committed", "organisations committed"))

#: Differences smaller than this are shown as none (the story prints two decimals).
NOISE = 0.005


@dataclass(frozen=True)
class Outcome:
    """The quantities an effect is read on, in one branch at one month."""

    step: int
    pair: float  # mean trust both ways between the target and its counterparts (NaN: none)
    trust: float  # mean trust over active ties, averaged over systems
    index: float  # mean integration index over systems
    committed: int  # active organisations committed

    def minus(self, other: Outcome) -> dict[str, float]:
        """Differences, this branch minus ``other`` (NaN where either is undefined)."""
        return {k: float(getattr(self, k)) - float(getattr(other, k)) for k, _ in MEASURES}


def pair_trust(st: State, T: np.ndarray, i: int, js: np.ndarray) -> float:
    """Mean trust both ways between ``i`` and the organisations ``js`` (NaN if no tie)."""
    out = st.out_ties(i)
    e = out[np.isin(st.dst[out], js)]
    if e.size == 0:
        return math.nan
    return float(np.concatenate([T[e], T[st.rev[e]]]).mean())


def outcome(st: State, org: int, partners: np.ndarray) -> Outcome:
    """The compared quantities of ``st`` (``org`` -1: no target organisation)."""
    mean_t = st.sys_trust_mean()
    pair = pair_trust(st, st.T, org, partners) if org >= 0 and partners.size else math.nan
    return Outcome(st.step, pair, float(np.nanmean(mean_t)) if np.isfinite(mean_t).any() else math.nan,
                   float(st.index.mean()), int((st.committed & st.active).sum()))


def branch(model: DrumbeatModel) -> DrumbeatModel:
    """An independent copy of ``model``, random streams included."""
    return copy.deepcopy(model)


@dataclass
class Month:
    """The factual branch of a month in which the facilitator acted (shared by its events)."""

    model: DrumbeatModel | None  # a copy just after the step; dropped once advanced
    months: int  # how far the horizon reaches (clamped to the end of the run)
    _ahead: DrumbeatModel | None = None

    def ahead(self) -> DrumbeatModel:
        """The factual branch advanced to the horizon (computed once)."""
        if self._ahead is None:
            m, self.model = self.model, None
            for _ in range(self.months):
                m.step()
            self._ahead = m
        return self._ahead


@dataclass
class Effect:
    """One event's effect: factual minus counterfactual, in its month and at the horizon."""

    step: int
    org: int
    partners: np.ndarray
    month: dict[str, float]
    shared: Month = field(repr=False)
    counter: DrumbeatModel | None = field(default=None, repr=False)
    _later: dict[str, float] | None = None

    @property
    def horizon_step(self) -> int:
        return self.step + self.shared.months

    def later(self) -> dict[str, float]:
        """The effect at the horizon (both branches advanced without further actions; cached)."""
        if self._later is None:
            if self.shared.months == 0:
                self._later = dict(self.month)
            else:
                cf, self.counter = self.counter, None
                for _ in range(self.shared.months):
                    cf.step()
                fact = outcome(self.shared.ahead().state, self.org, self.partners)
                self._later = fact.minus(outcome(cf.state, self.org, self.partners))
        return self._later

    def size(self) -> tuple[float, float]:
        """How much the event moved the integration index, then trust, by the horizon (ranking)."""
        d = self.later()
        return tuple(abs(d[k]) if math.isfinite(d[k]) else 0.0 for k in ("index", "trust"))


def measure(before: DrumbeatModel, after: DrumbeatModel, positions: list[int],
            targets: list[tuple[int, np.ndarray]]) -> list[Effect]:
    """Effects of the facilitator events at ``positions`` of the month's event list.

    Args:
        before: a copy of the model taken just before the step (its streams untouched).
        after: the live model just after the step (the factual branch).
        positions: where each facilitator event sits in ``before``'s list for the step.
        targets: for each event, its target organisation (-1: none) and counterparts.
    """
    t = after.state.step
    shared = Month(branch(after), min(HORIZON, after.max_steps - t))
    out = []
    for k, (pos, (org, partners)) in enumerate(zip(positions, targets, strict=True)):
        cf = before if k == len(positions) - 1 else branch(before)  # the last may use the copy
        del cf._scheduled[t][pos]
        cf.step()
        fact = outcome(after.state, org, partners)
        out.append(Effect(t, org, partners, fact.minus(outcome(cf.state, org, partners)), shared, cf))
    return out


def without_choices(before: DrumbeatModel, after: DrumbeatModel) -> Effect:
    """What the participants' choices of a month changed: the month again from ``before`` (a
    copy taken just before the step, used up here) with the model's rules deciding for
    everyone. Both branches leave later months to the rules."""
    t = after.state.step
    shared = Month(branch(after), min(HORIZON, after.max_steps - t))
    before.state.policy = None  # the rules: the same run as a policy that replays them
    before.step()
    none = np.zeros(0, int)
    fact = outcome(after.state, -1, none)
    return Effect(t, -1, none, fact.minus(outcome(before.state, -1, none)), shared, before)


def words(diff: dict[str, float], who: str) -> list[tuple[str, float]]:
    """(what, difference) for every measure that moved by more than :data:`NOISE`."""
    out = []
    for key, label in MEASURES:
        d = diff[key]
        if math.isfinite(d) and abs(d) >= (0.5 if key == "committed" else NOISE):
            out.append((label.format(who=who), d))
    return out


def phrase(what: str, d: float) -> str:
    """``mean trust across the system 0.03 lower`` / ``2 more organisations committed``."""
    if what == "organisations committed":
        n = int(round(abs(d)))
        return f"{n} {'more' if d > 0 else 'fewer'} organisation{'s' if n != 1 else ''} committed"
    return f"{what} {abs(d):.2f} {'higher' if d > 0 else 'lower'}"


def listed(diff: dict[str, float], who: str) -> str:
    """The measures that moved, in words, or ``no difference``."""
    moved = words(diff, who)
    return ", ".join(phrase(w, d) for w, d in moved) if moved else "no difference"


def sentence(effect: Effect, who: str) -> str:
    """The story's comparison: ``compared with the same months without it: ...``."""
    text = f"compared with the same months without it: in month {effect.step}, {listed(effect.month, who)}"
    if effect.shared.months > 0:
        text += f"; by month {effect.horizon_step}, {listed(effect.later(), who)}"
    return text
