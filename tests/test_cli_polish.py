"""The command line as a researcher meets it: --version, plain help, suggestions for misspelt
keys, ``drumbeat params`` and ``drumbeat scenarios``, commands that work from any folder."""

from __future__ import annotations

import re

import pytest

from experiments.cli import main as cli
from experiments.sweeps.spec import load_spec
from simulation import ConfigError, load_scenario
from simulation.params import Params
from simulation.scenario import EventSpec

MARKUP = re.compile(r"``|`|:[a-z]+:`|\*\*|::$", flags=re.M)


def test_version(capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["--version"])
    assert stop.value.code == 0
    assert re.fullmatch(r"drumbeat \S+.*\n", capsys.readouterr().out)


def test_every_help_is_plain_text():
    parser = cli.build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert {"run", "sweep", "odd", "params", "scenarios"} <= set(commands)
    for name, command in {"drumbeat": parser, **commands}.items():
        text = command.format_help()
        assert not MARKUP.search(text), f"{name} --help shows markup: {MARKUP.search(text)}"


def test_plain_removes_rest_markup():
    text = "Raises :class:`~simulation.errors.ConfigError` for ``--out``; see `x`::"
    assert MARKUP.search(text)
    assert cli.plain(text) == "Raises ConfigError for --out; see x:"


def test_misspelt_parameter_in_a_scenario_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[params]\nreg_intensty = 0.3\n")
    with pytest.raises(ConfigError, match=r"unknown key 'params.reg_intensty' "
                                          r"\(did you mean 'reg_intensity'\?\)"):
        load_scenario(bad)


def test_misspelt_override_and_set_event(root):
    base = load_scenario(root / "configs" / "scenarios" / "baseline.toml")
    with pytest.raises(ConfigError, match=r"'leader_tenure_yaers' \(did you mean 'leader_tenure_years'\?\)"):
        base.with_overrides({"leader_tenure_yaers": 4})
    with pytest.raises(ValueError, match=r"unknown param 'peer_psuh' \(did you mean 'peer_push'\?\)"):
        EventSpec(kind="set", month=3, param="peer_psuh", value=0.1)
    with pytest.raises(ConfigError) as far:  # nothing close: no suggestion, the list instead
        base.with_overrides({"zzz": 1})
    assert "did you mean" not in str(far.value) and "valid keys: " in str(far.value)


def test_misspelt_factor_of_an_experiment_spec(root, tmp_path):
    spec = tmp_path / "spec.toml"
    base = (root / "configs" / "scenarios" / "baseline.toml").as_posix()
    spec.write_text(f'name = "x"\nscenario = "{base}"\n[factors]\nreg_focuss = [0.1, 0.2]\n')
    with pytest.raises(ConfigError, match=r"factors.reg_focuss.*\(did you mean 'reg_focus'\?\)"):
        load_spec(spec)


def test_params_lists_every_parameter_with_range_units_and_source(capsys):
    assert cli.main(["params"]) == 0
    out = capsys.readouterr().out
    for name in Params.model_fields:
        assert re.search(rf"^  {name} = ", out, flags=re.M), name
    trust_gain = out.split("  trust_gain = ", 1)[1].split("\n  ", 1)[0]
    assert "range 0 – 1" in trust_gain and "units: per contact" in trust_gain
    assert "source: 000:166, 002:2583-2599" in out.split("  trust_gain = ", 1)[1]
    assert f"{len(Params.model_fields)} of {len(Params.model_fields)} parameters" in out


def test_params_filters_and_suggests(capsys):
    assert cli.main(["params", "reg_"]) == 0
    out = capsys.readouterr().out
    assert "  reg_focus = " in out and "  trust_gain = " not in out
    assert cli.main(["params", "trsut"]) == 2
    assert "did you mean 'trust'" in capsys.readouterr().err


def test_scenarios_lists_every_file_from_any_folder(root, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["scenarios"]) == 0
    out = capsys.readouterr().out
    files = sorted((root / "configs" / "scenarios").rglob("*.toml"))
    assert f"\n{len(files)} scenario files in " in out
    assert "first_wave/dorset.toml   name dorset, from 2016-04" in out
    assert "Synthetic England: 42 systems" in out
    assert "cannot be read" not in out


def test_scenarios_reports_an_unreadable_file(tmp_path, capsys):
    (tmp_path / "broken.toml").write_text("[scenario\n")
    (tmp_path / "ok.toml").write_text('[scenario]\nname = "ok"\ndescription = "One. Two."\n')
    assert cli.main(["scenarios", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "broken.toml\n      (cannot be read:" in out and "      One.\n" in out


def test_odd_check_works_from_another_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["odd", "--check"]) == 0
    assert "parameter table matches" in capsys.readouterr().out


def test_findings_reads_the_shipped_spec_folder_from_another_folder(root, tmp_path, monkeypatch, capsys):
    import tomllib

    from experiments.science import findings

    monkeypatch.chdir(tmp_path)
    folder = findings.spec_folder(None)
    assert folder == root / "configs" / "experiments"
    files = tomllib.loads((folder / "first_wave.toml").read_text())["scenarios"]
    assert [findings.composition(folder / f)["organisations"] > 0 for f in files] == [True] * 8
    assert findings.main(["first_wave", str(tmp_path), "--spec-dir", "nowhere"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--spec-dir nowhere: no such folder" in err


def test_commands_with_workers_share_option_names_and_defaults():
    """sweep, validate and calibrate: the same --workers (all cores) and --scheduler."""
    import argparse

    from experiments.cli.main import build_parser

    subs = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    seen = {}
    for name in ("sweep", "validate", "calibrate"):
        actions = {a.dest: a for a in subs.choices[name]._actions}
        seen[name] = tuple((actions[d].default, actions[d].help, actions[d].metavar)
                           for d in ("workers", "force_workers", "scheduler"))
    assert len(set(seen.values())) == 1, seen
    assert seen["sweep"][0][0] is None  # all cores
