"""The session's tables and a zip of them, as the facilitator downloads them.

With the room's actions (:class:`Record`), the zip also holds what happened in the room, from
a replay of those actions (``replay.py``): ``actions.csv`` (everything done, in order, by whom,
in which run and month), ``choices.csv`` (every choice participants made, with the month it
was for and who made it, changed minds included, and whether it was the one that counted),
``decisions.csv`` (every choice put to a played organisation, with the rules' answer, the
answer and who chose it), ``debrief.txt``, and ``room.jsonl``: the room's file with the
participants' tokens replaced by ``seat-001``..., which the facilitator's replay opens to step
through the session month by month.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import asdict, dataclass, field

import pandas as pd

from .catalog import LEVER_BY_NAME, Preset
from .compare import runs_table, side_by_side
from .replay import Replay, decision_rows, room_file
from .rooms import Room
from .session import Action
from .view import View

ROW_COLUMNS = ["seq", "run", "month", "op", "who", "organisation", "choice", "answer", "for_month", "detail"]
CHOICE_COLUMNS = ["seq", "run", "for_month", "who", "organisation", "choice", "answer", "counted"]
DECISION_COLUMNS = ["run", "month", "organisation", "choice", "rules_answer", "answer", "chosen_by"]


@dataclass(frozen=True)
class Record:
    """What a room did, for the export: its file's header and its actions, with the presets."""

    head: dict
    actions: list[Action]
    catalogue: dict[str, Preset] | None = field(default=None, repr=False)


def room_tables(record: Record, view: View) -> dict[str, pd.DataFrame]:
    """``actions``, ``choices`` and ``decisions``, from a replay of the room's actions."""
    replay = Replay(record.actions, record.catalogue)
    rows = pd.DataFrame([asdict(r) for r in replay.rows], columns=ROW_COLUMNS).astype({"for_month": "Int64"})
    chosen = rows[rows["op"] == "choose"]
    last = chosen.groupby(["run", "for_month", "organisation", "choice"])["seq"].transform("max")
    choices = chosen.assign(counted=(chosen["seq"] == last) & (chosen["answer"] != ""))[CHOICE_COLUMNS]
    return {"actions": rows, "choices": choices.reset_index(drop=True),
            "decisions": pd.DataFrame(decision_rows(replay, view.org_names), columns=DECISION_COLUMNS)}


def tables(view: View) -> dict[str, pd.DataFrame]:
    """The session's tables, as the facilitator downloads them (``runs``: every run of the room
    since the preset was opened, month by month, named by what differed)."""
    story = pd.DataFrame([{"step": s.step, "date": s.date, "kind": s.kind, "facilitator": s.facilitator,
                           "marker": s.marker, "text": s.text} for s in reversed(view.story)],
                         columns=["step", "date", "kind", "facilitator", "marker", "text"])
    levers = pd.DataFrame([{"lever": k, "label": LEVER_BY_NAME[k].label, "value": v}
                           for k, v in view.levers.items()])
    out = {"national": view.result.national, "systems": view.result.systems,
           "events": view.result.events, "story": story, "levers": levers}
    if view.past:  # the earlier runs of the room, for the comparison
        out["runs"] = runs_table(view.past, view.seed, view.start_levers, view.result.national)
        out["runs_side_by_side"] = side_by_side(view.past, view.seed, view.start_levers, view.result.national,
                                                view.result.systems, view.step)
    return out


def export_zip(view: View, images: dict[str, bytes] | None = None,
               record: Record | None = None) -> bytes:
    """A zip of the session's tables as CSV (and any images given), stamped for reproducibility;
    with the room's ``record``, what happened in the room too (this module's docstring)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        stamp = (2000, 1, 1, 0, 0, 0)
        found = tables(view) | (room_tables(record, view) if record is not None else {})
        for name, df in found.items():
            z.writestr(zipfile.ZipInfo(f"{name}.csv", stamp), df.to_csv(index=False))
        readme = (f"Drumbeat teaching session: preset {view.preset.key}, seed {view.seed}, "
                  f"month {view.step} of {view.max_steps}.\n")
        z.writestr(zipfile.ZipInfo("README.txt", stamp), readme)
        z.writestr(zipfile.ZipInfo("debrief.txt", stamp), "".join(f"{line}\n" for line in view.debrief))
        if record is not None:
            z.writestr(zipfile.ZipInfo("room.jsonl", stamp), room_file(record.head, record.actions))
        for name, data in (images or {}).items():
            z.writestr(zipfile.ZipInfo(name, stamp), data)
    return buf.getvalue()


def room_zip(room: Room) -> bytes:
    """The export of ``room`` as it stands: its tables, and what happened in it (its record)."""
    view, head, actions = room.record()
    return export_zip(view, record=Record(head, actions, room.session.presets))
