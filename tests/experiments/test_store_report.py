"""Store reading across scenarios with different columns; the report's numbers come from the rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.analysis import tables
from experiments.analysis.report import write_report
from experiments.sweeps.store import Store
from experiments.sweeps.sweep import run_sweep
from tests.experiments.conftest import FIRST_WAVE


def _two_systems_spec(tmp_path):
    spec = tmp_path / "two.toml"
    spec.write_text(
        'name = "two"\n'
        f'scenarios = ["{(FIRST_WAVE / "dorset.toml").as_posix()}", '
        f'"{(FIRST_WAVE / "frimley.toml").as_posix()}"]\n'
        'replicates = 3\nroot_seed = 3\nyears = 3\noutputs = ["national", "systems", "events"]\n'
        '[factors]\nreg_focus = [0.0, 1.0]\n')
    return spec


def test_scenarios_as_a_factor_and_missing_columns_are_nan(tmp_path):
    out = run_sweep(_two_systems_spec(tmp_path), tmp_path / "o", workers=1, show_progress=False,
                    log=lambda s: None)
    rows = Store(out).read("summary")
    assert len(rows) == 12
    assert list(rows["scenario"]) == ["dorset"] * 6 + ["frimley"] * 6
    assert rows["reg_focus"].tolist() == [0.0] * 3 + [1.0] * 3 + [0.0] * 3 + [1.0] * 3
    d, f = rows["scenario"] == "dorset", rows["scenario"] == "frimley"
    assert rows.loc[f, "months_to_integration__Dorset"].isna().all()
    assert rows.loc[d, "months_to_integration__Frimley"].isna().all()
    systems = Store(out).read("systems")
    assert set(systems["system"]) == {"Dorset", "Frimley"}
    assert systems.groupby("run_id").size().nunique() == 1  # every run has its whole table
    assert not Store(out).read("events").empty


def test_report_tables_match_the_rows(tmp_path, spec_factory):
    spec = spec_factory(years=4, replicates=3, extra='[analysis]\nheatmap = ["reg_focus", "reg_intensity"]')
    out = run_sweep(spec, tmp_path / "o", workers=2, show_progress=False, log=lambda s: None)
    path = write_report(out)
    text = path.read_text()
    for name in ("heatmap", "spread"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 1000
        assert (out / "figures" / f"{name}.svg").is_file()
        assert f"figures/{name}.png" in text
    rows = Store(out).read("summary")
    cells = pd.read_csv(out / "cells.csv")
    assert len(cells) == 4 and cells["runs"].tolist() == [3] * 4
    for r in cells.itertuples():
        sub = rows[(rows["reg_intensity"] == r.reg_intensity) & (rows["reg_focus"] == r.reg_focus)]
        y = sub["months_to_half_integrated"].fillna(sub["steps"]).to_numpy(float)
        assert np.isclose(r.median, np.median(y))
        assert r.censored == sub["months_to_half_integrated"].isna().sum()
    assert "## Spec" in text and 'name = "tiny"' in text


def test_censoring_substitutes_the_run_length():
    rows = pd.DataFrame({"months_to_half_integrated": [10.0, np.nan, 30.0], "steps": [48, 48, 48],
                         "share_integrated_at_end": [1, 0.2, 1], "g": [1, 1, 1]})
    y, mask = tables.censored(rows, "months_to_half_integrated")
    assert y.tolist() == [10.0, 48.0, 30.0] and mask.tolist() == [False, True, False]
    cells = tables.cell_summary(rows, ["g"], "months_to_half_integrated")
    assert cells.loc[0, "median"] == 30.0 and cells.loc[0, "censored"] == 1
    assert not cells.loc[0, "censored_median"]
    y2, m2 = tables.censored(rows.assign(x=[1.0, np.nan, 2.0]), "x")  # not a time: left alone
    assert np.isnan(y2[1]) and not m2.any()


def test_morris_and_sobol_report_on_a_known_function(tmp_path):
    """SALib analysis through our tables: Y = 10 a + b on fake rows ranks a above b above c."""
    from experiments.sweeps.designs import sampled

    ranges = {"a": (0.0, 1.0), "b": (0.0, 1.0), "c": (0.0, 1.0)}
    for kind, n in (("morris", 20), ("sobol", 256)):
        d = sampled("main", kind, ranges, n, seed=5)
        rows = pd.DataFrame(d.X, columns=list(ranges)).assign(
            stage="main", scenario_file="s", cell=range(len(d)), steps=100)
        rows["y"] = 10 * rows["a"] + rows["b"]
        stage = {"stage": "main", "factors": list(ranges), "problem": d.problem, "options": d.options,
                 "points": len(d)}
        if kind == "morris":
            t = tables.morris_table(rows, stage, "y").set_index("factor")
            assert np.allclose(t["mu_star"], [10, 1, 0], atol=1e-9)
        else:
            t = tables.sobol_table(rows, stage, "y").set_index("factor")
            assert abs(t.loc["a", "ST"] - 100 / 101) < 0.05 and abs(t.loc["b", "ST"] - 1 / 101) < 0.02
            assert abs(t.loc["c", "ST"]) < 0.01


def test_a_report_that_fails_part_way_leaves_every_earlier_file_whole(tmp_path, spec_factory,
                                                                       monkeypatch):
    """Files are staged and moved into place one by one, report.md last: a report that dies
    while publishing leaves the old report.md and whole files; a killed report's staging
    folder is removed by the next report."""
    from experiments.sweeps import outputs as R
    from experiments.sweeps.atomic import PARTIAL_STAMP, partial_prefix

    spec = spec_factory(years=3, replicates=2)
    out = run_sweep(spec, tmp_path / "o", workers=1, show_progress=False, log=lambda s: None)
    first = write_report(out).read_text()
    moved = []
    real_replace = R.os.replace

    def dying_replace(src, dst):
        if str(dst).endswith("report.md"):
            raise OSError("disk gone")
        moved.append(dst)
        real_replace(src, dst)

    monkeypatch.setattr(R.os, "replace", dying_replace)
    with pytest.raises(OSError):
        write_report(out)
    monkeypatch.undo()
    assert moved and all(Path(p).stat().st_size > 0 for p in moved)
    assert (out / "report.md").read_text() == first  # the earlier report, whole
    assert not list(out.glob(partial_prefix(out / "report") + "*"))  # staging removed on error
    killed = out / (partial_prefix(out / "report") + "x")  # what a SIGKILL leaves
    killed.mkdir()
    (killed / PARTIAL_STAMP).touch()
    assert write_report(out).read_text() == first
    assert not killed.exists()
