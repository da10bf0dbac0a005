"""The session's tables and a zip of them, as the facilitator downloads them."""

from __future__ import annotations

import io
import zipfile

import pandas as pd

from .catalog import LEVER_BY_NAME
from .compare import runs_table, side_by_side
from .view import View


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


def export_zip(view: View, images: dict[str, bytes] | None = None) -> bytes:
    """A zip of the session's tables as CSV (and any images given), stamped for reproducibility."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        stamp = (2000, 1, 1, 0, 0, 0)
        for name, df in tables(view).items():
            z.writestr(zipfile.ZipInfo(f"{name}.csv", stamp), df.to_csv(index=False))
        readme = (f"Drumbeat teaching session: preset {view.preset.key}, seed {view.seed}, "
                  f"month {view.step} of {view.max_steps}.\n")
        z.writestr(zipfile.ZipInfo("README.txt", stamp), readme)
        for name, data in (images or {}).items():
            z.writestr(zipfile.ZipInfo(name, stamp), data)
    return buf.getvalue()
