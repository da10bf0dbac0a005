"""A store that knows its parts are whole: damaged, foreign and half-written parts, full disks."""

from __future__ import annotations

import errno
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from experiments.cli.main import main
from experiments.sweeps import integrity
from experiments.sweeps import store as store_module
from experiments.sweeps.store import Store
from experiments.sweeps.sweep import run_sweep
from tests.experiments.conftest import small_spec

N = 8  # runs of the tiny spec: 2 x 2 factors, 2 replicates


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """An uninterrupted sweep (summary, national and systems tables) and its spec."""
    tmp = tmp_path_factory.mktemp("clean")
    spec = small_spec(tmp, years=1, replicates=2, body='outputs = ["national", "systems"]')
    out = run_sweep(spec, tmp / "clean", workers=1, show_progress=False, log=lambda s: None)
    return spec, out


def _resume(spec, out) -> list[str]:
    said: list[str] = []
    run_sweep(spec, out, workers=1, show_progress=False, log=said.append)
    return said


def _same_rows(a, b) -> None:
    for table in ("summary", "national", "systems"):
        pd.testing.assert_frame_equal(Store(a).read(table), Store(b).read(table), check_exact=True)


def _damage(path, how: str, rng: np.random.Generator, donor) -> None:
    data = path.read_bytes()
    if how == "truncate":
        path.write_bytes(data[: int(rng.integers(1, len(data)))])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "corrupt":  # same length, some bytes in the middle changed
        buf = bytearray(data)
        i = int(rng.integers(len(buf) // 4, 3 * len(buf) // 4))
        buf[i] ^= 0xFF
        path.write_bytes(bytes(buf))
    else:  # foreign: another run's part under this run's name
        path.write_bytes(donor.read_bytes())


@pytest.mark.parametrize("trial", range(6))
def test_damaged_parts_are_found_said_and_run_again(clean, tmp_path, trial):
    spec, good = clean
    rng = np.random.default_rng(trial)
    out = tmp_path / "damaged"
    shutil.copytree(good, out)
    runs = sorted(p.stem for p in (out / "runs" / "summary").glob("r*.parquet"))
    victims = rng.choice(runs, size=int(rng.integers(1, 4)), replace=False)
    for rid in victims:
        table = str(rng.choice(["summary", "national", "systems"]))
        donor = out / "runs" / table / f"{runs[(runs.index(rid) + 1) % len(runs)]}.parquet"
        _damage(out / "runs" / table / f"{rid}.parquet",
                str(rng.choice(["truncate", "empty", "corrupt", "foreign"])), rng, donor)
    said = _resume(spec, out)
    rerun = sorted(line.split("runs/")[1].split("/")[1].split(".")[0]
                   for line in said if "running it again" in line)
    assert rerun == sorted(victims)
    assert f"{N - len(victims)}/{N} runs done" in "\n".join(said)
    _same_rows(out, good)
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["sessions"][-1]["runs_run"] == len(victims)


def test_reading_a_damaged_part_is_refused_in_one_line(clean, tmp_path, capsys):
    _, good = clean
    out = tmp_path / "o"
    shutil.copytree(good, out)
    part = out / "runs" / "national" / "r000002.parquet"
    part.write_bytes(part.read_bytes()[:50])
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "r000002.parquet: is" in err and "run the sweep again" in err


def test_runs_of_another_spec_are_refused(clean, tmp_path, capsys):
    spec, good = clean
    other = small_spec(tmp_path, name="other", years=1, replicates=1)
    out = tmp_path / "o"
    assert main(["sweep", str(other), "--out", str(out), "--workers", "1", "--no-report"]) == 0
    shutil.rmtree(out / "runs")
    shutil.copytree(good / "runs", out / "runs")  # the same name, another spec's runs/
    listing = sorted(p.name for p in (out / "runs" / "summary").iterdir())
    capsys.readouterr()
    assert main(["sweep", str(other), "--out", str(out), "--workers", "1", "--no-report"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "holds runs of another spec" in err
    assert sorted(p.name for p in (out / "runs" / "summary").iterdir()) == listing


def test_a_folder_holding_only_runs_is_refused(clean, tmp_path, capsys):
    spec, good = clean
    out = tmp_path / "o"
    shutil.copytree(good / "runs", out / "runs")  # a fresh clone plus copied runs, no metadata
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--no-report"]) == 2
    assert "not written by drumbeat" in capsys.readouterr().err


def test_different_spec_replaced_only_with_force_and_only_listed_files(clean, tmp_path, capsys):
    spec, good = clean
    out = tmp_path / "o"
    shutil.copytree(good, out)
    (out / "my_notes.md").write_text("mine")
    other = small_spec(tmp_path, name="other", years=1, replicates=1)
    argv = ["sweep", str(other), "--out", str(out), "--workers", "1", "--no-report"]
    assert main(argv) == 2
    assert "--force" in capsys.readouterr().err
    assert main([*argv, "--force"]) == 0
    assert (out / "my_notes.md").read_text() == "mine"
    assert len(Store(out).read("summary")) == 4
    assert json.loads((out / "metadata.json").read_text())["name"] == "other"


def test_parts_count_only_after_they_and_their_folders_are_flushed(tmp_path, monkeypatch):
    import experiments.sweeps.atomic as atomic

    order: list[tuple[str, str]] = []
    real_write, real_dir = store_module.atomic_write, store_module.fsync_dir
    real_append, real_fsync = integrity.append, atomic.os.fsync

    def write(path, data, sync_dir=True):
        order.append(("write", path.parent.name))
        real_write(path, data, sync_dir)
    monkeypatch.setattr(store_module, "atomic_write", write)
    monkeypatch.setattr(store_module, "fsync_dir", lambda p: (order.append(("dir", p.name)), real_dir(p)))
    monkeypatch.setattr(integrity, "append",
                        lambda r, line: (order.append(("line", "")), real_append(r, line)))
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (order.append(("fsync", "")), real_fsync(fd)))
    spec = small_spec(tmp_path, years=1, replicates=1)  # tables: national, then summary
    run_sweep(spec, tmp_path / "o", workers=1, show_progress=False, log=lambda s: None)
    text = ",".join(f"{a}:{b}" for a, b in order)
    # each part written and flushed, then each folder flushed, then the line written and flushed
    one_run = ("write:national,fsync:,write:summary,fsync:,dir:national,fsync:,dir:summary,fsync:,"
               "line:,fsync:")
    assert text.count(one_run) == 4, text


def test_full_disk_mid_sweep_keeps_stored_runs_and_resume_completes(clean, tmp_path, capsys, monkeypatch):
    _, good = clean
    spec = small_spec(tmp_path, years=1, replicates=2, body='outputs = ["national", "systems"]')
    out = tmp_path / "o"
    real = store_module.atomic_write
    calls = {"n": 0}

    def full(path, data, sync_dir=True):
        calls["n"] += path.suffix == ".parquet" and path.parent.parent.name == "runs"  # parts only
        if calls["n"] > 3 * 3 + 1:  # three runs whole, the fourth cut after one part
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        real(path, data, sync_dir)
    monkeypatch.setattr(store_module, "atomic_write", full)
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--no-report"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "kept" in err
    assert len(integrity.load(out / "runs")) == 3
    monkeypatch.setattr(store_module, "atomic_write", real)  # room again
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--no-report"]) == 0
    _same_rows(out, good)
    assert not list((out / "runs").glob("*/.*"))


def test_temporary_files_of_a_killed_sweep_are_cleaned_on_resume(clean, tmp_path):
    spec, good = clean
    out = tmp_path / "o"
    shutil.copytree(good, out)
    left = [out / ".metadata.json.tmp-999", out / ".summary.parquet.tmp-999",
            out / "runs" / ".manifest.jsonl.tmp-999", out / "runs" / "national" / ".r000001.parquet.tmp-9"]
    for p in left:
        p.write_bytes(b"half")
    (out / ".mine.tmp-1").write_text("not ours")
    _resume(spec, out)
    assert not any(p.exists() for p in left) and (out / ".mine.tmp-1").exists()
