"""Informed, honest play without a browser: teams and 40 seats, "rules decide" apart from "not
chosen yet", the choices that can come up each month, and a participant's choice told as theirs."""

from __future__ import annotations

import pytest

from simulation.app.catalog import presets
from simulation.app.participants import MAX_SEATS
from simulation.app.session import Action, Session

ANN, BOB = "ann-0123456789", "bob-0123456789"
CHOICE_OF = {"commit": "stance", "withdraw": "stance", "sign_control_total": "sign",
             "back_service_change": "service"}


def choose(player: str, org: str, month: int, choice: str, answer: str) -> Action:
    return Action("choose", player, {"month": month, "choice": choice, "answer": answer}, org)


@pytest.mark.parametrize("key", list(presets()))
def test_every_preset_seats_forty_in_teams_and_refuses_the_forty_first(key):
    s = Session(key, 1)
    names = s.model.state.world.org_name
    for k in range(MAX_SEATS):
        assert s.apply(Action("claim", f"player-{k:04d}", f"P{k}", names[k % len(names)])) == "", k
    assert s.apply(Action("claim", "player-late", "Late", names[0])) == (
        "the room is full: 40 people play already (teams may share an organisation: ask the facilitator)")
    players = s.view().players
    assert len(players.seats) == MAX_SEATS and len(players.team(names[0])) == -(-MAX_SEATS // len(names))


def test_a_team_shares_an_organisation_and_its_last_choice_before_the_month_counts():
    s = Session("two_hospitals", 3)
    org = s.model.state.world.org_name[0]
    assert s.apply(Action("claim", ANN, "Ann", org)) == "" and s.apply(Action("claim", BOB, "Bob", org)) == ""
    assert s.apply(choose(ANN, org, 1, "stance", "commit")) == ""
    assert s.apply(choose(BOB, org, 1, "stance", "withdraw")) == ""  # the last before the lock
    players = s.view().players
    assert players.team(org) == ["Ann", "Bob"] and players.acted == 2
    assert players.chosen[org] == {"stance": "withdraw"} and players.chosen_by[org] == {"stance": "Bob"}
    s.step(1)
    assert not s.model.state.committed[0]  # committed at the start: Bob's withdrawal counted
    d = next(d for d in s.cast.decisions if d.kind == "withdraw")
    assert (d.answer, d.by_player, d.who) == (True, True, "Bob")
    assert s.view().players.acted == 0  # a new month: nobody has chosen yet


def test_rules_decide_is_a_choice_apart_from_not_chosen_yet():
    s = Session("two_hospitals", 3)
    org = s.model.state.world.org_name[0]
    s.apply(Action("claim", ANN, "Ann", org))
    assert s.view().players.chosen == {}  # not chosen yet
    assert s.apply(choose(ANN, org, 1, "stance", "rules")) == ""
    players = s.view().players
    assert players.chosen == {org: {"stance": "rules"}} and players.chosen_by == {org: {"stance": "Ann"}}
    policy = s.cast.policy(1)
    assert policy.choices == {}  # the rules answer, as for an organisation nobody plays
    assert s.apply(choose(ANN, org, 1, "stance", "")) == ""  # back to not chosen
    assert s.view().players.chosen == {org: {}}


def test_the_page_offers_every_choice_that_comes_up_and_says_where_the_votes_stand():
    """Over a whole run with every organisation played, each choice the model put to a played
    organisation was among those its page offered that month; the control total only at a
    planning round, the service change only in the month its decision is due."""
    s = Session("two_hospitals", 2)
    names = s.model.state.world.org_name
    for k, org in enumerate(names):
        s.apply(Action("claim", f"player-{k:04d}", f"P{k}", org))
    offered = {}
    notes = {}
    while not s.view().finished:
        v = s.view()
        offered[v.step + 1] = v.players.live
        notes[v.step + 1] = v.players.notes
        s.step(1)
    asked = {(d.step, names[d.org], CHOICE_OF[d.kind]) for d in s.cast.decisions}
    assert {c for _, _, c in asked} == {"stance", "sign", "service"}  # all three came up
    assert all(c in offered[m][o] for m, o, c in asked)
    months = {m for m, live in offered.items() if any("sign" in c for c in live.values())}
    assert months and all(m in months for m, _, c in asked if c == "sign")
    assert len(months) < len(offered) / 2  # not every month: the quarterly rounds
    service = {(m, o) for m, live in offered.items() for o, c in live.items() if "service" in c}
    assert service == {(m, o) for m, o, c in asked if c == "service"}  # exactly when it comes up
    assert (57, names[1]) in service  # proposed in month 22, due in month 57
    assert any("Vote on a system control total: this month is a planning round" in x
               for x in notes[min(months)][names[0]])
    assert any(x.startswith(f"A proposal to move services out of {names[1]} is pending: its decision is "
                            "due in month 57") for x in notes[40][names[1]])


def test_a_participants_choice_is_told_as_theirs_in_the_story_and_the_debrief():
    s = Session("two_hospitals", 3)
    names = s.model.state.world.org_name
    s.apply(Action("claim", ANN, "Ann", names[0]))  # committed at the start
    s.apply(choose(ANN, names[0], 1, "stance", "withdraw"))
    s.step(1)
    story = [line.text for line in s.view().story]
    assert ("Month 1 (2016-05): Northgate Hospital withdrew from system working: Ann, playing it, chose "
            "to withdraw (the model's rules would have stayed in).") in story
    assert not any("below its threshold" in t for t in story)  # not the rules' reason
    s.apply(choose(ANN, names[0], 2, "stance", "commit"))
    s.step(1)
    assert ("Month 2 (2016-06): Northgate Hospital committed to working as a system: Ann, playing it, "
            "chose to commit (the model's rules would have waited).") in [x.text for x in s.view().story]
    debrief = s.view().debrief
    # month 2: "commit" answers both the commitment and the withdrawal after it
    assert "Who chose what: Ann for Northgate Hospital: 3 choices, 2 unlike the rules." in debrief
    assert any("month 1 (Ann for Northgate Hospital withdrew): by month 7" in x for x in debrief)


def test_the_phone_shows_the_card_and_only_the_choices_that_come_up(tmp_path, monkeypatch):
    from simulation.app import ENV_KEY, rooms
    from tests.test_app_safety import _render

    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.setattr(rooms, "_REGISTRY", rooms.Rooms(tmp_path, lambda: Session("two_hospitals", 3)))
    room = rooms.registry().get("phones")
    org = room.session.model.state.world.org_name[0]
    room.apply(Action("claim", ANN, "Ann", org))
    room.apply(Action("claim", BOB, "Bob", org))
    phone, _ = _render(f"room=phones&join={room.code}&me={ANN}")
    assert "You are the chief executive of <b>Northgate Hospital</b>, with Bob." in phone
    assert "Trust with partners (its trust in them / theirs in it, 0-1), lowest first:" in phone
    assert "Finances: GBP" in phone and "the next planning round is month 3" in phone
    assert "Work as a system?" in phone and "The system control total" not in phone  # not this month
    assert "Not chosen yet: if nobody chooses before the month is run, the model's rules decide." in phone
    assert "the last choice made before the month is run counts" in phone
    room.apply(choose(BOB, org, 1, "stance", "rules"))
    phone, _ = _render(f"room=phones&join={room.code}&me={ANN}")
    assert "Bob chose to let the model's rules decide." in phone and "Not chosen yet" not in phone
    room.apply(Action("step", value=2))  # month 3 is a planning round
    phone, _ = _render(f"room=phones&join={room.code}&me={ANN}")
    assert "The system control total" in phone and "Vote on a system control total" in phone


def test_the_facilitator_sees_each_team_its_choices_and_who_has_chosen(tmp_path, monkeypatch):
    from simulation.app import ENV_KEY, rooms
    from tests.test_app_safety import _render

    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.setattr(rooms, "_REGISTRY", rooms.Rooms(tmp_path, lambda: Session("two_hospitals", 3)))
    room = rooms.registry().get("cast")
    org = room.session.model.state.world.org_name
    for player, name, o in ((ANN, "Ann", org[0]), (BOB, "Bob", org[0]), ("cat-0123456789", "Cat", org[1])):
        room.apply(Action("claim", player, name, o))
    room.apply(choose(ANN, org[0], 1, "stance", "withdraw"))
    text, _ = _render("room=cast")
    assert "Participants (1 of 3 chosen for month 1)" in text
    from simulation.app.participants import seat_code

    ann, bob, cat = (seat_code(p) for p in (ANN, BOB, "cat-0123456789"))  # to read out to one who lost it
    assert (f"<tr><td>Northgate Hospital</td><td>Ann, Bob</td><td>Withdraw (Ann)</td><td>Ann {ann}, "
            f"Bob {bob}</td></tr><tr><td>Southmoor Hospital</td><td>Cat</td><td>not yet</td><td>Cat {cat}"
            "</td></tr>") in text
    assert "Release Bob (Northgate Hospital)" in text
    room.apply(Action("release", value=BOB, target=org[0]))  # the facilitator releases one of a team
    assert room.view().players.team(org[0]) == ["Ann"]


def test_the_facilitator_locks_the_choices_and_the_room_sees_an_anonymous_tally(tmp_path):
    from simulation.app.play_page import tally_text
    from simulation.app.rooms import Rooms, read_actions

    room = Rooms(tmp_path, lambda: Session("two_hospitals", 3)).get("lock")
    org = room.session.model.state.world.org_name
    for k, o in enumerate(org):
        room.apply(Action("claim", f"player-{k:04d}", f"P{k}", o))
    room.apply(choose("player-0000", org[0], 1, "stance", "withdraw"))
    room.apply(choose("player-0001", org[1], 1, "stance", "withdraw"))
    room.apply(choose("player-0002", org[2], 1, "stance", "rules"))
    assert room.apply(Action("lock", value=True)) == ""
    refused = choose("player-0003", org[3], 1, "stance", "commit")
    assert room.apply(refused) == "the choices for month 1 are locked: the facilitator is about to run it"
    assert refused not in read_actions(tmp_path / "lock.jsonl")  # refused, so not stored
    players = room.view().players
    assert players.locked and players.tally == {"stance": {"withdraw": 2, "rules": 1}}
    assert tally_text(players) == ("Month 1, choices locked (organisations, no names): Work as a system? "
                                   "Withdraw 2, Rules decide 1, not chosen 1")
    assert "P0" not in tally_text(players)
    assert room.apply(Action("lock", value="yes")) == "lock: 'yes' is not true or false"
    room.apply(Action("step", value=1))
    assert not room.view().players.locked  # the next month is open again
    assert room.apply(choose("player-0003", org[3], 2, "stance", "commit")) == ""
    again = Rooms(tmp_path, lambda: Session("two_hospitals", 3)).get("lock")  # replayed after a restart
    assert again.view().players.chosen == room.view().players.chosen
    assert [d for d in again.session.cast.decisions] == [d for d in room.session.cast.decisions]


def test_the_inspected_organisation_tells_a_participants_withdrawal_as_theirs():
    from simulation.app.inspect_org import org_card

    s = Session("two_hospitals", 3)
    org = s.model.state.world.org_name[0]
    s.apply(Action("claim", ANN, "Ann", org))
    s.apply(choose(ANN, org, 1, "stance", "withdraw"))
    s.step(1)
    happened = org_card(s.view(), org)[-1]
    assert happened == ("What happened to it: month 1: Northgate Hospital withdrew from system working: Ann, "
                        "playing it, chose to withdraw (the model's rules would have stayed in).")
    assert "threshold" in s.view().result.events["text"].iloc[-1]  # the model's own log is unchanged
