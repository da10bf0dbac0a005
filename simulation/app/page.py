"""The Drumbeat teaching app: a facilitator drives the model live in a room (Solara).

Start it with ``drumbeat teach [SCENARIO] [--port P] [--rooms DIR]`` (see
``docs/teaching.md``). This module only lays out components; the logic - rooms, the session,
its single update path, stepping, event queueing, the counterfactual story, the debrief and
the export - lives in plain Python (``rooms.py``, ``session.py``, ``effects.py``,
``story.py``, ``catalog.py``, ``export.py``), the panels' text in ``page_html.py`` and the
style sheet in ``page_style.py``, the pictures in ``svg.py`` and ``svgcharts.py`` (live, SVG)
and ``figures.py`` (PNG for slides).

A page opens a *room* named in its address (``/?room=NAME``; ``main`` when none is named):
the run is held by the server (``rooms.py``), so that a reload, a second tab and the
projector all show the same run. Each tab waits on its room in a thread of its own and
redraws when the room changes. ``&view=presenter`` gives the projector's view: larger text,
no controls, never a facilitator key (an address that carries one loses it), and the debrief
on a screen of its own at the end. On a server with a key (``--lan``) only a page opened with
it drives a room or makes a new one; wrong keys are limited per client address
(``rooms.KeyCheck``, the address from ``guard.py``). Every button and slider goes through
``Room.apply``; every redraw reads a :class:`~simulation.app.view.View` copied under the
session's lock.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from html import escape
from urllib.parse import parse_qs, urlencode

import solara
import solara.lab
from reacton.core import get_render_context

from ..errors import ConfigError
from .catalog import EVENT_BUTTONS, LEVERS, Lever, is_real
from .export import room_zip
from .figures import charts_figure, network_figure, png
from .guard import CLIENT_HEADER
from .inspect_org import org_card
from .joining import JoinBox, RoundTimer, TimerControls
from .page_html import debrief_html, phase, runs_html, story_html
from .page_style import PAGE_CSS
from .play_page import (
    PLAY_CSS,
    Cast,
    ParticipantPage,
    participant_query,
    use_room_version,
)
from .real_page import RealSystemPick
from .replay_page import ReplayScreen
from .rooms import DEFAULT_ROOM, KEYS, Room, may_control, registry
from .session import Action
from .svg import network_svg
from .svgcharts import charts_svg
from .view import View

# Reacton's redraw that skips a component's subtree when its element and state did not change
# (kept(): a new month leaves the side panel's widgets alone). It reads the variable at each
# page's first render, after this module is imported by the server.
os.environ.setdefault("REACTON_FAST", "1")

#: Seconds between months while "Play" is on, by the speed menu's names.
SPEEDS = {"slow": 2.0, "normal": 0.8, "fast": 0.3}


def query(search: str | None) -> tuple[str, bool, str]:
    """(room name, presenter?, facilitator key) from the page address's query string."""
    q = parse_qs(search or "")
    return ((q.get("room") or [DEFAULT_ROOM])[0], (q.get("view") or [""])[0] == "presenter",
            (q.get("key") or [""])[0])


def open_room(name: str, create: bool = True) -> tuple[Room | None, str]:
    """The room called ``name`` (made if it is new and ``create``), or None and why not."""
    try:
        return registry().get(name, create), ""
    except ConfigError as exc:
        return None, str(exc)


def client_address() -> str:
    """The page's client address, as the server's guard hands it over (``guard.py``)."""
    headers = solara.lab.headers.value or {}
    return (headers.get(CLIENT_HEADER) or ["unknown"])[0]


def kept(make: Callable[[], solara.Element], dependencies: list) -> solara.Element:
    """The element ``make`` gives, made again only when ``dependencies`` change (a hook): the same
    element otherwise, whose whole subtree Solara then skips in a redraw (a new month need not
    touch the widgets of a panel that did not change)."""
    fresh = []
    element = solara.use_memo(lambda: fresh.append(1) or make(), dependencies)
    if not fresh:  # a new element joins the container it is made in; an old one is added to it
        get_render_context().container_adders[-1].add(element)  # as reacton's Element does
    return element


@solara.component
def Layout(children=()):  # noqa: N802 - Solara's name for a page's frame
    """No app bar, no margins: the page owns the whole window (a projector has no room to spare)."""
    return solara.Div(children=list(children))


@solara.component_vue("network.vue", vuetify=False)
def NetworkPicture(svg: str, event_pick: Callable[[str], None]):  # noqa: N802 - a component
    """The network's SVG; a click on an organisation calls ``event_pick`` with its name ("" elsewhere)."""


@solara.component
def Inspect(view: View, name: str, close):
    """The clicked organisation, in the story's place until closed."""
    lines = org_card(view, name)
    with solara.Div(classes=["db-story"], attributes={"data-testid": "inspect"}):
        solara.Button("Close", on_click=close, small=True, outlined=True, classes=["inspect-close"],
                      style="float: right")
        solara.HTML(tag="div", unsafe_innerHTML="".join(
            f'<div class="line{" facilitator" if k == 0 else ""}">{escape(x)}</div>'
            for k, x in enumerate(lines)))


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
            solara.v.Html(tag="div", children=[f"{lever.label}: {float(value):.2f}"], class_="db-label"),
            solara.SliderFloat("", value=float(value), min=lo, max=hi, step=lever.step,
                               on_value=lambda v: act(Action("lever", lever.name, round(float(v), 6))))])
    help_text = solara.v.Html(tag="div", children=[lever.help], class_="db-help")
    return solara.v.Html(tag="div", attributes={"data-lever": lever.name, "data-value": str(value)},
                         children=[control, help_text])


@solara.component
def Levers(levers: dict, act):
    for lever in LEVERS:
        LeverControl(lever, levers[lever.name], act)


@solara.component
def EventButtons(view: View, act):
    """Events to break something, then the look-back slider and what is queued. A redraw passes
    each part only what it shows, so that a new month leaves the buttons' widgets untouched."""
    with solara.Div(classes=["db-events"]):
        kept(lambda: Breakers(view.org_names, view.council_names, view.finished, act),
             [view.org_names, view.council_names, view.finished])
        if view.step > 0:
            LookBack(view.step, view.shown, act)
        if view.pending:
            solara.Info("Queued for next month: " + "; ".join(view.pending), dense=True)
        if view.error:
            solara.Warning(view.error, dense=True)


@solara.component
def Breakers(org_names: tuple[str, ...], council_names: tuple[str, ...], finished: bool, act):
    """The event buttons and their targets."""
    org, set_org = solara.use_state(org_names[0])
    council, set_council = solara.use_state(council_names[0] if council_names else "")
    org = org if org in org_names else org_names[0]
    if council_names:
        council = council if council in council_names else council_names[0]
    solara.HTML(tag="div", unsafe_innerHTML="Break something (next month)", classes=["db-h"])
    solara.Select("Organisation", values=list(org_names), value=org, on_value=set_org,
                  classes=["target-org"], dense=True)
    if council_names:
        solara.Select("Council", values=list(council_names), value=council,
                      on_value=set_council, classes=["target-council"], dense=True)
    for b in EVENT_BUTTONS:
        target = {"org": org, "council": council, "system": None, "none": None}[b.target]
        disabled = finished or (b.target == "council" and not council_names)
        with solara.Tooltip(b.help):
            solara.Button(b.label, classes=[f"event-{b.kind}"], disabled=disabled, outlined=True,
                          small=True,
                          on_click=lambda b=b, t=target: act(Action("event", b.kind, target=t)))


@solara.component
def LookBack(step: int, shown: int, act):
    with solara.Div(classes=["db-look"], attributes={"data-shown": str(shown)}):
        solara.SliderInt(f"Look back: month {shown}", value=shown, min=0, max=step,
                         on_value=lambda k: act(Action("look", value=int(k))))


@solara.component
def RunControls(finished: bool, max_steps: int, act, playing: bool, set_playing, speed: str, set_speed):
    with solara.Div(classes=["db-run"]):
        for label, months, cls in (("Step", 1, "run-1"), ("6 months", 6, "run-6"),
                                   ("12 months", 12, "run-12"), ("To end", max_steps, "run-end")):
            solara.Button(label, on_click=lambda m=months: act(Action("step", value=m)), classes=[cls],
                          disabled=finished or playing, color="primary", small=True)
        solara.Button("Pause" if playing else "Play", on_click=lambda: set_playing(not playing),
                      classes=["run-play"], disabled=finished and not playing, small=True)
        solara.ToggleButtonsSingle(value=speed, values=list(SPEEDS), on_value=set_speed,
                                   classes=["run-speed"], dense=True)
        solara.Button("Reset", on_click=lambda: act(Action("reset")), classes=["run-reset"], color="error",
                      outlined=True, small=True)


@solara.component
def DebriefScreen(view: View, close):
    """The debrief on a screen of its own: what happened, the actions ranked, the runs compared."""
    with solara.Div(classes=["db-debrief"], attributes={"data-testid": "debrief-screen"}):
        solara.Button("Back to the run", on_click=close, small=True, outlined=True,
                      classes=["debrief-close"], style="float: right")
        solara.HTML(tag="h1", unsafe_innerHTML=escape(
            f"Debrief: {view.preset.title}, {view.step} months" + ("" if view.finished else " so far")))
        solara.HTML(tag="div", unsafe_innerHTML=debrief_html(view),
                    attributes={"data-testid": "debrief-full"})
        if view.past:
            solara.HTML(tag="div", unsafe_innerHTML=f"<p><b>Runs side by side at month {view.step}</b></p>"
                        + runs_html(view, wide=True), attributes={"data-testid": "runs-wide"})


@solara.component
def Story(view: View, presenter: bool):
    """The newest lines of the story; on the projector, the debrief once the run has ended."""
    if presenter and view.finished:
        html = "".join(f'<div class="line">{escape(s)}</div>' for s in view.debrief)
        solara.HTML(tag="div", unsafe_innerHTML=html, classes=["db-story"],
                    attributes={"data-testid": "story", "data-lines": str(len(view.story))})
        return
    solara.HTML(tag="div", unsafe_innerHTML=story_html(view), classes=["db-story"],
                attributes={"data-testid": "story", "data-lines": str(len(view.story))})


@solara.component
def More(view: View, act, room: Room, full_debrief=None, replay=None):
    """Scenario, levers, debrief and downloads: the side panel's scrolling part."""
    titles = {p.title: key for key, p in room.session.presets.items()  # the real systems: RealSystemPick
              if not is_real(p) or key == view.preset.key}
    with solara.Div(classes=["db-more"]):
        kept(lambda: Cast(view.players, view.org_names, view.join_shown, act, room),
             [view.players, view.org_names, view.join_shown])
        solara.HTML(tag="div", unsafe_innerHTML="Scenario", classes=["db-h"])
        solara.Select("Preset", values=list(titles), value=view.preset.title, classes=["preset-select"],
                      on_value=lambda t: act(Action("load", titles[t], view.seed)), dense=True)
        RealSystemPick(view, act)
        solara.InputInt("Seed", value=view.seed, on_value=lambda s: act(Action("seed", value=int(s or 0))),
                        classes=["seed-input"])
        solara.HTML(tag="p", unsafe_innerHTML=escape(view.preset.description),
                    attributes={"data-testid": "description"}, classes=["db-help"])
        solara.HTML(tag="div", unsafe_innerHTML="Levers (from next month)", classes=["db-h"])
        kept(lambda: Levers(view.levers, act), [view.levers])
        solara.HTML(tag="div", unsafe_innerHTML="Debrief" if view.finished else "Debrief so far",
                    classes=["db-h"])
        if full_debrief is not None and view.step > 0:
            solara.Button("Full screen", on_click=full_debrief, small=True, outlined=True,
                          classes=["debrief-full"])
        solara.HTML(tag="div", attributes={"data-testid": "debrief"},
                    unsafe_innerHTML="".join(f"<p>{escape(s)}</p>" for s in view.debrief))
        if view.past:
            solara.HTML(tag="div", unsafe_innerHTML=f"Runs side by side (month {view.step})",
                        classes=["db-h"])
            solara.HTML(tag="div", unsafe_innerHTML=runs_html(view), attributes={"data-testid": "runs"})
        solara.HTML(tag="div", unsafe_innerHTML="Downloads", classes=["db-h"])
        # the data is made on a click, from the room as it is then: one function per room, so
        # that a new month does not start a FileDownload thread (and two redraws) per button
        tables, charts, network = solara.use_memo(lambda: (
            lambda: room_zip(room), lambda: png(charts_figure(room.view())),
            lambda: png(network_figure(room.view()))), [room])
        solara.FileDownload(tables, label="Tables, choices and debrief (CSV, zip)",
                            filename=f"drumbeat_{room.name}_{view.preset.key}_month{view.step}.zip")
        if replay is not None:
            solara.Button("Replay month by month", on_click=replay, small=True, outlined=True,
                          classes=["replay-open"])
        solara.FileDownload(charts, filename=f"charts_month{view.step}.png",
                            label="Charts (PNG)", mime_type="image/png")
        solara.FileDownload(network, filename=f"network_month{view.step}.png",
                            label="Network (PNG)", mime_type="image/png")


@solara.component
def Page():
    router = solara.use_router()
    name, presenter, key = query(router.search)
    client = client_address()
    # without the facilitator's key (if the server set one): a presenter view. A key is checked
    # once per page and address (wrong guesses are limited per address); the projector never
    # needs one, and its address loses any it was opened with.
    control, refusal = solara.use_memo(
        lambda: KEYS.check(key, client) if key and not presenter else (may_control(""), ""),
        [key, client, presenter])
    code, me = participant_query(router.search)
    room, problem = solara.use_memo(lambda: open_room(name, create=control and code is None),
                                    [name, control, code is None])

    def drop_key() -> None:
        if presenter and key:
            router.push("/?" + urlencode({k: v for k, v in parse_qs(router.search or "").items()
                                          if k != "key"}, doseq=True))

    solara.use_effect(drop_key, [presenter, key])
    solara.Title("Drumbeat teaching app")
    solara.Style(PLAY_CSS if code is not None else PAGE_CSS)  # a participant's page scrolls on a phone
    if room is None:
        solara.Error(problem)
    elif code is not None:
        ParticipantPage(room, code, me, client)
    else:
        RoomPage(room, presenter or not control, refusal)


def page_host() -> str:
    """The name and port this page was opened with."""
    return ((solara.lab.headers.value or {}).get("host") or ["this-address"])[0]


def join_address(room: Room) -> str:
    """The participants' address of ``room``, on the name and port this page was opened with."""
    return f"http://{page_host()}/?{urlencode({'room': room.name, 'join': room.code})}"


@solara.component
def RoomPage(room: Room, presenter: bool, refusal: str = ""):
    """One room, in the facilitator's or the presenter's view (``refusal``: why a key this page
    was opened with was refused). No key reaches it: nothing on a page links with one."""
    version, set_version = use_room_version(room)
    playing, set_playing = solara.use_state(False)
    speed, set_speed = solara.use_state("normal")

    def play(cancel) -> None:
        while playing and not cancel.is_set():
            room.apply(Action("step", value=1))
            set_version(room.version)
            if room.session.model.state.step >= room.session.model.max_steps:
                set_playing(False)
                return
            cancel.wait(SPEEDS.get(speed, 0.8))

    def act(action: Action) -> None:
        room.apply(action)
        set_version(room.version)

    solara.use_thread(play, dependencies=[playing, speed], intrusive_cancel=False)
    picked, set_picked = solara.use_state("")
    view = solara.use_memo(room.view, [room, version])
    picked = picked if picked in view.org_names else ""
    net = solara.use_memo(lambda: network_svg(view, selected=picked), [view, picked])
    charts = solara.use_memo(lambda: charts_svg(view), [view])
    # the other view's link never carries the key: the projector's page has none, and a
    # presenter's page links to the facilitator's only where no key is needed
    other = urlencode({"room": room.name} | ({} if presenter else {"view": "presenter"}))
    view_only = presenter and not may_control("")  # a keyed server: no link, no join code
    status = f"Month {view.step} of {view.max_steps} ({view.date})" + "".join(
        f" - {x}" for x in phase(view))
    screen, set_screen = solara.use_state("auto")  # the full-screen debrief: auto, open or closed
    replaying, set_replaying = solara.use_state(False)  # the replay, on a screen of its own
    full = screen == "open" or (screen == "auto" and presenter and view.finished)
    kind = "presenter" if presenter else "facilitator"
    with solara.Div(classes=["db-app"] + (["presenter"] if presenter else []),
                    attributes={"data-testid": "app", "data-view": kind}):
        with solara.Div(classes=["db-top"]):
            solara.HTML(tag="div", unsafe_innerHTML=escape(status), classes=["db-status"],
                        attributes={"data-testid": "status", "data-step": str(view.step),
                                    "data-preset": view.preset.key, "data-version": str(view.version),
                                    "data-finished": str(int(view.finished)), "data-room": room.name,
                                    "data-shown": str(view.shown),
                                    "data-playing": str(int(playing)),
                                    "data-seats": str(len(view.players.seats)),
                                    "data-acted": str(view.players.acted)})
            if not presenter:
                kept(lambda: RunControls(view.finished, view.max_steps, act, playing, set_playing, speed,
                                         set_speed), [view.finished, view.max_steps, playing, speed])
            RoundTimer(view.timer_ends)
            if not presenter:  # (a kept element is a hook: never behind a condition that changes)
                kept(lambda: TimerControls(view.timer_ends, view.finished, act),
                     [view.timer_ends, view.finished])
            if view.players.seats and not presenter and not view.finished:
                locked = view.players.locked
                solara.Button("Unlock choices" if locked else "Lock choices and show the tally",
                              on_click=lambda: act(Action("lock", value=not locked)), small=True,
                              outlined=True, classes=["lock-choices"])
            if view.finished and not presenter:  # at the end; before it, under the side panel's Debrief
                solara.Button("Debrief (full screen)", on_click=lambda: set_screen("open"), small=True,
                              outlined=True, classes=["debrief-open"])
            solara.HTML(tag="div", classes=["db-room"], unsafe_innerHTML=(
                f'{escape(view.preset.title)} · room <b>{escape(room.name)}</b> · '
                + ("view only" if view_only else f'<a href="?{escape(other)}" target="_blank" '
                   f'class="switch-view">{"facilitator" if presenter else "presenter"} view</a>')
                + ("" if view_only else f' · join code <b data-testid="code">{escape(room.code)}</b>')
                + (f' · join: <b class="join-address">{escape(join_address(room))}</b>'
                   if view.join_shown else "")
                + (f" · {escape(room.note)}" if room.note else "")))
            if refusal:
                solara.Warning(refusal, dense=True, classes=["key-refused"])
        with solara.Div(classes=["db-net"], attributes={"data-testid": "network"}):
            NetworkPicture(svg=net, event_pick=set_picked)
        solara.HTML(tag="div", unsafe_innerHTML=charts, classes=["db-charts"],
                    attributes={"data-testid": "charts"})
        if picked:
            Inspect(view, picked, lambda: set_picked(""))
        else:
            Story(view, presenter)
        if not presenter:
            with solara.Div(classes=["db-side"]):
                EventButtons(view, act)
                More(view, act, room, lambda: set_screen("open"), lambda: set_replaying(True))
        if view.join_shown:  # the QR code and the short address, in a corner
            JoinBox(room, page_host())
        if full:
            DebriefScreen(view, lambda: set_screen("closed"))
        if replaying and not presenter:
            ReplayScreen(room, lambda: set_replaying(False))
