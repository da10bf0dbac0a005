"""Resume: a sweep killed with SIGKILL, then resumed, ends with exactly the uninterrupted rows."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from experiments.cli.main import main
from experiments.sweeps import integrity
from experiments.sweeps.store import Store
from experiments.sweeps.sweep import run_sweep

FACTORS = "reg_intensity = [0.2, 0.5, 0.8]\nreg_focus = [0.0, 0.5, 1.0]\n"


def _sweep_cmd(spec: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "experiments.cli", "sweep", str(spec), "--out", str(out), "--workers", "2",
            "--no-report"]


def _parts(out: Path) -> int:
    folder = out / "runs" / "summary"
    return sum(1 for p in folder.glob("r*.parquet")) if folder.is_dir() else 0


def test_sigkill_then_resume_gives_the_uninterrupted_rows(tmp_path, spec_factory):
    spec = spec_factory(years=1, replicates=3, factors=FACTORS)  # 27 runs
    out = tmp_path / "killed"
    env = {**os.environ, "CI": "1"}
    proc = subprocess.Popen(_sweep_cmd(spec, out), env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _parts(out) < 6 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the sweep ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)  # the parent only, as `kill -9 PID` would
    proc.wait()
    time.sleep(0.3)
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # orphaned workers of that sweep, if any are left
    except ProcessLookupError:
        pass
    # a run counts as done once its manifest line is written, after its parts: a run killed
    # between its summary part and its line is run again
    done_at_kill = len(Store(out).done_ids())
    assert 5 <= done_at_kill < 27
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["completed"] is None and meta["sessions"][0]["end"] is None
    # a write cut short leaves at worst a temporary file and a table without its summary part,
    # after the manifest's intent record for that run (so they are known to be the sweep's)
    done = {p.stem for p in (out / "runs" / "summary").glob("r*.parquet")}
    missing = max(f"r{i:06d}" for i in range(27) if f"r{i:06d}" not in done)
    integrity.intend(out / "runs", missing)
    (out / "runs" / "national" / f".{missing}.parquet.tmp-1").write_bytes(b"half a file")
    (out / "runs" / "national" / f"{missing}.parquet").write_bytes(b"not parquet")

    resumed = subprocess.run(_sweep_cmd(spec, out), env=env, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming 'tiny': {done_at_kill}/27 runs done" in resumed.stdout

    clean = run_sweep(spec, tmp_path / "clean", workers=1, show_progress=False, log=lambda s: None)
    a, b = Store(out), Store(clean)
    rows = a.read("summary")
    assert len(rows) == 27 and rows["run_id"].is_unique and list(rows["position"]) == list(range(27))
    pd.testing.assert_frame_equal(rows, b.read("summary"), check_exact=True)
    pd.testing.assert_frame_equal(a.read("national"), b.read("national"), check_exact=True)
    leftovers = [p.name for p in (out / "runs").glob("*/.*")]  # temporary parts of any table
    assert leftovers == []
    meta = json.loads((out / "metadata.json").read_text())
    assert len(meta["sessions"]) == 2 and meta["sessions"][1]["runs_run"] == 27 - done_at_kill
    assert meta["completed"] is not None and len(meta["seeds"]) == 27


def test_rerun_of_a_finished_sweep_runs_nothing(tmp_path, spec_factory):
    spec = spec_factory(years=1, replicates=1)
    out = run_sweep(spec, tmp_path / "o", workers=1, show_progress=False, log=lambda s: None)
    before = (out / "summary.parquet").read_bytes()
    run_sweep(spec, out, workers=1, show_progress=False, log=lambda s: None)
    meta = json.loads((out / "metadata.json").read_text())
    assert [s["runs_run"] for s in meta["sessions"]] == [4, 0]
    assert (out / "summary.parquet").read_bytes() == before


def test_different_spec_on_same_folder_is_refused(tmp_path, spec_factory, capsys):
    out = tmp_path / "o"
    first = spec_factory(years=1, replicates=1)
    assert main(["sweep", str(first), "--out", str(out), "--workers", "1", "--no-report"]) == 0
    capsys.readouterr()
    listing = sorted(p.name for p in (out / "runs" / "summary").iterdir())
    other = spec_factory(name="tiny", years=1, replicates=2)  # same name, one more replicate
    assert main(["sweep", str(other), "--out", str(out), "--workers", "1", "--no-report"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds the results of a different spec" in err
    assert sorted(p.name for p in (out / "runs" / "summary").iterdir()) == listing
    # a folder that is not a sweep folder is refused too
    stranger = tmp_path / "stranger"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    assert main(["sweep", str(first), "--out", str(stranger), "--workers", "1"]) == 2
    assert "not written by drumbeat" in capsys.readouterr().err


def test_report_settings_may_change_between_sessions(tmp_path, spec_factory):
    spec = spec_factory(years=1, replicates=1)
    out = run_sweep(spec, tmp_path / "o", workers=1, show_progress=False, log=lambda s: None)
    spec.write_text(spec.read_text().replace('name = "tiny"', 'name = "tiny"\ndescription = "new words"')
                    + '[analysis]\nspread_by = "reg_focus"\n')
    run_sweep(spec, out, workers=1, show_progress=False, log=lambda s: None)
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["description"] == "new words" and meta["spec"]["analysis"]["spread_by"] == "reg_focus"
    assert [s["runs_run"] for s in meta["sessions"]] == [4, 0]


def test_two_sweeps_cannot_share_a_folder(tmp_path):
    import pytest

    from simulation.errors import ConfigError

    first, second = Store(tmp_path / "o"), Store(tmp_path / "o")
    first.open("hash", "x")
    try:
        with pytest.raises(ConfigError, match="another drumbeat command is writing"):
            second.open("hash", "x")
    finally:
        first.close()
    second.open("hash", "x")  # free again once the first lets go
    second.close()
