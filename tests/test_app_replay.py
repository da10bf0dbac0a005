"""After the session, and coming back to it, without a browser: seat codes and rejoining, the
export of every choice with its month and who made it, and the replay month by month."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import fields, replace

import numpy as np
import pandas as pd
import pytest

from simulation.app.export import Record, export_zip, room_zip
from simulation.app.participants import CODE_LETTERS, SEAT_CODE_LENGTH, seat_code
from simulation.app.replay import Replay, read_upload, room_file
from simulation.app.rooms import SEAT_GUESSES, Rooms, parse_room
from simulation.app.session import Action, Session
from simulation.errors import ConfigError

ANN, BOB, CAT = "ann-0123456789", "bob-0123456789", "cat-0123456789"


def small() -> Session:
    return Session("two_hospitals", 3)


def choose(player: str, org: str, month: int, choice: str, answer: str) -> Action:
    return Action("choose", player, {"month": month, "choice": choice, "answer": answer}, org)


def same_view(a, b, aliased: bool = False) -> None:
    """Two views show the same: every field but the version (a count of actions applied); with
    ``aliased``, participants' tokens may differ (an export's room file), not whom they seat."""
    if aliased:
        assert list(a.players.player_org.values()) == list(b.players.player_org.values())
        assert list(a.players.player_name.values()) == list(b.players.player_name.values())
        a, b = (replace(v, players=replace(v.players, player_org={}, player_name={})) for v in (a, b))
    for name in ("national", "systems", "events"):
        pd.testing.assert_frame_equal(getattr(a.result, name), getattr(b.result, name))
    assert set(a.network) == set(b.network)
    for key in a.network:
        np.testing.assert_array_equal(a.network[key], b.network[key])
    assert len(a.past) == len(b.past)
    for x, y in zip(a.past, b.past, strict=True):  # the earlier runs of the room
        for f in fields(x):
            one, two = getattr(x, f.name), getattr(y, f.name)
            if isinstance(one, pd.DataFrame):
                pd.testing.assert_frame_equal(one, two)
            elif isinstance(one, pd.Series):
                pd.testing.assert_series_equal(one, two)
            else:
                assert one == two, f.name
    plain = {"version": 0, "result": None, "network": {}, "past": ()}
    assert replace(a, **plain) == replace(b, **plain)


# --- seats: a short code, and rejoining the same seat ------------------------------------------
def test_a_seat_code_is_short_readable_and_the_same_after_a_restart(tmp_path):
    assert seat_code(ANN) == seat_code(ANN) and seat_code(ANN) != seat_code(BOB)
    assert len(seat_code(ANN)) == SEAT_CODE_LENGTH and set(seat_code(ANN)) <= set(CODE_LETTERS)
    assert ANN not in seat_code(ANN) and len({seat_code(f"player-{k:04d}") for k in range(2000)}) == 2000
    room = Rooms(tmp_path, small).get("seats")
    org = room.session.model.state.world.org_name
    room.apply(Action("claim", ANN, "Ann", org[0]))
    again = Rooms(tmp_path, small).get("seats")  # a new server process: the same seat, the same code
    assert again.rejoin("1.2.3.4", code=seat_code(ANN)) == (ANN, "")


def test_a_participant_rejoins_the_same_seat_by_seat_code_or_by_name_and_organisation():
    room = Rooms(None, small).get("back")
    org = room.session.model.state.world.org_name
    room.apply(Action("claim", ANN, "Ann", org[0]))
    room.apply(Action("claim", CAT, "Cat", org[0]))  # Ann's team
    room.apply(Action("claim", BOB, "Bob", org[2]))
    code = seat_code(CAT)
    for given in (code, code.lower(), f" {code[:2]}-{code[2:]} "):
        assert room.rejoin("a", code=given) == (CAT, "")
    assert room.rejoin("a", name="  cat ", org=org[0]) == (CAT, "")
    assert room.rejoin("a", name="Cat", org=org[2]) == ("", f"nobody called Cat plays {org[2]} in this room")
    assert room.rejoin("a", name="", org=org[0])[0] == ""
    before = room.version
    assert room.rejoin("a", name="Bob", org=org[2]) == (BOB, "")
    assert room.version == before and room.session.actions[-1] == Action("claim", BOB, "Bob", org[2])
    # the rejoined page acts as the seat: its choice is the team's, as before
    assert room.apply(choose(CAT, org[0], 1, "stance", "withdraw")) == ""
    assert room.view().players.chosen_by == {org[0]: {"stance": "Cat"}}
    room.apply(Action("release", target=org[2]))  # the facilitator freed Bob's seat
    assert room.rejoin("a", name="Bob", org=org[2])[0] == ""


def test_wrong_seat_codes_are_limited_per_address():
    room = Rooms(None, small).get("guess")
    org = room.session.model.state.world.org_name
    room.apply(Action("claim", ANN, "Ann", org[0]))
    for _ in range(SEAT_GUESSES):
        assert "no seat of this room has that seat code" in room.rejoin("9.9.9.9", code="AAAAA")[1]
    assert room.rejoin("9.9.9.9", code=seat_code(ANN)) == ("", "more than 10 wrong seat codes from your "
                                                          "address within a minute: wait a minute, or ask "
                                                          "the facilitator")
    assert room.rejoin("8.8.8.8", code=seat_code(ANN)) == (ANN, "")  # another address
    assert room.rejoin("9.9.9.9", name="Ann", org=org[0]) == (ANN, "")  # a name is no guess of a code


# --- the replay: month by month, the very states the room showed ------------------------------
def a_session() -> tuple[Session, list]:
    """Two participants over nine months with an event and a lever, a reset and three more months;
    the live view after every month (and once each run was built)."""
    s = small()
    org = s.model.state.world.org_name
    live = [s.view()]
    s.apply(Action("claim", ANN, "Ann", org[0]))
    s.apply(Action("claim", BOB, "Bob", org[2]))
    for month in range(1, 10):
        s.apply(choose(ANN, org[0], month, "stance", "commit"))
        s.apply(choose(ANN, org[0], month, "stance", "withdraw" if month % 3 else "commit"))  # a changed mind
        if month % 2:
            s.apply(choose(BOB, org[2], month, "stance", "rules"))
        if month == 4:
            s.press("resignation", org[1])
        if month == 6:
            s.apply(Action("lever", "pool_consensus", 0.5))
        s.apply(Action("look", value=max(month - 2, 0)))  # looking back changes no month
        s.step(1)
        live.append(s.view())
    s.reset()
    live.append(s.view())
    s.apply(choose(BOB, org[2], 1, "stance", "withdraw"))
    s.step(3)  # three months at once: the replay takes them one at a time
    live.append(s.view())
    return s, live


@pytest.fixture(scope="module")
def session():
    return a_session()


def test_the_replay_goes_through_the_live_sessions_states_month_by_month(session):
    s, live = session
    replay = Replay(s.actions, s.presets)
    assert [(x.run, x.month) for x in replay.stops] == [(1, k) for k in range(10)] + [(2, k)
                                                                                     for k in range(4)]
    for k, view in zip([*range(10), 10, 13], live, strict=True):  # run 2 ran three months at once
        same_view(replay.view(k), view)
    same_view(replay.view(3), live[3])  # backwards too
    same_view(replay.view(13), s.view())
    assert replay.stops[12].date == s.model.spec.date_of(2)
    with pytest.raises(ConfigError, match="14 is not a month of this replay"):
        replay.view(14)


def test_the_replay_lists_every_choice_with_its_month_and_who_made_it(session):
    s, _ = session
    org = s.model.state.world.org_name
    replay = Replay(s.actions, s.presets)
    assert [(r.who, r.answer) for r in replay.choices(4)] == [("Ann", "commit"), ("Ann", "withdraw")]
    assert [(r.who, r.answer, r.month) for r in replay.choices(3)] == [
        ("Ann", "commit", 2), ("Ann", "commit", 2), ("Bob", "rules", 2)]
    # Ann committed in month 3, so month 4 asked her organisation whether to withdraw: she did
    assert [(d.org, d.kind, d.who, d.answer) for d in replay.decided(4) if d.by_player] == [
        (0, "withdraw", "Ann", True)]
    bob = [d for d in replay.decided(3) if d.org == 2]  # Bob chose "rules": the rules decided
    assert bob and all(not d.by_player and d.who == "" for d in bob)
    assert [(r.who, r.for_month, r.answer) for r in replay.choices(11)] == [("Bob", 1, "withdraw")]
    ops = [(r.op, r.who, r.run, r.month) for r in replay.rows]
    assert ops[:3] == [("load", "facilitator", 1, 0), ("claim", "Ann", 1, 0), ("claim", "Bob", 1, 0)]
    assert ("event", "facilitator", 1, 3) in ops and ("reset", "facilitator", 1, 9) in ops
    assert ops[-1] == ("step", "facilitator", 2, 0) and replay.rows[-1].detail == "3 month(s)"
    assert [r for r in replay.rows if r.op == "event"][0].organisation == org[1]
    assert len(replay.rows) == len(s.actions)  # every action, once


def test_the_export_holds_every_choice_the_decisions_the_debrief_and_a_file_that_replays(session):
    s, _ = session
    room = Rooms(None, lambda: s).get("after")
    data = room_zip(room)
    assert data == room_zip(room)  # reproducible bytes
    z = zipfile.ZipFile(io.BytesIO(data))
    assert {"actions.csv", "choices.csv", "decisions.csv", "debrief.txt", "room.jsonl", "national.csv",
            "runs.csv", "story.csv"} <= set(z.namelist())
    choices = pd.read_csv(z.open("choices.csv"), keep_default_na=False)
    assert choices["for_month"].dtype == int and z.read("choices.csv").decode().splitlines()[1].startswith(
        f"{choices['seq'][0]},1,1,Ann,{s.model.state.world.org_name[0]},stance,commit,False")
    expected = [(1, m, "Ann", a) for m in range(1, 10) for a in ("commit", "withdraw" if m % 3 else "commit")]
    expected += [(1, m, "Bob", "rules") for m in range(1, 10, 2)] + [(2, 1, "Bob", "withdraw")]
    expected.sort(key=lambda x: (x[0], x[1], x[2]))
    got = sorted(zip(choices["run"], choices["for_month"], choices["who"], choices["answer"], strict=True),
                 key=lambda x: (x[0], x[1], x[2]))
    assert got == expected
    counted = choices[choices["counted"]]
    assert len(counted) == 9 + 5 + 1  # one a month for Ann, Bob's five, Bob's one in run 2
    assert not choices[(choices["who"] == "Ann") & (choices["seq"] == choices["seq"].min())]["counted"].any()
    decisions = pd.read_csv(z.open("decisions.csv"))
    replay = Replay(s.actions, s.presets)
    assert len(decisions) == len(replay.decisions) > 0
    ann = decisions[decisions["chosen_by"] == "Ann"]
    assert sorted(set(ann["month"])) == list(range(1, 10)) and set(ann["run"]) == {1}
    assert z.read("debrief.txt").decode().splitlines() == list(s.view().debrief)
    # the room file in the zip: no join code, no participant's token, and it replays the session
    text = z.read("room.jsonl").decode()
    assert room.code not in text and ANN not in text and BOB not in text and "seat-001" in text
    head, actions = read_upload(data, "export.zip")
    assert head["room"] == "after" and "code" not in head
    again = Replay(actions, s.presets)
    assert [x.month for x in again.stops] == [x.month for x in replay.stops]
    same_view(again.view(len(again.stops) - 1), s.view(), aliased=True)
    same_view(again.view(5), replay.view(5), aliased=True)
    assert [(r.who, r.answer) for r in again.choices(4)] == [("Ann", "commit"), ("Ann", "withdraw")]
    assert read_upload(text.encode())[1] == actions  # the room file itself opens too


def test_a_file_that_is_not_a_session_is_refused_in_one_line():
    with pytest.raises(ConfigError, match="not a Drumbeat room file"):
        read_upload(b"hello\n", "notes.txt")
    with pytest.raises(ConfigError, match="a zip without room.jsonl"):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("national.csv", "step\n0\n")
        read_upload(buf.getvalue(), "old.zip")
    with pytest.raises(ConfigError, match="larger than 5 MB"):
        read_upload(b"x" * 5_000_001)
    with pytest.raises(ConfigError, match="never loaded a preset"):
        Replay(parse_room(json.dumps({"drumbeat_room": 1}) + "\n")[1])
    with pytest.raises(ConfigError, match="a preset this server has: unknown preset 'nowhere'"):
        Replay([Action("load", "nowhere", 1), Action("claim", ANN, "Ann", "Northgate Hospital")])
    plain = room_file({"room": "x"}, [Action("load", "two_hospitals", 1), Action("step", value=2)])
    assert [x.month for x in Replay(parse_room(plain)[1]).stops] == [0, 1, 2]


def test_the_export_without_a_record_is_the_tables_and_the_debrief():
    s = small()
    s.step(2)
    z = zipfile.ZipFile(io.BytesIO(export_zip(s.view())))
    assert "room.jsonl" not in z.namelist() and "choices.csv" not in z.namelist()
    assert z.read("debrief.txt").decode().splitlines() == list(s.view().debrief)
    assert Record({}, []).actions == []


def test_the_replay_screen_steps_through_the_months_of_a_room():
    import ipyvuetify as v
    import solara

    from simulation.app.replay_page import ReplayScreen

    room = Rooms(None, small).get("screen")
    org = room.session.model.state.world.org_name
    room.apply(Action("claim", ANN, "Ann", org[0]))
    room.apply(choose(ANN, org[0], 1, "stance", "withdraw"))
    room.apply(Action("step", value=2))
    closed = []

    @solara.component
    def Page():  # noqa: N802 - a component
        ReplayScreen(room, lambda: closed.append(True))

    _, rc = solara.render(Page(), handle_error=False)

    def html() -> str:
        return " ".join(w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets)

    assert "run 1, month 0 of 60" in html() and "nothing has happened yet" in html()
    rc.find(v.Btn, children=["Next month"]).widget.click()
    assert "run 1, month 1 of 60" in html()
    assert "Choices made for month 1" in html() and "Ann" in html() and "Withdraw" in html()
    rc.find(v.Btn, children=["Last"]).widget.click()
    assert "month 2 of 60" in html()
    rc.find(v.Btn, children=["Back to the room"]).widget.click()
    assert closed == [True]


def test_drumbeat_teach_gives_every_page_the_script_that_heals_it():
    from types import SimpleNamespace

    from simulation.app.heal import ASSETS, use_assets

    script = (ASSETS / "custom.js").read_text()
    for needed in ("Connection lost - reconnecting", "/readyz", "localStorage", "location.reload()",
                   "needsRefresh", "'drumbeat-seat:'"):
        assert needed in script, needed
    settings = SimpleNamespace(extra_locations=["elsewhere", str(ASSETS)])
    use_assets(settings)
    assert settings.extra_locations == [str(ASSETS), "elsewhere"]  # first, once
    teach = (ASSETS.parents[2] / "experiments" / "cli" / "teach.py").read_text()
    assert "use_assets(settings.assets)" in teach


def test_a_room_file_whose_preset_this_server_lacks_is_set_aside_not_a_crash(tmp_path):
    room = Rooms(tmp_path, small).get("gone")
    org = room.session.model.state.world.org_name
    room.apply(Action("claim", ANN, "Ann", org[0]))
    room.apply(Action("step", value=2))
    path = tmp_path / "gone.jsonl"
    path.write_text(path.read_text().replace('"two_hospitals"', '"a_preset_elsewhere"'))
    again = Rooms(tmp_path, small).get("gone")  # was an AttributeError at the claim after the load
    assert again.view().step == 0 and "could not be restored" in again.note
    assert "unknown preset 'a_preset_elsewhere'" in again.note
    assert (tmp_path / "gone.unreadable").is_file()
