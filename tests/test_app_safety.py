"""The teaching app's safety without a browser: frame headers, same-origin websockets, the
facilitator's key (never on a projector's page, wrong guesses limited per address), who may
make a room and how many, and refused actions kept out of the room's record."""

from __future__ import annotations

import asyncio
import html

import ipywidgets
import pytest
import solara
from solara.routing import Router, router_context

from simulation import ConfigError
from simulation.app import ENV_KEY, page, rooms
from simulation.app.guard import CLIENT_HEADER, Guard, same_origin
from simulation.app.rooms import KeyCheck, Rooms, read_actions
from simulation.app.session import Action, Session

KEY = "s3cret-key-123"


def small() -> Session:
    return Session("two_hospitals", 3)


# --- the guard: headers and websockets ---------------------------------------------------
def _call(guard: Guard, scope: dict) -> list[dict]:
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    asyncio.run(guard(scope, None, send))
    return sent


def _app(seen: list[dict]):
    async def app(scope, receive, send):
        seen.append(scope)
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"text/html"), (b"x-frame-options", b"SAMEORIGIN")]})
            await send({"type": "http.response.body", "body": b"<html></html>"})

    return app


def _ws(origin: bytes | None, host: bytes = b"127.0.0.1:8765", scheme: str = "ws") -> dict:
    headers = [(b"host", host), (b"x-drumbeat-client", b"6.6.6.6")]
    if origin is not None:
        headers.append((b"origin", origin))
    return {"type": "websocket", "scheme": scheme, "headers": headers, "client": ("192.168.1.7", 50000),
            "extensions": {"websocket.http.response": {}}}


def test_every_http_answer_forbids_framing():
    seen: list[dict] = []
    sent = _call(Guard(_app(seen)), {"type": "http", "headers": [(b"host", b"127.0.0.1:8765")]})
    headers = sent[0]["headers"]
    assert (b"content-security-policy", b"frame-ancestors 'none'") in headers
    assert [v for k, v in headers if k == b"x-frame-options"] == [b"DENY"]  # the app's own is replaced
    assert (b"content-type", b"text/html") in headers and sent[1]["body"] == b"<html></html>"


def test_a_websocket_from_another_origin_is_refused_with_a_reason():
    seen: list[dict] = []
    log: list[str] = []
    guard = Guard(_app(seen), log=log.append)
    for origin, host, scheme in ((b"http://evil.example", b"127.0.0.1:8765", "ws"),
                                 (b"http://127.0.0.1:9999", b"127.0.0.1:8765", "ws"),  # another port
                                 (b"https://127.0.0.1:8765", b"127.0.0.1:8765", "ws"),  # another scheme
                                 (b"null", b"127.0.0.1:8765", "ws"),  # a sandboxed frame or a file
                                 (None, b"127.0.0.1:8765", "ws")):
        sent = _call(guard, _ws(origin, host, scheme))
        assert sent[0]["type"] == "websocket.http.response.start" and sent[0]["status"] == 403, origin
        body = sent[1]["body"].decode()
        assert body.startswith("refused: the teaching app accepts connections only from its own pages")
        assert (repr(origin.decode()) if origin else "names no Origin") in body
    assert seen == [] and len(log) == 5 and "192.168.1.7" in log[0]  # nothing reached the app
    no_extension = dict(_ws(b"http://evil.example"), extensions={})
    assert _call(guard, no_extension)[0]["type"] == "websocket.close"  # closed before it opens: 403


def test_a_websocket_from_the_apps_own_page_passes_with_its_real_client_address():
    seen: list[dict] = []
    guard = Guard(_app(seen))
    for origin, host in ((b"http://127.0.0.1:8765", b"127.0.0.1:8765"),
                         (b"http://Teach.Example", b"teach.example:80"),  # the default port, either way
                         (b"http://[::1]:8765", b"[::1]:8765")):
        assert _call(guard, _ws(origin, host)) == []
    assert len(seen) == 3
    client = [v for k, v in seen[0]["headers"] if k == CLIENT_HEADER.encode()]
    assert client == [b"192.168.1.7"]  # the peer's address; the forged header is gone
    assert same_origin("https://a.example", "a.example", "wss") and not same_origin("", "a.example")


# --- the facilitator's key ---------------------------------------------------------------
def test_the_eleventh_wrong_key_from_one_address_within_a_minute_is_refused():
    now = [0.0]
    keys = KeyCheck(clock=lambda: now[0])
    env = {ENV_KEY: KEY}
    for k in range(10):
        now[0] = k
        assert keys.check(f"guess{k}", "10.0.0.9", env) == (False, "that is not the facilitator's key: "
                                                                    "this page only watches the room")
    now[0] = 30.0
    ok, why = keys.check(KEY, "10.0.0.9", env)  # the 11th within the minute: even the right key
    assert not ok and why.startswith("more than 10 wrong facilitator keys from your address")
    assert keys.check(KEY, "10.0.0.10", env) == (True, "")  # per address
    for _ in range(50):  # pages opened without a key are watchers, not guesses
        assert keys.check("", "10.0.0.10", env) == (False, "")
    assert keys.check(KEY, "10.0.0.10", env) == (True, "")
    now[0] = 60.0  # the first wrong guess is a minute old
    assert keys.check(KEY, "10.0.0.9", env) == (True, "")
    assert keys.check("anything", "10.0.0.9", {}) == (True, "")  # no key set: this machine only


def _texts(widget, out: list[str] | None = None, seen: set[int] | None = None) -> list[str]:
    """Every string a rendered page holds (HTML, labels, attributes), widget by widget."""
    out = [] if out is None else out
    seen = set() if seen is None else seen
    if id(widget) in seen:
        return out
    seen.add(id(widget))

    def visit(value) -> None:
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, ipywidgets.Widget):
            _texts(value, out, seen)
        elif isinstance(value, (list, tuple)):
            for v in value:
                visit(v)
        elif isinstance(value, dict):
            for v in value.values():
                visit(v)

    for name in widget.keys:
        visit(getattr(widget, name, None))
    return out


def _render(search: str) -> tuple[str, list[str]]:
    pushed: list[str] = []

    @solara.component
    def Wrap():  # noqa: N802 - a component
        router_context.provide(Router(f"/?{search}", [], set_path=pushed.append))
        page.Page()

    box, rc = solara.render(Wrap(), handle_error=False)
    text = html.unescape("\n".join(_texts(box)))
    rc.close()
    return text, pushed


@pytest.fixture
def keyed(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_KEY, KEY)
    monkeypatch.setattr(rooms, "_REGISTRY", Rooms(tmp_path, small))
    monkeypatch.setattr(page, "KEYS", KeyCheck())
    return rooms.registry()


def test_a_projector_page_holds_no_key_and_its_address_loses_one(keyed):
    keyed.get("class")
    facilitator, _ = _render(f"room=class&key={KEY}")
    assert "run-1" in facilitator  # the controls (the Step button's class): a facilitator's page
    assert "view=presenter" in facilitator and KEY not in facilitator  # its presenter link has no key
    projector, pushed = _render(f"room=class&key={KEY}&view=presenter")  # an old bookmark
    assert pushed == ["/?room=class&view=presenter"]  # the address bar loses the key
    assert KEY not in projector and "view only" in projector
    assert "facilitator view" not in projector  # no link to the controls from the projector


def test_only_the_facilitator_makes_a_room_and_a_wrong_key_is_told(keyed):
    text, _ = _render("room=fresh")
    assert "there is no room 'fresh' on this server: only the facilitator can open a new room" in text
    text, _ = _render("room=fresh&key=wrong")
    assert "there is no room 'fresh'" in text
    text, _ = _render(f"room=fresh&key={KEY}")
    assert "Month 0 of" in text and "there is no room" not in text
    text, _ = _render("room=fresh&key=wrong")  # it exists now: a watcher, told the key is wrong
    assert "that is not the facilitator's key: this page only watches the room" in text
    assert "view only" in text


def test_rooms_are_capped_with_one_message(tmp_path, monkeypatch):
    monkeypatch.setattr(rooms, "MAX_ROOMS", 3)
    reg = Rooms(tmp_path, small)
    for name in ("a", "b", "c"):
        reg.get(name)
    with pytest.raises(ConfigError, match=r"^this server already holds 3 rooms, the most it keeps: use "
                       r"one of them, or restart the server"):
        reg.get("d")
    assert reg.get("b").name == "b"  # a room it holds still opens
    assert not (tmp_path / "d.jsonl").exists()
    later = Rooms(tmp_path, small)  # after a restart a saved room comes back without the key
    assert later.get("a", create=False).code == reg.get("a").code
    with pytest.raises(ConfigError, match="there is no room 'e'"):
        later.get("e", create=False)


# --- refused actions are not kept --------------------------------------------------------
def test_refused_actions_are_kept_out_of_the_session_and_the_room_file(tmp_path):
    room = Rooms(tmp_path, small).get("kept")
    org = room.session.model.state.world.org_name
    ann = "ann-0123456789"
    assert room.apply(Action("claim", ann, "Ann", org[0])) == ""
    kept = list(room.session.actions)
    refused = [Action("lever", "reg_intensity", 7.0), Action("event", "council_party_change", target=org[0]),
               Action("choose", ann, {"month": 5, "choice": "stance", "answer": "commit"}, org[0]),
               Action("choose", "bob-0123456789", {"month": 1, "choice": "stance", "answer": "commit"},
                      org[1]),
               Action("look", value=3), Action("undo")]
    for action in refused:
        assert room.apply(action) != "", action
    assert room.session.actions == kept
    assert read_actions(tmp_path / "kept.jsonl") == kept
    assert room.apply(Action("step", value=1)) == ""
    assert read_actions(tmp_path / "kept.jsonl") == [*kept, Action("step", value=1)]


def test_the_join_address_reaches_the_projector_only_when_the_facilitator_shows_it(keyed):
    room = keyed.get("class")
    projector, _ = _render("room=class&view=presenter")
    assert room.code not in projector  # a keyed server: watchers do not see the room's code
    assert room.apply(Action("show_join", value=True)) == ""
    projector, _ = _render("room=class&view=presenter")
    address = f"http://this-address/?room=class&join={room.code}"  # the page's Host (none in a test)
    assert f'join: <b class="join-address">{address}</b>' in projector
    assert KEY not in projector
    assert room.apply(Action("show_join", value="on")) == "show_join: 'on' is not true or false"
    room.apply(Action("show_join", value=False))
    assert room.code not in _render("room=class&view=presenter")[0]
