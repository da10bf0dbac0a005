"""Rooms of the teaching app without a browser: shared, woken, saved and replayed after a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from simulation import ConfigError
from simulation.app.compare import difference
from simulation.app.export import tables
from simulation.app.rooms import Rooms, check_name, may_control, read_actions, rooms_dir
from simulation.app.session import Action, Session
from simulation.app.svg import network_svg
from simulation.app.svgcharts import charts_svg

ROOT = Path(__file__).resolve().parents[1]


def small() -> Session:
    return Session("two_hospitals", 3)


def play(room) -> None:
    for a in (Action("load", "hostile_history", 5), Action("step", value=4),
              Action("event", "resignation", target="Westhill Hospital"),
              Action("lever", "reg_focus", 0.8), Action("step", value=3),
              Action("lever", "nonsense", 1), Action("event", "deadline"), Action("step", value=2)):
        room.apply(a)


def test_a_room_is_saved_as_its_actions_and_replayed_after_a_restart(tmp_path):
    room = Rooms(tmp_path, small).get("Class-1")
    play(room)
    lines = (tmp_path / "class-1.jsonl").read_text().splitlines()
    head = json.loads(lines[0])
    assert (head["room"], head["preset"], head["seed"]) == ("class-1", "two_hospitals", 3)
    assert read_actions(tmp_path / "class-1.jsonl") == room.session.actions  # every action, in order
    again = Rooms(tmp_path, small).get("class-1")  # a new server process: the file is replayed
    a, b = room.view(), again.view()
    assert (b.step, b.preset.key, b.seed) == (9, "hostile_history", 5)
    for name in ("national", "systems", "events"):
        pd.testing.assert_frame_equal(getattr(a.result, name), getattr(b.result, name))
    assert a.story == b.story and a.debrief == b.debrief and a.markers == b.markers


def test_every_tab_of_a_room_shares_one_run_and_is_woken_when_it_changes(tmp_path):
    rooms = Rooms(tmp_path, small)
    room = rooms.get("projector")
    assert rooms.get("PROJECTOR") is room and rooms.get("other") is not room
    seen = room.version
    woken: list[int] = []
    tab = threading.Thread(target=lambda: woken.append(room.wait(seen, 30.0)))
    tab.start()
    room.apply(Action("step", value=2))
    tab.join()
    assert woken == [room.version] and woken[0] != seen
    assert room.view() is room.view()  # one snapshot for every tab until the next change
    assert rooms.get("other").view().step == 0


def test_room_names_are_checked():
    assert check_name(" Monday-AM ") == "monday-am"
    for bad in ("", "../etc", "a b", "-x", "x" * 41):
        with pytest.raises(ConfigError, match="room"):
            check_name(bad)


def test_a_cut_off_last_line_is_skipped_and_an_unreadable_file_is_set_aside(tmp_path):
    room = Rooms(tmp_path, small).get("cut")
    room.apply(Action("step", value=3))
    path = tmp_path / "cut.jsonl"
    path.write_text(path.read_text() + '{"op": "step", "val')  # the server died mid-write
    assert Rooms(tmp_path, small).get("cut").view().step == 3
    (tmp_path / "junk.jsonl").write_text("not a room\n")
    junk = Rooms(tmp_path, small).get("junk")
    assert junk.view().step == 0 and "could not be restored" in junk.note
    assert (tmp_path / "junk.unreadable").read_text() == "not a room\n"


def test_rooms_live_in_a_folder_the_app_owns(tmp_path):
    assert rooms_dir({"DRUMBEAT_ROOMS": str(tmp_path)}) == tmp_path
    assert rooms_dir({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path / "drumbeat" / "rooms"
    default = rooms_dir({})
    assert default.parts[-2:] == ("drumbeat", "rooms") and ROOT not in default.parents


def test_teach_takes_a_rooms_folder():
    # a fresh interpreter on this checkout: under pytest, ``experiments`` is also the name of
    # tests/experiments/, and the editable install may point at another checkout
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "experiments.cli", "teach", "--help"], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout
    assert "--rooms DIR" in out


def test_reset_keeps_the_earlier_runs_named_by_what_differed_until_another_preset(tmp_path):
    room = Rooms(tmp_path, small).get("compare")
    for a in (Action("step", value=12), Action("lever", "payment", "block"), Action("reset"),
              Action("event", "resignation", target="Northgate Hospital"), Action("step", value=12),
              Action("seed", value=4), Action("step", value=12)):
        room.apply(a)
    v = room.view()
    assert [p.number for p in v.past] == [1, 2]
    assert difference(v.past[0], v.seed, v.start_levers) == \
        "run 1: how hospitals are paid: payment by results; seed 3"
    assert difference(v.past[1], v.seed, v.start_levers) == \
        "run 2: seed 3; [1] month 1 resigns: Northgate Hospital"
    first = Session("two_hospitals", 3)
    first.step(12)
    pd.testing.assert_frame_equal(v.past[0].national, first.view().result.national)  # the run as it was
    charts = charts_svg(v)
    assert charts.count('<g class="past"') == 4 * 2  # every chart, every kept run
    runs = tables(v)["runs"]
    assert runs.groupby("run").size().tolist() == [13, 13, 13]
    assert runs["differed"].iloc[-1] == "the run on the screen"
    both = tables(v)["runs_side_by_side"]  # every run at the month now on the screen
    assert both["month"].tolist() == [12, 12, 12] and both["run"].iloc[-1] == "the run on the screen"
    assert both["mean trust"].tolist() == [round(float(t), 2) for t in runs[runs["step"] == 12]["mean_trust"]]
    again = Rooms(tmp_path, small).get("compare").view()  # kept runs come back with the room
    assert [difference(p, again.seed, again.start_levers) for p in again.past] == \
        [difference(p, v.seed, v.start_levers) for p in v.past]
    room.apply(Action("load", "hostile_history", 1))
    assert room.view().past == ()  # another system is not a comparison


def test_looking_back_shows_a_recorded_month_to_every_tab_and_changes_nothing(tmp_path):
    room = Rooms(tmp_path, small).get("look")
    room.apply(Action("step", value=4))
    at_four = room.view()
    room.apply(Action("event", "resignation", target="Northgate Hospital"))
    room.apply(Action("step", value=6))
    now = room.view()
    assert "month: 11 must be a whole number from 0 to 10" in room.apply(Action("look", value=11))
    assert room.apply(Action("look", value=4)) == ""
    back = room.view()
    assert (back.step, back.shown) == (10, 4)
    for key in ("T", "committed", "tenure"):
        assert (back.network[key] == at_four.network[key]).all()
    assert network_svg(back) == network_svg(at_four)  # the picture as it was
    assert 'data-step="4"' in charts_svg(back) and charts_svg(back).count('class="marker"') == 0
    pd.testing.assert_frame_equal(back.result.national, now.result.national)  # the run is untouched
    assert Rooms(tmp_path, small).get("look").view().shown == 4  # a reload or restart looks back too
    room.apply(Action("step", value=1))
    assert room.view().shown == room.view().step == 11  # stepping returns to the present


def test_only_the_facilitators_key_drives_a_room_when_the_server_set_one():
    assert may_control(None, {}) and may_control("anything", {})  # this machine only: no key needed
    keyed = {"DRUMBEAT_FACILITATOR_KEY": "s3cret"}
    assert may_control("s3cret", keyed)
    assert not may_control(None, keyed) and not may_control("", keyed) and not may_control("s3cre", keyed)
