"""The snapshot of a teaching session that every redraw reads: :class:`View`.

``Session.view`` (``session.py``) fills one under the session's lock, so that a page, a chart,
an export or the projector always draws a consistent state the model produced, never the live
model while it steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..recorder import RunResult
from .catalog import Preset
from .compare import Past
from .participants import Players
from .story import Marker, StoryLine


@dataclass(frozen=True)
class View:
    """A consistent copy of everything the user interface shows, taken under the lock."""

    version: int
    preset: Preset
    seed: int
    step: int
    shown: int  # the month on the screen: ``step``, or an earlier one the room looks back at
    max_steps: int
    date: str
    levers: dict[str, Any]
    start_levers: dict[str, Any]
    past: tuple[Past, ...]  # earlier runs of this room (same preset), oldest first
    pending: tuple[str, ...]
    result: RunResult
    story: tuple[StoryLine, ...]
    markers: tuple[Marker, ...]
    debrief: tuple[str, ...]
    org_names: tuple[str, ...]
    org_kinds: tuple[str, ...]
    council_names: tuple[str, ...]
    system_names: tuple[str, ...]
    network: dict[str, np.ndarray] = field(repr=False)
    error: str = ""
    join_shown: bool = False  # the facilitator shows the join address on every view of the room
    retold: dict[tuple[int, int, str], str] = field(default_factory=dict)  # (month, org, kind) ->
    # the model's log line as the story tells it, where it was a participant's choice
    players: Players | None = None  # who plays which organisation, and their choices
    timer_ends: int = 0  # when the round's timer runs out (seconds since 1970), 0 for none

    @property
    def finished(self) -> bool:
        return self.step >= self.max_steps
