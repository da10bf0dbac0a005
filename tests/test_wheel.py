"""A wheel that works anywhere: configs/ shipped as package data, scenarios and specs by name."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from experiments.sweeps.spec import load_spec
from simulation import ConfigError, load_scenario
from simulation.configs import config_dir, find_config, names, shipped


def test_scenarios_and_specs_by_name_from_any_folder(root, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    by_name = load_scenario("baseline", {"years": 2})
    by_path = load_scenario(root / "configs" / "scenarios" / "baseline.toml", {"years": 2})
    assert by_name.digest() == by_path.digest()
    assert load_scenario("teaching/two_hospitals.toml").scenario.name == "two_hospitals"
    assert shipped("configs/scenarios/england_2014.toml") == config_dir() / "scenarios" / "england_2014.toml"
    spec, scenarios = load_spec("pressure_x_continuity")
    assert spec.name == "pressure_x_continuity" and scenarios
    assert "first_wave/dorset" in names("scenarios")


def test_a_file_wins_over_a_shipped_name_and_a_misspelt_name_is_answered(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "baseline").write_text('[scenario]\nname = "mine"\n')
    assert find_config("baseline", "scenarios") == Path("baseline")
    with pytest.raises(ConfigError, match=r"no shipped scenario of that name \(did you mean 'baseline'\?\)"):
        load_scenario("baselin")
    with pytest.raises(ConfigError, match="scenario file not found"):
        load_scenario("elsewhere/missing.toml")


def test_pyproject_ships_every_package_and_every_configs_folder(root):
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    code = {p.parent.relative_to(root).as_posix().replace("/", ".")
            for pkg in ("simulation", "experiments") for p in (root / pkg).rglob("__init__.py")}
    configs = {"drumbeat_configs"} | {
        "drumbeat_configs." + d.relative_to(root / "configs").as_posix().replace("/", ".")
        for d in (root / "configs").rglob("*") if d.is_dir() and any(d.glob("*.toml"))}
    assert listed == code | configs


#: What pyproject.toml builds the wheel from.
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "simulation", "experiments", "configs")


def _run(args: list[str], cwd: Path, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    out = subprocess.run(args, cwd=cwd, env={**env, "CI": "true"}, capture_output=True, text=True,
                         timeout=600, **kw)
    assert out.returncode == 0, f"{' '.join(map(str, args))}\n{out.stdout}\n{out.stderr}"
    return out


def test_the_built_wheel_runs_from_another_folder(root, tmp_path):
    """Build the wheel, install it (without dependencies) into a fresh virtual environment
    that sees this environment's dependencies, and use it from a folder outside the checkout:
    a short run, and ``drumbeat teach --prepare-assets`` (from the npm registry)."""
    src = tmp_path / "src"  # a clean copy: a stale build/ of the checkout never reaches the wheel
    src.mkdir()
    for name in BUILD_INPUTS:
        if (root / name).is_dir():
            shutil.copytree(root / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(root / name, src / name)
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--quiet", "-w", str(wheels)], src)
    wheel = next(wheels.glob("drumbeat-*.whl"))
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    py = bindir / "python"
    _run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)], tmp_path)
    # The dependencies come from this environment's site-packages, added as a plain path: its
    # .pth files (an editable install of the checkout) are not read, so only the wheel's code is seen.
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     tmp_path).stdout.strip())
    (site / "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = _run([str(py), "-c", "import simulation.configs as c; print(c.__file__); print(c.config_dir())"],
                 elsewhere).stdout.split()
    assert all(Path(w).is_relative_to(venv) for w in where), where  # not the checkout
    presets = _run([str(py), "-c", "from simulation.app.catalog import presets; print(sorted(presets()))"],
                   elsewhere).stdout  # the teaching app's presets
    assert "two_hospitals" in presets
    listing = _run([str(bindir / "drumbeat"), "scenarios"], elsewhere).stdout
    assert "teaching/two_hospitals.toml" in listing and "scenario files in" in listing
    run = _run([str(bindir / "drumbeat"), "run", "teaching/two_hospitals", "--years", "1", "--out", "r"],
               elsewhere).stdout
    assert "two_hospitals, seed 1" in run
    assert (elsewhere / "r" / "national.parquet").is_file()
    # the teaching app's page assets, fetched from the npm registry into the new environment's
    # own Solara cache (sys.prefix/share/solara/cdn), as scripts/setup.sh does
    cache = venv / "share" / "solara" / "cdn"
    assets = _run([str(bindir / "drumbeat"), "teach", "--prepare-assets"], elsewhere).stdout
    assert f"teaching app assets in {cache}: " in assets and assets.rstrip().endswith("fetched"), assets
    packages = _run([str(py), "-c", "from experiments.cli.teach import asset_packages as a; "
                     "print(*(f'{n}@{v}' for n, v in a()))"], elsewhere).stdout.split()
    assert packages and all((cache / p / "package.json").is_file() for p in packages), packages
    again = _run([str(bindir / "drumbeat"), "teach", "--prepare-assets"], elsewhere).stdout
    assert again.rstrip().endswith("all present")
    assert sorted(p.name for p in elsewhere.iterdir()) == ["r"]  # nothing written where it was run


def test_no_posix_only_module_in_the_project(root):
    """Sweeps and output folders work on Windows too: the lock is filelock's, not fcntl's."""
    posix_only = re.compile(r"^\s*(import|from)\s+(fcntl|termios|pwd|grp|resource)\b", re.M)
    offenders = [p.relative_to(root).as_posix() for pkg in ("simulation", "experiments")
                 for p in (root / pkg).rglob("*.py") if posix_only.search(p.read_text(encoding="utf-8"))]
    assert not offenders
    assert posix_only.search("import fcntl\n") and posix_only.search("    from resource import x")
