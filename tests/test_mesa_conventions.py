"""Mesa's conventions (issue 26, point 1) and the model's refusals of odd inputs (point 7):
a fresh seed for None, recorded everywhere; a cached datacollector; read-only agents that
say so; events before the start or aimed at a shared name; too few trusts; under a month."""

from __future__ import annotations

from collections import Counter

import mesa
import pandas as pd
import pytest

from simulation import ConfigError, DrumbeatModel, load_scenario
from simulation.agents import ReadOnlyAgentError
from simulation.scenario import EventSpec

PRESET = "teaching/two_hospitals"


def test_seed_none_draws_a_fresh_seed_and_records_it():
    models = [DrumbeatModel(PRESET) for _ in range(3)]
    seeds = [m.seed for m in models]
    assert len(set(seeds)) == 3 and all(isinstance(s, int) and 0 <= s < 2**48 for s in seeds)
    # below 2**48: the streams keep 48 bits, and drumbeat run --seed takes the recorded seed
    from experiments.cli.checks import RUN_SEED_LIMIT
    assert RUN_SEED_LIMIT == 2**48
    first = models[0]
    first.run(3)
    assert first.result().seed == seeds[0] and first.result().summary()["seed"] == seeds[0]
    again = DrumbeatModel(PRESET, seeds[0])
    again.run(3)  # the recorded seed gives the same run
    pd.testing.assert_frame_equal(again.result().systems, first.result().systems)
    assert DrumbeatModel(PRESET, 0).seed == 0  # a given seed is kept as it is


def test_batch_run_with_no_seeds_gives_different_runs_each_recording_its_seed():
    rows = pd.DataFrame(mesa.batch_run(
        DrumbeatModel, {"scenario": PRESET, "years": 1}, rng=[None] * 3, max_steps=100,
        data_collection_period=-1, number_processes=1, display_progress=False))
    assert len(rows) == 3 and rows["seed"].notna().all() and rows["seed"].nunique() == 3
    row = rows.iloc[1]
    direct = DrumbeatModel(PRESET, int(row["seed"]), years=1)
    direct.run()
    assert row["mean_trust"] == direct.result().systems["mean_trust"].iloc[-1]


def test_datacollector_is_one_object_reading_the_live_run():
    m = DrumbeatModel(PRESET, 1)
    dc = m.datacollector
    assert m.datacollector is dc
    m.step()
    assert m.datacollector is dc and len(dc.get_model_vars_dataframe()) == 2


def test_a_write_to_an_agent_names_what_to_do_instead():
    m = DrumbeatModel(PRESET, 1)
    org = m.org_agents[0]
    with pytest.raises(ReadOnlyAgentError, match=r"committed is read-only.*model\.inject"):
        org.committed = True
    assert issubclass(ReadOnlyAgentError, AttributeError)
    with pytest.raises(ReadOnlyAgentError, match="name is read-only"):
        m.regulators[0].name = "x"
    org.note = "mine"  # an attribute of the user's own is still theirs to set
    assert org.note == "mine" and not m.state.committed[0]


def test_agents_do_step_refuses_instead_of_doing_nothing():
    m = DrumbeatModel(PRESET, 1)
    with pytest.raises(NotImplementedError, match=r"call model\.step\(\)"):
        m.agents.do("step")
    assert m.state.step == 0


def _with_event(scn, **event):
    return scn.model_copy(update={"event": [*scn.event, EventSpec(**event)]})


def test_an_event_before_the_start_is_refused_naming_it():
    scn = load_scenario(PRESET)  # starts 2016-04
    with pytest.raises(ConfigError, match=r"event 'deficit_shock' \(2016-01\) is before the run's "
                                          r"first step \(2016-05\)"):
        DrumbeatModel(_with_event(scn, kind="deficit_shock", date="2016-01", value=1.0, months=2), 1)
    with pytest.raises(ConfigError, match=r"event 'designation_wave' \(month 0\)"):
        DrumbeatModel(_with_event(scn, kind="designation_wave", month=0), 1)
    assert DrumbeatModel(_with_event(scn, kind="designation_wave", month=1), 1)._scheduled[1]


def test_an_event_aimed_at_a_shared_name_is_refused_naming_both():
    scn = load_scenario(PRESET)
    names = scn.system[0].names | {"acute": ["Twin Hospital", "Twin Hospital"]}
    twins = scn.system[0].model_copy(update={"names": names})
    scn = scn.model_copy(update={"system": [twins]})
    m = DrumbeatModel(scn, 1)  # two organisations may share a name while nothing aims at it
    with pytest.raises(ConfigError, match=r"event 'resignation': 2 organisations are named 'Twin "
                                          r"Hospital' \(acute in Northmoor; acute in Northmoor\)"):
        m.inject("resignation", target="Twin Hospital")
    assert m.inject("resignation", target="Northmoor CCG").target == "Northmoor CCG"
    with pytest.raises(ConfigError, match="2 organisations are named 'Twin Hospital'"):
        DrumbeatModel(_with_event(scn, kind="resignation", month=3, target="Twin Hospital"), 1)


def test_too_few_trusts_for_the_systems_is_refused():
    with pytest.raises(ConfigError, match=r"world\.trusts = 1 is too few for 40 systems.*give at "
                                          r"least 61"):
        load_scenario("baseline", {"trusts": 1, "n_systems": 40})
    scn = load_scenario("baseline", {"n_systems": 4, "trusts": 20, "ccgs": 10, "councils": 8,
                                     "districts": 6, "years": 1})
    world = DrumbeatModel(scn, 1).state.world
    kinds = Counter(world.kind_of(i) for i in range(world.n_orgs))
    assert sum(kinds[k] for k in ("acute", "community_mh", "ambulance", "specialist")) == 20


def test_years_under_a_month_are_refused():
    with pytest.raises(ConfigError, match=r"scenario\.years: 0\.04 years is less than a month"):
        load_scenario(PRESET, {"years": 0.04})
    assert load_scenario(PRESET, {"years": 0.05}).steps == 1
