"""A wheel that works anywhere: configs/ shipped as package data, scenarios and specs by name."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
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


#: What pyproject.toml builds the wheel from.
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "simulation", "experiments", "configs")


def _run(args: list[str], cwd: Path, ok: bool = True, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    out = subprocess.run(args, cwd=cwd, env={**env, "CI": "true", **kw.pop("env", {})}, capture_output=True,
                         text=True, timeout=kw.pop("timeout", 600), **kw)
    if ok:
        assert out.returncode == 0, f"{' '.join(map(str, args))}\n{out.stdout}\n{out.stderr}"
    return out


@pytest.fixture(scope="module")
def wheel(root, tmp_path_factory) -> Path:
    """The wheel, built from a clean copy of the build inputs (a stale build/ or __pycache__
    of the checkout never reaches it)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in BUILD_INPUTS:
        if (root / name).is_dir():
            shutil.copytree(root / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(root / name, src / name)
    _run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--quiet", "-w", str(tmp / "w")], src)
    return next((tmp / "w").glob("drumbeat-*.whl"))


def test_the_wheel_holds_every_module_and_every_config(root, wheel):
    """Every module and file of the two packages, and every file of configs/ as drumbeat_configs."""
    names = set(zipfile.ZipFile(wheel).namelist())
    code = {p.relative_to(root).as_posix() for pkg in ("simulation", "experiments")
            for p in (root / pkg).rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    configs = {"drumbeat_configs/" + p.relative_to(root / "configs").as_posix()
               for p in (root / "configs").rglob("*") if p.is_file()}
    assert not (code | configs) - names
    assert "simulation/app/network.vue" in names and "drumbeat_configs/scenarios/baseline.toml" in names
    assert not [n for n in names if n.endswith(".pyc")]


def readme_blocks(root: Path) -> list[str]:
    """The README's Python examples."""
    return re.findall(r"```python\n(.*?)```", (root / "README.md").read_text(encoding="utf-8"), flags=re.S)


def _venv(path: Path) -> tuple[Path, Path]:
    _run([sys.executable, "-m", "venv", str(path)], path.parent)
    bindir = path / ("Scripts" if os.name == "nt" else "bin")
    return bindir, bindir / "python"


def _run_readme_block(root: Path, py: Path, block: int, folder: Path) -> subprocess.CompletedProcess:
    """README example number ``block``, run as a script by ``py`` in an empty ``folder``."""
    folder.mkdir()
    (folder / "example.py").write_text(readme_blocks(root)[block], encoding="utf-8")
    out = _run([str(py), "example.py"], folder, ok=False)
    assert out.returncode == 0, out.stderr
    return out


@pytest.fixture(scope="module")
def wheel_env(wheel, tmp_path_factory) -> tuple[Path, Path, Path]:
    """A fresh virtual environment with the wheel installed without dependencies, which sees
    this environment's dependencies through a plain path: its .pth files (an editable install
    of the checkout) are not read, so only the wheel's code is seen."""
    tmp = tmp_path_factory.mktemp("env")
    venv = tmp / "venv"
    bindir, py = _venv(venv)
    _run([str(py), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)], tmp)
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     tmp).stdout.strip())
    (site / "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv, bindir, py


def test_the_built_wheel_runs_from_another_folder(wheel_env, tmp_path):
    """The installed wheel, used from a folder outside the checkout: a short run, and ``drumbeat
    teach --prepare-assets`` (from the npm registry)."""
    venv, bindir, py = wheel_env
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


def test_the_readme_python_examples_run_from_the_wheel(root, wheel_env, tmp_path):
    """Every Python example of the README, from the installed wheel, each in an empty folder."""
    _check_readme_blocks(root, wheel_env[2], tmp_path)


def _check_readme_blocks(root: Path, py: Path, tmp: Path) -> None:
    blocks = readme_blocks(root)
    assert len(blocks) >= 2
    for i in range(len(blocks)):
        _run_readme_block(root, py, i, tmp / f"block{i}")


def _fresh_env_with(root: Path, wheel: Path, tmp: Path, extra: str) -> tuple[Path, int]:
    """A fresh virtual environment with the wheel and ``extra``'s dependencies from PyPI
    (pinned by scripts/constraints.txt, as scripts/setup.sh pins them); its size in bytes."""
    venv = tmp / "venv"
    _bindir, py = _venv(venv)
    _run([str(py), "-m", "pip", "install", "--quiet", "-c", str(root / "scripts" / "constraints.txt"),
          f"drumbeat{extra} @ {wheel.as_uri()}"], tmp, timeout=1800)
    return py, sum(p.stat().st_size for p in venv.rglob("*") if p.is_file() and not p.is_symlink())


def _slow_only(request) -> None:
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("a fresh environment from PyPI, minutes long: run with -m slow")


@pytest.mark.slow
@pytest.mark.parametrize("extra", ["", "[all]"])
def test_the_readme_python_examples_run_in_a_fresh_environment(root, wheel, tmp_path, extra, request):
    """The README's Python examples from the wheel installed with its own dependencies: the
    core alone, then every extra. Without an extra, the commands that need one say which, in
    one line, with exit status 2."""
    _slow_only(request)
    py, size = _fresh_env_with(root, wheel, tmp_path, extra)
    print(f"drumbeat{extra}: {size / 1e6:.0f} MB")
    _check_readme_blocks(root, py, tmp_path)
    if extra:
        _run([str(py), "-c", "from experiments.sweeps.extras import EXTRAS, missing; "
              "assert not [e for e in EXTRAS if missing(e)]"], tmp_path)
        return
    for command, needs, args in (("teach", "app", ["--prepare-assets"]), ("calibrate", "calibrate", []),
                                 ("discover", "discover", ["nowhere"])):
        out = _run([str(py.parent / "drumbeat"), command, *args], tmp_path, ok=False)
        assert out.returncode == 2 and out.stderr.count("\n") == 1, out.stderr
        assert f"drumbeat {command} needs the [{needs}] extra" in out.stderr
        assert f'pip install "drumbeat[{needs}]"' in out.stderr and "Traceback" not in out.stderr


def test_no_posix_only_module_in_the_project(root):
    """Sweeps and output folders work on Windows too: the lock is filelock's, not fcntl's."""
    posix_only = re.compile(r"^\s*(import|from)\s+(fcntl|termios|pwd|grp|resource)\b", re.M)
    offenders = [p.relative_to(root).as_posix() for pkg in ("simulation", "experiments")
                 for p in (root / pkg).rglob("*.py") if posix_only.search(p.read_text(encoding="utf-8"))]
    assert not offenders
    assert posix_only.search("import fcntl\n") and posix_only.search("    from resource import x")
