"""Earlier runs of a room, kept when the facilitator resets, for comparison on the charts.

*Reset*, a new seed, or a starting-trust change that restarts the run keep the run that
was on the screen (if it got past month 0) as a :class:`Past`: its monthly national table,
the levers it started with, its seed and what the facilitator did in it. The charts draw
the last :data:`KEEP` of them beside the current run, each in a colour and dash of its own
(:data:`PAST_STYLES`, labelled at its end), and each is named by what differed from the
run now on the screen (:func:`difference`). Opening another preset forgets them (another
system is not a comparison). The export adds them all as ``runs.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .catalog import LEVER_BY_NAME, LEVERS
from .story import Marker

#: How many earlier runs the charts show.
KEEP = 3


@dataclass(frozen=True)
class Style:
    """How an earlier run is drawn: its colour and dash, in words, in SVG and in Matplotlib."""

    colour: str
    hex: str
    dash: str
    svg: str
    mpl: str

    @property
    def name(self) -> str:
        return f"{self.colour} {self.dash}"


#: The earlier runs' lines, oldest kept first: strong colours no chart uses for the current run.
PAST_STYLES = (Style("purple", "#6a3d9a", "dotted", "2,3", ":"),
               Style("pink", "#d01c8b", "dashed", "7,3", "--"),
               Style("black", "#222222", "dash-dot", "10,3,2,3", "-."))
#: The shortest span of months the charts show (then in steps of SPAN_STEP as the run goes on).
MIN_SPAN = 12
SPAN_STEP = 6


def span(shown: int, max_steps: int) -> int:
    """The months the charts span, and so over which earlier runs are drawn: those run so far,
    rounded up to :data:`SPAN_STEP`, at least :data:`MIN_SPAN` and at most the run (month 8 of
    a 60-month run fills two thirds of a chart, not an eighth)."""
    return max(1, min(max_steps, max(MIN_SPAN, -(-shown // SPAN_STEP) * SPAN_STEP)))


@dataclass(frozen=True)
class Past:
    """One earlier run of the room."""

    number: int
    seed: int
    levers: dict[str, Any]  # as the run started
    markers: tuple[Marker, ...]
    national: pd.DataFrame = field(repr=False)
    index: pd.Series = field(repr=False)  # mean integration index over systems, by month


def keep(number: int, seed: int, levers: dict[str, Any], markers: list[Marker], national: pd.DataFrame,
         systems: pd.DataFrame) -> Past:
    """A :class:`Past` of the run whose tables are ``national`` and ``systems``."""
    return Past(number, seed, dict(levers), tuple(markers), national.copy(),
                systems.groupby("step")["integration_index"].mean())


def lever_text(name: str, value: Any) -> str:
    """``how hard the regulators push 0.90`` / ``how hospitals are paid: block contract``."""
    lever = LEVER_BY_NAME[name]
    if lever.choices:
        return f"{lever.label.lower()}: {dict(lever.choices).get(value, value)}"
    if isinstance(value, bool):
        return f"{lever.label.lower()} {'on' if value else 'off'}"
    return f"{lever.label.lower()} {float(value):.2f}"


def difference(past: Past, seed: int, levers: dict[str, Any]) -> str:
    """What differed in ``past`` from a run with ``seed`` that started with ``levers``."""
    parts = [lever_text(lv.name, past.levers[lv.name]) for lv in LEVERS
             if past.levers.get(lv.name) != levers.get(lv.name)]
    if past.seed != seed:
        parts.append(f"seed {past.seed}")
    parts += [f"[{m.number}] month {m.step} {m.label}" for m in past.markers]
    return f"run {past.number}: " + ("; ".join(parts) if parts else "the same settings, no actions")


def runs_table(pasts: tuple[Past, ...], seed: int, levers: dict[str, Any],
               national: pd.DataFrame) -> pd.DataFrame:
    """Every kept run and the current one, month by month, named by what differed."""
    frames = [p.national.assign(run=p.number, differed=difference(p, seed, levers)) for p in pasts]
    frames.append(national.assign(run=len(pasts) + 1 if not pasts else pasts[-1].number + 1,
                                  differed="the run on the screen"))
    df = pd.concat(frames, ignore_index=True)
    return df[["run", "differed"] + [c for c in df.columns if c not in ("run", "differed")]]


#: The national measures the side-by-side table compares, with their headings.
SIDE_BY_SIDE = (("mean_trust", "mean trust"), ("committed_share", "NHS bodies committed"),
                ("pooled_share", "NHS bodies pooled"), ("leader_changes", "leader changes"))


def side_by_side(pasts: tuple[Past, ...], seed: int, levers: dict[str, Any], national: pd.DataFrame,
                 systems: pd.DataFrame, month: int) -> pd.DataFrame:
    """Each kept run and the current one at the same ``month`` (or its last, if shorter), one row each."""
    rows = []
    index_now = systems.groupby("step")["integration_index"].mean()
    for name, nat, index in [(difference(p, seed, levers), p.national, p.index) for p in pasts] + [
            ("the run on the screen", national, index_now)]:
        m = min(month, int(nat["step"].iloc[-1]))
        row = nat[nat["step"] == m].iloc[0]
        rows.append({"run": name, "month": m, "integration index": round(float(index.loc[m]), 2)}
                    | {label: round(float(row[col]), 2) if col != "leader_changes" else int(row[col])
                       for col, label in SIDE_BY_SIDE})
    return pd.DataFrame(rows)
