"""Issue 21, item 10 and "Size": a sweep's run count is known from its spec before anything is
laid out, and a sweep above the cap (``--max-runs``, ``max_runs=``) is refused in one line.

Before the fix a 50-level factorial of four factors (6,250,000 runs) started making its design
point by point and raised MemoryError (2.5 GB resident after 16 s under a 3 GB limit)."""

from __future__ import annotations

import resource
from pathlib import Path

import pytest

from experiments.api import run_experiment
from experiments.cli.main import main
from experiments.sweeps.size import MAX_RUNS, check_size, spec_runs
from experiments.sweeps.sweep import build_plan
from simulation import ConfigError
from tests.experiments.conftest import small_spec

ROOT = Path(__file__).resolve().parents[2]

FACTORS_50_4 = "\n".join(f"{n} = {{ range = [0.0, {hi}], levels = 50 }}" for n, hi in
                          [("reg_intensity", 1.0), ("reg_focus", 1.0), ("external_push", 0.1),
                           ("peer_push", 0.5)])


def _one_line(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_a_50_to_the_4_factorial_is_refused_before_its_design_is_made(tmp_path, capsys):
    spec = small_spec(tmp_path, "huge", factors=FACTORS_50_4, replicates=1)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    err = _one_line(capsys.readouterr().err)
    assert "6,250,000 runs" in err and f"cap of {MAX_RUNS:,}" in err and "--max-runs" in err
    assert not (tmp_path / "out").exists()
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200  # the design's 6,250,000 points would take gigabytes


def test_max_runs_option_refuses_a_small_sweep_and_its_own_bad_values(tmp_path, capsys):
    spec = small_spec(tmp_path)  # 2 x 2 values x 2 replicates = 8 runs
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--max-runs", "7"]) == 2
    err = _one_line(capsys.readouterr().err)
    assert "this sweep has 8 runs, more than the cap of 7" in err
    for bad in ("0", "-3"):
        assert main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--max-runs", bad]) == 2
        assert "--max-runs: must be a whole number of runs, at least 1" in _one_line(capsys.readouterr().err)
    with pytest.raises(SystemExit) as stop:  # argparse's own refusal, one line too
        main(["sweep", str(spec), "--max-runs", "many"])
    assert stop.value.code == 2
    assert "--max-runs" in _one_line(capsys.readouterr().err)
    assert not (tmp_path / "out").exists()


def test_sampled_designs_and_followups_are_counted_too(tmp_path):
    sobol = small_spec(tmp_path, "sob", body='design = "sobol"\nsamples = 65536\nall_params = true',
                       factors="", replicates=1)
    with pytest.raises(ConfigError, match=r"runs, more than the cap of 100,000"):
        check_size(sobol)
    assert check_size(sobol, max_runs=10**9) == spec_runs(sobol)[0] > MAX_RUNS


@pytest.mark.parametrize("quick", [False, True])
def test_the_count_is_the_plans_count_for_every_committed_spec(quick):
    for path in sorted((ROOT / "configs" / "experiments").glob("*.toml")):
        assert spec_runs(path, quick)[0] == build_plan(path, quick).total_runs(), path.name


def test_python_entry_point_takes_max_runs(tmp_path):
    spec = small_spec(tmp_path)
    with pytest.raises(ConfigError, match="this sweep has 8 runs, more than the cap of 5"):
        run_experiment(spec, tmp_path / "out", executor="serial", max_runs=5, log=None)
    for bad in (0, 2.5, "9", True):
        with pytest.raises(ConfigError, match="max_runs: must be a whole number of runs"):
            run_experiment(spec, tmp_path / "out", executor="serial", max_runs=bad, log=None)
    assert not (tmp_path / "out").exists()
