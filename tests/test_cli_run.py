"""``drumbeat run``: outputs on disk, the summary it prints, and clean failures on bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from experiments.cli.main import main

BASE = "configs/scenarios/baseline.toml"


def _run(args: list[str], cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "experiments.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_run_writes_every_output(root, tmp_path):
    out = tmp_path / "run"
    proc = _run(["run", BASE, "--seed", "3", "--years", "2", "--set", "n_systems=10",
                 "--out", str(out)], root)
    assert proc.returncode == 0, proc.stderr
    assert "10 systems over 24 months" in proc.stdout
    names = {p.name for p in out.iterdir()}
    assert names == {"summary.json", "national.parquet", "systems.parquet", "events.parquet",
                     "config.toml", "spread.png", "drumbeat-output.json"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 3 and summary["steps"] == 24 and summary["systems"] == 10
    national = pd.read_parquet(out / "national.parquet")
    assert list(national["step"]) == list(range(25))
    assert {"step", "date", "share_integrated", "systems_designated", "commissioners",
            "mean_trust", "pooled_share"} <= set(national.columns)
    systems = pd.read_parquet(out / "systems.parquet")
    assert len(systems) == 25 * 10
    # the resolved config reproduces the run
    from simulation import load_scenario, run_scenario

    again = run_scenario(load_scenario(out / "config.toml"), seed=3)
    pd.testing.assert_frame_equal(again.national, national)


@pytest.mark.parametrize("args, needle", [
    (["run", "configs/scenarios/missing.toml"], "missing.toml: scenario file not found"),
    (["run", BASE, "--set", "no_such_key=1"], "unknown key 'no_such_key'; valid keys:"),
    (["run", BASE, "--set", "reg_intensity=1.5"], "params.reg_intensity"),
    (["run", BASE, "--set", "reg_intensity"], "expected KEY=VALUE"),
    (["run", BASE, "--set", "payment='tariff'"], "params.payment"),
])
def test_bad_input_is_one_line_exit_2_no_output(root, tmp_path, args, needle):
    out = tmp_path / "never"
    proc = _run([*args, "--out", str(out)], root)
    assert proc.returncode == 2
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists()
    assert not list(tmp_path.glob(".never*")), "temporary output left behind"


def test_malformed_toml_names_the_file_and_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario]\nname = \n")
    assert main(["run", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "bad.toml: not valid TOML" in err and "line 2" in err


def test_unknown_section_key_lists_valid_keys(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[params]\nreg_intensty = 0.3\n")
    assert main(["run", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'params.reg_intensty'" in err and "reg_intensity" in err


def test_refuses_to_overwrite_a_foreign_folder(root, tmp_path, capsys):
    (tmp_path / "keep.txt").write_text("mine")
    assert main(["run", BASE, "--years", "1", "--out", str(tmp_path)]) == 2
    assert "not written by drumbeat" in capsys.readouterr().err
    assert (tmp_path / "keep.txt").read_text() == "mine"
