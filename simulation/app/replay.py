"""A session month by month, from its actions: the replay after a session, and the record of
who did what (every choice with its month and who made it) that the export writes.

A room is the list of its actions (``rooms.py``), and the model is deterministic, so a fresh
session that applies them again goes through the very states the live one did.
:class:`Replay` does that once, cheaply (no view is drawn), to find every month of every run
(its :class:`Stop`), who did what in which month (:class:`Row`) and what was decided for the
played organisations each month (:class:`~simulation.app.participants.Decision`). A month's
:class:`~simulation.app.view.View`, the one the room's pages showed when the month had just been
run, is then made on demand by applying the actions again up to that month (a step of several
months is taken one month at a time: the same states).

A run is what the facilitator ran from its start (the preset loaded, Reset, a new seed, a
starting lever): runs are numbered from 1, and rebuilding before the first month is still the
same run.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from typing import Any

from ..errors import ConfigError
from .catalog import Preset
from .participants import KIND_WORDS, OPS, Decision
from .rooms import FORMAT, parse_room
from .session import Action, Session
from .view import View

#: The largest file a facilitator may open as a replay.
MAX_BYTES = 5_000_000


@dataclass(frozen=True)
class Stop:
    """A month of a run, as it stood just after it was run (month 0: once the run was built)."""

    run: int
    month: int
    date: str
    at: tuple[int, int]  # where the actions stand then: (action, months of it taken if a step)


@dataclass(frozen=True)
class Row:
    """One action of the session: in which run and month it was done, by whom, and what it did."""

    seq: int  # its place in the session's actions, from 0
    run: int
    month: int  # the month the room was at when it was done
    op: str
    who: str  # the participant's name, or "facilitator"
    organisation: str = ""
    choice: str = ""
    answer: str = ""  # "" for a choice taken back (not chosen)
    for_month: int | None = None  # a choice: the month it was for
    detail: str = ""


def _detail(a: Action) -> str:
    words = {"load": f"preset {a.name}, seed {a.value}", "seed": f"seed {a.value}",
             "lever": f"{a.name} = {a.value}", "step": f"{a.value} month(s)", "reset": "reset",
             "event": a.name + (f" ({a.target})" if a.target else ""),
             "lock": "locked the choices" if a.value else "unlocked the choices",
             "show_join": "showed the join address" if a.value else "hid the join address",
             "look": f"looked back at month {a.value}",
             "timer": "set the round's timer" if a.value else "stopped the round's timer"}
    return words.get(a.op, "")


def _months(a: Action) -> int:
    """The months a step action asks for (0 for a value the session refuses)."""
    v = a.value
    return v if isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 10_000 else 0


def _units(actions: list[Action], start: tuple[int, int]) -> Iterator[tuple[int, int, Action]]:
    """(action, month of it, what to apply) from ``start`` on: a step one month at a time."""
    for seq in range(start[0], len(actions)):
        a = actions[seq]
        if a.op != "step":
            if seq > start[0] or start[1] == 0:
                yield seq, 0, a
            continue
        for j in range(start[1] if seq == start[0] else 0, _months(a)):
            yield seq, j, Action("step", value=1)


class Replay:
    """A session's actions, month by month (``catalogue``: the presets its ``load`` names)."""

    def __init__(self, actions: list[Action], catalogue: dict[str, Preset] | None = None) -> None:
        self.actions = list(actions)
        self.catalogue = catalogue
        self.stops: list[Stop] = []
        self.rows: list[Row] = []
        self.decisions: list[tuple[int, Decision]] = []  # (run, decision), in month order
        self._views: dict[int, View] = {}
        self._at: tuple[Session, int] | None = None  # a session at stop k, to go on from
        self.final = self._record()
        if not self.stops:
            raise ConfigError("this session never loaded a preset: nothing to replay")

    def _fresh(self) -> Session:
        return Session.replay([], self.catalogue)

    def _record(self) -> Session:
        """Apply every action to a fresh session, recording the stops, rows and decisions."""
        s, run, model = self._fresh(), 0, None
        for seq, j, unit in _units(self.actions, (0, 0)):
            a = self.actions[seq]
            if model is None and a.op != "load":  # nothing to act on: its preset is not on this server
                raise ConfigError(f"this session did not start with a preset this server has: "
                                  f"{s.error or 'its first action is not a load'}")
            month = model.state.step if model is not None else 0
            row = self._row(s, seq, a, max(run, 1), month) if j == 0 else None
            if s.apply(unit):
                continue  # refused (only in a file made by hand): changes nothing, is not listed
            if row is not None:
                self.rows.append(row)
            at = (seq, j + 1) if a.op == "step" else (seq + 1, 0)
            st = s.model.state
            if s.model is not model:  # a new run, or the same one rebuilt before its first month
                if model is None or model.state.step > 0:
                    run += 1
                elif self.stops:
                    self.stops.pop()
                model = s.model
            elif not (a.op == "step" and st.step != month):
                continue
            else:
                self.decisions += [(run, d) for d in s.cast.decisions if d.step == st.step]
            self.stops.append(Stop(run, st.step, s.model.spec.date_of(st.step), at))
        return s

    def _row(self, s: Session, seq: int, a: Action, run: int, month: int) -> Row:
        seats = s.cast.seats
        if a.op not in OPS:
            return Row(seq, run, month, a.op, "facilitator", a.target or "", detail=_detail(a))
        if a.op == "claim":
            return Row(seq, run, month, a.op, " ".join(str(a.value).split()), a.target or "",
                       detail=f"joined to play {a.target}")
        if a.op == "release":
            gone = [seat.name for p, seat in seats.items() if p in (a.name, a.value)]
            who = seats[a.name].name if a.name in seats else "facilitator"
            return Row(seq, run, month, a.op, who, a.target or "", detail="released " + ", ".join(gone))
        v = a.value if isinstance(a.value, dict) else {}
        return Row(seq, run, month, a.op, seats[a.name].name if a.name in seats else "", a.target or "",
                   str(v.get("choice", "")), str(v.get("answer", "")), v.get("month"))

    # --- the months, as the room saw them ---------------------------------------------
    def view(self, k: int) -> View:
        """The view of stop ``k``: what every page of the room showed just after that month ran."""
        if not 0 <= k < len(self.stops):
            raise ConfigError(f"{k} is not a month of this replay (0 to {len(self.stops) - 1})")
        if k not in self._views:
            s, at = self._at if self._at is not None and self._at[1] <= k else (self._fresh(), -1)
            target = self.stops[k].at
            if at != k:
                start = self.stops[at].at if at >= 0 else (0, 0)
                for seq, j, unit in _units(self.actions, start):
                    s.apply(unit)
                    if ((seq, j + 1) if unit.op == "step" else (seq + 1, 0)) == target:
                        break
            self._at = (s, k)
            self._views[k] = s.view()
            if len(self._views) > 24:  # memory stays small: the oldest view made goes first
                self._views.pop(next(iter(self._views)))
        return self._views[k]

    def decided(self, k: int) -> list[Decision]:
        """What was decided for the played organisations in the month of stop ``k``."""
        stop = self.stops[k]
        return [d for run, d in self.decisions if run == stop.run and d.step == stop.month]

    def choices(self, k: int) -> list[Row]:
        """Every choice participants made for the month of stop ``k`` (changed minds included)."""
        stop = self.stops[k]
        return [r for r in self.rows if r.op == "choose" and r.run == stop.run and r.for_month == stop.month]


def decision_rows(replay: Replay, names: tuple[str, ...]) -> list[dict[str, Any]]:
    """Every choice put to a played organisation, by run and month: the rules' answer, the answer
    and who chose it ("the rules" where nobody had)."""
    return [{"run": run, "month": d.step, "organisation": names[d.org] if d.org < len(names) else d.org,
             "choice": KIND_WORDS[d.kind], "rules_answer": "yes" if d.default else "no",
             "answer": "yes" if d.answer else "no", "chosen_by": d.who if d.by_player else "the rules"}
            for run, d in replay.decisions]


def room_file(head: dict, actions: list[Action]) -> str:
    """A room file of ``actions`` to share: participants' tokens become ``seat-001``... (the same
    replay, no seat that could be taken over), and no join code."""
    names: dict[str, str] = {}

    def alias(token: Any) -> Any:
        if not isinstance(token, str) or not token:
            return token
        return names.setdefault(token, f"seat-{len(names) + 1:03d}")

    out = []
    for a in actions:
        if a.op in OPS:
            a = replace(a, name=alias(a.name), value=alias(a.value) if a.op == "release" else a.value)
        out.append(json.dumps(asdict(a)) + "\n")
    keep = {k: head[k] for k in ("room", "preset", "scenario", "seed") if k in head}
    return json.dumps({"drumbeat_room": FORMAT, **keep}) + "\n" + "".join(out)


def read_upload(data: bytes, name: str = "the file") -> tuple[dict, list[Action]]:
    """The header and actions of a file the facilitator opens: a room file, or an export's zip
    (its ``room.jsonl``)."""
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{name} is larger than {MAX_BYTES // 1_000_000} MB: not a session export")
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                data = z.read("room.jsonl")
        except (zipfile.BadZipFile, KeyError):
            raise ConfigError(f"{name}: a zip without room.jsonl (open the tables zip of a session, "
                              "downloaded from the facilitator's page)") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{name}: not a Drumbeat room file (not text)") from None
    return parse_room(text, name)
