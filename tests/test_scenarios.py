"""Every committed scenario loads, builds the world it describes, and runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulation import ConfigError, DrumbeatModel, load_scenario
from simulation.world import ACUTE_KINDS

ROOT = Path(__file__).resolve().parents[1]
ALL = sorted((ROOT / "configs" / "scenarios").rglob("*.toml"))


@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(ROOT)))
def test_scenario_loads_and_runs_a_year(path):
    scn = load_scenario(path, {"years": 1})
    result = DrumbeatModel(scn, seed=1).run()
    assert len(result.national) == 13
    assert scn.scenario.description, "every scenario says what it is"


def test_baseline_england_matches_national_totals():
    model = DrumbeatModel(load_scenario(ROOT / "configs/scenarios/baseline.toml"), seed=5)
    w = model.state.world
    kinds = np.array([w.kind_of(i) for i in range(w.n_orgs)])
    assert 40 <= w.n_systems <= 44
    assert 600 <= w.n_orgs <= 800
    assert (kinds == "ccg").sum() == 211
    assert (kinds == "council").sum() == 152
    trusts = np.isin(kinds, ["acute", "community_mh", "ambulance", "specialist"]).sum()
    assert 230 <= trusts <= 245
    pop = w.population
    assert pop.min() >= 400_000 and pop.max() <= 3_200_000
    size = np.bincount(w.mem_sys)
    assert size.min() >= 5 and size.max() <= 60
    # councils straddle systems; ambulance and specialist trusts serve several
    per_org = np.bincount(w.mem_org, minlength=w.n_orgs)
    assert (per_org[kinds == "council"] > 1).sum() >= 5
    assert (per_org[kinds == "ambulance"] > 1).all()
    assert (per_org[kinds == "specialist"] >= 2).all()
    # every system has a commissioner and an acute provider
    for s in range(w.n_systems):
        k = kinds[w.members(s)]
        assert (k == "ccg").any() and np.isin(k, ACUTE_KINDS).any()


def test_same_seed_same_world_different_seed_different_world():
    scn = load_scenario(ROOT / "configs/scenarios/baseline.toml", {"years": 1})
    a, b, c = (DrumbeatModel(scn, s).state.world for s in (4, 4, 5))
    assert a.org_name == b.org_name and np.array_equal(a.edges, b.edges)
    assert not (np.array_equal(a.population, c.population) and np.array_equal(a.edges, c.edges))


@pytest.mark.parametrize("name, counts", [
    ("dorset", {"ccg": 1, "acute": 3, "community_mh": 1, "ambulance": 1, "council": 1,
                "district": 3}),
    ("south_yorkshire_bassetlaw", {"ccg": 5, "acute": 3, "acute_community": 2,
                                   "community_mh": 2, "ambulance": 1, "specialist": 1,
                                   "council": 6}),
])
def test_first_wave_compositions(name, counts):
    model = DrumbeatModel(load_scenario(ROOT / f"configs/scenarios/first_wave/{name}.toml"), 1)
    w = model.state.world
    kinds = [w.kind_of(i) for i in range(w.n_orgs)]
    assert {k: kinds.count(k) for k in set(kinds)} == counts


def test_england_2014_timeline_is_dated():
    scn = load_scenario(ROOT / "configs/scenarios/england_2014.toml")
    dated = {(e.kind, e.date) for e in scn.event}
    assert ("designation_wave", "2017-06") in dated and ("designation_wave", "2018-05") in dated
    assert ("statute", "2022-07") in dated
    assert scn.step_of("2022-07") <= scn.steps
    assert scn.params.designation == "invited"


def test_old_scenario_keys_get_one_line_naming_what_replaced_them(tmp_path):
    path = tmp_path / "old.toml"
    path.write_text('[params]\ncommitment_lapse = 0.5\n\n[[event]]\ndate = "2017-06"\n'
                    'kind = "designation_wave"\ncount = 10\n')
    with pytest.raises(ConfigError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert "\n" not in msg
    assert "'params.commitment_lapse' was removed" in msg and "internal_successor" in msg
    assert "count' was removed from events" in msg
