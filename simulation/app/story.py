"""The teaching app's story: the event log in plain English, and the end-of-run debrief.

Every sentence is computed from the model's own state and event log. A facilitator event is
told with what it changed compared with the same months without it (``effects.py``: the
model copied just before the step, random streams included, and advanced without that one
event), in its month and a stated number of months later; the debrief ranks the
facilitator's actions by these effects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..index import STAGE_NAMES, components
from ..state import State
from .effects import NOISE, Effect, listed, sentence


@dataclass(frozen=True)
class StoryLine:
    """One line of the story (``marker`` is the chart marker number, 0 for none).

    A facilitator's line carries its counterfactual ``effect``; :meth:`told` adds the
    comparison to the text (on first use, since the later months are computed lazily).
    """

    step: int
    date: str
    kind: str
    text: str
    facilitator: bool = False
    marker: int = 0
    trust_change: float = 0.0  # effect on the trust the sentence reports, against no event
    effect: Effect | None = field(default=None, compare=False, repr=False)
    who: str = field(default="", compare=False, repr=False)

    def told(self) -> StoryLine:
        """The line with its comparison written out (the line itself if it has none)."""
        if self.effect is None:
            return self
        return replace(self, text=f"{self.text}; {sentence(self.effect, self.who)}.", effect=None)


@dataclass(frozen=True)
class Marker:
    """A numbered marker on the charts where the facilitator pressed a button or moved a lever."""

    number: int
    step: int
    kind: str
    label: str


def month_label(step: int, date: str) -> str:
    """``Month 14 (2017-06)``."""
    return f"Month {step} ({date})"


def movement(what: str, a: float, b: float) -> str:
    """``trust with the commissioner fell from 0.62 to 0.35`` (rose / stayed at)."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return f"{what} is not defined (no working ties)"
    if round(a, 2) == round(b, 2):
        return f"{what} stayed at {b:.2f}"
    return f"{what} {'rose' if b > a else 'fell'} from {a:.2f} to {b:.2f}"


def counterpart(st: State, i: int) -> tuple[str, np.ndarray]:
    """Whom organisation ``i``'s trust matters most with, and how to name them."""
    live = st.out_ties(i)
    live = live[st.tie_active()[live]]
    partners = st.dst[live]
    if not st.is_ccg[i] and st.is_ccg[partners].any():
        js = partners[st.is_ccg[partners]]
        return ("the commissioner" if js.size == 1 else "the commissioners"), js
    if st.is_ccg[i] and st.is_acute[partners].any():
        js = partners[st.is_acute[partners]]
        return ("the hospital" if js.size == 1 else "the hospitals"), js
    return "its partners", partners


def org_sentence(st: State, kind: str, i: int, model_text: str) -> str:
    """What happened to organisation ``i`` (the comparison is added by :meth:`StoryLine.told`)."""
    name = st.world.org_name[i]
    if kind == "resignation":
        agenda = "; the successor was appointed on the change agenda" if "change agenda" in model_text else ""
        return f"the chief executive of {name} left{agenda}"
    if kind == "deficit_shock":
        return model_text.split(" - ")[0] if model_text else f"{name} found a deficit"
    if kind == "intervention":
        return f"the regulator intervened in {name}, which left the shared arrangements"
    return f"{name} changed political control and withdrew while it reviews the partnership"


def system_sentence(kind: str, target: str | None, model_text: str) -> str:
    """What happened to a system or to everyone."""
    if kind == "deadline":
        due = model_text.split(" - ")[0].split(" by ")[-1] if " by " in model_text else "a date"
        return f"the centre announced a deadline: every system to be integrated by {due}"
    if kind == "shared_data":
        return f"a shared data platform went live in {target or 'every system'}"
    return model_text.split(" - ")[0]


#: Which model log entry each facilitator event produces (kind in ``State.log``).
LOG_KIND = {"resignation": "leader_change", "deficit_shock": "deficit_shock",
            "intervention": "intervention", "council_party_change": "council_party_change",
            "deadline": "deadline", "shared_data": "shared_data", "set": "lever"}


def debrief(st: State, national, systems, story: list[StoryLine], markers: list[Marker]) -> list[str]:
    """A short account of what drove the outcome so far, one sentence a line."""
    if len(national) < 2:
        return ["Nothing has happened yet: run some months first."]
    first, last = national.iloc[0], national.iloc[-1]
    months = int(last["step"])
    out = [_outcome(st, systems, months)]
    out.append(movement("Mean trust between organisations", float(first["mean_trust"]),
                        float(last["mean_trust"])) + f" over {months} months.")
    out.append(_weakest(st))
    out.append(_money(national, last))
    out.append(_leaders(last, story))
    out.extend(_ranked(story, markers))
    return out


def _outcome(st: State, systems, months: int) -> str:
    end = systems[systems["step"] == months]
    start = systems[systems["step"] == 0]
    if len(end) > 3:  # a national world: one sentence for all systems
        counts = end["stage"].value_counts()
        stages = ", ".join(f"{int(counts.get(k, 0))} {n}" for k, n in enumerate(STAGE_NAMES))
        return (f"After {months} months: {int((end['stage'] >= 2).sum())} of {len(end)} systems are "
                f"integrated ({stages}); the mean integration index went from "
                f"{start['integration_index'].mean():.2f} to {end['integration_index'].mean():.2f}.")
    parts = []
    for (_, row), i0 in zip(end.iterrows(), start["integration_index"], strict=True):
        when = systems[(systems["system"] == row["system"]) & systems["designated"]]["step"]
        desig = f", designated in month {int(when.min())}" if len(when) else ", not designated"
        parts.append(f"{row['system']} is a {STAGE_NAMES[int(row['stage'])]}{desig}; "
                     f"its integration index went from {i0:.2f} to {row['integration_index']:.2f}")
    return f"After {months} months: " + "; ".join(parts) + "."


_COMPONENT_WORDS = {"trust": "trust between organisations", "commit": "NHS bodies committing",
                    "pool": "a shared control total", "consolidation": "commissioners merging",
                    "council": "councils engaging", "change": "service changes delivered"}


def _weakest(st: State) -> str:
    comp = components(st)
    if np.all(st.sys_count(st.is_ccg) <= 1):
        del comp["consolidation"]  # one commissioner counts as fully consolidated: says nothing here
    means = {k: float(np.nanmean(v)) for k, v in comp.items() if np.isfinite(v).any()}
    low = min(means, key=means.get)
    high = max(means, key=means.get)
    return (f"What held integration back most: {_COMPONENT_WORDS[low]} ({means[low]:.2f} of 1); "
            f"what carried it: {_COMPONENT_WORDS[high]} ({means[high]:.2f} of 1).")


def _money(national, last) -> str:
    moved = float(national["money_moved_gbp_m"].sum())
    pooled = float(last["pooled_share"])
    if moved <= 0 and pooled <= 0:
        return "No shared control total formed, so no money moved between organisations."
    return (f"{pooled:.0%} of NHS bodies are inside a shared control total; GBP {moved:,.1f}m moved "
            f"between them to cover each other's overspends.")


def _leaders(last, story: list[StoryLine]) -> str:
    total = int(last["leader_changes"])
    yours = sum(1 for s in story if s.facilitator and s.kind == "resignation")
    n_int = int(last["interventions"])
    ceos = "chief executive" if total == 1 else "chief executives"
    return (f"{total} {ceos} changed ({yours} by your hand), each taking part of their "
            f"relationships with them; there {'was' if n_int == 1 else 'were'} {n_int} regulatory "
            f"intervention{'' if n_int == 1 else 's'}, and {int(last['service_changes_delivered'])} of "
            f"{int(last['service_changes_proposed'])} proposed service changes were delivered.")


def _ranked(story: list[StoryLine], markers: list[Marker]) -> list[str]:
    """The facilitator's actions ranked by their counterfactual effect, and the worst blow to trust."""
    acts = [s for s in story if s.facilitator and s.effect is not None]
    if not acts:
        return []
    by_number = {m.number: m for m in markers}
    parts = []
    for s in sorted(acts, key=lambda s: (tuple(-x for x in s.effect.size()), s.marker)):
        m, e = by_number[s.marker], s.effect
        parts.append(f"[{m.number}] month {m.step} {m.label}: by month {e.horizon_step}, "
                     f"{listed(e.later(), s.who)}")
    out = [f"You acted {len(acts)} time(s). Ranked by what each changed, compared with the same months "
           "without it: " + "; ".join(parts) + "."]
    hits = [s for s in acts if s.effect.later()["trust"] < -NOISE]  # mean trust, at the horizon
    if hits:
        worst = min(hits, key=lambda s: s.effect.later()["trust"])
        out.append(f"The biggest single blow to trust you dealt: {worst.told().text}")
    return out
