"""The participatory mode without a browser: claims, choices, the month's policy, replay, safety."""

from __future__ import annotations

import pandas as pd

from simulation.app.limiter import Limiter
from simulation.app.participants import MonthPolicy
from simulation.app.rooms import CODE_LENGTH, Rooms
from simulation.app.session import Action, Session
from simulation.model import DrumbeatModel

ANN, BOB, CAT = "ann-0123456789", "bob-0123456789", "cat-0123456789"


def small() -> Session:
    return Session("two_hospitals", 3)


def choose(player: str, org: str, month: int, choice: str, answer: str) -> Action:
    return Action("choose", player, {"month": month, "choice": choice, "answer": answer}, org)


def names(session: Session) -> list[str]:
    return session.model.state.world.org_name


def tables_equal(a, b) -> None:
    for name in ("national", "systems", "events"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_a_room_with_participants_replays_to_the_same_tables_after_a_restart(tmp_path):
    room = Rooms(tmp_path, small).get("play")
    org = names(room.session)
    room.apply(Action("claim", ANN, "Ann", org[0]))
    room.apply(Action("claim", BOB, "Bob", org[2]))
    for month in range(1, 7):
        room.apply(choose(ANN, org[0], month, "stance", "withdraw" if month % 2 else "commit"))
        room.apply(choose(BOB, org[2], month, "sign", "refuse"))
        room.apply(Action("step", value=1))
    room.apply(Action("release", target=org[2]))  # the facilitator frees Bob's organisation
    room.apply(Action("step", value=3))
    again = Rooms(tmp_path, small).get("play")  # a new server process replays the file
    a, b = room.view(), again.view()
    assert b.step == 9 and again.code == room.code and len(again.code) == CODE_LENGTH
    tables_equal(a.result, b.result)
    assert a.story == b.story and a.debrief == b.debrief and a.players == b.players
    assert b.players.seats == ((org[0], "Ann"),)
    assert any(s.kind == "room" for s in a.story)  # Ann's withdrawals differed from the rules


def test_a_policy_that_replays_the_rules_leaves_the_run_unchanged():
    plain = Session("hostile_history", 5)
    played = Session("hostile_history", 5)
    org = names(played)
    played.apply(Action("claim", ANN, "Ann", org[0]))  # played, but never chosen for: the rules
    plain.step(24)
    played.step(24)
    tables_equal(plain.view().result, played.view().result)
    assert len(played.cast.decisions) > 0 and not any(d.by_player for d in played.cast.decisions)
    scn = plain.base
    policy = MonthPolicy(month=3, played=frozenset(range(len(org))))
    tables_equal(DrumbeatModel(scn, 2).run(), DrumbeatModel(scn, 2, policy=policy).run())
    assert policy.log  # it was asked


def test_a_participant_who_never_commits_keeps_their_organisation_out():
    rules = Session("two_hospitals", 3)
    rules.step(24)
    org = 0  # the rules commit it within two years (so this test can fail)
    assert rules.view().network["committed"][org]
    s = Session("two_hospitals", 3)
    name = names(s)[org]
    s.apply(Action("claim", ANN, "Ann", name))
    for month in range(1, 25):
        assert s.apply(choose(ANN, name, month, "stance", "withdraw")) == ""
        s.step(1)
        assert not s.model.state.committed[org]
    debrief = " ".join(s.view().debrief)
    assert "chose unlike the model's rules" in debrief
    assert "What the room's own choices changed, compared with the same months with the model's" in debrief
    room = [line.text for line in s.view().story if line.kind == "room"]
    assert "Northgate Hospital withdrew, chosen by Ann (the rules: no)" in room[-1]  # committed at the start
    assert room[:-1] and all("Northgate Hospital did not commit, chosen by Ann (the rules: yes)" in t
                             for t in room[:-1])


def test_seats_stay_through_a_reset_and_go_with_another_preset():
    s = small()
    org = names(s)[0]
    s.apply(Action("claim", ANN, "Ann", org))
    s.apply(choose(ANN, org, 1, "stance", "commit"))
    s.reset()
    v = s.view()
    assert v.players.seats == ((org, "Ann"),) and v.players.chosen == {}  # a new run: choose afresh
    s.apply(Action("load", "hostile_history", 1))
    assert s.view().players.seats == ()


def test_participants_act_only_for_their_own_organisation_and_the_month_being_chosen():
    s = small()
    org = names(s)
    assert s.apply(Action("claim", ANN, "Ann", org[0])) == ""
    assert "you already play Northgate Hospital" in s.apply(Action("claim", ANN, "Ann", org[1]))
    assert s.apply(Action("claim", BOB, "Bob", org[1])) == ""
    assert "you do not play Southmoor" in s.apply(choose(ANN, org[1], 1, "stance", "commit"))
    assert "you do not play" in s.apply(choose(CAT, org[0], 1, "stance", "commit"))
    assert s.apply(choose(ANN, org[0], 1, "stance", "withdraw")) == ""
    s.step(2)
    assert "not the month being chosen for (3)" in s.apply(choose(ANN, org[0], 2, "stance", "commit"))
    assert "not the month" in s.apply(choose(ANN, org[0], 4, "stance", "commit"))
    for bad in (choose(ANN, org[0], 3, "stance", "maybe"), choose(ANN, org[0], 3, "vote", "yes"),
                Action("choose", ANN, {"month": 3}, org[0]), Action("choose", ANN, "commit", org[0]),
                choose(ANN, org[0], 3, ["stance"], "commit"), choose(ANN, org[0], 3, "stance", ["commit"]),
                choose(ANN, org[0], True, "stance", "commit"),
                choose("x", org[0], 3, "stance", "commit"), choose(ANN, "Nowhere", 3, "stance", "commit"),
                Action("claim", CAT, "x" * 31, org[2]), Action("claim", CAT, "  ", org[2])):
        assert s.apply(bad) != "", bad
    assert "not played by you" in s.apply(Action("release", ANN, target=org[1]))
    assert s.view().players.chosen == {}  # nothing refused got in; the month's choices were used
    assert s.apply(Action("release", target=org[1])) == ""  # the facilitator's release
    assert s.view().players.seats == ((org[0], "Ann"),)
    assert "nobody plays" in s.apply(Action("release", value=BOB, target=org[0]))


def test_a_participant_is_rate_limited_and_the_refused_action_is_not_recorded(tmp_path):
    now = [0.0]
    limiter = Limiter(count=3, seconds=10, clock=lambda: now[0])
    assert [limiter.allow(ANN) for _ in range(4)] == [True, True, True, False]
    assert limiter.allow(BOB)  # per participant
    now[0] = 10.0
    assert limiter.allow(ANN)
    room = Rooms(tmp_path, small).get("busy")
    room.limiter = Limiter(count=2, seconds=60, clock=lambda: 0.0)
    org = names(room.session)[0]
    assert room.apply(Action("claim", ANN, "Ann", org)) == ""
    assert room.apply(choose(ANN, org, 1, "stance", "commit")) == ""
    assert "too many" in room.apply(choose(ANN, org, 1, "stance", "withdraw"))
    assert room.session.actions[-1] == choose(ANN, org, 1, "stance", "commit")
    assert room.apply(Action("step", value=1)) == ""  # the facilitator is never limited


def test_the_room_code_admits_participants():
    room = Rooms(None, small).get("code")
    assert len(room.code) == CODE_LENGTH and room.admits(room.code.lower()) and room.admits(f" {room.code} ")
    assert not room.admits("") and not room.admits(None) and not room.admits(room.code[:-1])


def test_the_server_refuses_a_host_header_that_is_not_this_machine():
    import asyncio

    from experiments.cli.serve_app import HostCheck, host_name

    assert [host_name(h) for h in ("Example.org:8765", "[::1]:8765", "10.0.0.5", "::1")] == \
        ["example.org", "::1", "10.0.0.5", "::1"]
    served: list[str] = []

    async def app(scope, receive, send):
        served.append(scope["type"])

    check = HostCheck(app, {"teaching-laptop"})

    def call(kind: str, host: bytes) -> list[dict]:
        sent: list[dict] = []

        async def send(message):
            sent.append(message)

        asyncio.run(check({"type": kind, "headers": [(b"host", host)]}, None, send))
        return sent

    for good in (b"127.0.0.1:8765", b"192.168.1.20:8765", b"[::1]:8765", b"localhost:8765",
                 b"Teaching-Laptop:8765"):
        assert call("http", good) == [], good
    assert served == ["http"] * 5
    assert call("http", b"evil.example:8765")[0]["status"] == 400
    assert call("websocket", b"evil.example")[0] == {"type": "websocket.close", "code": 1008}
    assert call("http", b"")[0]["status"] == 400
    assert served == ["http"] * 5  # nothing refused reached the app
