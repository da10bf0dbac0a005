"""Install extras (issue 26, point 6): without one, one line naming it, exit 2, no work done;
a report says what it leaves out without lifelines; set-up's Python check and its stamp."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from experiments.api import Spec, run_experiment
from experiments.cli.main import COMMAND_EXTRAS, main
from experiments.sweeps import extras

TINY = {"n_systems": 4, "trusts": 45, "ccgs": 45, "councils": 44, "districts": 10}
QUIET = {"progress": False, "log": None}


def without(monkeypatch, extra: str) -> None:
    """Make ``extra``'s modules unimportable, as if not installed."""
    for module in extras.EXTRAS[extra]:
        for name in [m for m in sys.modules if m == module or m.startswith(module + ".")]:
            monkeypatch.setitem(sys.modules, name, None)
        monkeypatch.setitem(sys.modules, module, None)


def test_every_extra_of_the_helper_is_an_extra_of_pyproject(root):
    import tomllib

    declared = tomllib.loads((root / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(extras.EXTRAS) <= set(declared)
    assert set(COMMAND_EXTRAS.values()) <= set(extras.EXTRAS)
    everything = declared["all"][0]  # "drumbeat[app,viz,...]": every extra but the tools'
    assert set(everything[everything.index("[") + 1:-1].split(",")) == set(extras.EXTRAS)


@pytest.mark.parametrize(("args", "extra", "module"), [
    (["teach", "--prepare-assets"], "app", "solara, segno"),
    (["calibrate", "--population", "4"], "calibrate", "pyabc"),
    (["discover", "results/discovery"], "discover", "ema_workbench"),
])
def test_a_command_without_its_extra_names_it_in_one_line(args, extra, module, monkeypatch, tmp_path, capsys):
    without(monkeypatch, extra)
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == ""
    are = "are" if ", " in module else "is"
    assert err == (f"drumbeat: error: drumbeat {args[0]} needs the [{extra}] extra ({module} {are} not "
                   f"installed): {extras.install_hint(extra)}\n")
    assert list(tmp_path.iterdir()) == []  # nothing done


def test_a_sweep_on_a_dask_scheduler_needs_the_cluster_extra(monkeypatch, tmp_path, capsys):
    without(monkeypatch, "cluster")
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", "pressure_x_continuity", "--quick", "--scheduler", "local", "--out", "o"]) == 2
    assert "needs the [cluster] extra (distributed is not installed)" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
    spec = Spec(name="t", scenario="baseline", years=1, fixed=TINY, factors={"reg_focus": [0.0]})
    with pytest.raises(extras.MissingExtra, match=r"executor='dask'\) needs the \[cluster\] extra"):
        run_experiment(spec, "api", executor="dask", **QUIET)
    assert not (tmp_path / "api").exists()


def test_a_report_without_lifelines_says_what_it_leaves_out(monkeypatch, tmp_path):
    spec = Spec(name="t", scenario="baseline", years=8, replicates=1, fixed=TINY,
                factors={"reg_focus": [0.0, 1.0]})
    sweep = run_experiment(spec, tmp_path / "o", executor="serial", **QUIET)
    without(monkeypatch, "survival")
    text = sweep.report().read_text(encoding="utf-8")
    assert ("- Left out: the per-system survival analysis (Kaplan-Meier curves, restricted mean months "
            "to integration, Cox hazard ratios), which needs the [survival] extra (lifelines is not "
            f"installed): {extras.install_hint('survival')}.") in text
    assert "Cox hazard ratios per unit" not in text and not (sweep.out / "survival_cox.csv").exists()


def test_the_hint_is_editable_in_a_checkout_and_from_pypi_elsewhere(root, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "prefix", str(root / ".venv"))  # make run's environment
    assert extras.install_hint("discover") == '.venv/bin/pip install -e ".[discover]"'
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "another-env"))
    assert extras.install_hint("discover") == 'pip install -e ".[discover]"'
    fake = tmp_path / "site-packages" / "experiments" / "sweeps" / "extras.py"
    monkeypatch.setattr(extras, "__file__", str(fake))  # an installed wheel
    assert extras.install_hint("discover") == 'pip install "drumbeat[discover]"'


# scripts/setup.sh ---------------------------------------------------------------------------

def _project(root: Path, tmp: Path) -> Path:
    """A copy of what scripts/setup.sh reads, in its own folder."""
    proj = tmp / "proj"
    (proj / "scripts").mkdir(parents=True)
    for name in ("pyproject.toml", "scripts/setup.sh", "scripts/constraints.txt"):
        shutil.copy2(root / name, proj / name)
    return proj


def _executable(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_setup_below_python_3_12_says_so_in_one_line(root, tmp_path):
    proj = _project(root, tmp_path)
    fake = tmp_path / "bin"
    # an old python3 alone on PATH, no pyenv
    _executable(fake / "python3", '#!/bin/sh\n[ "$1" = "--version" ] && echo "Python 3.11.7"; exit 1\n')
    for tool in ("dirname", "ls", "sort", "cat", "sha256sum", "cut", "sed", "rm"):
        if shutil.which(tool):
            (fake / tool).symlink_to(shutil.which(tool))
    env = {"PATH": str(fake), "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "nopyenv")}
    out = subprocess.run([shutil.which("bash"), "scripts/setup.sh"], cwd=proj, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert out.stderr == ("setup: Drumbeat needs Python 3.12 or newer; found Python 3.11.7 at "
                          f"{fake}/python3, and none newer on PATH or under pyenv: install Python "
                          "3.12+ or set DRUMBEAT_PYTHON=/path/to/python3.12\n")
    assert not (proj / ".venv").exists()


def test_setup_installs_once_then_only_when_pyproject_or_the_constraints_change(root, tmp_path):
    """A stand-in .venv/bin/python records what it is asked; the stamp keys the install."""
    proj = _project(root, tmp_path)
    calls = proj / ".venv" / "calls"
    _executable(proj / ".venv" / "bin" / "python",
                f'#!/bin/sh\necho "$*" >> {calls}\n[ "$1" = "--version" ] && echo "Python 3.13.0"\nexit 0\n')
    env = {k: v for k, v in os.environ.items() if k != "DRUMBEAT_UNPINNED"}

    def setup(*args: str) -> str:
        calls.unlink(missing_ok=True)
        out = subprocess.run(["bash", "scripts/setup.sh", *args], cwd=proj, env=env, capture_output=True,
                             text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout

    first = setup()
    assert "setup: installing Drumbeat with the core" in first
    assert "-m pip install --quiet -c scripts/constraints.txt -e ." in calls.read_text()
    key = hashlib.sha256((proj / "pyproject.toml").read_bytes()
                         + (proj / "scripts/constraints.txt").read_bytes()).hexdigest()[:16]
    assert (proj / ".venv/.drumbeat-setup").read_text() == f"{key} unpinned=\n0\n"
    again = setup()
    assert again.startswith("setup: up to date") and "pip" not in calls.read_text()
    (proj / "scripts/constraints.txt").write_text("numpy==2.5.5\n")
    assert "installing" in setup() and "-e ." in calls.read_text()
    assert setup().startswith("setup: up to date")
    # every extra is more than the core: installed once, then the core alone is up to date
    full = setup("--all")
    assert "every extra" in full and '-e .[all]' in calls.read_text()
    assert setup().startswith("setup: up to date") and setup("--all").startswith("setup: up to date")
