"""Real England's world (``simulation/world.py``, ``footprints.py``): what comes from the panel is the
panel's, to the name; what the record lacks is drawn by the stated rules; the scenario runs."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections import Counter

import numpy as np
import pytest

from simulation import ConfigError, load_scenario
from simulation.footprints import real_footprints
from simulation.model import DrumbeatModel
from simulation.panel import load_panel, panel_dir
from simulation.rng import Streams
from simulation.scenario import ORG_KINDS
from simulation.world import build_england_real, build_world

PANEL = load_panel()
SCN = load_scenario("england_real")
NORTH = ("E54000045", "E54000046", "E54000047")


def world(seed: int = 1, scn=SCN):
    return build_world(scn, Streams(seed)["world"])


def kinds(w) -> np.ndarray:
    return np.array([ORG_KINDS[k] for k in w.org_kind])


def members_of(w, s: int, kind: str) -> list[str]:
    k = kinds(w)
    return sorted(w.org_name[i] for i in w.members(s) if k[i] == kind)


def test_the_systems_are_the_44_footprints_of_2016_by_name_and_region():
    w = world()
    rows = PANEL.by_key("footprints")
    codes = sorted(PANEL.footprints_at(dt.date(2016, 3, 31)))
    assert len(codes) == 44 and w.n_systems == 44
    assert w.system_name == [rows[c]["name"] for c in codes]
    assert w.meta["footprint"] == codes
    region_of = [rows[c]["region_code"] for c in codes]
    assert w.n_regions == len(set(region_of)) == 7
    # an organisation's region is its home footprint's, numbered in the order of the codes
    expected = np.array([sorted(set(region_of)).index(region_of[s]) for s in w.home.tolist()])
    assert np.array_equal(w.region, expected)


def test_every_acute_trust_of_the_panel_sits_in_its_footprint_under_its_name():
    w = world()
    codes = w.meta["footprint"]
    k = kinds(w)
    acute = [i for i in range(w.n_orgs) if k[i] == "acute"]
    assert len(acute) == len(PANEL["acute_trusts"]) == 137
    placed = {w.org_name[i]: codes[int(w.home[i])] for i in acute}
    assert placed == {r["name"]: r["footprint"] for r in PANEL["acute_trusts"]}
    for i in acute:  # foundation status from the name, never drawn
        assert bool(w.foundation[i]) == ("Foundation Trust" in w.org_name[i])


def test_ccgs_carry_their_names_and_the_merged_north_is_apportioned_by_acute_trusts():
    w = world()
    codes = w.meta["footprint"]
    named = Counter((r["name"], r["footprint"]) for r in PANEL["ccgs"] if r["footprint"] in codes)
    k = kinds(w)
    got = Counter((w.org_name[i], codes[int(w.home[i])]) for i in range(w.n_orgs) if k[i] == "ccg")
    assert sum(got.values()) == 195
    assert {key: n for key, n in got.items() if key[1] not in NORTH} == dict(named)
    # E54000049's twelve CCGs and 3,129,490 people, shared 3:5:1 as the parts' acute trusts:
    # exact CCG shares 4, 6.67, 1.33 -> floors 4, 6, 1 and the one left to the largest remainder
    north = [codes.index(c) for c in NORTH]
    assert [len(members_of(w, s, "acute")) for s in north] == [3, 5, 1]
    assert [len(members_of(w, s, "ccg")) for s in north] == [4, 7, 1]
    assert [int(w.population[s]) for s in north] == [1043163, 1738606, 347721]
    assert sum(int(w.population[s]) for s in north) == 3129490
    assert all(n.startswith("Cumbria and North East CCG ") for s in north for n in members_of(w, s, "ccg"))


def test_population_councils_and_devolution_come_from_the_panel():
    rows = PANEL.by_key("footprints")
    devolved = {r["footprint"] for r in PANEL["devolution"]}
    for seed in (1, 2, 3):
        w = world(seed)
        codes = w.meta["footprint"]
        k = kinds(w)
        for s, c in enumerate(codes):
            if c not in NORTH:
                assert int(w.population[s]) == int(rows[c]["population_mid2018"])
            counted = rows[c]["upper_tier_councils"]
            homes = int(np.count_nonzero((w.home == s) & (k == "council")))
            if counted is not None:
                assert homes == int(counted)
            else:
                assert homes >= 1
            if c in devolved:
                assert 0.5 <= w.prior_collab[s] <= 1.0
        assert (k == "council").sum() == SCN.world.councils
        trusts = np.isin(k, ["acute", "community_mh", "ambulance", "specialist"]).sum()
        assert trusts == SCN.world.trusts


def test_the_panels_part_is_the_same_in_every_seed_the_drawn_part_is_the_seeds():
    a, b, a2 = world(1), world(2), world(1)
    assert a.org_name == a2.org_name and np.array_equal(a.edges, a2.edges)
    assert np.array_equal(a.plan, a2.plan) and np.array_equal(a.prior_collab, a2.prior_collab)
    real = [n for n, k in zip(a.org_name, kinds(a), strict=True) if k in ("acute", "ccg")]
    real_b = [n for n, k in zip(b.org_name, kinds(b), strict=True) if k in ("acute", "ccg")]
    assert real == real_b and a.system_name == b.system_name
    assert not np.array_equal(a.plan, b.plan)


def test_ties_stay_inside_footprints_and_cross_only_through_shared_members():
    w = world()
    member = set(zip(w.mem_org.tolist(), w.mem_sys.tolist(), strict=True))
    for u, v, s in w.edges.tolist():
        assert (u, s) in member and (v, s) in member


def test_a_named_span_makes_a_trust_a_member_of_both_footprints(tmp_path):
    folder = tmp_path / "england"
    shutil.copytree(panel_dir(), folder)
    path = folder / "acute_trusts.csv"
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows[0]["spans"] = "E54000008"  # Manchester University NHS FT, spanning into Cheshire and Merseyside
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.DictWriter(f, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)
    w = build_england_real(SCN, Streams(1)["world"], folder)
    i = w.org_name.index(rows[0]["name"])
    codes = w.meta["footprint"]
    assert sorted(codes[s] for s in w.mem_sys[w.mem_org == i]) == ["E54000007", "E54000008"]
    assert real_footprints(folder).n_acute == 137


def test_the_scenario_extends_england_2014_and_refuses_what_the_panel_gives(tmp_path):
    base = load_scenario("england_2014")
    assert [e.model_dump() for e in SCN.event] == [e.model_dump() for e in base.event]
    assert SCN.params == base.params and SCN.scenario.start == base.scenario.start
    for key in ("world.n_systems", "world.ccgs", "world.regions"):
        with pytest.raises(ConfigError, match=f"{key} is given by the Real England panel"):
            load_scenario("england_real", {key: 9})
    with pytest.raises(ConfigError, match="world.trusts = 150 is too few for Real England's 137"):
        load_scenario("england_real", {"world.trusts": 150})
    loop = tmp_path / "a.toml"
    loop.write_text(f'extends = "{loop}"\n[scenario]\nname = "a"\n')
    with pytest.raises(ConfigError, match="a cycle"):
        load_scenario(loop)
    bad = tmp_path / "b.toml"
    bad.write_text('extends = 3\n[scenario]\nname = "b"\n')
    with pytest.raises(ConfigError, match=r"b.toml: extends: expected the name of a scenario, got 3"):
        load_scenario(bad)


def test_a_run_writes_its_systems_under_their_real_names():
    scn = load_scenario("england_real", {"scenario.years": 2})
    systems = DrumbeatModel(scn, seed=4).run().systems
    assert len(systems) == 44 * (scn.steps + 1)  # month 0 and every step
    assert set(systems["system"].astype(str)) == set(real_footprints().names)


def system_toml(tmp_path, lines: str):
    path = tmp_path / "one.toml"
    path.write_text('[scenario]\nname = "one"\n[world]\ngenerator = "explicit"\n[[system]]\n'
                    'name = "X"\n' + lines)
    return path


def test_a_listed_system_of_a_real_footprint_takes_its_facts_from_the_panel(tmp_path):
    scn = load_scenario("first_wave/bedfordshire_luton_milton_keynes")
    sys = scn.system[0]
    assert sys.footprint == "E54000024" and sys.population == 944340  # ONS mid-2018, the panel's
    assert sys.names["ccg"] == ["NHS Bedfordshire CCG", "NHS Luton CCG", "NHS Milton Keynes CCG"]
    assert load_scenario(_written(tmp_path, scn.to_toml())) == scn  # a resolved scenario reads back
    inside = load_scenario("first_wave/berkshire_west").system[0]
    assert inside.population == 489709 and inside.names["acute"] == ["Royal Berkshire NHS Foundation Trust"]
    w = DrumbeatModel(load_scenario("first_wave/buckinghamshire"), seed=1).state.world
    assert "Buckinghamshire Healthcare NHS Trust" in w.org_name and "NHS Buckinghamshire CCG" in w.org_name


def _written(tmp_path, text: str):
    path = tmp_path / "resolved.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("lines", "problem"), [
    ('footprint = "E54000099"\norgs = { ccg = 1, acute = 1 }\n',
     "footprint 'E54000099' is not in the Real England panel"),
    ('footprint = "E54000041"\norgs = { ccg = 1, acute = 2 }\n',
     "orgs: 2 acute trusts and 1 CCGs, but the panel has 3 and 1 in footprint E54000041"),
    ('footprint = "E54000041"\npopulation = 800000\norgs = { ccg = 1, acute = 3 }\n',
     "population: the panel gives 772,268 for footprint E54000041; leave it out"),
    ('footprint = "E54000044"\nmembers = ["RHW", "XXX"]\norgs = { ccg = 0, acute = 1 }\n',
     "members: XXX not among"),
    ('members = ["RHW"]\norgs = { ccg = 1, acute = 1 }\n', "members needs footprint"),
    ('footprint = "E54000041"\norgs = { ccg = 1, acute = 3 }\nnames = { ccg = ["Dorset CCG"] }\n',
     "names.ccg: the panel names them"),
])
def test_a_listed_system_that_disagrees_with_the_panel_is_refused(tmp_path, lines, problem):
    with pytest.raises(ConfigError, match=problem):
        load_scenario(system_toml(tmp_path, lines))
