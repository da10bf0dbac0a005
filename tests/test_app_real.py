"""Real systems in the teaching app (issue 25, point 6): a room made from one of the 44 footprints
of 2016 plays its real organisations by name; what the panel does not name is drawn as Real
England draws it, and the preset says which is which."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from simulation.app.catalog import is_real, presets
from simulation.app.export import room_zip
from simulation.app.participants import MAX_SEATS
from simulation.app.real import DRAW_SEED, find_footprint, footprints, key_of, scenario_data
from simulation.app.real_page import pick
from simulation.app.rooms import Rooms
from simulation.app.session import Action, Session
from simulation.errors import ConfigError
from simulation.footprints import real_footprints
from simulation.rng import Streams
from simulation.scenario import load_scenario
from simulation.world import build_world

DORSET = "E54000041"
DORSET_ACUTE = ["Dorset County Hospital NHS Foundation Trust", "Poole Hospital NHS Foundation Trust",
                "The Royal Bournemouth And Christchurch Hospitals NHS Foundation Trust"]
MERGED_NORTH = ("E54000045", "E54000046", "E54000047")  # CCGs and population only for their merger


def test_the_catalogue_holds_the_44_footprints_of_2016_after_the_teaching_presets():
    cat = presets()
    real = [k for k, p in cat.items() if is_real(p)]
    assert len(footprints()) == 44 and real == [key_of(c) for c, _ in footprints()]
    assert list(cat)[:4] == ["dorset", "fragmented", "hostile_history", "two_hospitals"]
    assert cat[key_of(DORSET)].title == "Dorset: a real system of 2016"
    assert set(presets(real=False)) == {"dorset", "fragmented", "hostile_history", "two_hospitals"}


def test_a_room_from_dorset_seats_its_real_acute_trusts_and_ccg_by_name():
    s = Session(key_of(DORSET), seed=1)
    names = list(s.model.state.world.org_name)
    assert names[:4] == DORSET_ACUTE + ["NHS Dorset CCG"]
    assert s.view().system_names == ("Dorset",)
    system = load_scenario(s.preset.path).system[0]
    assert (system.footprint, system.population) == (DORSET, 772_268)
    # what the panel does not name: the kinds and counts of Real England's world of seed 1
    assert system.orgs == {"acute": 3, "ccg": 1, "ambulance": 2, "community_mh": 1, "council": 3,
                           "specialist": 1}
    assert len(names) == 11
    ann = "ann-0123456789"
    assert s.apply(Action("claim", ann, "Ann", "Poole Hospital NHS Foundation Trust")) == ""
    assert s.view().players.team("Poole Hospital NHS Foundation Trust") == ["Ann"]
    assert s.apply(Action("choose", ann, {"month": 1, "choice": "stance", "answer": "commit"},
                          "Poole Hospital NHS Foundation Trust")) == ""
    assert s.step(1) == "" and s.model.state.committed[1]


def test_the_preset_says_which_names_are_real_and_which_are_drawn():
    desc = presets()[key_of(DORSET)].description
    assert desc.startswith(
        "Dorset: a real system of 2016. One of the 44 STP footprints (E54000041), 772,268 people (ONS, "
        "mid-2018). Real names, from the Real England panel: 3 acute trusts (Dorset County Hospital NHS "
        "Foundation Trust; Poole Hospital NHS Foundation Trust; The Royal Bournemouth And Christchurch "
        "Hospitals NHS Foundation Trust) and 1 CCG of April 2018 (NHS Dorset CCG). Drawn as the model draws "
        "Real England (its world of seed 1), with made-up names: 2 ambulance trusts, 1 community and mental "
        "health trust, 3 upper-tier councils, 1 specialist trust;")
    north = presets()[key_of("E54000047")].description
    assert "1 CCG, shared out of the merged northern footprint by the rule apportion_by_acute" in north


def test_what_the_panel_does_not_name_is_the_footprints_share_of_real_englands_world():
    world = build_world(load_scenario("england_real"), Streams(DRAW_SEED)["world"])
    for s, (code, name) in enumerate(footprints()):
        system = scenario_data(code)["system"][0]
        members = world.mem_org[world.mem_sys == s]
        kinds = [world.kind_of(int(i)) for i in members]
        drawn = {k: kinds.count(k) for k in set(kinds) - {"acute", "ccg"}}
        assert {k: n for k, n in system["orgs"].items() if k not in ("acute", "ccg")} == drawn, code
        assert (system["name"], system["lead"]) == (name, world.lead[s])
        assert system["prior_collaboration"] == round(float(world.prior_collab[s]), 4)


@pytest.mark.parametrize("code", [c for c, _ in footprints()])
def test_every_footprint_builds_a_playable_room_of_its_real_organisations(code):
    """Each of the 44: a valid scenario, its acute trusts and CCGs by their panel names, 40 seats
    in teams (the 41st refused), a participant's choice counted, months run."""
    fp = real_footprints()
    s_index = fp.codes.index(code)
    s = Session(key_of(code), seed=3)
    world = s.model.state.world
    acute = [n for n, _ in fp.acute[s_index]]
    assert list(world.org_name[:len(acute) + len(fp.ccgs[s_index])]) == acute + list(fp.ccgs[s_index])
    system = load_scenario(s.preset.path).system[0]
    assert system.footprint == (None if code in MERGED_NORTH else code)
    assert system.population == fp.population[s_index]
    names = list(world.org_name)
    for k in range(MAX_SEATS):
        assert s.apply(Action("claim", f"player-{k:04d}", f"P{k}", names[k % len(names)])) == "", k
    assert s.apply(Action("claim", "player-late", "Late", names[0])).startswith("the room is full")
    assert s.apply(Action("choose", "player-0000", {"month": 1, "choice": "stance", "answer": "commit"},
                          names[0])) == ""
    assert s.step(2) == "" and s.model.state.step == 2
    assert s.model.state.committed[0]  # the hospital's player committed it in month 1
    assert s.view().players.acted == 0


def test_an_unknown_footprint_gives_one_clear_message():
    message = ("'Atlantis' is not one of the 44 footprints of 2016 in the Real England panel "
               "(configs/england/footprints.csv): type part of its name and pick it from the list")
    assert pick("Atlantis", 1) == (None, message)
    with pytest.raises(ConfigError) as err:
        find_footprint("E54000099")
    assert str(err.value) == message.replace("Atlantis", "E54000099")
    assert pick("  ", 1) == (None, "")


def test_the_form_finds_a_footprint_by_name_code_or_label():
    expected = Action("load", "real_E54000041", 7)
    assert pick("Dorset (E54000041)", 7) == (expected, "")
    assert pick("dorset", 7) == (expected, "") and pick("e54000041", 7) == (expected, "")


def test_a_room_from_a_real_system_records_its_footprint_in_the_export(tmp_path):
    room = Rooms(tmp_path).get("class")
    assert room.apply(Action("load", key_of(DORSET), 2)) == ""
    assert room.apply(Action("claim", "ann-0123456789", "Ann", DORSET_ACUTE[0])) == ""
    assert room.apply(Action("step", value=1)) == ""
    z = zipfile.ZipFile(io.BytesIO(room_zip(room)))
    lines = z.read("room.jsonl").decode().splitlines()
    head = json.loads(lines[0])
    assert (head["preset"], head["seed"]) == ("real_E54000041", 2)
    assert json.loads(lines[2]) == {"op": "load", "name": "real_E54000041", "value": 2, "target": None}
    assert "Dorset" in z.read("systems.csv").decode()
    # and the room comes back from its file after a restart, in the same real system
    again = Rooms(tmp_path).get("class")
    assert again.session.preset.key == "real_E54000041"
    assert list(again.session.model.state.world.org_name[:3]) == DORSET_ACUTE
    assert again.view().players.team(DORSET_ACUTE[0]) == ["Ann"]


def test_the_scenario_files_are_kept_in_the_users_cache_under_their_contents_hash(tmp_path, monkeypatch):
    from simulation.app import real

    assert real.cache_root({"XDG_CACHE_HOME": "/x"}) == Path("/x/drumbeat/real_systems")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    real._written.cache_clear()
    try:
        files = {key: path for key, (_, _, path) in real.real_presets().items()}
        folder = files[key_of(DORSET)].parent
        assert folder.parent == tmp_path / "cache" / "drumbeat" / "real_systems" and len(folder.name) == 16
        assert sorted(p.name for p in folder.iterdir()) == sorted(f"{k}.toml" for k in files)
        assert load_scenario(files[key_of(DORSET)]).system[0].footprint == DORSET
        blocked = tmp_path / "blocked"
        blocked.write_text("a file, not a folder")
        monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # no cache folder can be made there
        real._written.cache_clear()
        elsewhere = real.real_presets()[key_of(DORSET)][2]
        assert elsewhere.is_file() and not elsewhere.is_relative_to(blocked)
        assert elsewhere.read_text(encoding="utf-8") == files[key_of(DORSET)].read_text(encoding="utf-8")
    finally:
        real._written.cache_clear()
