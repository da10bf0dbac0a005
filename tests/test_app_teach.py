"""``drumbeat teach`` before and as it serves: the start room and its code, --lan, --allow."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest

from experiments.cli import teach
from experiments.cli.main import build_parser
from experiments.cli.main import main as cli
from simulation import ConfigError
from simulation.app import ENV_KEY
from simulation.app.rooms import Rooms, may_control, read_room


def _prepare(tmp_path, monkeypatch, *argv: str):
    monkeypatch.setattr(teach, "prepare_assets", lambda cache=None: [])  # no npm here
    args = build_parser().parse_args(["teach", "--rooms", str(tmp_path / "rooms"), *argv])
    return teach.prepare(args, {})


def _link(lines: list[str], label: str) -> dict[str, str]:
    line = next(x for x in lines if x.strip().startswith(label))
    return {k: v[0] for k, v in parse_qs(urlsplit(line.split()[1]).query).items()}


def test_teach_opens_the_start_room_and_prints_its_code_and_links(tmp_path, monkeypatch):
    cmd, env, lines = _prepare(tmp_path, monkeypatch, "--room", "Monday", "--port", "8123", "--seed", "4")
    code = re.search(r"room monday: join code ([A-Z0-9]{6})", "\n".join(lines)).group(1)
    restored = Rooms(tmp_path / "rooms").get("monday")  # what the server will find on first use
    assert restored.code == code and restored.session.seed == 4
    assert read_room(tmp_path / "rooms" / "monday.jsonl")[0]["code"] == code
    assert _link(lines, "participants:") == {"room": "monday", "join": code}
    assert _link(lines, "facilitator:") == {"room": "monday"}  # this machine only: no key needed
    assert _link(lines, "projector:") == {"room": "monday", "view": "presenter"}
    assert lines[0].startswith("Drumbeat teaching app: http://127.0.0.1:8123/")
    assert ENV_KEY not in env and cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"  # the server reports nothing
    again = _prepare(tmp_path, monkeypatch, "--room", "monday", "--port", "8123")[2]
    assert f"join code {code}" in "\n".join(again)  # a restart keeps the room and its code


def test_on_the_local_network_the_controls_need_the_printed_facilitator_key(tmp_path, monkeypatch):
    monkeypatch.setattr(teach, "lan_address", lambda: "192.168.1.20")
    cmd, env, lines = _prepare(tmp_path, monkeypatch, "--lan", "--port", "8124")
    assert lines[0].startswith("Drumbeat teaching app: http://192.168.1.20:8124/")
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"
    code = Rooms(tmp_path / "rooms").get("main").code
    assert _link(lines, "participants:") == {"room": "main", "join": code}
    key = _link(lines, "facilitator:")["key"]
    assert key == env[ENV_KEY] and key != code and len(key) >= 12
    assert may_control(key, env) and not may_control(code, env) and not may_control("", env)
    assert "key=" not in next(x for x in lines if "participants:" in x)
    assert _link(lines, "projector:") == {"room": "main", "view": "presenter"}  # the projector: no key
    assert [x.split(":")[0].strip() for x in lines if key in x] == ["facilitator", "other rooms"]


def test_listening_beyond_this_machine_needs_lan_and_names_are_checked(tmp_path, monkeypatch, capsys):
    with pytest.raises(ConfigError, match="add --lan"):
        _prepare(tmp_path, monkeypatch, "--host", "0.0.0.0")
    assert teach.listen_host(build_parser().parse_args(["teach", "--host", "127.0.0.2"])) == "127.0.0.2"
    with pytest.raises(ConfigError, match="not a host name"):
        _prepare(tmp_path, monkeypatch, "--allow", "evil.example/x")
    assert cli(["teach", "--room", "no room", "--rooms", str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1  # one line, no traceback
    assert teach.server_command("127.0.0.1", 1, ["a.example", "b"])[-4:] == [
        "--allow", "a.example", "--allow", "b"]


def _get(url: str, host: str) -> int:
    req = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_server_answers_a_name_given_with_allow_and_refuses_another(tmp_path):
    """The real command: its printed code is the saved room's; ``--allow`` reaches the server."""
    from tests.e2e.test_app import serve

    log: list[str] = []
    with serve(tmp_path, log=log, extra=("--allow", "Teach.Example", "--room", "class")) as url:
        port = urlsplit(url).port
        assert f"join code {read_room(tmp_path / 'class.jsonl')[0]['code']}" in log[0]
        assert _get(url, f"teach.example:{port}") == 200
        assert _get(url, f"other.example:{port}") == 400
        assert _get(url, f"127.0.0.1:{port}") == 200


def test_the_real_server_forbids_framing_and_refuses_a_websocket_from_another_origin(tmp_path):
    """Through the command ``drumbeat teach`` runs: the guard sits in front of Solara's app."""
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    from tests.e2e.test_app import serve

    with serve(tmp_path) as url:
        with urllib.request.urlopen(url + "?room=main&view=presenter", timeout=10) as r:
            assert r.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
            assert r.headers["X-Frame-Options"] == "DENY"
        with urllib.request.urlopen(url + "static/main-vuetify.js", timeout=10) as r:  # any answer
            assert r.headers["X-Frame-Options"] == "DENY"
        socket_url = url.replace("http://", "ws://") + "jupyter/api/kernels/k1/channels?session_id=s1"
        with pytest.raises(InvalidStatus) as refused:
            connect(socket_url, origin="http://evil.example", open_timeout=10)
        assert refused.value.response.status_code == 403
        assert b"Origin 'http://evil.example' is not 127.0.0.1:" in refused.value.response.body
        with connect(socket_url, origin=url.rstrip("/"), open_timeout=10) as ws:  # its own page's
            assert ws.protocol.state.name == "OPEN"
