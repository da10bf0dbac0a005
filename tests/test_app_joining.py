"""The projector's round timer and its QR code with a short address for joining (issue 25,
point 2), without a browser: the timer is a room action kept in its file (so a restart keeps
it) and ended by the month it times; the QR code and ``HOST/j/CODE`` lead to the room's join
address through the server's guard."""

from __future__ import annotations

import re

import segno

from simulation.app import ENV_KEY, rooms
from simulation.app.guard import Guard
from simulation.app.joining import join_box, qr_svg, short_address, short_target, timer_ends
from simulation.app.rooms import Rooms, read_actions
from simulation.app.session import Action, Session
from tests.test_app_safety import _app, _call, _render

ENDS = 1_900_000_000  # a clock time, seconds since 1970


def small() -> Session:
    return Session("two_hospitals", 3)


def test_a_round_timer_is_set_kept_after_a_restart_and_ended_by_the_month(tmp_path):
    room = Rooms(tmp_path, small).get("timed")
    assert room.view().timer_ends == 0  # no timer until the facilitator sets one
    assert room.apply(Action("timer", value=ENDS)) == ""
    assert room.view().timer_ends == ENDS
    assert Rooms(tmp_path, small).get("timed").view().timer_ends == ENDS  # replayed from the file
    assert room.apply(Action("timer", value="soon")) == "timer: 'soon' is not a whole number"
    assert room.apply(Action("timer", value=-5)) == "timer: -5 must be a whole number from 0 to 1099511627776"
    assert Action("timer", value="soon") not in read_actions(tmp_path / "timed.jsonl")  # refused: not kept
    room.apply(Action("step", value=1))
    assert room.view().timer_ends == 0  # the month it timed was run
    room.apply(Action("timer", value=ENDS))
    room.apply(Action("timer", value=0))
    assert room.view().timer_ends == 0  # stopped
    room.apply(Action("timer", value=ENDS))
    room.apply(Action("reset"))
    assert room.view().timer_ends == 0
    assert timer_ends(2, clock=lambda: 1000.4) == 1120


def test_the_timer_reaches_the_projector_the_facilitator_and_the_phones(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.setattr(rooms, "_REGISTRY", Rooms(tmp_path, small))
    room = rooms.registry().get("timed")
    org = room.session.model.state.world.org_name[0]
    room.apply(Action("claim", "ann-0123456789", "Ann", org))
    phone = f"room=timed&join={room.code}&me=ann-0123456789"
    facilitator, _ = _render("room=timed")
    assert "timer-2" in facilitator and "timer-off" not in facilitator  # the buttons; nothing to stop
    assert [_timers(search) for search in ("room=timed", "room=timed&view=presenter", phone)] == [[0]] * 3
    room.apply(Action("timer", value=ENDS))
    assert [_timers(search) for search in ("room=timed", "room=timed&view=presenter", phone)] == [[ENDS]] * 3
    facilitator, _ = _render("room=timed")
    assert "timer-off" in facilitator and "left to choose" in facilitator  # countdown.vue


def _timers(search: str) -> list[int]:
    """The ``ends`` of every round timer (``countdown.vue``) on the page at ``search``."""
    import solara
    from solara.routing import Router, router_context

    from simulation.app import page

    @solara.component
    def Wrap():  # noqa: N802 - a component
        router_context.provide(Router(f"/?{search}", [], set_path=lambda _: None))
        page.Page()

    box, rc = solara.render(Wrap(), handle_error=False)
    found, todo, seen = [], [box], set()
    while todo:
        w = todo.pop()
        if id(w) in seen:
            continue
        seen.add(id(w))
        if "ends" in w.keys and "now" in w.keys:
            found.append(w.ends)
        todo += [v for k in w.keys for v in _widgets(getattr(w, k, None))]
    rc.close()
    return found


def _widgets(value) -> list:
    import ipywidgets

    if isinstance(value, ipywidgets.Widget):
        return [value]
    if isinstance(value, (list, tuple)):
        return [w for v in value for w in _widgets(v)]
    if isinstance(value, dict):
        return [w for v in value.values() for w in _widgets(v)]
    return []


def test_the_projector_shows_a_qr_code_and_a_short_address_once_the_join_is_shown(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.setattr(rooms, "_REGISTRY", Rooms(tmp_path, small))
    room = rooms.registry().get("qr")
    projector, _ = _render("room=qr&view=presenter")
    assert "join-qr" not in projector  # not until the facilitator shows it
    room.apply(Action("show_join", value=True))
    projector, _ = _render("room=qr&view=presenter")
    full = f"http://this-address/?room=qr&amp;join={room.code}"  # the page's own name and port
    assert f'data-testid="join-qr" data-address="{full.replace("&amp;", "&")}"' in projector
    assert f'<div class="db-short">this-address/j/{room.code}</div>' in projector
    assert qr_svg(full.replace("&amp;", "&")) in projector


def test_the_qr_code_is_the_join_address():
    address = "http://192.168.1.20:8765/?room=main&join=ABCDEF"
    svg = qr_svg(address)
    assert svg.startswith("<svg") and 'class="segno"' in svg
    qr = segno.make(address, error="m")
    size = tuple(int(x) for x in re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
    assert (qr.error, qr.mode) == ("M", "byte") and qr.symbol_size(border=2, scale=4) == size
    assert svg == qr.svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=True)


def test_a_short_address_leads_to_its_rooms_join_address(tmp_path, monkeypatch):
    reg = Rooms(tmp_path, small)
    room = reg.get("short")
    assert short_address("192.168.1.20:8765", room.code) == f"192.168.1.20:8765/j/{room.code}"
    assert short_target(f"/j/{room.code}", reg) == f"/?room=short&join={room.code}"
    assert short_target(f"/j/{room.code.lower()}/", reg) == f"/?room=short&join={room.code}"  # any case
    assert short_target("/j/ZZZZZZ", reg) is None and short_target("/j/", reg) is None
    monkeypatch.setattr(rooms, "_REGISTRY", reg)
    seen: list[dict] = []
    sent = _call(Guard(_app(seen)), {"type": "http", "path": f"/j/{room.code}", "headers": []})
    assert sent[0]["status"] == 302
    assert (b"location", f"/?room=short&join={room.code}".encode()) in sent[0]["headers"]
    assert (b"x-frame-options", b"DENY") in sent[0]["headers"] and seen == []  # answered by the guard
    sent = _call(Guard(_app(seen)), {"type": "http", "path": "/j/ZZZZZZ", "headers": []})
    assert sent[0]["status"] == 404 and sent[1]["body"].startswith(b"no open room has that code")


def test_the_join_box_is_a_qr_code_and_the_short_address():
    class Room:
        name, code = "main", "ABCDEF"

    box = join_box(Room(), "teach.example:8765")
    assert 'data-address="http://teach.example:8765/?room=main&amp;join=ABCDEF"' in box
    assert '<div class="db-short">teach.example:8765/j/ABCDEF</div>' in box
