"""The Drumbeat teaching app: a facilitator drives the model live in a browser (Solara).

Start it with ``drumbeat teach [SCENARIO] [--port P]`` (see ``docs/teaching.md``). This module
only lays out components; the logic - the session, its single update path, stepping, event
queueing, the story, the debrief and the export - lives in plain Python in
``session.py``, ``story.py`` and ``catalog.py``, and the pictures in
``svg.py`` (live, SVG) and ``figures.py`` (PNG for slides). Each browser tab gets its
own :class:`~simulation.app.session.Session`; every button and slider goes through
``Session.apply``, and every redraw reads a :class:`~simulation.app.session.View` copied
under the session's lock.
"""

from __future__ import annotations

import os
from html import escape
from pathlib import Path

import solara

from . import ENV_SCENARIO, ENV_SEED
from .catalog import EVENT_BUTTONS, LEVERS, Lever, presets
from .export import export_zip
from .figures import charts_figure, network_figure, png
from .session import Action, Session, View
from .svg import charts_svg, network_svg

DEFAULT_PRESET = "two_hospitals"
#: Seconds between months while "Play" is on.
PLAY_DELAY = 0.6

_CSS = """
.drumbeat-help { font-size: 12px; color: #555; margin: -6px 0 10px 0; line-height: 1.3; }
.drumbeat-story { max-height: 420px; overflow-y: auto; font-size: 14px; }
.drumbeat-story .line { padding: 3px 0; border-bottom: 1px solid #eee; }
.drumbeat-story .facilitator { font-weight: bold; color: #8b0000; }
.drumbeat-status { font-size: 16px; margin: 4px 0; }
.drumbeat-label { font-size: 14px; margin-top: 6px; }
"""


def new_session() -> Session:
    """A session on the scenario ``drumbeat teach`` was given (or the default preset)."""
    extra = os.environ.get(ENV_SCENARIO)
    catalogue = presets(extra=Path(extra) if extra else None)
    key = Path(extra).stem if extra else DEFAULT_PRESET
    key = key if key in catalogue else next(iter(catalogue))
    return Session(key, int(os.environ.get(ENV_SEED, "1")), catalogue)


@solara.component
def LeverControl(lever: Lever, value, act):
    """One lever with its plain-English label and help text."""
    if lever.kind == "bool":
        control = solara.Switch(label=lever.label, value=bool(value),
                                on_value=lambda v: act(Action("lever", lever.name, bool(v))))
    elif lever.kind == "choice":
        labels = dict(lever.choices)
        back = {label: v for v, label in lever.choices}
        control = solara.Select(label=lever.label, values=list(back), value=labels.get(value, str(value)),
                                on_value=lambda lab: act(Action("lever", lever.name, back[lab])))
    else:
        lo, hi = lever.bounds
        hi = min(hi, 10.0) if lever.name == "leader_tenure_years" else hi
        control = solara.Column(gap="0px", children=[
            solara.v.Html(tag="div", children=[f"{lever.label}: {float(value):.2f}"],
                          class_="drumbeat-label"),
            solara.SliderFloat("", value=float(value), min=lo, max=hi, step=lever.step,
                               on_value=lambda v: act(Action("lever", lever.name, round(float(v), 6))))])
    return solara.v.Html(tag="div", attributes={"data-lever": lever.name, "data-value": str(value)},
                         children=[control, solara.v.Html(tag="div", children=[lever.help],
                                                          class_="drumbeat-help")])


@solara.component
def Levers(view: View, act):
    with solara.Card("Levers", subtitle="Changes take effect at the next month"):
        for lever in LEVERS:
            LeverControl(lever, view.levers[lever.name], act)


@solara.component
def EventButtons(view: View, act):
    org, set_org = solara.use_state(view.org_names[0])
    council, set_council = solara.use_state(view.council_names[0] if view.council_names else "")
    org = org if org in view.org_names else view.org_names[0]
    if view.council_names:
        council = council if council in view.council_names else view.council_names[0]
    with solara.Card("Break something", subtitle="Each happens at the start of the next month"):
        with solara.Row():
            solara.Select("Organisation", values=list(view.org_names), value=org, on_value=set_org,
                          classes=["target-org"])
            if view.council_names:
                solara.Select("Council", values=list(view.council_names), value=council,
                              on_value=set_council, classes=["target-council"])
        with solara.Row(style="flex-wrap: wrap"):
            for b in EVENT_BUTTONS:
                target = {"org": org, "council": council, "system": None, "none": None}[b.target]
                disabled = view.finished or (b.target == "council" and not view.council_names)
                with solara.Tooltip(b.help):
                    solara.Button(b.label, classes=[f"event-{b.kind}"], disabled=disabled, outlined=True,
                                  on_click=lambda b=b, t=target: act(Action("event", b.kind, target=t)))


@solara.component
def RunControls(view: View, act, playing: bool, set_playing):
    with solara.Row(style="flex-wrap: wrap; align-items: center"):
        for label, months, cls in (("Step 1 month", 1, "run-1"), ("Run 6 months", 6, "run-6"),
                                   ("Run 12 months", 12, "run-12"),
                                   ("Run to end", view.max_steps, "run-end")):
            solara.Button(label, on_click=lambda m=months: act(Action("step", value=m)), classes=[cls],
                          disabled=view.finished or playing, color="primary")
        solara.Button("Pause" if playing else "Play", on_click=lambda: set_playing(not playing),
                      classes=["run-play"], disabled=view.finished and not playing)
        solara.Button("Reset", on_click=lambda: act(Action("reset")), classes=["run-reset"], color="error",
                      outlined=True)
        solara.InputInt("Seed", value=view.seed, on_value=lambda s: act(Action("seed", value=int(s or 0))),
                        style="max-width: 90px")


def _story_html(view: View, limit: int = 60) -> str:
    if not view.story:
        return '<div class="line">Nothing has happened yet. Run a month or press a button.</div>'
    lines = [f'<div class="line{" facilitator" if s.facilitator else ""}" data-kind="{escape(s.kind)}">'
             f"{escape(s.text)}</div>" for s in view.story[:limit]]
    more = len(view.story) - limit
    return "".join(lines) + (f'<div class="line">... and {more} earlier lines (download the tables)</div>'
                             if more > 0 else "")


@solara.component
def Story(view: View):
    with solara.Card("What happened (newest first)"):
        solara.HTML(tag="div", unsafe_innerHTML=_story_html(view), classes=["drumbeat-story"],
                    attributes={"data-testid": "story", "data-lines": str(len(view.story))})


@solara.component
def Debrief(view: View):
    title = "Debrief" if view.finished else "Debrief so far"
    with solara.Card(title):
        solara.HTML(tag="div", attributes={"data-testid": "debrief"},
                    unsafe_innerHTML="".join(f"<p>{escape(s)}</p>" for s in view.debrief))


@solara.component
def Downloads(view: View):
    with solara.Row(style="flex-wrap: wrap"):
        solara.FileDownload(lambda: export_zip(view), label="Tables (CSV, zip)",
                            filename=f"drumbeat_{view.preset.key}_month{view.step}.zip")
        solara.FileDownload(lambda: png(charts_figure(view)), filename=f"charts_month{view.step}.png",
                            label="Charts (PNG)", mime_type="image/png")
        solara.FileDownload(lambda: png(network_figure(view)), filename=f"network_month{view.step}.png",
                            label="Network (PNG)", mime_type="image/png")


@solara.component
def Page():
    session = solara.use_memo(new_session, [])
    version, set_version = solara.use_state(session.version)
    playing, set_playing = solara.use_state(False)
    view = solara.use_memo(session.view, [version])

    def act(action: Action) -> None:
        session.apply(action)
        set_version(session.version)

    def play(cancel) -> None:
        while playing and not cancel.is_set():
            session.apply(Action("step", value=1))
            set_version(session.version)
            if session.model.state.step >= session.model.max_steps:
                set_playing(False)
                return
            cancel.wait(PLAY_DELAY)

    solara.use_thread(play, dependencies=[playing], intrusive_cancel=False)
    net = solara.use_memo(lambda: network_svg(view), [view.version])
    charts = solara.use_memo(lambda: charts_svg(view), [view.version])
    solara.Title("Drumbeat teaching app")
    solara.Style(_CSS)
    keys = list(session.presets)
    with solara.Columns([1, 3]):
        with solara.Column():
            with solara.Card("Scenario"):
                solara.Select("Preset", values=keys, value=view.preset.key, classes=["preset-select"],
                              on_value=lambda k: act(Action("load", k, view.seed)))
                solara.HTML(tag="p", unsafe_innerHTML=escape(view.preset.description),
                            attributes={"data-testid": "description"})
            Levers(view, act)
        with solara.Column():
            status = (f"Month {view.step} of {view.max_steps} ({view.date})"
                      + (" - the run has ended" if view.finished else ""))
            solara.HTML(tag="div", unsafe_innerHTML=escape(status), classes=["drumbeat-status"],
                        attributes={"data-testid": "status", "data-step": str(view.step),
                                    "data-preset": view.preset.key, "data-version": str(view.version),
                                    "data-finished": str(int(view.finished)),
                                    "data-playing": str(int(playing))})
            RunControls(view, act, playing, set_playing)
            EventButtons(view, act)
            with solara.Column(gap="0px"):  # a fixed slot, so the widgets below keep their places
                if view.pending:
                    solara.Info("Queued for next month: " + "; ".join(view.pending))
                if view.error:
                    solara.Warning(view.error)
            with solara.Columns([1, 1]):
                solara.HTML(tag="div", unsafe_innerHTML=net, attributes={"data-testid": "network"})
                solara.HTML(tag="div", unsafe_innerHTML=charts, attributes={"data-testid": "charts"})
            with solara.Columns([1, 1]):
                Story(view)
                Debrief(view)
            Downloads(view)
