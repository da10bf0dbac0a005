"""Ownership that cannot be tricked (issue 21, cases 1-9): each test reproduces an attack or a
fault that once lost data or mixed results, and holds the command to the output rule.

Markers, metadata and manifests are untrusted input: a command deletes only files it recorded
by hash, inside the resolved folder; it refuses a folder without a valid marker; one lock per
real folder; a resume under other code is refused; a manifest's torn tail is cut and said.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.cli.main import main
from experiments.sweeps import integrity, provenance
from experiments.sweeps.ledger import MARKER, Ledger
from experiments.sweeps.outputs import Claim
from experiments.sweeps.store import Store
from simulation.errors import ConfigError
from tests.experiments.conftest import BASELINE, ROOT, small_spec

TINY = ["--years", "1", "--set", "n_systems=4", "--set", "trusts=20", "--set", "ccgs=10",
        "--set", "councils=8", "--set", "districts=6"]


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _sweep(spec: Path, out: Path, *extra: str) -> int:
    return main(["sweep", str(spec), "--out", str(out), "--workers", "1", *extra])


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def _said(capsys) -> str:
    got = capsys.readouterr()
    return got.out + got.err


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A finished tiny sweep with its report (the model is run once for the module)."""
    tmp = tmp_path_factory.mktemp("swept")
    spec = small_spec(tmp, years=1, replicates=1)
    assert _sweep(spec, tmp / "s") == 0
    other = small_spec(tmp, name="other", years=1, replicates=1, factors="reg_intensity = [0.5]\n")
    return spec, other, tmp / "s"


def _copy(swept, tmp_path: Path) -> Path:
    out = tmp_path / "s"
    shutil.copytree(swept[2], out, symlinks=True)
    return out


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "thesis.txt").write_text("years of work")
    return victim


# --- 1. a crafted marker cannot point --force outside its folder ---------------------------------
@pytest.mark.parametrize("listed", ["../victim/", "../victim/thesis.txt", "ABSOLUTE", "a/../../victim",
                                    ".hidden", "runs/../../victim/thesis.txt"])
def test_crafted_marker_paths_outside_the_folder_are_refused(swept, tmp_path, capsys, listed):
    spec, other, _ = swept
    victim = _victim(tmp_path)
    out = _copy(swept, tmp_path)
    name = str(victim.resolve() / "thesis.txt") if listed == "ABSOLUTE" else listed
    marker = json.loads((out / MARKER).read_text())
    data = (victim / "thesis.txt").read_bytes()  # even with the victim's true hash
    marker["files"][name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    (out / MARKER).write_text(json.dumps(marker))
    before = _tree(out)
    capsys.readouterr()
    assert _sweep(other, out, "--force") == 2
    assert "outside its folder" in _one_line(capsys)
    assert (victim / "thesis.txt").read_text() == "years of work"
    assert _tree(out) == before


def test_first_format_marker_listing_other_folders_is_refused(swept, tmp_path, capsys):
    """The attack as it was found: an old-style marker listing ``../victim/`` and an absolute path."""
    _, other, _ = swept
    victim = _victim(tmp_path)
    out = tmp_path / "crafted"
    out.mkdir()
    (out / MARKER).write_text(json.dumps({"kind": "sweep", "command": "drumbeat sweep",
                                          "files": ["../victim/", str(victim.resolve()) + "/"]}))
    capsys.readouterr()
    assert _sweep(other, out, "--force") == 2
    assert "older Drumbeat" in _one_line(capsys)
    assert (victim / "thesis.txt").read_text() == "years of work"


def test_a_symlink_inside_the_folder_cannot_lead_force_outside(swept, tmp_path, capsys):
    """``figures`` replaced by a link to the victim's folder, the marker recording the victim's
    file by its true hash under ``figures/``: the file is not inside the folder, so it is kept."""
    _, other, _ = swept
    victim = _victim(tmp_path)
    out = _copy(swept, tmp_path)
    shutil.rmtree(out / "figures")
    (out / "figures").symlink_to(victim.resolve(), target_is_directory=True)
    marker = json.loads((out / MARKER).read_text())
    data = (victim / "thesis.txt").read_bytes()
    marker["files"] = {k: v for k, v in marker["files"].items() if not k.startswith("figures/")}
    marker["files"]["figures/thesis.txt"] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    (out / MARKER).write_text(json.dumps(marker))
    capsys.readouterr()
    code = _sweep(other, out, "--force", "--no-report")
    assert (victim / "thesis.txt").read_text() == "years of work"
    assert code == 0 and (out / "figures").is_symlink()  # the link itself is someone else's: kept
    assert "kept 1 file(s)" in _said(capsys)


# --- 2. a user's folder holding a metadata.json is not a sweep's -----------------------------------
def test_a_users_metadata_json_does_not_make_a_sweep_folder(swept, tmp_path, capsys):
    spec = swept[0]
    mine = tmp_path / "mine"
    (mine / "runs").mkdir(parents=True)
    (mine / "metadata.json").write_text('{"name": "my study"}')
    (mine / "runs" / "raw.csv").write_text("a,b\n1,2\n")
    before = _tree(mine)
    for extra in ((), ("--force",)):
        capsys.readouterr()
        assert _sweep(spec, mine, *extra) == 2
        err = _one_line(capsys)
        assert "not written by drumbeat" in err and "--force" not in err.split(";")[0]
    assert _tree(mine) == before


# --- 3. --force removes only recorded files, never a folder with a user's file in it --------------
def test_force_keeps_a_users_file_in_a_folder_the_sweep_made(swept, tmp_path, capsys):
    _, other, _ = swept
    out = _copy(swept, tmp_path)
    (out / "figures" / "my_plot.png").write_bytes(b"my figure")
    (out / "report.md").write_text("I edited the report")  # changed since: no longer the sweep's
    capsys.readouterr()
    assert _sweep(other, out, "--force", "--no-report") == 0
    said = _said(capsys)
    assert "kept 2 file(s)" in said and "my_plot.png" in said
    assert (out / "figures" / "my_plot.png").read_bytes() == b"my figure"
    assert (out / "report.md").read_text() == "I edited the report"
    assert sorted(p.name for p in (out / "figures").iterdir()) == ["my_plot.png"]
    assert json.loads((out / "metadata.json").read_text())["name"] == "other"


def test_a_users_file_where_the_report_writes_refuses_the_report(swept, tmp_path, capsys):
    out = _copy(swept, tmp_path)
    (out / "report.md").write_text("mine")  # replaced by the user: not the sweep's any more
    capsys.readouterr()
    assert main(["report", str(out)]) == 2
    assert "report.md not written by drumbeat" in _one_line(capsys)
    assert (out / "report.md").read_text() == "mine"


# --- 4. one lock per real folder -----------------------------------------------------------------
def test_a_second_writer_through_a_symlink_or_alias_is_refused(tmp_path, monkeypatch):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "alias").symlink_to(real, target_is_directory=True)
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    with Claim(real, "sweep"):
        for other in (tmp_path / "alias", Path("../real"), Path("../alias/../real")):
            with pytest.raises(ConfigError, match="another drumbeat command is writing"):
                Claim(other, "sweep").__enter__()
    assert not list(tmp_path.glob(".*.lock"))


def test_a_running_sweep_keeps_its_runs_when_a_second_sweep_comes_through_a_symlink(swept, tmp_path):
    out = _copy(swept, tmp_path)
    (tmp_path / "link").symlink_to(out, target_is_directory=True)
    first = Store(out)
    first.open(json.loads((out / "metadata.json").read_text())["spec_hash"], "tiny",
               code=_code_of(out))
    before = _tree(out / "runs")
    try:
        assert main(["sweep", str(swept[1]), "--out", str(tmp_path / "link"), "--force",
                     "--workers", "1"]) == 2
    finally:
        first.close()
    assert _tree(out / "runs") == before


def _code_of(out: Path) -> dict:
    return Ledger.read(out).code


# --- 5. a resume under other code is refused, never mixed ------------------------------------------
def test_resume_after_a_code_change_is_refused_then_rerun_with_the_option(swept, tmp_path, capsys,
                                                                          monkeypatch):
    spec = swept[0]
    out = _copy(swept, tmp_path)
    reference = Store(out).read("summary")
    for runs_part in sorted((out / "runs" / "summary").glob("r*.parquet"))[2:]:
        runs_part.unlink()  # an interrupted sweep: two runs stored
    real = provenance.code_fingerprint
    monkeypatch.setattr(provenance, "code_fingerprint", lambda extra=(): "0" * 16)  # "edited"
    capsys.readouterr()
    assert _sweep(spec, out, "--no-report") == 2
    err = _one_line(capsys)
    assert "made by other code" in err and "the model's code" in err and "--allow-code-change" in err
    assert _sweep(spec, out, "--no-report", "--allow-code-change") == 0
    assert "running them again" in capsys.readouterr().out
    lines = integrity.load(out / "runs")
    now = provenance.run_code(provenance.code_key("x", ()))
    assert len(lines) == len(reference) and {v["code"] for v in lines.values()} == {now}
    monkeypatch.setattr(provenance, "code_fingerprint", real)


def test_resume_under_another_numpy_is_refused_naming_it(swept, tmp_path, capsys, monkeypatch):
    spec = swept[0]
    out = _copy(swept, tmp_path)
    real = provenance.versions
    monkeypatch.setattr(provenance, "versions", lambda: {**real(), "numpy": "0.0.1"})
    capsys.readouterr()
    assert _sweep(spec, out, "--no-report") == 2
    assert f"numpy {real()['numpy']} -> 0.0.1" in _one_line(capsys)


def test_every_marker_records_the_code_that_made_it(swept, tmp_path):
    led = Ledger.read(swept[2])
    assert led.code["fingerprint"] == provenance.code_fingerprint((ROOT / "experiments/sweeps/runner.py",))
    assert set(led.code["versions"]) == set(provenance.NUMERIC)
    assert main(["run", str(BASELINE), *TINY, "--out", str(tmp_path / "r")]) == 0
    assert Ledger.read(tmp_path / "r").code["fingerprint"] == provenance.code_fingerprint()


# --- 6. runs without a manifest are never adopted ------------------------------------------------
def test_runs_without_a_manifest_are_never_adopted(swept, tmp_path, capsys):
    spec = swept[0]
    out = _copy(swept, tmp_path)
    (out / "runs" / "manifest.jsonl").unlink()
    before = _tree(out / "runs")
    capsys.readouterr()
    assert _sweep(spec, out) == 2
    assert "never adopts runs it has no record of" in _one_line(capsys)
    assert _tree(out / "runs") == before


def test_foreign_parts_dropped_into_runs_are_refused(swept, tmp_path, capsys):
    spec = swept[0]
    out = _copy(swept, tmp_path)
    (out / "runs" / "summary" / "r000100.parquet").write_bytes(b"someone's")
    capsys.readouterr()
    assert _sweep(spec, out) == 2
    assert "not recorded in the manifest" in _one_line(capsys)


# --- 7. a torn manifest is cut before anything is appended, and said -----------------------------
def test_a_torn_manifest_line_is_cut_and_reported(swept, tmp_path, capsys):
    spec = swept[0]
    out = _copy(swept, tmp_path)
    total = len(integrity.load(out / "runs"))
    manifest = out / "runs" / "manifest.jsonl"
    raw = manifest.read_bytes()
    last = raw.rstrip(b"\n").rsplit(b"\n", 1)[-1]
    manifest.write_bytes(raw[: len(raw) - len(last) - 1] + last[: len(last) // 2])  # the disk filled
    capsys.readouterr()
    assert _sweep(spec, out, "--no-report") == 0
    said = capsys.readouterr().out
    assert "cut a torn record" in said and f"{total - 1}/{total} runs done" in said
    m = integrity.read(out / "runs")
    assert len(m.done) == total and not m.cut
    assert all(integrity.valid_record(line) for line in manifest.read_bytes().splitlines())


def test_a_corrupt_record_is_not_believed(swept, tmp_path, capsys):
    spec = swept[0]
    out = _copy(swept, tmp_path)
    manifest = out / "runs" / "manifest.jsonl"
    lines = manifest.read_bytes().splitlines(keepends=True)
    i = next(k for k, line in enumerate(lines) if b'"run_id"' in line)
    lines[i] = lines[i].replace(b'"rows":1', b'"rows":9', 1)  # a flipped value: the checksum fails
    manifest.write_bytes(b"".join(lines))
    capsys.readouterr()
    assert _sweep(spec, out, "--no-report") == 0
    assert "1 corrupt record(s)" in capsys.readouterr().out
    assert integrity.read(out / "runs").cut == []


# --- 8. every file of run, validate and calibrate is flushed before the rename --------------------
def test_every_file_is_flushed_before_the_output_appears(tmp_path, monkeypatch):
    from experiments.sweeps import atomic, outputs

    synced: set[str] = set()
    real_fsync, real_replace = atomic.os.fsync, outputs.os.replace
    seen: dict[str, set[str]] = {}

    def fsync(fd):
        synced.add(os.path.realpath(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    def replace(src, dst):
        src = Path(src)
        if src.is_dir():
            seen[str(dst)] = {str(p.resolve()) for p in src.rglob("*")}
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "fsync", fsync)
    monkeypatch.setattr(outputs.os, "replace", replace)
    out = tmp_path / "r"
    assert main(["run", str(BASELINE), *TINY, "--out", str(out)]) == 0
    files = seen[str(out.absolute())]
    marker = {f for f in files if f.endswith(MARKER)}  # written by atomic_write: flushed as a temp
    assert len(files) >= 7 and files - marker <= synced  # every file and folder, flushed first


# --- 9. drumbeat findings follows the output rule --------------------------------------------------
def test_findings_refuses_an_unmarked_folder_and_a_folder_without_runs(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "first_wave.csv").write_text("my own table")
    capsys.readouterr()
    assert main(["findings", "first_wave", str(mine)]) == 2
    assert "not written by drumbeat" in _one_line(capsys)
    assert (mine / "first_wave.csv").read_text() == "my own table"
    committed = tmp_path / "durability"  # as committed: tables, no runs/
    shutil.copytree(ROOT / "results" / "durability", committed, ignore=shutil.ignore_patterns("runs"))
    assert main(["findings", "durability", str(committed)]) == 2
    assert "holds no finished runs" in _one_line(capsys)


def test_findings_of_the_wrong_sweep_is_one_line(swept, tmp_path, capsys):
    out = _copy(swept, tmp_path)
    capsys.readouterr()
    assert main(["findings", "durability", str(out)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_findings_as_a_module_is_the_subcommand(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "experiments.science.findings", "durability",
                           str(tmp_path / "nowhere")], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "no such folder" in proc.stderr


# --- the upgrade of first-format markers ----------------------------------------------------------
def test_upgrading_a_first_format_marker_records_hashes_and_refuses_paths_outside(tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    import upgrade_markers

    out = tmp_path / "r"
    assert main(["run", str(BASELINE), *TINY, "--out", str(out)]) == 0
    names = sorted(p.name for p in out.iterdir() if p.name != MARKER)
    (out / "notes.md").write_text("mine")
    (out / MARKER).write_text(json.dumps({"kind": "run", "command": "drumbeat run",
                                          "files": [*names, "notes.md"]}))
    led = upgrade_markers.upgrade(out, {"notes.md"})
    assert sorted(led.files) == names and Ledger.read(out).owned() == names
    assert led.code["fingerprint"] == provenance.fingerprint_at("HEAD") and led.extra["upgraded"]
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / MARKER).write_text(json.dumps({"kind": "run", "command": "drumbeat run",
                                          "files": ["../victim/"]}))
    with pytest.raises(ConfigError, match="outside its folder"):
        upgrade_markers.upgrade(bad, set())


def test_a_calibration_is_never_resumed_under_other_code(tmp_path, monkeypatch, capsys):
    from tests.experiments.test_calibrate_resume_cli import _fake

    calls: list[dict] = []
    _fake(monkeypatch, calls)
    out = tmp_path / "cal"
    assert main(["calibrate", "--quick", "--out", str(out)]) == 0
    monkeypatch.setattr(provenance, "code_fingerprint", lambda extra=(): "e" * 16)  # "edited"
    capsys.readouterr()
    assert main(["calibrate", "--resume", str(out)]) == 2
    err = _one_line(capsys)
    assert "made by other code" in err and "the model's code" in err and "--allow-code-change" in err
    assert len(calls) == 1  # nothing ran
    assert main(["calibrate", "--resume", str(out), "--allow-code-change"]) == 0
    assert calls[-1]["resume"] is False and "starting afresh" in capsys.readouterr().out
    assert Ledger.read(out).code["fingerprint"] == "e" * 16
