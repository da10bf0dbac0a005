"""Strict input before any work: scenario, event, spec and command-line values (docs/reliability.md)."""

from __future__ import annotations

import pytest

from experiments.cli import checks
from experiments.cli.main import main
from simulation.errors import ConfigError
from tests.experiments.conftest import BASELINE, small_spec

WORLD = "[world]\nn_systems = 4\ntrusts = 20\nccgs = 10\ncouncils = 8\ndistricts = 6\n"


def _scenario(tmp_path, body: str) -> str:
    path = tmp_path / "s.toml"
    path.write_text('[scenario]\nname = "s"\nyears = 1\n' + WORLD + body)
    return str(path)


def _refused(capsys, argv: list[str], needle: str, tmp_path) -> None:
    """Exit 2, one line naming the problem, no traceback, nothing written."""
    before = set(tmp_path.iterdir())
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's own refusals end this way (one line, status 2)
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err and "Traceback" not in err, err
    assert set(tmp_path.iterdir()) == before


@pytest.mark.parametrize("body, needle", [
    ('[[event]]\nkind = "deficit_shock"\nmonth = 3\ntarget = "x"\nvalue = "lots"\n', "finite number"),
    ('[[event]]\nkind = "pressure"\nmonth = 3\nvalue = nan\n', "finite number"),
    ('[[event]]\nkind = "pressure"\nmonth = 3\nvalue = 7.5\n', "between 0 and 1"),
    ('[[event]]\nkind = "set"\nmonth = 3\nparam = "shared_data"\nvalue = "no"\n', "expected true or false"),
    ('[[event]]\nkind = "set"\nmonth = 3\nparam = "reg_intensity"\nvalue = nan\n', "finite number"),
    ('[[event]]\nkind = "resignation"\nmonth = 3\ntarget = "Nobody Here"\n', "no organisation named"),
    ('[[event]]\nkind = "shared_data"\nmonth = 3\ntarget = "Atlantis"\n', "no system named"),
    ('[[event]]\nkind = "edict"\nmonth = 3\nvalue = 2\n', "takes no 'value'"),
    ('[[event]]\nkind = "earthquake"\nmonth = 3\n', "unknown event kind"),
    ("[params]\nshared_data = \"no\"\n", "params.shared_data: expected true or false"),
    ("[params]\npooling_available = 1\n", "expected true or false"),
    ("[params]\nreg_intensity = true\n", "expected a number"),
    ("[params]\nreg_intensity = inf\n", "finite number"),
])
def test_bad_scenario_values_are_refused_before_the_run(tmp_path, capsys, body, needle):
    out = tmp_path / "o"
    _refused(capsys, ["run", _scenario(tmp_path, body), "--out", str(out)], needle, tmp_path)


def test_set_option_booleans_only_booleans(tmp_path, capsys):
    _refused(capsys, ["run", str(BASELINE), "--set", "shared_data=no", "--out", str(tmp_path / "o")],
             "expected true or false", tmp_path)


def test_empty_scenario_file_is_an_error(tmp_path, capsys):
    (tmp_path / "empty.toml").write_text("# nothing here\n")
    _refused(capsys, ["run", str(tmp_path / "empty.toml"), "--out", str(tmp_path / "o")],
             "empty scenario file", tmp_path)


def test_event_after_the_end_is_a_one_line_warning(tmp_path, capsys):
    scn = _scenario(tmp_path, '[[event]]\nkind = "statute"\ndate = "2030-01"\n')
    assert main(["run", scn, "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("drumbeat: warning:") and "will not happen" in err[0]


@pytest.mark.parametrize("argv, needle", [
    (["run", str(BASELINE), "--seed", "-5"], "--seed: must be between 0 and"),
    (["run", str(BASELINE), "--seed", str(2**48)], "--seed: must be between 0 and"),
    (["run", str(BASELINE), "--seed", "lots"], "invalid int value"),
    (["calibrate", "--quick", "--seed", "-1"], "--seed: must be between 0 and"),
    (["calibrate", "--quick", "--seed", str(2**32)], "--seed: must be between 0 and"),
    (["calibrate", "--quick", "--minutes", "-3"], "--minutes: must be above 0"),
    (["teach", "--seed", "-1"], "--seed: must be between 0 and"),
    (["validate", "--quick", "--workers", "100000"], "more than this machine's"),
    (["validate", "--quick", "--workers", "0"], "at least 1"),
    (["run", str(BASELINE), "--no-such-option"], "unrecognized arguments"),
])
def test_bad_command_line_values(tmp_path, capsys, monkeypatch, argv, needle):
    monkeypatch.chdir(tmp_path)
    _refused(capsys, argv, needle, tmp_path)


def test_sweep_workers_and_log_every(tmp_path, capsys):
    spec = small_spec(tmp_path, years=1, replicates=1)
    out = str(tmp_path / "o")
    _refused(capsys, ["sweep", str(spec), "--out", out, "--workers", "1000"], "more than this machine's",
             tmp_path)
    for every in ("-5", "0", "nan"):
        _refused(capsys, ["sweep", str(spec), "--out", out, "--log-every", every], "--log-every", tmp_path)


def test_workers_may_exceed_the_cores_only_when_forced():
    assert checks.workers(checks.cores() + 1, force=True) == checks.cores() + 1
    with pytest.raises(ConfigError):
        checks.workers(checks.cores() + 1)


def test_integer_factor_with_a_continuous_range_is_refused_before_the_sweep(tmp_path, capsys):
    spec = small_spec(tmp_path, years=1, body='design = "lhs"\nsamples = 3',
                      factors="n_systems = { range = [5, 12] }\n")
    _refused(capsys, ["sweep", str(spec), "--out", str(tmp_path / "o")], "valid integer", tmp_path)


def test_spec_whose_scenario_names_a_missing_target_is_refused_before_the_sweep(tmp_path, capsys):
    scn = tmp_path / "scn.toml"
    scn.write_text(BASELINE.read_text() + '\n[[event]]\nkind = "resignation"\nmonth = 2\ntarget = "Nobody"\n')
    spec = small_spec(tmp_path, years=1).read_text().replace(BASELINE.as_posix(), scn.as_posix())
    (tmp_path / "tiny.toml").write_text(spec)
    _refused(capsys, ["sweep", str(tmp_path / "tiny.toml"), "--out", str(tmp_path / "o")],
             "no organisation named 'Nobody'", tmp_path)


def test_teach_validates_before_starting_its_server(tmp_path, capsys, monkeypatch):
    from experiments.cli import teach

    def never(*a, **k):
        raise AssertionError("the server was started")
    monkeypatch.setattr(teach.os, "execve", never)
    monkeypatch.setattr(teach, "prepare_assets", never)
    for body, needle in [
            ('[[event]]\nkind = "resignation"\nmonth = 3\ntarget = "Nobody"\n', "no organisation"),
            ('[[event]]\nkind = "deficit_shock"\nmonth = 3\ntarget = "x"\nvalue = "lots"\n',
             "finite number")]:
        _refused(capsys, ["teach", _scenario(tmp_path, body)], needle, tmp_path)


def test_interrupted_command_exits_130_and_writes_nothing(tmp_path, capsys, monkeypatch):
    from experiments.cli import run

    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(run, "run_scenario", interrupted)
    assert main(["run", str(BASELINE), "--out", str(tmp_path / "o")]) == 130
    assert capsys.readouterr().err == "drumbeat: interrupted\n"
    assert list(tmp_path.iterdir()) == []


def test_a_target_missing_only_in_another_world_of_the_design_is_refused_before_the_sweep(tmp_path, capsys):
    from experiments.sweeps.seeds import run_seed
    from simulation import load_scenario
    from simulation.model import DrumbeatModel

    world = {"n_systems": 12, "trusts": 70, "ccgs": 60, "councils": 44, "districts": 40}
    seed = run_seed(7, 0)  # small_spec's root seed, first position: the world the check builds

    def systems(n: int) -> list[str]:
        return DrumbeatModel(load_scenario(BASELINE, {**world, "n_systems": n}), seed).state.world.system_name
    target = next(n for n in systems(12) if n not in systems(5))  # in the 12-system world only
    scn = tmp_path / "scn.toml"
    scn.write_text(BASELINE.read_text() + f'\n[[event]]\nkind = "edict"\nmonth = 2\ntarget = "{target}"\n')
    for factors, code in (("n_systems = [12]\n", 0), ("n_systems = [12, 5]\n", 2)):
        spec = small_spec(tmp_path, years=1, replicates=1, factors=factors)
        spec.write_text(spec.read_text().replace(BASELINE.as_posix(), scn.as_posix()))
        argv = ["sweep", str(spec), "--out", str(tmp_path / f"o{code}"), "--workers", "1", "--no-report"]
        if code:
            _refused(capsys, argv, f"no system named '{target}'", tmp_path)
        else:
            assert main(argv) == 0  # the same event in the world where it exists: accepted


def test_an_event_aimed_at_a_name_missing_from_a_later_runs_world_is_refused_up_front(tmp_path, capsys):
    """A synthetic England names organisations from each run's seed: an organisation of the
    first run's world may not exist in the next; that is found before any run, in one line."""
    from experiments.cli.main import main
    from experiments.sweeps.seeds import run_seed
    from simulation import load_scenario
    from simulation.rng import Streams
    from simulation.world import build_world
    from tests.experiments.conftest import BASELINE

    small = {"n_systems": 12, "trusts": 70, "ccgs": 60, "councils": 44, "districts": 40}
    base = load_scenario(BASELINE, small)
    first = build_world(base, Streams(run_seed(7, 0))["world"]).org_name
    second = build_world(base, Streams(run_seed(7, 1))["world"]).org_name
    name = next(n for n in first if n not in second)
    scn = tmp_path / "aimed.toml"
    scn.write_text(BASELINE.read_text()
                   + f'\n[[event]]\nmonth = 3\nkind = "resignation"\ntarget = "{name}"\n')
    spec = tmp_path / "aimed_spec.toml"
    spec.write_text(f'name = "aimed"\nscenario = "{scn.as_posix()}"\nreplicates = 2\nroot_seed = 7\n'
                    f'years = 1\nfixed = {{ n_systems = 12, trusts = 70, ccgs = 60, councils = 44, '
                    f'districts = 40 }}\n[factors]\nreg_focus = [0.0]\n')
    out = tmp_path / "o"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not have" in err[0] and name in err[0]
    assert not out.exists()
