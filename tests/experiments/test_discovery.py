"""Scenario discovery (``drumbeat discover``): boxes against a hand count, the held-out split,
the pre-registered threshold, refusals that write nothing, and the missing extra."""

from __future__ import annotations

import math
import shutil
import sys
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from experiments.analysis import discovery as D
from experiments.analysis.discovery_report import FILES, write_discovery
from experiments.cli.main import main
from experiments.sweeps.extras import install_hint
from experiments.sweeps.outputs import read_marker
from experiments.sweeps.spec import Discover, read_spec
from experiments.sweeps.store import Store
from experiments.sweeps.sweep import run_sweep
from simulation import ConfigError
from tests.experiments.conftest import small_spec

FACTORS = ("initial_commitment = { range = [0.0, 1.0] }\nreg_focus = { range = [0.0, 1.0] }\n"
           "peer_push = { range = [0.0, 0.2] }\n")
REGISTERED = 'discover = { outcome = "committed_share_at_end", op = ">=", value = 0.95 }\n'


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """A tiny Latin-hypercube sweep (40 one-year runs on the 12-system England) whose spec
    pre-registers ``committed_share_at_end >= 0.95``."""
    tmp = tmp_path_factory.mktemp("discovery")
    spec = small_spec(tmp, "disc", body='design = "lhs"\nsamples = 40', years=1, replicates=1,
                      factors=FACTORS, extra=f"[analysis]\n{REGISTERED}")
    return run_sweep(spec, tmp / "sweep", workers=1, show_progress=False, log=lambda s: None)


@pytest.fixture
def folder(sweep, tmp_path) -> Path:
    """A copy of the sweep for one test to write into."""
    return Path(shutil.copytree(sweep, tmp_path / "sweep"))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of the folder and beside it (locks, partial folders) with its bytes."""
    return {p.relative_to(folder.parent).as_posix(): p.read_bytes()
            for p in folder.parent.rglob("*") if p.is_file()}


def test_boxes_coverage_and_density_match_a_hand_count(folder):
    result = write_discovery(folder)
    assert result.outcome.registered and result.outcome.label == "committed_share_at_end >= 0.95"
    rows = Store(folder).read("summary").sort_values("position").reset_index(drop=True)
    cases = rows["committed_share_at_end"].to_numpy() >= 0.95
    assert result.cases == int(cases.sum()) and 0 < result.cases < len(rows) == 40
    train, test = D.holdout_split(40, 7, 0.3)  # root_seed 7 of small_spec
    assert result.train.tolist() == train.tolist() and result.test.tolist() == test.tolist()
    limits = pd.read_csv(folder / "discovery_limits.csv")
    coverage = pd.read_csv(folder / "discovery_coverage.csv", dtype={"box": str})
    assert len(result.boxes) >= 1 and "initial_commitment" in set(limits["factor"])
    for split, idx in (("fitted", train), ("held-out", test)):
        taken = np.zeros(len(idx), dtype=bool)
        for b in sorted(limits["box"].unique()):
            inside = ~taken
            for lim in limits[limits["box"] == b].itertuples():  # a hand count on the rows
                v = rows.loc[idx, lim.factor].to_numpy(dtype=float)
                lo = -math.inf if math.isnan(lim.low) else lim.low
                hi = math.inf if math.isnan(lim.high) else lim.high
                inside &= (v >= lo) & (v <= hi)
            taken |= inside
            k, n = int(cases[idx][inside].sum()), int(inside.sum())
            got = coverage[(coverage["box"] == str(b)) & (coverage["split"] == split)].iloc[0]
            assert (got["runs_in_box"], got["cases_in_box"]) == (n, k)
            assert got["coverage"] == pytest.approx(k / cases[idx].sum())
            assert got["density"] == pytest.approx(k / n)
        union = coverage[(coverage["box"] == "all") & (coverage["split"] == split)].iloc[0]
        assert union["runs_in_box"] == taken.sum()
        assert union["cases_in_box"] == cases[idx][taken].sum()
    # the fitted counts are PRIM's own: the chosen step of each peeling trajectory
    chosen = pd.read_csv(folder / "discovery_trajectory.csv").query("chosen")
    fitted = coverage[coverage["split"] == "fitted"].set_index("box")
    for step in chosen.itertuples():
        assert fitted.loc[str(step.box), "coverage"] == pytest.approx(step.coverage)
        assert fitted.loc[str(step.box), "density"] == pytest.approx(step.density)
    scores = pd.read_csv(folder / "discovery_features.csv")
    assert sorted(scores["factor"]) == ["initial_commitment", "peer_push", "reg_focus"]
    assert set(FILES) <= set(read_marker(folder)["files"])
    text = (folder / "discovery.md").read_text()
    assert "pre-registered in the spec" in text and "not pre-registered" not in text


def test_the_held_out_split_is_fixed_by_the_seed_and_disjoint():
    train, test = D.holdout_split(100, 20191001)
    again = D.holdout_split(100, 20191001)
    assert train.tolist() == again[0].tolist() and test.tolist() == again[1].tolist()
    assert len(test) == 30 and not set(train) & set(test) and sorted([*train, *test]) == list(range(100))
    assert list(test) == sorted(test)
    assert D.holdout_split(100, 1)[1].tolist() != test.tolist()


def test_the_threshold_must_be_pre_registered_or_given_explicitly():
    reg = Discover(outcome="months_to_half_integrated", op="<=", value=60)
    assert D.resolve_outcome(None, None, reg, "s").registered
    assert D.resolve_outcome("months_to_half_integrated", None, reg, "s").value == 60
    assert D.resolve_outcome("months_to_half_integrated <= 60", None, reg, "s").registered
    with pytest.raises(ConfigError, match="not the pre-registered outcome.*--threshold 48"):
        D.resolve_outcome("months_to_half_integrated <= 48", None, reg, "s")
    other = D.resolve_outcome("months_to_half_integrated <= 48", 48, reg, "s")
    assert (other.value, other.registered) == (48.0, False)
    with pytest.raises(ConfigError, match="no threshold"):
        D.resolve_outcome("share_integrated_at_end >=", None, reg, "s")
    with pytest.raises(ConfigError, match="nothing pre-registered"):
        D.resolve_outcome(None, None, None, "s")
    with pytest.raises(ConfigError, match="comparison '=' is not one of"):
        D.parse_outcome("share_integrated_at_end = 0.5")
    with pytest.raises(ConfigError, match="not a number"):
        D.parse_outcome("share_integrated_at_end >= half")


def test_a_threshold_given_after_the_sweep_is_reported_as_not_pre_registered(folder, capsys):
    assert main(["discover", str(folder), "--outcome", "committed_share_at_end >= 0.9",
                 "--threshold", "0.9", "--boxes", "1"]) == 0
    assert "NOT pre-registered" in capsys.readouterr().out
    assert "**not pre-registered**" in (folder / "discovery.md").read_text()


@pytest.mark.parametrize("args, message", [
    (["--outcome", "nope >= 1", "--threshold", "1"], "'nope' is not a result column"),
    (["--outcome", "initial_commitment >= 0.5", "--threshold", "0.5"], "is a factor, not a result"),
    (["--outcome", "committed_share_at_end >= 0.5"], "not the pre-registered outcome"),
    (["--outcome", "mean_trust_at_end"], "give the comparison too"),
    (["--outcome", "mean_trust_at_end >="], "no threshold for 'mean_trust_at_end >='"),
    (["--outcome", "committed_share_at_end >= 2", "--threshold", "2"], "no run of 40"),
])
def test_a_bad_outcome_is_one_line_exit_2_and_nothing_written(folder, capsys, args, message):
    before = snapshot(folder)
    assert main(["discover", str(folder), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert snapshot(folder) == before


def test_a_folder_that_is_no_sweep_is_refused(tmp_path, capsys):
    stranger = tmp_path / "mine"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    empty = tmp_path / "empty"
    empty.mkdir()
    for path, message in ((stranger, "not written by drumbeat"), (empty, "not a sweep folder"),
                          (tmp_path / "missing", "no such folder")):
        before = snapshot(tmp_path / "x")
        assert main(["discover", str(path)]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and "\n" not in err
        assert snapshot(tmp_path / "x") == before


def test_without_a_pre_registered_outcome_one_is_needed(tmp_path, capsys):
    spec = small_spec(tmp_path, "plain", years=0.25, replicates=1, factors="reg_focus = [0.0, 1.0]\n")
    out = run_sweep(spec, tmp_path / "plain-out", workers=1, show_progress=False, log=lambda s: None)
    before = snapshot(out)
    assert main(["discover", str(out)]) == 2
    assert "nothing pre-registered" in capsys.readouterr().err
    assert snapshot(out) == before


def test_without_ema_workbench_one_line_names_the_extra(folder, monkeypatch, capsys):
    for name in [m for m in sys.modules if m == "ema_workbench" or m.startswith("ema_workbench.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "ema_workbench", None)
    before = snapshot(folder)
    assert main(["discover", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("drumbeat: error: drumbeat discover needs the [discover] extra (ema_workbench is not "
                   f"installed): {install_hint('discover')}")
    assert snapshot(folder) == before
    with pytest.raises(D.MissingExtra, match=r"needs the \[discover\] extra .*pip install -e "):
        D.ema()


def test_importing_ema_workbench_leaves_no_global_style_or_filters():
    cycle = matplotlib.rcParams["axes.prop_cycle"]
    filters = list(warnings.filters)
    D.ema()
    assert matplotlib.rcParams["axes.prop_cycle"] == cycle
    assert list(warnings.filters) == filters


def test_the_spec_checks_its_discover_table(tmp_path):
    bad = small_spec(tmp_path, "bad", extra='[analysis]\ndiscover = { outcome = "x", op = "=", value = 1 }\n')
    with pytest.raises(ConfigError, match=r"discover.*op.*got '='"):
        read_spec(bad)
    extra = small_spec(tmp_path, "extra", extra='[analysis]\ndiscover = { outcome = "x", op = "<", '
                       'value = 1, when = 2 }\n')
    with pytest.raises(ConfigError, match="valid keys here: outcome, op, value"):
        read_spec(extra)
    text = small_spec(tmp_path, "text",
                      extra='[analysis]\ndiscover = { outcome = "x", op = "<", value = "1" }\n')
    with pytest.raises(ConfigError, match=r"discover.*value.*got '1'"):
        read_spec(text)
