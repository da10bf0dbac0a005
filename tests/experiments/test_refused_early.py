"""Issue 26, points 3 and 7: a spec's fixed keys taken together as ``run --set`` takes them;
strict spec types; readable ``[analysis]`` errors; outcomes, schedulers and --config-out
refused before any work; a closed stdout ends nothing."""

from __future__ import annotations

import subprocess
import sys

import pytest

from experiments.sweeps import sweep as sweep_module
from experiments.sweeps.spec import Spec, load_spec
from experiments.sweeps.sweep import build_plan
from simulation import load_scenario
from simulation.errors import ConfigError
from tests.experiments.conftest import BASELINE, ROOT
from tests.experiments.test_strict_input import _refused

#: Keys that hold only together: 30 CCGs are too few for the base scenario's 42 systems.
TOGETHER = {"n_systems": 6, "ccgs": 30, "trusts": 30, "councils": 10, "districts": 0}


def _spec(tmp_path, head: str = "", tail: str = "", name: str = "t") -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'name = "{name}"\nscenario = "{BASELINE.as_posix()}"\nreplicates = 1\nyears = 1\n'
                    "fixed = { n_systems = 6, ccgs = 30, trusts = 30, councils = 10, districts = 0 }\n"
                    f"{head}\n[factors]\nreg_focus = [0.0, 1.0]\n{tail}")
    return str(path)


def _edit(path: str, old: str, new: str) -> str:
    text = open(path).read()
    assert old in text
    with open(path, "w") as f:
        f.write(text.replace(old, new))
    return path


def test_fixed_keys_are_taken_together_as_run_set_takes_them(tmp_path):
    spec, raw = load_spec(_spec(tmp_path))  # was: ccgs = 30 refused against 42 systems
    assert spec.fixed == TOGETHER
    plan = build_plan(_spec(tmp_path))
    assert plan.scenarios[BASELINE.as_posix()] == load_scenario(BASELINE, {**TOGETHER, "years": 1})


def test_fixed_keys_refused_together_say_what_run_set_says(tmp_path):
    bad = {**TOGETHER, "ccgs": 3}
    with pytest.raises(ConfigError) as by_run:
        load_scenario(BASELINE, bad)
    path = _edit(_spec(tmp_path), "ccgs = 30", "ccgs = 3")
    with pytest.raises(ConfigError) as by_spec:
        load_spec(path)
    assert str(by_spec.value) == f"{path}: fixed: " + str(by_run.value).split("(--set): ", 1)[1]
    assert "world.ccgs must be at least world.n_systems" in str(by_spec.value)


def test_quick_fixed_keys_are_checked_with_the_spec_s(tmp_path):
    path = _spec(tmp_path, tail="[quick]\nfixed = { ccgs = 4 }\n")
    with pytest.raises(ConfigError, match=r"t\.toml: quick: fixed: world: world\.ccgs must be at least"):
        load_spec(path)


@pytest.mark.parametrize("head, needle", [
    ('root_seed = true', "root_seed: Input should be a valid integer (got True)"),
    ('samples = 2.0\ndesign = "lhs"', "samples: Input should be a valid integer (got 2.0)"),
    ('second_order = 1', "second_order: Input should be a valid boolean (got 1)"),
])
def test_spec_keys_take_their_own_type_only(tmp_path, capsys, head, needle):
    _refused(capsys, ["sweep", _spec(tmp_path, head), "--out", str(tmp_path / "o")], needle, tmp_path)


def test_replicates_as_a_string_is_refused_and_a_whole_number_is_a_number(tmp_path, capsys):
    path = _edit(_spec(tmp_path), "replicates = 1", 'replicates = "3"')
    _refused(capsys, ["sweep", path, "--out", str(tmp_path / "o")],
             "t.toml: replicates: Input should be a valid integer (got '3')", tmp_path)
    with pytest.raises(ConfigError, match=r"^Spec: replicates: Input should be a valid integer"):
        Spec(name="x", scenario="baseline", replicates="3", factors={"reg_focus": [0.0]})
    assert Spec(name="x", scenario="baseline", years=2, factors={"reg_focus": [0.0]}).years == 2.0
    import numpy as np  # a notebook's NumPy scalars are numbers of their kind

    spec = Spec(name="x", scenario="baseline", replicates=np.int64(3), factors={"reg_focus": [0.0]})
    assert spec.replicates == 3 and type(spec.replicates) is int
    with pytest.raises(ConfigError, match="root_seed: Input should be a valid integer"):
        Spec(name="x", scenario="baseline", root_seed=np.bool_(True), factors={"reg_focus": [0.0]})


@pytest.mark.parametrize("tail, message", [
    ('[analysis]\nheatmap = ["reg_focus"]\n',
     "t.toml: analysis.heatmap: List should have at least 2 items after validation, not 1 "
     "(got ['reg_focus'])"),
    ('[analysis]\nspread_where = { reg_focus = [1] }\n',
     "t.toml: analysis.spread_where.reg_focus: expected true or false, a whole number, a number or a "
     "string (got [1])"),
    ('[analysis]\ndiscover = { outcome = "x", op = "=>", value = 1 }\n',
     "t.toml: analysis.discover.op: Input should be '>=', '<=', '>' or '<' (got '=>')"),
    ('[analysis]\ncolour = 1\n',
     "t.toml: unknown key 'analysis.colour'; valid keys here: outcome, also, heatmap, spread_by, "
     "spread_where, group_by, note, discover"),
])
def test_analysis_errors_are_one_plain_line(tmp_path, capsys, tail, message):
    path = _spec(tmp_path, tail=tail)
    _refused(capsys, ["sweep", path, "--out", str(tmp_path / "o")], message, tmp_path)
    err = capsys.readouterr().err
    assert "(top level)" not in err and "Spec:" not in err


def test_a_factor_value_of_no_kind_says_what_it_may_be(tmp_path):
    path = _edit(_spec(tmp_path), "reg_focus = [0.0, 1.0]", "reg_focus = 3")
    with pytest.raises(ConfigError) as refused:
        load_spec(path)
    assert str(refused.value) == f"{path}: factors.reg_focus: expected a table or a list (got 3)"


@pytest.mark.parametrize("tail, needle", [
    ('[analysis]\noutcome = "months_to_half"\n',
     "analysis.outcome: 'months_to_half' is not a result of a run (did you mean "
     "'months_to_half_integrated'?); results: commissioners_at_end"),
    ('[analysis]\nalso = ["share_integrated"]\n', "analysis.also: 'share_integrated' is not a result"),
    ('[analysis]\ndiscover = { outcome = "months", op = "<=", value = 60 }\n',
     "analysis.discover.outcome: 'months' is not a result of a run"),
])
def test_an_outcome_that_no_run_gives_is_refused_before_the_first_run(tmp_path, capsys, tail, needle):
    _refused(capsys, ["sweep", _spec(tmp_path, tail=tail), "--out", str(tmp_path / "o"), "--workers", "1"],
             needle, tmp_path)


def test_a_scheduler_is_reached_before_the_folder_is_made(tmp_path, capsys, monkeypatch):
    tried = []

    def unreachable(workers, scheduler, *a, **k):
        tried.append((scheduler, (tmp_path / "o").exists()))
        raise ConfigError(f"--scheduler {scheduler}: cannot connect (refused)")
    monkeypatch.setattr(sweep_module, "make_executor", unreachable)
    _refused(capsys, ["sweep", _spec(tmp_path), "--out", str(tmp_path / "o"), "--scheduler",
                      "tcp://127.0.0.1:9"], "--scheduler tcp://127.0.0.1:9: cannot connect", tmp_path)
    assert tried == [("tcp://127.0.0.1:9", False)]


def test_config_out_without_update_config_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _refused(capsys, ["calibrate", "--quick", "--config-out", "mine.toml"],
             "--config-out mine.toml: names the file --update-config replaces", tmp_path)


def test_a_closed_stdout_ends_quietly_with_the_work_done(tmp_path):
    """``drumbeat sweep ... | head``: the reader goes; the sweep runs on, writes its report,
    exits 0 and says nothing of a broken pipe."""
    out = tmp_path / "o"
    proc = subprocess.Popen([sys.executable, "-m", "experiments.cli", "sweep", _spec(tmp_path),
                             "--out", str(out), "--workers", "1"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the first line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 0, err
    assert "Broken pipe" not in err and "Traceback" not in err and "Exception ignored" not in err
    assert (out / "report.md").is_file() and (out / "summary.parquet").is_file()


@pytest.mark.parametrize("flag, value", [("force", "no"), ("quick", 1), ("allow_code_change", "yes")])
def test_api_switches_take_booleans_only(tmp_path, flag, value):
    from experiments.api import run_experiment

    with pytest.raises(ConfigError, match=rf"^run_experiment: {flag}: expected True or False, got "):
        run_experiment(_spec(tmp_path), tmp_path / "o", executor="serial", **{flag: value})
    assert not (tmp_path / "o").exists()


def test_run_help_says_the_default_seed_is_fixed(capsys):
    from experiments.cli.main import main

    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert "default 1: a fixed seed, so the same command gives the same run" in \
        " ".join(capsys.readouterr().out.split())


def test_world_keys_a_design_varies_are_checked_together_before_the_first_run(tmp_path, capsys):
    """70 trusts suit 42 systems (the base) and 6, not 50: the design point (50, 70) is found
    before any run, not when the sweep reaches it."""
    path = tmp_path / "w.toml"
    path.write_text(f'name = "w"\nscenario = "{BASELINE.as_posix()}"\nreplicates = 1\nyears = 1\n'
                    "[factors]\nn_systems = [6, 50]\ntrusts = [70, 300]\n")
    _refused(capsys, ["sweep", str(path), "--out", str(tmp_path / "o"), "--workers", "1"],
             "design point n_systems = 50, trusts = 70: world: world.trusts = 70 is too few for 50 "
             "systems", tmp_path)


def test_world_factors_are_taken_together_not_one_by_one_against_the_base(tmp_path, capsys):
    """ccgs = 30 alone is too few for the base's 42 systems, but this design never pairs it
    with more than 12: accepted. Paired with 50 systems it is refused at that design point."""
    from experiments.sweeps.sweep import preflight

    def spec(systems: str) -> str:
        path = tmp_path / "pair.toml"
        path.write_text(f'name = "pair"\nscenario = "{BASELINE.as_posix()}"\nreplicates = 1\nyears = 1\n'
                        "fixed = { trusts = 300, councils = 60, districts = 0 }\n"
                        f"[factors]\nn_systems = {systems}\nccgs = [30, 60]\n")
        return str(path)
    plan = build_plan(spec("[6, 12]"))
    preflight(plan, log=print)  # every world of the design holds
    assert sorted({(p["n_systems"], p["ccgs"]) for p in plan.stages[0].points}) == [
        (6, 30), (6, 60), (12, 30), (12, 60)]
    _refused(capsys, ["sweep", spec("[6, 50]"), "--out", str(tmp_path / "o"), "--workers", "1"],
             "design point n_systems = 50, ccgs = 30: world: world.ccgs must be at least "
             "world.n_systems", tmp_path)
