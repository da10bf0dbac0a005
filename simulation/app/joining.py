"""Joining from a phone: the round's timer, and a QR code with a short address on the projector.

* The facilitator may set a timer for the round (``Action("timer", value=when it runs out)``);
  the projector, the phones and the facilitator's page count it down in the browser
  (``countdown.vue``: the server sends when it ends and its own clock, so a phone's clock does
  not matter), and running the month ends it.
* Once the facilitator shows the join address, the projector (and the facilitator's page)
  shows it as a QR code (made here by ``segno``, with no network) with a short address
  beside it: ``HOST/j/CODE``, which the server's guard (``guard.py``) sends on to the room's
  join address (:func:`short_target`).
"""

from __future__ import annotations

import re
import time
from html import escape
from urllib.parse import urlencode

import segno
import solara

from .rooms import Room, Rooms
from .session import Action

#: Round timers the facilitator can set, in minutes.
TIMER_MINUTES = (1, 2, 3, 5)
#: The short address's path: /j/ and a room's participant code.
SHORT = re.compile(r"/j/([A-Za-z0-9]{4,12})/?")


def timer_ends(minutes: float, clock=time.time) -> int:
    """The ``timer`` action's value for a timer of ``minutes`` from now."""
    return int(round(clock() + 60 * minutes))


@solara.component_vue("countdown.vue", vuetify=False)
def Countdown(ends: int, now: float):  # noqa: N802 - a component
    """The round's timer counting down in the browser (nothing when ``ends`` is 0)."""


def short_address(host: str, code: str) -> str:
    """The short address participants type: ``HOST/j/CODE``."""
    return f"{host}/j/{code}"


def short_target(path: str, rooms: Rooms) -> str | None:
    """Where a short address's ``path`` (``/j/CODE``) leads: the join address of the open room
    with that participant code, or None."""
    found = SHORT.fullmatch(path or "")
    if found is None:
        return None
    room = rooms.by_code(found.group(1))
    return None if room is None else "/?" + urlencode({"room": room.name, "join": room.code})


def qr_svg(text: str) -> str:
    """``text`` as a QR code, an inline SVG (medium error correction, a quiet zone of 2)."""
    return segno.make(text, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff",
                                                  omitsize=True)  # a viewBox: the page sets its size


def join_box(room: Room, host: str) -> str:
    """The projector's joining box: the QR code of the join address and the short address."""
    full = f"http://{host}/?{urlencode({'room': room.name, 'join': room.code})}"
    return (f'<div class="db-qr" data-testid="join-qr" data-address="{escape(full)}">{qr_svg(full)}'
            f'<div class="db-short">{escape(short_address(host, room.code))}</div></div>')


@solara.component
def RoundTimer(ends: int):  # noqa: N802 - a component
    """The round's timer where a page shows it (the status line, a phone's top)."""
    now = solara.use_memo(time.time, [ends])  # this server's clock when the timer was set
    Countdown(ends=ends, now=now if ends else 0.0)


@solara.component
def TimerControls(ends: int, finished: bool, act):  # noqa: N802 - a component
    """The facilitator's buttons for the round's timer (none once the run has ended)."""
    with solara.Div(classes=["db-timer-set"]):
        if finished:
            return
        for m in TIMER_MINUTES:
            solara.Button(f"{m} min", small=True, outlined=True, classes=[f"timer-{m}"],
                          on_click=lambda m=m: act(Action("timer", value=timer_ends(m))))
        if ends:
            solara.Button("No timer", small=True, outlined=True, classes=["timer-off"],
                          on_click=lambda: act(Action("timer", value=0)))


@solara.component
def JoinBox(room: Room, host: str):  # noqa: N802 - a component
    """The QR code and the short address, in a corner of the screen."""
    html = solara.use_memo(lambda: join_box(room, host), [room.code, host])
    solara.HTML(tag="div", unsafe_innerHTML=html, classes=["db-join"])
