"""The one output rule (docs/reliability.md): what every command may write, replace and refuse."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from experiments.cli.main import main
from experiments.sweeps.outputs import MARKER, Claim, read_marker, safe_name
from simulation.errors import ConfigError
from tests.experiments.conftest import BASELINE

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--years", "1", "--set", "n_systems=4", "--set", "trusts=20", "--set", "ccgs=10",
        "--set", "councils=8", "--set", "districts=6"]


def _run(out: Path, *extra: str) -> int:
    return main(["run", str(BASELINE), *TINY, "--out", str(out), *extra])


def _strict(text: str) -> object:
    def refuse(token: str) -> None:
        raise ValueError(f"not strict JSON: {token}")
    return json.loads(text, parse_constant=refuse)


def test_run_marks_its_folder_and_writes_strict_json(tmp_path, capsys):
    out = tmp_path / "r"
    assert _run(out) == 0
    marker = read_marker(out)
    assert marker["kind"] == "run" and marker["command"] == "drumbeat run"
    assert set(marker["files"]) == {p.name for p in out.iterdir()} - {MARKER}
    summary = _strict((out / "summary.json").read_text())  # a 1-year run never reaches half
    assert summary["months_to_half_integrated"] is None


def test_foreign_folder_is_refused_whole_and_untouched(tmp_path, capsys):
    thesis = tmp_path / "thesis"
    (thesis / "chapter").mkdir(parents=True)
    (thesis / "thesis.txt").write_text("years of work")
    before = sorted(p.relative_to(thesis) for p in thesis.rglob("*"))
    for argv in (["run", str(BASELINE), *TINY, "--out", str(thesis), "--force"],
                 ["validate", "--patterns", "1", "--out", str(thesis), "--force"],
                 ["calibrate", "--quick", "--out", str(thesis), "--force"]):
        capsys.readouterr()
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "not written by drumbeat" in err
    assert sorted(p.relative_to(thesis) for p in thesis.rglob("*")) == before
    assert (thesis / "thesis.txt").read_text() == "years of work"


def test_earlier_output_needs_force_and_force_replaces_only_listed_files(tmp_path, capsys):
    out = tmp_path / "r"
    assert _run(out) == 0
    (out / "notes.txt").write_text("mine")
    first = (out / "summary.json").read_text()
    capsys.readouterr()
    assert _run(out) == 2
    assert "add --force" in capsys.readouterr().err
    assert _run(out, "--seed", "2", "--force") == 0
    assert (out / "notes.txt").read_text() == "mine"  # not in the marker: kept
    assert (out / "summary.json").read_text() != first
    assert "notes.txt" not in read_marker(out)["files"]


def test_output_of_another_kind_is_refused_even_with_force(tmp_path, capsys):
    out = tmp_path / "r"
    assert _run(out) == 0
    capsys.readouterr()
    assert main(["validate", "--patterns", "1", "--out", str(out), "--force"]) == 2
    assert "holds the output of drumbeat run" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="holds the output of drumbeat run"):
        Claim(out, "sweep")


def test_file_or_unwritable_out_is_one_line_exit_2(tmp_path, capsys):
    (tmp_path / "a_file").write_text("x")
    assert _run(tmp_path / "a_file") == 2
    assert "is not a folder" in capsys.readouterr().err
    assert _run(Path("/proc/no/such/place")) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("name", ["../../../escape", "/etc/x", "..", "a/../../b", " "])
def test_scenario_names_cannot_escape_results(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    scn = tmp_path / "s.toml"
    scn.write_text(f"[scenario]\nname = {json.dumps(name)}\nyears = 1\n[world]\nn_systems = 4\n"
                   "trusts = 20\nccgs = 10\ncouncils = 8\ndistricts = 6\n")
    assert main(["run", str(scn)]) == 0
    made = [p for p in tmp_path.rglob("summary.json")]
    assert len(made) == 1 and made[0].parent.parent == tmp_path / "results"
    assert "/" not in safe_name(name) and not safe_name(name).startswith(".")


def test_second_writer_is_refused(tmp_path):
    with Claim(tmp_path / "o", "run"):
        with pytest.raises(ConfigError, match="another drumbeat command is writing"):
            Claim(tmp_path / "o", "run").__enter__()
    with Claim(tmp_path / "o", "run"):  # free again, and the lock file is gone after
        pass
    assert not list(tmp_path.glob(".o.lock"))


def test_partial_folder_of_a_killed_run_is_cleaned_by_the_next_run(tmp_path):
    out = tmp_path / "r"
    script = ("import os, sys; from experiments.cli import main as m\n"
              "m.run_scenario = None\n"  # placeholder so the import is complete
              "from experiments.cli import run as r\n"
              "orig = r.write_outputs\n"
              "def die(*a, **k):\n"
              "    with a[2].replacing() as tmp:\n"
              "        (tmp / 'summary.json').write_text('half')\n"
              "        os._exit(9)\n"  # as a kill would: no clean-up runs
              "r.write_outputs = die\n"
              f"sys.exit(m.main(['run', {str(BASELINE)!r}, *{TINY!r}, '--out', {str(out)!r}]))\n")
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 9, proc.stderr
    partial = list(tmp_path.glob(".r.partial-*"))
    stranger = tmp_path / ".r.partial-not-ours"  # same name pattern, not stamped: never removed
    stranger.mkdir()
    assert len(partial) == 1 and not out.exists()
    assert _run(out) == 0
    assert not partial[0].exists() and stranger.is_dir() and (out / "summary.json").is_file()


def _fake_calibration(monkeypatch) -> None:
    from experiments.science import calibrate as C

    fit = C.Fit(pd.DataFrame({"threshold_mean": [0.5, 0.6]}), np.array([0.5, 0.5]), [1.0, math.nan],
                4, 2, 0.1)
    table = pd.DataFrame({"statistic": ["x"], "fact": ["x"], "observed": [1.0], "scale": [1.0],
                          "median": [math.nan], "q10": [1.0], "q90": [1.0]})
    monkeypatch.setattr(C, "run", lambda *a, **k: fit)
    monkeypatch.setattr(C, "predict", lambda *a, **k: [{"stats": {"x": 1.0}}])
    monkeypatch.setattr(C, "stats_table", lambda *a, **k: table)
    monkeypatch.setattr(C, "calibrated_toml", lambda *a, **k: "# calibrated\n")
    monkeypatch.setattr(C, "figure", lambda runs, path: Path(path).write_bytes(b"png"))


def test_calibrate_quick_never_writes_tracked_files(tmp_path, monkeypatch, capsys):
    _fake_calibration(monkeypatch)
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "configs" / "calibrated" / "england_2014.toml"
    assert main(["calibrate", "--quick", "--update-config"]) == 2
    assert "never replaces the committed configuration" in capsys.readouterr().err
    assert main(["calibrate", "--quick"]) == 0
    assert not config.exists() and not (tmp_path / "results").exists()
    quick = tmp_path / "out" / "calibration-quick"
    assert (quick / "calibrated.toml").is_file() and read_marker(quick)["kind"] == "calibrate"
    assert _strict((quick / "summary.json").read_text())["epsilons"] == [1.0, None]
    assert main(["calibrate"]) == 0  # a full calibration: a new folder, config untouched
    assert not config.exists() and len(list((tmp_path / "results").glob("calibration-*"))) == 1
    assert main(["calibrate", "--update-config", "--out", str(tmp_path / "c2"),
                 "--config-out", str(config)]) == 0
    assert config.read_text() == "# calibrated\n"


def test_calibrate_replaces_the_checkouts_configuration_from_any_folder(root, tmp_path, monkeypatch, capsys):
    from experiments.cli import calibrate
    from simulation import configs

    monkeypatch.chdir(tmp_path)
    committed = root / "configs" / "calibrated" / "england_2014.toml"
    assert calibrate.config_out(None) == committed and committed.is_file()
    assert calibrate.config_out(Path("mine.toml")) == Path("mine.toml")
    monkeypatch.setattr(calibrate, "config_dir", lambda: tmp_path / "site-packages" / "drumbeat_configs")
    with pytest.raises(ConfigError, match="installed without its checkout.*--config-out"):
        calibrate.config_out(None)
    _fake_calibration(monkeypatch)  # refused before any run, in one line
    assert main(["calibrate", "--update-config", "--out", str(tmp_path / "c3")]) == 2
    assert capsys.readouterr().err.count("\n") == 1 and not (tmp_path / "c3").exists()
    assert configs.config_dir() == root / "configs"


def test_validate_quick_writes_outside_results(tmp_path, monkeypatch):
    args = SimpleNamespace(workers=1, force_workers=False, scheduler=None, out=None, quick=True,
                           force=False)
    from experiments.cli.validate import batch_claim

    monkeypatch.chdir(tmp_path)
    claim = batch_claim(args, "validate", Path("results/validation"), Path("out/validation-quick"))
    assert claim.out == tmp_path / "out" / "validation-quick"


def test_committed_results_folders_carry_markers():
    for folder in (ROOT / "results").iterdir():  # (hidden folders: git-ignored run stores)
        if folder.is_dir() and folder.name != "figures" and not folder.name.startswith("."):
            marker = read_marker(folder)
            assert marker is not None, folder
            tracked = subprocess.run(["git", "ls-files", folder.name], cwd=ROOT / "results",
                                     capture_output=True, text=True).stdout.split()
            files = {Path(t).relative_to(folder.name).as_posix() for t in tracked} - {MARKER}
            assert files - {"findings.md"} <= set(marker["files"]), folder  # (written by hand)
            assert marker["code"]["fingerprint"] and marker["complete"], folder


def test_force_on_a_folder_of_only_our_files_swaps_it_whole(tmp_path):
    out = tmp_path / "r"
    assert _run(out) == 0
    first = (out / "summary.json").read_text()
    assert _run(out, "--seed", "5", "--force") == 0
    assert (out / "summary.json").read_text() != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]  # no partial or lock left


def test_force_beside_someone_elses_files_replaces_only_ours_in_place(tmp_path, capsys):
    """With a user's notes in the folder, --force replaces the run's own files in the folder
    itself (never the folder, which the run did not create here) and says what it kept."""
    out = tmp_path / "r"
    assert _run(out) == 0
    (out / "notes.txt").write_text("mine")
    (out / "drafts").mkdir()
    (out / "drafts" / "a.md").write_text("draft")
    inode = out.stat().st_ino
    capsys.readouterr()
    assert _run(out, "--seed", "5", "--force") == 0
    assert "kept 2 file(s)" in capsys.readouterr().err
    assert out.stat().st_ino == inode
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "drafts" / "a.md").read_text() == "draft"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]
    assert read_marker(out)["complete"] is True


def test_validate_refuses_an_unwritable_out_before_any_run(tmp_path, capsys, monkeypatch):
    from experiments.science import validate

    monkeypatch.setattr(validate, "score", lambda *a, **k: pytest.fail("ran before checking --out"))
    (tmp_path / "f").write_text("x")
    assert main(["validate", "--patterns", "1", "--out", str(tmp_path / "f")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_scorecard_and_metadata_are_strict_json(tmp_path, monkeypatch, spec_factory):
    from experiments.science import validate
    from experiments.sweeps.sweep import run_sweep

    monkeypatch.setattr(validate, "scorecard_md", lambda *a: "")
    monkeypatch.setattr(validate, "panel_figure", lambda *a: None)
    records = [{"passed": True, "discriminating": False,
                "checks": [{"effect": math.nan, "interval": [-math.inf, np.float64(1.0)]}]}]
    validate.write(records, {}, "ci", tmp_path, {"seconds": math.inf})
    doc = _strict((tmp_path / "scorecard.json").read_text())
    assert doc["patterns"][0]["checks"][0] == {"effect": None, "interval": [None, 1.0]}
    assert doc["meta"]["seconds"] is None
    out = run_sweep(spec_factory(years=1, replicates=1), tmp_path / "s", workers=1, show_progress=False,
                    log=lambda s: None)
    _strict((out / "metadata.json").read_text())
    assert read_marker(out)["kind"] == "sweep"


def test_write_error_keeps_the_earlier_output_whole(tmp_path, capsys, monkeypatch):
    import errno

    from experiments.analysis import runplots

    out = tmp_path / "r"
    assert _run(out) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def full(result, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))
    monkeypatch.setattr(runplots, "spread_figure", full)
    capsys.readouterr()
    assert _run(out, "--seed", "4", "--force") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "nothing of this output" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r"]


def test_report_lists_its_files_in_the_sweep_marker_and_writes_only_sweep_folders(tmp_path, capsys,
                                                                                   spec_factory):
    out = tmp_path / "s"
    assert main(["sweep", str(spec_factory(years=1, replicates=1)), "--out", str(out), "--workers", "1"]) == 0
    files = set(read_marker(out)["files"])
    assert {"report.md", "metadata.json", "runs/manifest.jsonl", "summary.parquet", "spec.toml"} <= files
    assert any(f.startswith("figures/") for f in files)
    assert files == {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()
                     and p.parts[len(out.parts)] != "runs"} - {MARKER} | {"runs/manifest.jsonl"}
    assert _run(tmp_path / "r") == 0
    capsys.readouterr()
    assert main(["report", str(tmp_path / "r")]) == 2
    assert "holds the output of drumbeat run" in capsys.readouterr().err


def test_a_kill_while_force_replaces_leaves_only_whole_files_that_are_ours(tmp_path, monkeypatch):
    """Killed between removing the old files and moving the new ones in, the folder holds
    whole files only, every one of them the run's by its marker (marked incomplete), and the
    next --force finishes the job; the user's notes are kept throughout."""
    from experiments.sweeps import outputs

    out = tmp_path / "r"
    assert _run(out) == 0
    (out / "notes.txt").write_text("mine")
    real = outputs.os.replace
    moved = {"n": 0}

    def die_after_two(src, dst):
        if moved["n"] == 2:
            raise KeyboardInterrupt  # as a kill would stop it, part-way
        moved["n"] += 1
        real(src, dst)

    monkeypatch.setattr(outputs.os, "replace", die_after_two)
    assert _run(out, "--seed", "5", "--force") == 130
    monkeypatch.setattr(outputs.os, "replace", real)
    marker = read_marker(out)
    assert marker["complete"] is False
    from experiments.sweeps.ledger import Ledger

    led = Ledger.read(out)
    assert set(led.strangers()) == {"notes.txt"}  # everything else is the run's, old or new
    assert _run(out, "--seed", "6", "--force") == 0
    assert read_marker(out)["complete"] is True and (out / "notes.txt").read_text() == "mine"
    assert set(Ledger.read(out).owned()) == {p.name for p in out.iterdir()} - {MARKER, "notes.txt"}
