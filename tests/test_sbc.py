"""Simulation-based calibration (``experiments/science/sbc.py``, ``drumbeat sbc``): the truth's
place in a weighted posterior, coverage, resuming, and bad input. The full-size check is a
result, not a test; here the machinery is tested on exact small cases and one tiny fit."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from experiments.cli.main import main
from experiments.science import calibrate as C
from experiments.science import sbc
from simulation.params import param_bounds

SMALL = (("ccgs", 60), ("councils", 44), ("districts", 40), ("n_systems", 12), ("trusts", 70))
PARAMS = ("threshold_mean", "external_push")


def test_the_truth_is_placed_by_the_weight_below_it():
    particles = pd.DataFrame({"a": [0.1, 0.2, 0.3, 0.4]})
    w = np.full(4, 0.25)
    placed = sbc.locate(particles, w, {"a": 0.25})["a"]
    assert placed["cdf"] == 0.5
    assert (placed["q25"], placed["q75"], placed["q05"], placed["q95"]) == (0.1, 0.3, 0.1, 0.4)
    assert placed["in50"] and placed["in90"]
    tie = sbc.locate(particles, w, {"a": 0.2})["a"]
    assert tie["cdf"] == 0.375  # 0.25 below it, half of the 0.25 on it
    out = sbc.locate(particles, w, {"a": 0.35})["a"]
    assert not out["in50"] and out["in90"] and out["cdf"] == 0.75
    heavy = sbc.locate(particles, np.array([1.0, 1.0, 1.0, 5.0]), {"a": 0.35})["a"]
    assert heavy["cdf"] == pytest.approx(3 / 8) and heavy["median"] == 0.4


def test_truths_come_from_the_priors_and_depend_on_seed_and_number_only():
    truths = sbc.draw_truths(PARAMS, 5, seed=7)
    bounds = param_bounds()
    assert all(bounds[p][0] <= t[p] <= bounds[p][1] for t in truths for p in PARAMS)
    assert sbc.draw_truths(PARAMS, 3, seed=7) == truths[:3]
    assert sbc.draw_truths(PARAMS, 3, seed=8) != truths[:3]
    assert len({t["threshold_mean"] for t in truths}) == 5


def test_coverage_counts_hits_and_gives_the_wilson_interval():
    rows = pd.DataFrame({"parameter": ["a"] * 10, "cdf": np.linspace(0.05, 0.95, 10),
                         "in50": [True] * 4 + [False] * 6, "in90": [True] * 9 + [False]})
    cov = sbc.coverage(rows).iloc[0]
    assert (cov["truths"], cov["coverage50"], cov["coverage90"]) == (10, 0.4, 0.9)
    z, p, n = 1.96, 0.4, 10
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert cov["coverage50_lo"] == pytest.approx(centre - half)
    assert cov["coverage50_hi"] == pytest.approx(centre + half)
    assert cov["uniformity_p"] == pytest.approx(1.0)  # two truths in each of the five bins


def test_a_cut_line_and_lines_of_other_settings_are_not_taken_as_done(tmp_path):
    path = tmp_path / "truths.jsonl"
    key = {"seed": 0}
    path.write_text("\n".join([json.dumps({"truth": 0, "key": key, "fitted": True}),
                               json.dumps({"truth": 1, "key": {"seed": 1}}),
                               json.dumps([1, 2]), json.dumps({"truth": "2", "key": key}),
                               '{"truth": 3, "key": {"se']) + "\n")
    assert list(sbc.read_done(path, key)) == [0]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Two truths of the small England, fitted at 10 particles x 1 population."""
    settings = sbc.Settings(str(C.ENGLAND), PARAMS, truths=2, population=10, generations=1,
                            seed=3, overrides=SMALL)
    folder = tmp_path_factory.mktemp("sbc")
    lines = sbc.run(settings, folder, {"code": "test"}, log=lambda s: None)
    return settings, folder, lines


def test_each_truth_is_fitted_and_placed_in_its_posterior(tiny):
    settings, _, lines = tiny
    assert [line["truth"] for line in lines] == [0, 1]
    assert any(line["fitted"] for line in lines)
    for line, truth in zip(lines, sbc.draw_truths(PARAMS, 2, 3), strict=True):
        assert line["values"] == truth
        assert set(line["observed"]) == set(C.FITTED)
        if line["fitted"]:
            for p in PARAMS:
                placed = line["placed"][p]
                assert 0.0 <= placed["cdf"] <= 1.0
                assert placed["q05"] <= placed["q25"] <= placed["median"] <= placed["q75"] <= placed["q95"]
        else:
            assert line["missing"] and all(not math.isfinite(line["observed"][k]) for k in line["missing"])


def test_a_rerun_fits_no_truth_again_and_a_larger_one_only_the_new(tiny, monkeypatch):
    settings, folder, lines = tiny
    monkeypatch.setattr(sbc, "one_truth", lambda *a, **k: pytest.fail("a done truth was run again"))
    assert sbc.run(settings, folder, {"code": "test"}, log=lambda s: None) == lines
    ran = []

    def fake(s, k, t, w=1):
        ran.append(k)
        return {"truth": k, "fitted": False, "missing": ["x"]}

    monkeypatch.setattr(sbc, "one_truth", fake)
    more = sbc.Settings(**{**settings.__dict__, "truths": 3})
    lines3 = sbc.run(more, folder, {"code": "test"}, log=lambda s: None)
    assert [line["truth"] for line in lines3] == [0, 1, 2]
    assert ran == [2]  # truths 0 and 1 reused: how many truths is not part of the key
    assert sbc.run(settings, folder, {"code": "other"}, log=lambda s: None) and ran == [2, 0, 1]


def test_the_rank_histogram_is_drawn(tmp_path):
    rows = pd.DataFrame({"parameter": ["a"] * 6 + ["b"] * 6, "cdf": np.linspace(0, 1, 12)})
    path = sbc.figure(rows, tmp_path / "sbc.png")
    assert path.stat().st_size > 5_000


@pytest.mark.parametrize(("argv", "message"), [
    (["--truths", "0"], "--truths: must be at least 1"),
    (["--population", "-2"], "--population: must be at least 1"),
    (["--params", "threshold_mean,nope"], "nope"),
    (["--scenario", "missing.toml"], "missing.toml: scenario file not found"),
    (["--seed", "-1"], "--seed: must be at least 0"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, message):
    out = tmp_path / "sbc"
    assert main(["sbc", "--quick", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


SMALL_SCENARIO = """extends = "england_2014"

[scenario]
name = "small_history"
description = "England 2014-2022 cut to 12 systems, for a test"

[world]
n_systems = 12
trusts = 70
ccgs = 60
councils = 44
districts = 40
"""


def test_the_command_writes_every_file_at_once_and_refuses_to_overwrite(tmp_path, capsys):
    scenario = tmp_path / "small.toml"
    scenario.write_text(SMALL_SCENARIO)
    out = tmp_path / "sbc"
    argv = ["sbc", "--scenario", str(scenario), "--params", "threshold_mean", "--truths", "2",
            "--population", "8", "--generations", "1", "--out", str(out)]
    assert main(argv) == 0
    assert {p.name for p in out.iterdir()} >= {"sbc.md", "sbc.json", "sbc.csv", "coverage.csv",
                                               "sbc.png", "truths.jsonl"}
    summary = json.loads((out / "sbc.json").read_text())
    assert summary["settings"]["params"] == ["threshold_mean"] and len(summary["truths"]) == 2
    assert main(argv) == 2 and "--force" in capsys.readouterr().err
