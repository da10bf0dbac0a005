"""Every spec in configs/experiments/ validates; the headline specs have their documented sizes."""

from __future__ import annotations

from pathlib import Path

import pytest

from experiments.sweeps.sweep import build_plan
from simulation.params import param_bounds

SPECS = sorted((Path(__file__).resolve().parents[2] / "configs" / "experiments").glob("*.toml"))


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_spec_and_its_quick_version_validate(path):
    full, quick = build_plan(path), build_plan(path, quick=True)
    assert quick.total_runs() <= full.total_runs()
    if full.spec.quick.model_dump(exclude_defaults=True):  # a [quick] table makes a smaller sweep
        assert quick.spec_hash != full.spec_hash


def test_pressure_x_continuity_size():
    plan = build_plan(SPECS[0].with_name("pressure_x_continuity.toml"))
    assert plan.stages[0].names == ["reg_intensity", "reg_focus", "leader_tenure_years"]
    assert plan.replicates >= 20 and plan.total_runs() == 27 * plan.replicates
    assert next(iter(plan.scenarios)) == "../scenarios/baseline.toml"


def test_sensitivity_screens_every_parameter_then_sobol_on_ten():
    plan = build_plan(SPECS[0].with_name("sensitivity.toml"))
    k = len(param_bounds())
    assert plan.stages[0].kind == "morris" and len(plan.stages[0].names) == k
    fu = plan.spec.followup
    assert fu.top == 10 and fu.design == "sobol" and fu.outcome == "months_to_half_integrated"
    per_point = 2 * 10 + 2 if fu.second_order else 10 + 2
    assert plan.total_runs() == plan.spec.samples * (k + 1) + fu.samples * per_point
