"""Earlier runs of a room, kept when the facilitator resets, for comparison on the charts.

*Reset*, a new seed, or a starting-trust change that restarts the run keep the run that
was on the screen (if it got past month 0) as a :class:`Past`: its monthly national table,
the levers it started with, its seed and what the facilitator did in it. The charts draw
the last :data:`KEEP` of them as faded lines, and each is named by what differed from the
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
