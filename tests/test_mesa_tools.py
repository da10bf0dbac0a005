"""Mesa's own tools on the model: keyword parameters, mesa.batch_run, SolaraViz with sliders."""

from __future__ import annotations

import mesa
import pandas as pd
import pytest

from simulation import ConfigError, DrumbeatModel, load_scenario

PRESET = "teaching/two_hospitals"


def _national(model: DrumbeatModel, steps: int = 6) -> pd.DataFrame:
    model.run(steps)
    return model.result().national


def test_keywords_build_the_same_run_as_a_scenario_with_overrides():
    by_keywords = DrumbeatModel(scenario=PRESET, seed=1, reg_focus=0.8)
    positional = DrumbeatModel(load_scenario(PRESET, {"reg_focus": 0.8}), 1)
    assert by_keywords.params.reg_focus == 0.8 and by_keywords.seed == 1
    pd.testing.assert_frame_equal(_national(by_keywords), _national(positional))
    assert DrumbeatModel(load_scenario(PRESET), 0).seed == 0


def test_a_bad_keyword_is_a_config_error():
    with pytest.raises(ConfigError, match="reg_focs.*did you mean 'reg_focus'"):
        DrumbeatModel(scenario=PRESET, seed=1, reg_focs=0.8)
    with pytest.raises(ConfigError, match="reg_focus"):
        DrumbeatModel(scenario=PRESET, seed=1, reg_focus=7.0)


def test_batch_run_gives_the_runs_of_the_keyword_constructor():
    rows = mesa.batch_run(DrumbeatModel, {"scenario": PRESET, "reg_focus": [0.0, 1.0], "years": 1},
                          rng=[1, 2], max_steps=100, data_collection_period=-1, number_processes=1,
                          display_progress=False)
    df = pd.DataFrame(rows)
    assert len(df) == 4 and sorted(zip(df["seed"], df["reg_focus"], strict=True)) == [
        (1, 0.0), (1, 1.0), (2, 0.0), (2, 1.0)]
    row = df[(df["seed"] == 2) & (df["reg_focus"] == 1.0)].iloc[0]
    direct = DrumbeatModel(PRESET, 2, reg_focus=1.0, years=1)
    direct.run()
    last = direct.result().systems.iloc[-1]
    assert row["Step"] == 12 and row["AgentID"] == 0 and row["system"] == last["system"]
    assert row["integration_index"] == last["integration_index"]
    assert row["share_integrated"] == direct.result().national["share_integrated"].iloc[-1]


def test_solara_viz_drives_the_model_with_a_slider():
    solara = pytest.importorskip("solara")
    v = pytest.importorskip("ipyvuetify")
    from mesa.visualization import Slider, SolaraViz, make_plot_component

    model = solara.reactive(DrumbeatModel(scenario=PRESET, seed=3))
    page = SolaraViz(model, components=[make_plot_component("share_integrated")],
                     model_params={"reg_focus": Slider("regulatory focus", 0.2, 0.0, 1.0, 0.1)})
    _, rc = solara.render(solara.AppLayout(children=[page]), handle_error=False)
    first = model.value
    rc.find(v.Slider, label="regulatory focus").widget.v_model = 0.7
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert first.state.step == 1
    rc.find(v.Btn, children=["Reset"]).widget.click()  # SolaraViz builds a new model from the sliders
    rebuilt = model.value
    assert rebuilt is not first and rebuilt.state.step == 0
    assert rebuilt.params.reg_focus == 0.7
    assert (rebuilt.spec.scenario.name, rebuilt.seed) == ("two_hospitals", 3)  # kept from the first


def test_models_leave_no_scenario_class_behind():
    """Each model's Mesa scenario class goes with the model (a sweep's worker makes thousands)."""
    import gc

    from mesa.experimental.scenarios import Scenario as MesaScenario

    def alive() -> int:
        gc.collect()
        return sum(c.__name__ == "DrumbeatMesaScenario" for c in MesaScenario.__subclasses__())

    before = alive()
    scenario = load_scenario(PRESET)
    models = [DrumbeatModel(scenario, seed) for seed in range(5)]
    assert alive() == before + 5
    del models
    assert alive() == before
