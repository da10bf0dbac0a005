"""Drumbeat as a library: Mesa's DataCollector interface and readable reprs."""

from __future__ import annotations

import math
import re

import mesa
import pandas as pd
import pytest

from simulation import ConfigError, DrumbeatModel, load_scenario


@pytest.fixture(scope="module")
def scenarios(root):
    return root / "configs" / "scenarios"


@pytest.fixture(scope="module")
def model(small_england) -> DrumbeatModel:
    m = DrumbeatModel(small_england.with_overrides({"years": 1}), seed=3)
    m.run()
    return m


def _mesa_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """What Mesa's own DataCollector returns, from a two-agent toy model run two steps."""
    class Toy(mesa.Model):
        def __init__(self) -> None:
            super().__init__(rng=1)
            mesa.Agent.create_agents(self, 2)
            self.datacollector = mesa.DataCollector(model_reporters={"n": lambda m: len(m.agents)},
                                                    agent_reporters={"id": "unique_id"})
            self.datacollector.collect(self)

        def step(self) -> None:
            self.datacollector.collect(self)

    toy = Toy()
    toy.step()
    return toy.datacollector.get_model_vars_dataframe(), toy.datacollector.get_agent_vars_dataframe()


def test_model_vars_are_the_national_table(model):
    frame = model.datacollector.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(frame.drop(columns="seed"), model.result().national)
    assert frame["seed"].tolist() == [3] * 13  # the run's seed, on every month
    assert list(frame.index) == list(frame["step"]) == list(range(13))  # month 0 and 12 steps
    assert model.datacollector.model_vars["share_integrated"] == frame["share_integrated"].tolist()


def test_agent_vars_are_the_systems_table(model):
    frame = model.datacollector.get_agent_vars_dataframe()
    systems = model.result().systems
    back = frame.reset_index()
    assert back["AgentID"].tolist() == [i % 12 for i in range(13 * 12)]  # the system's number
    pd.testing.assert_frame_equal(back.drop(columns="AgentID").rename(columns={"Step": "step"}), systems)
    assert frame.loc[(12, 0), "integration_index"] == systems["integration_index"].iloc[12 * 12]
    assert frame.loc[(12, 5), "system"] == model.result().system_names[5]


def test_frames_are_shaped_as_mesas(model):
    mesa_model, mesa_agents = _mesa_frames()
    ours_model = model.datacollector.get_model_vars_dataframe()
    ours_agents = model.datacollector.get_agent_vars_dataframe()
    assert type(ours_model.index) is type(mesa_model.index) and ours_model.index.name == mesa_model.index.name  # noqa: E501
    assert ours_agents.index.names == mesa_agents.index.names == ["Step", "AgentID"]


def test_tables_by_name_and_collect_adds_nothing(model):
    dc = model.datacollector
    n = len(dc.get_model_vars_dataframe())
    dc.collect(model)
    assert len(dc.get_model_vars_dataframe()) == n
    pd.testing.assert_frame_equal(dc.get_table_dataframe("events"), model.result().events)
    with pytest.raises(ConfigError, match="national, systems, events"):
        dc.get_table_dataframe("agents")


def test_datacollector_follows_a_running_model(scenarios):
    m = DrumbeatModel(load_scenario(scenarios / "teaching" / "two_hospitals.toml"), seed=1)
    assert len(m.datacollector.get_model_vars_dataframe()) == 1
    m.step()
    m.step()
    assert len(m.datacollector.get_model_vars_dataframe()) == 3
    assert "months 0 to 2" in repr(m.datacollector)


def test_run_result_repr_says_what_was_run_and_how_far_it_got(model):
    text = repr(model.result())
    assert text.startswith("<RunResult 'baseline', seed 3:")
    assert "12 systems, 12 months" in text and "integrated at the end>" in text
    assert ("half integrated after" in text) or ("half not integrated within the run" in text)


def test_scenario_repr_names_world_period_events_and_changed_parameters(scenarios):
    scn = load_scenario(scenarios / "england_2014.toml", {"reg_focus": 0.9})
    text = repr(scn)
    assert text.startswith("<Scenario 'england_2014': synthetic England of 44 systems, from 2014-")
    assert f"{len(scn.event)} dated events" in text and "reg_focus=0.9" in text
    assert "parameters changed: none" in repr(load_scenario(scenarios / "baseline.toml"))
    assert len(text) < 300  # not pydantic's dump of every field


def test_readme_example_runs_from_any_folder(root, tmp_path, monkeypatch, capsys):
    text = (root / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "run_scenario(" in b]
    assert len(blocks) == 1
    monkeypatch.chdir(tmp_path)  # not the repository root
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102 - the README's own code
    assert capsys.readouterr().out.startswith("<RunResult 'baseline', seed 1: 751 organisations")
    summary = namespace["summary"]
    assert math.isnan(summary["months_to_half_integrated"])  # what the README says, and why
    stated = re.search(r'summary\["share_integrated_at_end"\]\s+# ([0-9.]+)', blocks[0])
    assert stated and round(summary["share_integrated_at_end"], 2) == float(stated.group(1))


def test_readme_puts_the_two_commands_on_its_first_screen(root):
    lines = (root / "README.md").read_text(encoding="utf-8").splitlines()
    first = lines.index("## Two commands")
    assert first < 30 and "make run" in "\n".join(lines[first:first + 12])
    assert "make test" in "\n".join(lines[first:first + 12])


def _before_running(root) -> str:
    """The README up to its section on running the model: what a reader has read by then."""
    text = (root / "README.md").read_text(encoding="utf-8")
    return text[:text.index("## Running the model")]


def test_readme_defines_the_index_stages_and_integrated_near_the_top(root):
    from simulation.index import STAGE_NAMES

    top = _before_running(root)
    assert "integration\nindex*" in top or "integration index" in top
    for i, name in enumerate(STAGE_NAMES):
        assert f"**{i} {name}**" in top, name
    assert "counts as **integrated** from stage 2" in top
    assert "docs/sources.md" in top


def test_readme_numbers_are_the_parameter_defaults(root):
    """The README quotes the index's weights and thresholds; they must be the code's."""
    from simulation.params import Params

    flat = " ".join(_before_running(root).split())
    p = Params()
    quoted = re.findall(r"\(weight (\d\.\d+)\)|\((\d\.\d+)[;)]", flat)
    weights = [float(a or b) for a, b in quoted][:6]
    assert weights == [p.w_trust, p.w_commit, p.w_pool, p.w_consolidation, p.w_council, p.w_change]
    for name in ("shadow_index", "designation_index", "mature_index"):
        assert re.search(rf"`{name}`,? \(?{getattr(p, name):g}", flat), name
    assert f"`pool_consensus` ({p.pool_consensus:.0%}".replace("%", " %") in flat
