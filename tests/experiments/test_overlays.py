"""[posterior] and [variants]: the design crossed with posterior draws or named variants, and
the claims analysed per draw and per variant (experiments/sweeps/overlays.py,
experiments/science/claims.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.science import claims as C
from experiments.science.calibrate import Fit
from experiments.sweeps.overlays import draw_indices
from experiments.sweeps.sweep import build_plan, run_sweep
from simulation.errors import ConfigError

from .conftest import small_spec

ROOT = Path(__file__).resolve().parents[2]


def posterior_csv(tmp: Path, weights=(0.1, 0.2, 0.3, 0.4), name="posterior.csv") -> Path:
    n = len(weights)
    df = pd.DataFrame({"weight": weights, "external_push": np.linspace(0.01, 0.05, n),
                       "threshold_mean": np.linspace(0.4, 0.7, n)})
    path = tmp / name
    df.to_csv(path, index=False)
    return path


def posterior_spec(tmp: Path, body: str = "", name="post", **kw) -> Path:
    return small_spec(tmp, name, years=1, replicates=1,
                      extra=f'[posterior]\nfile = "posterior.csv"\ndraws = 3\n{body}', **kw)


def test_posterior_design_crosses_draws_reproducibly(tmp_path):
    posterior_csv(tmp_path)
    a, b = build_plan(posterior_spec(tmp_path)), build_plan(posterior_spec(tmp_path))
    design = a.stages[0]
    assert len(design) == 3 * 4 and a.total_runs() == 12  # 3 draws x 2 x 2 cells x 1 replicate
    assert design.points == b.stages[0].points and design.labels == b.stages[0].labels
    assert a.spec_hash == b.spec_hash
    # draw by draw, the design's own points inside: draw 0 first, with its values applied
    assert [lab["posterior_draw"] for lab in design.labels] == [0] * 4 + [1] * 4 + [2] * 4
    first = design.points[0]
    assert first["reg_intensity"] == 0.2 and first["reg_focus"] == 0.0
    assert set(first) == {"reg_intensity", "reg_focus", "external_push", "threshold_mean"}
    # the draws are the ones the spec's seed gives
    idx = draw_indices(np.array([0.1, 0.2, 0.3, 0.4]), 3, np.random.default_rng(7))
    assert [design.labels[4 * k]["posterior_particle"] for k in range(3)] == idx.tolist()
    # another seed, other draws and another experiment
    other = build_plan(posterior_spec(tmp_path, "seed = 99", name="post2"))
    assert other.spec_hash != a.spec_hash


def test_a_changed_posterior_file_is_another_experiment(tmp_path):
    posterior_csv(tmp_path)
    before = build_plan(posterior_spec(tmp_path)).spec_hash
    posterior_csv(tmp_path, weights=(0.4, 0.3, 0.2, 0.1))
    assert build_plan(posterior_spec(tmp_path)).spec_hash != before


def test_draws_follow_the_weights():
    rng = np.random.default_rng(1)
    assert set(draw_indices(np.array([0.0, 2.0, 0.0]), 50, rng).tolist()) == {1}
    idx = draw_indices(np.array([1.0, 3.0]), 4000, np.random.default_rng(2))
    assert abs(idx.mean() - 0.75) < 0.03
    # the calibration's Fit.draw is the same draw
    fit = Fit(pd.DataFrame({"x": [1.0, 2.0, 3.0]}), np.array([0.2, 0.5, 0.3]), [], 0, 0, 0.0)
    got = fit.draw(5, np.random.default_rng(3))
    again = draw_indices(fit.weights, 5, np.random.default_rng(3))
    assert [d["x"] for d in got] == [float(i + 1) for i in again]


def test_existing_specs_keep_their_hash():
    for name in ("pressure_x_continuity", "durability"):
        meta = json.loads((ROOT / "results" / name / "metadata.json").read_text())
        assert build_plan(ROOT / "configs" / "experiments" / f"{name}.toml").spec_hash == meta["spec_hash"]


def _csv(**cols):
    return lambda t: pd.DataFrame(cols).to_csv(t / "posterior.csv", index=False)


@pytest.mark.parametrize("setup, message", [
    (lambda t: None, "posterior.file: '"),
    (lambda t: pd.DataFrame({"weight": [1.0], "external_push": [0.01]}).to_csv(t / "posterior.csv"),
     "column 'Unnamed: 0' is not a model parameter"),
    (_csv(weight=[1.0], extrnal_push=[0.01]),
     "column 'extrnal_push' is not a model parameter (did you mean 'external_push'"),
    (_csv(w=[1.0], external_push=[0.01]), "has no 'weight' column"),
    (_csv(weight=[0.0], external_push=[0.01]), "positive sum"),
    (_csv(weight=[1.0], external_push=["x"]), "every value must be a finite number"),
    (_csv(weight=[1.0], external_push=[0.9]), "external_push"),
])
def test_bad_posterior_files_are_one_clear_error(tmp_path, setup, message):
    setup(tmp_path)
    with pytest.raises(ConfigError) as err:
        build_plan(posterior_spec(tmp_path))
    assert message in str(err.value) and "\n" not in str(err.value)
    if message.startswith("posterior.file"):
        assert "not found (paths are relative to the spec file)" in str(err.value)


def test_posterior_parameter_may_not_be_a_factor_nor_fixed(tmp_path):
    posterior_csv(tmp_path)
    with pytest.raises(ConfigError, match="parameter 'external_push' is also a factor"):
        build_plan(posterior_spec(tmp_path, factors="external_push = [0.0, 0.01]\n"))
    spec = posterior_spec(tmp_path, name="fx")
    spec.write_text(spec.read_text().replace("fixed = {", "fixed = { external_push = 0.01,"))
    with pytest.raises(ConfigError, match="parameter 'external_push' is also in fixed"):
        build_plan(spec)


def test_bad_variants_are_one_clear_error(tmp_path):
    spec = small_spec(tmp_path, "v", years=1, extra="[variants]\noff = { extrnal_push = 0.0 }")
    with pytest.raises(ConfigError, match="extrnal_push"):
        build_plan(spec)
    spec = small_spec(tmp_path, "v2", years=1, extra="[variants]\noff = { reg_focus = 0.5 }")
    with pytest.raises(ConfigError, match="variants.off.reg_focus: is also a factor"):
        build_plan(spec)
    spec = small_spec(tmp_path, "v3", years=1, extra="[variants]")
    with pytest.raises(ConfigError, match="variants: empty table"):
        build_plan(spec)


def test_a_tiny_variant_sweep_records_its_labels(tmp_path):
    spec = small_spec(tmp_path, "tv", years=0.25, replicates=1, factors="reg_focus = [0.0, 1.0]\n",
                      extra="[variants]\ndefault = {}\nno_push = { external_push = 0.0 }")
    out = run_sweep(spec, tmp_path / "out", workers=1, show_progress=False, log=lambda m: None)
    rows = pd.read_parquet(out / "summary.parquet")
    assert rows["variant"].tolist() == ["default", "default", "no_push", "no_push"]
    assert rows["external_push"].isna().tolist() == [True, True, False, False]
    meta = json.loads((out / "metadata.json").read_text())
    assert [o["labels"]["variant"] for o in meta["overlays"]] == ["default", "no_push"]


# --- the analysis on hand-made tables -------------------------------------------------------
def test_restricted_mean_per_run_is_the_kaplan_meier_one():
    from experiments.analysis.survival import rmst_table, system_times

    rows = pd.DataFrame({"run_id": ["r0"], "steps": [120], "systems": [3],
                         "months_to_integration__a": [30.0], "months_to_integration__b": [np.nan],
                         "months_to_integration__c": [60.0]})
    assert C.run_outcomes(rows)["rmst_months"].tolist() == [70.0]
    km = rmst_table(system_times(rows, []).assign(g=1), ["g"], 120)
    assert km["rmst_months"].iloc[0] == pytest.approx(70.0)


def _hand_table() -> pd.DataFrame:
    """Four draws x 27 cells x 3 replicates. In draws 0 and 1 system focus adds 0.2 to the share
    at every intensity; in draws 2 and 3 it takes 0.1 away. Replicates are v - 0.05, v, v + 0.2
    (median v)."""
    rows = []
    for d in range(4):
        gain = 0.2 if d < 2 else -0.1
        for i in (0.2, 0.5, 0.8):
            for f in (0.0, 0.5, 1.0):
                for t in (1.5, 3.0, 6.0):
                    v = 0.4 + gain * f + 0.01 * t
                    for r, dv in enumerate((-0.05, 0.0, 0.2)):
                        rows.append({"posterior_draw": d, "reg_intensity": i, "reg_focus": f,
                                     "leader_tenure_years": t, "replicate": r,
                                     "share_integrated_at_end": v + dv, "rmst_months": 100 - 100 * (v + dv)})
    return pd.DataFrame(rows)


def test_share_of_draws_holding_on_a_hand_made_table():
    rows = _hand_table()
    per_draw = C.effects(C.cell_medians(rows, ["posterior_draw"]), ["posterior_draw"], C.headline_claims())
    table = C.across_draws(per_draw).set_index(["claim", "outcome"])
    focus = table.loc[("focus_at_intensity_0.5", "share_integrated_at_end")]
    assert focus["draws"] == 4 and focus["share_holding"] == 0.5
    assert focus["median_effect"] == pytest.approx(5.0)  # median of 20, 20, -10, -10 pp
    assert table.loc[("focus_at_intensity_0.5", "rmst_months"), "median_effect"] == pytest.approx(5.0)
    # intensity does nothing here: a direction claim fails, the 'no speed-up' claim holds
    slows = table.loc[("own_books_intensity_slows", "share_integrated_at_end")]
    assert slows["share_holding"] == 0.0 and slows["share_tied"] == 1.0 and focus["share_tied"] == 0.0
    assert table.loc[("system_intensity_no_speedup", "rmst_months"), "share_holding"] == 1.0
    tenure = table.loc[("tenure_at_focus_1.0", "share_integrated_at_end")]
    assert tenure["share_holding"] == 1.0 and tenure["median_effect"] == pytest.approx(4.5)


def test_bootstrap_and_verdicts_on_a_hand_made_table():
    rows = _hand_table()
    one = rows[rows["posterior_draw"] == 0]
    t = C.bootstrap(one, C.headline_claims(), 50, seed=1).set_index(["claim", "outcome"])
    focus = t.loc[("focus_at_intensity_0.8", "share_integrated_at_end")]
    assert focus["effect"] == pytest.approx(20.0) and focus["lo"] <= 20.0 + 1e-9 <= focus["hi"] + 1e-9
    again = C.bootstrap(one, C.headline_claims(), 50, seed=1)
    assert again["lo"].tolist() == t["lo"].tolist()
    row = pd.Series({"outcome": "share_integrated_at_end", "effect": 3.0, "lo": -1.0, "hi": 7.0})
    assert C.verdict(row, "direction") == "weakened" and C.verdict(row, "at_most") == "weakened"
    assert C.verdict(pd.Series({**row, "lo": 0.5}), "direction") == "yes"
    assert C.verdict(pd.Series({**row, "effect": -2.0}), "direction") == "no"
    assert C.verdict(pd.Series({**row, "hi": 4.0}), "at_most") == "yes"
    assert C.verdict(pd.Series({**row, "effect": 6.0}), "at_most") == "no"


def test_the_robustness_report_of_a_tiny_posterior_sweep(tmp_path):
    from experiments.science.robustness import analyse

    posterior_csv(tmp_path)
    spec = small_spec(tmp_path, "tp", years=0.25, replicates=1,
                      factors="reg_intensity = [0.2, 0.5, 0.8]\nreg_focus = [0.0, 0.5, 1.0]\n"
                              "leader_tenure_years = [1.5, 3.0, 6.0]\n",
                      extra="[posterior]\nfile = \"posterior.csv\"\ndraws = 1")
    out = run_sweep(spec, tmp_path / "out", workers=1, show_progress=False, log=lambda m: None)
    report = analyse(out).read_text()
    assert "## Posterior-draw table of the headline findings" in report
    table = pd.read_csv(out / "posterior_claims.csv")
    assert set(table["draws"]) == {1} and len(table) == 2 * len(C.headline_claims())
    assert (out / "figures" / "posterior_claims.png").is_file()
    marker = json.loads((out / "drumbeat-output.json").read_text())
    assert {"robustness.md", "posterior_claims.csv", "figures/posterior_claims.png"} <= set(marker["files"])


def test_the_robustness_report_needs_draws_or_variants_and_the_headline_factors(tmp_path):
    from experiments.science.robustness import analyse

    out = run_sweep(small_spec(tmp_path, "plain", years=0.25, replicates=1, factors="reg_focus = [0.0]\n"),
                    tmp_path / "plain", workers=1, show_progress=False, log=lambda m: None)
    with pytest.raises(ConfigError, match="neither \\[posterior\\] nor \\[variants\\]"):
        analyse(out)
    spec = small_spec(tmp_path, "v1", years=0.25, replicates=1, factors="reg_focus = [0.0]\n",
                      extra="[variants]\ndefault = {}")
    out = run_sweep(spec, tmp_path / "v1", workers=1, show_progress=False, log=lambda m: None)
    with pytest.raises(ConfigError, match="lacks reg_intensity, leader_tenure_years"):
        analyse(out)
