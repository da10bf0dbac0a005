"""Survival analysis of time to integration (lifelines): exact on small data, recovery on
synthetic data with a known hazard ratio."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.analysis import survival


def _rows():
    return pd.DataFrame({
        "run_id": ["r0", "r1"], "steps": [120, 120], "reg_focus": [0.0, 1.0],
        "months_to_integration__A": [30.0, np.nan], "months_to_integration__B": [np.nan, 12.0]})


def test_system_times_reads_each_system_once_and_censors_at_the_run_length():
    t = survival.system_times(_rows(), ["reg_focus"]).sort_values(["run_id", "system"])
    assert t["duration"].tolist() == [30.0, 120.0, 120.0, 12.0]
    assert t["event"].tolist() == [True, False, False, True]
    assert t["system"].tolist() == ["A", "B", "A", "B"]


def test_kaplan_meier_without_censoring_is_the_empirical_share():
    times = pd.DataFrame({"run_id": [f"r{i}" for i in range(5)], "arm": 1,
                          "duration": [10.0, 20.0, 20.0, 40.0, 50.0], "event": True})
    km = survival.km_table(times, "arm", 60).set_index("month")["not_integrated"]
    assert km[9] == 1.0 and km[10] == pytest.approx(0.8) and km[20] == pytest.approx(0.4)
    assert km[45] == pytest.approx(0.2) and km[50] == 0.0


def test_restricted_mean_without_censoring_is_the_mean_of_times_cut_at_the_horizon():
    d = np.array([10.0, 20.0, 70.0, 90.0])
    times = pd.DataFrame({"run_id": ["a", "b", "c", "d"], "arm": 0, "duration": d, "event": True})
    r = survival.rmst_table(times, ["arm"], horizon=60)
    assert r["rmst_months"].iloc[0] == pytest.approx(np.minimum(d, 60).mean(), rel=1e-6)


def test_cox_recovers_a_known_hazard_ratio_with_clustered_systems():
    rng = np.random.default_rng(3)
    runs = np.repeat(np.arange(300), 6)
    x = np.repeat(rng.integers(0, 2, 300).astype(float), 6)  # the factor is set per run
    frailty = np.repeat(rng.gamma(20, 1 / 20, 300), 6)  # runs differ a little
    t = rng.exponential(1 / (0.02 * frailty * np.exp(0.7 * x)))
    times = pd.DataFrame({"run_id": runs.astype(str), "x": x, "duration": np.minimum(t, 120.0),
                          "event": t < 120.0})
    cox = survival.cox_table(times, ["x"]).iloc[0]
    assert cox["coef"] == pytest.approx(0.7, abs=0.12)
    assert cox["hr_lo"] < np.exp(0.7) < cox["hr_hi"]
    assert cox["robust_se"] > 0


def test_several_scenarios_count_only_their_own_systems():
    rows = pd.DataFrame({
        "run_id": ["r0", "r1", "r2"], "steps": [100] * 3, "systems": [1] * 3, "f": [0.0, 1.0, 0.0],
        "scenario_file": ["a.toml", "a.toml", "b.toml"],
        "months_to_integration__A": [30.0, np.nan, np.nan],
        "months_to_integration__B": [np.nan, np.nan, 12.0]})
    t = survival.system_times(rows, ["f"]).sort_values("run_id")
    assert t["run_id"].tolist() == ["r0", "r1", "r2"]  # one system each, not two
    assert t["duration"].tolist() == [30.0, 100.0, 12.0]
    assert t["event"].tolist() == [True, False, True]
