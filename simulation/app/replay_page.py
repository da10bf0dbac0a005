"""The facilitator's replay (Solara): a session month by month, on a screen of its own.

Opened from the facilitator's page ("Replay month by month", beside the downloads): the room
as it stands, or a session exported earlier (its tables zip, or a room file), dropped on the
screen. Each month shows what every page of the room showed just after it was run - the
network, the charts scaled to the months run so far, the story of that month - with who
chose what for it (changed minds included) and what was decided for each played
organisation, and the debrief as it stood. The months come from ``replay.py``.
"""

from __future__ import annotations

from html import escape

import solara

from ..errors import ConfigError
from .catalog import Preset
from .participants import ANSWERS, KIND_WORDS, TITLES
from .replay import MAX_BYTES, Replay, read_upload
from .rooms import Room
from .svg import network_svg
from .svgcharts import charts_svg

REPLAY_CSS = """
.db-replay { position: fixed; inset: 0; z-index: 11; background: white; overflow-y: auto;
  padding: 10px 16px; font-size: 16px; }
.db-replay h1 { font-size: 1.3em; margin: 0 0 6px 0; }
.db-replay-bar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.db-replay-grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 12px; }
.db-replay-grid svg { width: 100%; height: auto; max-height: 46vh; display: block; }
.db-replay .line { padding: 2px 0; border-bottom: 1px solid #eee; }
.db-replay table { border-collapse: collapse; font-size: 15px; }
.db-replay td, .db-replay th { padding: 2px 6px; border-bottom: 1px solid #ddd; text-align: left; }
"""


def month_html(replay: Replay, k: int) -> str:
    """The month of stop ``k``: its story, every choice made for it and what was decided."""
    view, stop = replay.view(k), replay.stops[k]
    story = [s for s in reversed(view.story) if s.step == stop.month] if stop.month else []
    lines = "".join(f'<div class="line">{escape(s.text)}</div>' for s in story) or (
        '<div class="line">The run as it was built: nothing has happened yet.</div>' if stop.month == 0
        else '<div class="line">Nothing of note happened this month.</div>')
    chosen = "".join(f"<tr><td>{escape(r.who)}</td><td>{escape(r.organisation)}</td>"
                     f"<td>{escape(TITLES.get(r.choice, r.choice))}</td>"
                     f"<td>{escape(ANSWERS.get(r.answer, 'took it back'))}</td></tr>"
                     for r in replay.choices(k))
    decided = "".join(f"<tr><td>{escape(view.org_names[d.org])}</td><td>{escape(KIND_WORDS[d.kind])}</td>"
                      f"<td>{'yes' if d.default else 'no'}</td><td>{'yes' if d.answer else 'no'}</td>"
                      f"<td>{escape(d.who if d.by_player else 'the rules')}</td></tr>"
                      for d in replay.decided(k))
    out = f"<p><b>The story of month {stop.month}</b></p>{lines}"
    if chosen:
        out += (f"<p><b>Choices made for month {stop.month}</b> (in order; the last before the month "
                "was run counts)</p><table data-testid='replay-choices'><tr><th>who</th><th>organisation"
                f"</th><th>choice</th><th>answer</th></tr>{chosen}</table>")
    if decided:
        out += (f"<p><b>Decided in month {stop.month}</b></p><table data-testid='replay-decided'><tr>"
                "<th>organisation</th><th>choice</th><th>the rules</th><th>answer</th><th>chosen by</th>"
                f"</tr>{decided}</table>")
    return out


def open_file(info: dict, catalogue: dict[str, Preset]) -> Replay:
    """The replay of a file the facilitator dropped (ConfigError, said in one line, if it is not one)."""
    if int(info.get("size") or 0) > MAX_BYTES:
        raise ConfigError(f"{info.get('name')} is larger than {MAX_BYTES // 1_000_000} MB: "
                          "not a session export")
    _, actions = read_upload(info["file_obj"].read(MAX_BYTES + 1), str(info.get("name") or "the file"))
    return Replay(actions, catalogue)


@solara.component
def ReplayScreen(room: Room, close):
    """The replay of ``room`` (or of a file dropped here), month by month."""
    own = solara.use_memo(lambda: Replay(room.record()[2], room.session.presets), [room])
    dropped, set_dropped = solara.use_state(None)
    source, set_source = solara.use_state(f"room {room.name}")
    problem, set_problem = solara.use_state("")
    k, set_k = solara.use_state(0)
    replay = dropped or own
    k = min(k, len(replay.stops) - 1)
    stop = replay.stops[k]
    view = solara.use_memo(lambda: replay.view(k), [replay, k])

    def load(info) -> None:
        try:
            got = open_file(info, room.session.presets)
        except ConfigError as exc:
            set_problem(str(exc))
            return
        set_problem("")
        set_dropped(got)
        set_source(str(info.get("name") or "a file"))
        set_k(0)

    solara.Style(REPLAY_CSS)
    last = len(replay.stops) - 1
    with solara.Div(classes=["db-replay"], attributes={
            "data-testid": "replay", "data-index": str(k), "data-run": str(stop.run),
            "data-month": str(stop.month), "data-stops": str(len(replay.stops))}):
        solara.Button("Back to the room", on_click=close, small=True, outlined=True, classes=["replay-close"],
                      style="float: right")
        solara.HTML(tag="h1", unsafe_innerHTML=escape(
            f"Replay of {source}: {view.preset.title}, run {stop.run}, month {stop.month} of "
            f"{view.max_steps} ({stop.date})"), attributes={"data-testid": "replay-title"})
        with solara.Div(classes=["db-replay-bar"]):
            for label, to, cls in (("First", 0, "replay-first"), ("Previous month", k - 1, "replay-prev"),
                                   ("Next month", k + 1, "replay-next"), ("Last", last, "replay-last")):
                solara.Button(label, on_click=lambda to=to: set_k(to), small=True, color="primary",
                              disabled=not 0 <= to <= last or to == k, classes=[cls])
            solara.SliderInt("", value=k, min=0, max=max(last, 1), on_value=set_k)
        with solara.Div(classes=["db-replay-grid"]):
            for html, testid in ((network_svg(view), "replay-network"), (charts_svg(view), "replay-charts"),
                                 (month_html(replay, k), "replay-month")):
                solara.HTML(tag="div", unsafe_innerHTML=html, attributes={"data-testid": testid})
            solara.HTML(tag="div", attributes={"data-testid": "replay-debrief"}, unsafe_innerHTML=(
                "<p><b>Debrief as it stood</b></p>" + "".join(f"<p>{escape(x)}</p>" for x in view.debrief)))
        solara.FileDrop(label="Replay a session exported earlier: drop its tables zip (or room file) here",
                        on_file=load, lazy=True)
        if problem:
            solara.Warning(problem, dense=True, classes=["replay-problem"])
