"""Rivals and ABC model selection (``configs/rivals.toml``, ``experiments/science/rivals.py`` and
``selection.py``, ``drumbeat rivals``): the file's checks, the inert parameters, the population
and stopping rules and the report of dead rivals on hand-made cases, then tiny selections of
a 12-system England: resumed after an interruption, the command end to end, and the
confusion matrix. The full-size selection is a result, not a test."""

from __future__ import annotations

import json
import math
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

from experiments.cli import rivals as cli
from experiments.cli.main import main
from experiments.science import calibrate as C
from experiments.science import rivals as R
from experiments.science import selection as S
from simulation import ConfigError, load_scenario, run_scenario
from simulation.params import param_bounds

SMALL = (("ccgs", 60), ("councils", 44), ("districts", 40), ("n_systems", 12), ("trusts", 70))
#: The same small England as a scenario file (as the command reads it)
SMALL_SCENARIO = ('extends = "england_2014"\n[scenario]\nname = "small_history"\n'
                  'description = "England 2014-2022 cut to 12 systems, for a test"\n[world]\n'
                  + "".join(f"{k} = {v}\n" for k, v in SMALL))


# --- the rivals file ----------------------------------------------------------------------------
def test_the_shipped_rivals_are_the_full_model_and_no_drumbeat():
    rivals = {r.name: r for r in R.load()}
    assert list(rivals)[:2] == ["full", "no_drumbeat"]
    assert rivals["full"].params == C.DEFAULT_PARAMS and rivals["full"].overrides == ()
    assert rivals["no_drumbeat"].overrides == (("peer_influence", False),)
    assert rivals["no_drumbeat"].params == ("external_push", "ccg_merge_months", "designation_index")
    assert all(r.description and r.sources for r in rivals.values())


GOOD = """[rival.a]
description = "a"
params = ["external_push"]

[rival.b]
description = "b"
overrides = { peer_influence = false }
params = ["external_push"]
"""


@pytest.mark.parametrize(("text", "message"), [
    ("colour = 1\n" + GOOD, "unknown key 'colour'"),
    (GOOD.replace('description = "a"', 'description = "a"\nsauce = 1'), "unknown key 'rival.a.sauce'"),
    (GOOD.replace("peer_influence = false", "peer_influnce = false"),
     "rival.b.overrides: unknown parameter or switch 'peer_influnce' (did you mean 'peer_influence'?)"),
    (GOOD.replace("peer_influence = false", "peer_influence = 3.5"), "rival.b.overrides: peer_influence"),
    (GOOD.replace('params = ["external_push"]\n\n[rival.b]', 'params = ["external_pus"]\n\n[rival.b]'),
     "rival.a.params: cannot fit 'external_pus'"),
    (GOOD.replace('overrides = { peer_influence = false }\nparams = ["external_push"]',
                  'overrides = { peer_influence = false }\nparams = ["external_push", "peer_push"]'),
     "rival.b: params: 'peer_push' does nothing with peer_influence = false"),
    (GOOD.replace('overrides = { peer_influence = false }', 'overrides = { external_push = 0.1 }'),
     "rival.b: params: 'external_push' is fitted and fixed by overrides at once"),
    (GOOD.replace("[rival.a]", "[rival.A]"), "'A' is not a name"),
    (GOOD.replace('params = ["external_push"]\n\n[rival.b]', 'params = []\n\n[rival.b]'),
     "rival.a.params"),
    ("rival = {}\n", "rival"),
])
def test_a_mistake_in_the_rivals_file_is_one_error_naming_file_and_key(tmp_path, text, message):
    path = tmp_path / "rivals.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        R.load(path)
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value)
    assert "\n" not in str(err.value)


def test_rivals_are_chosen_by_name_in_the_files_order(tmp_path):
    path = tmp_path / "rivals.toml"
    path.write_text(GOOD)
    rivals = R.load(path)
    assert [r.name for r in R.choose(rivals, "b,a")] == ["a", "b"]
    with pytest.raises(ConfigError, match="--rivals: unknown rival 'c'"):
        R.choose(rivals, "a,c")
    with pytest.raises(ConfigError, match="at least two rivals, got a"):
        R.choose(rivals, "a")


def test_what_no_drumbeat_does_not_fit_does_nothing_in_it_and_what_it_fits_acts():
    """Same seed: every parameter INERT names leaves the run's facts as they were with
    peer_influence false; the push (fitted) changes them, so the comparison can fail."""
    bounds = param_bounds()
    base = {**dict(SMALL), "peer_influence": False}

    def facts(over):
        scn = load_scenario(C.ENGLAND, {**base, **over})
        return C.england_stats(run_scenario(scn, 11), scn)

    def same(a, b):
        return a.keys() == b.keys() and all(a[k] == b[k] or (math.isnan(a[k]) and math.isnan(b[k]))
                                            for k in a)

    ref = facts({})
    for p in R.INERT[("peer_influence", False)]:
        assert same(facts({p: bounds[p][1]}), ref), p
    assert not same(facts({"external_push": bounds["external_push"][1]}), ref)


# --- the rules, on hand-made cases --------------------------------------------------------------
def test_the_population_rule_is_the_smallest_binomial_size():
    n = S.population_for(10, 0.05, 0.01)
    assert n == 371 == cli.FULL["population"]
    assert binom.cdf(9, n, 0.05) <= 0.01 < binom.cdf(9, n - 1, 0.05)
    assert S.population_for(1, 0.5, 0.25) == 2  # P(no particle) = 0.25 at two
    small = S.Settings("s", (), population=16, generations=3)
    assert small.rule() == {"min_particles": 10, "min_probability": 0.05, "alpha": 0.01,
                            "population_needed": 371, "met": False}


@pytest.mark.parametrize(("eps", "alive", "reason"), [
    ([], 2, None),
    ([5.0], 2, None),
    ([5.0], 1, "one rival left"),
    ([5.0, 4.0], 2, None),                 # fell by 20 %
    ([5.0, 4.8], 2, None),                 # fell by 4 %, under 5 %, but in one generation only
    ([5.0, 4.8, 4.6], 2, "stalled"),       # by 4 % and by 4.2 %: twice under 5 %
    ([5.0, 4.8, 4.0], 2, None),            # paused once, then fell again
    ([5.0, 4.75, 4.5125], 2, None),        # by exactly 5 % twice: not under it
    ([9.0, 5.0, 4.0, 3.0], 2, "most generations"),
    ([9.0, 5.0, 4.9, 4.8], 2, "stalled"),  # stalled wins over the cap: the tolerance settled
    ([5.0, 0.0], 2, "tolerance zero"),
])
def test_a_run_stops_when_its_tolerance_stops_falling(eps, alive, reason):
    assert S.stop_reason(eps, alive, drop=0.05, generations=4) == reason
    if eps[-2:] == [5.0, 4.8]:
        assert S.stop_reason(eps, alive, drop=0.05, generations=4, patience=1) == "stalled"


def test_a_dead_rival_is_reported_with_its_generation_and_the_chance_of_dying_so():
    counts = [{"a": 8, "b": 10, "c": 2}, {"a": 19, "b": 0, "c": 1}, {"a": 20, "b": 0, "c": 0}]
    probs = [{"a": 0.5, "b": 0.3, "c": 0.2}, {"a": 0.97, "b": 0.0, "c": 0.03}, {"a": 1.0, "b": 0, "c": 0}]
    out = {d["model"]: d for d in S.deaths(counts, probs, population=20, alpha=0.01, min_particles=10)}
    assert out["b"] == {"model": "b", "thin": False, "generation": 2, "previous_share": 0.5,
                        "previous_probability": 0.3, "chance": 0.5 ** 20, "established": True}
    assert out["c"] == {"model": "c", "thin": False, "generation": 3, "previous_share": 0.05,
                        "previous_probability": 0.03, "chance": pytest.approx(0.95 ** 20),
                        "established": False}  # a rival at 5 % gets no particle in 36 % of them
    assert "a" not in out
    first = S.deaths([{"a": 5, "b": 0}], [{"a": 1.0, "b": 0.0}], 5, 0.01, 3)
    assert first == [{"model": "b", "thin": False, "generation": 1, "previous_share": 0.5,
                      "previous_probability": 0.5, "chance": 0.5 ** 5, "established": False}]
    assert S.deaths([{"a": 5, "b": 2}], [{"a": 0.9, "b": 0.1}], 7, 0.01, 3) == [
        {"model": "b", "thin": True, "particles": 2}]


class FakeHistory:
    """What read_history reads from pyabc's History: a rival with no weight is not stored."""

    max_t = 1

    def get_all_populations(self):
        return pd.DataFrame({"t": [-1, 0, 1], "epsilon": [np.inf, 4.0, 3.0], "samples": [20, 30, 40]})

    def get_model_probabilities(self, t):
        return pd.DataFrame({"p": [0.25, 0.75]} if t == 0 else {"p": [1.0]},
                            index=pd.Index([0, 1] if t == 0 else [1], name="m"))

    def get_distribution(self, m, t):
        n = {(0, 0): 3, (1, 0): 5, (0, 1): 0, (1, 1): 8}[(m, t)]
        return pd.DataFrame({"x": np.zeros(n)}), np.ones(n)


def test_the_history_is_read_generation_by_generation_with_dead_rivals_at_zero():
    info = S.read_history(FakeHistory(), ["a", "b"])
    assert info == {"epsilons": [4.0, 3.0], "evaluations": [30, 40],
                    "probabilities_by_generation": [{"a": 0.25, "b": 0.75}, {"a": 0.0, "b": 1.0}],
                    "particles_by_generation": [{"a": 3, "b": 5}, {"a": 0, "b": 8}]}


def test_probabilities_over_runs_are_averaged_with_their_spread():
    rivals = (S.Rival("a", "A", (), ("x",)), S.Rival("b", "B", (("s", False),), ("y",)))
    settings = S.Settings("s", rivals, population=4, generations=2, runs=2)
    death = {"model": "b", "thin": True, "particles": 1}
    runs = [{"run": 0, "probabilities": {"a": 0.2, "b": 0.8}, "deaths": []},
            {"run": 1, "probabilities": {"a": 0.6, "b": 0.4}, "deaths": [death]}]
    a, b = S.summarise(settings, runs)
    assert a["probability"] == pytest.approx(0.4) and a["probability_runs"] == [0.2, 0.6]
    assert a["probability_sd"] == pytest.approx(math.sqrt(0.08)) and a["deaths"] == []
    assert (b["probability_min"], b["probability_max"]) == (0.4, 0.8)
    assert b["deaths"] == [{"run": 1, **death}] and b["overrides"] == {"s": False}


def test_the_confusion_matrix_counts_picks_and_averages_probabilities():
    lines = [{"true": "a", "fitted": True, "picked": "a", "probabilities": {"a": 0.9, "b": 0.1}},
             {"true": "a", "fitted": True, "picked": "b", "probabilities": {"a": 0.3, "b": 0.7}},
             {"true": "a", "fitted": False},
             {"true": "b", "fitted": True, "picked": "b", "probabilities": {"b": 1.0}}]
    t = R.confusion_table(lines, ["a", "b"]).set_index("true")
    assert t.loc["a"].to_dict() == {"datasets": 2, "unfitted": 1, "picked_a": 0.5, "picked_b": 0.5,
                                    "p_a": pytest.approx(0.6), "p_b": pytest.approx(0.4)}
    assert t.loc["b"].to_dict() == {"datasets": 1, "unfitted": 0, "picked_a": 0.0, "picked_b": 1.0,
                                    "p_a": 0.0, "p_b": 1.0}
    assert R.pick({"a": 0.5, "b": 0.5}) == "a" and R.pick({"a": 0.4, "b": 0.6}) == "b"


def test_the_report_reads_the_probabilities_as_evidence_only_past_the_recovery_gate():
    rows = [{"true": "a", "datasets": 10, "picked_a": 0.9, "picked_b": 0.1},
            {"true": "b", "datasets": 10, "picked_a": 0.3, "picked_b": 0.7}]
    text = "\n".join(S.recovery_lines(rows))
    assert "a picked for 90% of its 10 data sets; b picked for 70% of its 10 data sets" in text
    assert "cannot reliably tell these rivals apart" in text and "not evidence" in text
    rows[1]["picked_b"] = 0.8
    assert "can be read as evidence" in "\n".join(S.recovery_lines(rows))
    assert "no recovery confusion matrix was given" in S.recovery_lines(None)[0]


def test_a_confusion_matrix_of_other_rivals_or_broken_is_refused(tmp_path):
    settings = S.Settings("s.toml", tuple(R.load()), population=4, generations=2)
    rows = [{"true": "full", "datasets": 2, "picked_full": 1.0},
            {"true": "no_drumbeat", "datasets": 2, "picked_no_drumbeat": 0.5}]
    doc = {"settings": {**settings.key(), "generations": 9}, "confusion": rows}
    (tmp_path / "confusion.json").write_text(json.dumps(doc))
    assert R.read_recovery(tmp_path, settings) == rows  # sizes may differ, rivals may not
    for bad, message in [({**doc, "settings": {**doc["settings"], "rivals": []}}, "other rivals"),
                         ({**doc, "confusion": rows[:1]}, "not one row per rival"),
                         ({**doc, "confusion": [rows[0], {**rows[1], "datasets": "2"}]}, "not one row")]:
        (tmp_path / "confusion.json").write_text(json.dumps(bad))
        with pytest.raises(ConfigError, match=message):
            R.read_recovery(tmp_path, settings)
    with pytest.raises(ConfigError, match="no readable confusion.json"):
        R.read_recovery(tmp_path / "nowhere", settings)


# --- tiny selections ----------------------------------------------------------------------------
def tiny(scenario=C.ENGLAND, overrides=SMALL) -> S.Settings:
    return S.Settings(str(scenario), tuple(R.load()), population=8, generations=2, seed=0,
                      overrides=overrides)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    store = tmp_path_factory.mktemp("select")
    return S.run_all(tiny(), store, {"code": "test"}, log=lambda s: None)[0]


def test_a_run_stopped_by_a_kill_and_resumed_gives_the_uninterrupted_result(uninterrupted, tmp_path,
                                                                           monkeypatch):
    assert len(uninterrupted["epsilons"]) >= 2 and uninterrupted["stopped"]
    real = S.make_sampler_class

    def killed_in_generation_two():
        class Killed(real()):
            def sample_until_n_accepted(self, n, simulate_one, t, **kw):
                if t >= 1:
                    raise KeyboardInterrupt  # as a kill: generation 1 finished, 2 not
                return super().sample_until_n_accepted(n, simulate_one, t, **kw)
        return Killed

    monkeypatch.setattr(S, "make_sampler_class", killed_in_generation_two)
    with pytest.raises(KeyboardInterrupt):
        S.run_all(tiny(), tmp_path, {"code": "test"}, log=lambda s: None)
    assert len(list(tmp_path.glob("select-0-*.db"))) == 1
    monkeypatch.setattr(S, "make_sampler_class", real)
    resumed = S.run_all(tiny(), tmp_path, {"code": "test"}, log=lambda s: None)[0]
    assert resumed == uninterrupted
    assert sum(resumed["probabilities"].values()) == pytest.approx(1.0)


@pytest.mark.slow  # another tiny selection
def test_two_workers_give_the_result_of_one_and_an_empty_history_is_started_afresh(uninterrupted,
                                                                                 tmp_path):
    code = {"code": "test"}
    (tmp_path / S.RUN_DB.format(run=0, tag=S.tag(tiny().key(), code, 0))).touch()  # killed at birth
    assert S.run_all(tiny(), tmp_path, code, workers=2, log=lambda s: None)[0] == uninterrupted


def test_the_command_writes_its_results_at_once_and_reuses_finished_runs(uninterrupted, tmp_path,
                                                                         capsys, monkeypatch):
    scenario = tmp_path / "small.toml"
    scenario.write_text(SMALL_SCENARIO)
    out = tmp_path / "rivals"
    argv = ["rivals", "select", "--scenario", str(scenario), "--population", "8",
            "--generations", "2", "--runs", "1", "--workers", "1", "--out", str(out)]
    assert main(argv) == 0
    assert {p.name for p in out.iterdir()} >= set(cli.SELECT_FILES)
    doc = json.loads((out / "selection.json").read_text(),  # strict JSON: no NaN, no Infinity
                     parse_constant=lambda c: pytest.fail(f"{c} in selection.json"))
    assert [m["name"] for m in doc["models"]] == ["full", "no_drumbeat"]
    # the same seed and sizes as the module's run: the same numbers
    assert [m["probability_runs"] for m in doc["models"]] == [
        [uninterrupted["probabilities"]["full"]], [uninterrupted["probabilities"]["no_drumbeat"]]]
    assert doc["epsilons"] == [uninterrupted["epsilons"]]
    assert doc["settings"]["population_rule"]["met"] is False
    assert "stopped:" in (out / "selection.md").read_text()
    assert main(argv) == 2 and "--force" in capsys.readouterr().err
    class NoSampling(S.make_sampler_class()):
        def sample_until_n_accepted(self, *args, **kwargs):
            pytest.fail("a finished run was sampled")

    monkeypatch.setattr(S, "make_sampler_class", lambda: NoSampling)
    gate = tmp_path / "confusion"
    gate.mkdir()
    key = S.Settings(str(scenario), tuple(R.load()), population=8, generations=2).key()
    (gate / "confusion.json").write_text(json.dumps({"settings": key, "confusion": [
        {"true": "full", "datasets": 5, "picked_full": 1.0},
        {"true": "no_drumbeat", "datasets": 5, "picked_no_drumbeat": 0.4}]}))
    assert main([*argv, "--force", "--confusion", str(gate)]) == 0  # from the store, sampling nothing
    again = json.loads((out / "selection.json").read_text())
    assert again["models"] == doc["models"] and again["recovery"][1]["picked_no_drumbeat"] == 0.4
    assert "cannot reliably tell these rivals apart" in (out / "selection.md").read_text()


def finished_generations(store) -> int:
    """Generations finished in the one history of ``store`` (0 when none can be read yet)."""
    try:
        (db,) = store.glob("select-0-*.db")
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            return int(con.execute("select max(t) from populations").fetchone()[0]) + 1
    except (ValueError, TypeError, sqlite3.Error):
        return 0


@pytest.mark.slow  # a real kill -9 of the command, then the command again: half a minute or more
def test_the_command_killed_by_sigkill_resumes_to_the_uninterrupted_result(uninterrupted, tmp_path):
    scenario = tmp_path / "small.toml"
    scenario.write_text(SMALL_SCENARIO)
    out = tmp_path / "rivals"
    argv = ["rivals", "select", "--scenario", str(scenario), "--population", "8",
            "--generations", "2", "--runs", "1", "--workers", "1", "--out", str(out)]
    proc = subprocess.Popen([sys.executable, "-m", "experiments.cli.main", *argv],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while proc.poll() is None and finished_generations(tmp_path / ".rivals.runs") < 1:
            time.sleep(0.05)
        proc.kill()  # SIGKILL: no clean-up of any kind
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the command ended before it could be killed"
    assert finished_generations(tmp_path / ".rivals.runs") == 1 and not out.exists()
    assert main(argv) == 0
    doc = json.loads((out / "selection.json").read_text())
    assert doc["runs"] == [json.loads(json.dumps(uninterrupted))]


def test_the_confusion_command_selects_on_data_from_each_rival(tmp_path):
    scenario = tmp_path / "small.toml"
    scenario.write_text(SMALL_SCENARIO)
    out = tmp_path / "confusion"
    assert main(["rivals", "confusion", "--scenario", str(scenario), "--population", "8",
                 "--generations", "1", "--datasets", "1", "--seed", "2", "--workers", "1",
                 "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} >= set(cli.CONFUSION_FILES)
    table = pd.read_csv(out / "confusion.csv")
    assert list(table["true"]) == ["full", "no_drumbeat"]
    fitted = table[table["datasets"] > 0]
    assert len(fitted) and np.allclose(fitted[["picked_full", "picked_no_drumbeat"]].sum(axis=1), 1)
    assert np.allclose(fitted[["p_full", "p_no_drumbeat"]].sum(axis=1), 1)
    with (tmp_path / ".confusion.runs" / "confusion.jsonl").open("a") as fh:
        fh.write('{"truth": 0, "key": {}}\n')  # a line of other settings: not this output's
    lines = [json.loads(x) for x in (out / "confusion.jsonl").read_text().splitlines()]
    assert sorted(line["true"] for line in lines) == ["full", "no_drumbeat"]
    assert main(["rivals", "confusion", "--scenario", str(scenario), "--population", "8",
                 "--generations", "1", "--datasets", "1", "--seed", "2", "--workers", "1",
                 "--out", str(out), "--force"]) == 0  # from the store
    assert [json.loads(x) for x in (out / "confusion.jsonl").read_text().splitlines()] == lines
    nd = next(line for line in lines if line["true"] == "no_drumbeat")
    assert set(nd["values"]) == {"external_push", "ccg_merge_months", "designation_index"}


def test_the_actions_help_is_plain_text(capsys):
    for action in ("select", "confusion"):
        with pytest.raises(SystemExit):
            main(["rivals", action, "--help"])
        text = capsys.readouterr().out
        assert "drumbeat rivals" in text and "--seed" in text
        assert "``" not in text and ":func:" not in text


@pytest.mark.parametrize(("argv", "message"), [
    (["--population", "0"], "--population: must be at least 1"),
    (["--runs", "-1"], "--runs: must be at least 1"),
    (["--rivals", "full,nope"], "--rivals: unknown rival 'nope'"),
    (["--rivals", "full"], "at least two rivals"),
    (["--seed", "-1"], "--seed: must be between 0"),
    (["--drop", "1.5"], "--drop: must be between 0 and 1"),
    (["--config", "missing.toml"], "missing.toml: rivals file not found"),
    (["--scenario", "missing.toml"], "missing.toml: scenario file not found"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, message):
    out = tmp_path / "rivals"
    assert main(["rivals", "select", "--quick", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists() and not (tmp_path / ".rivals.runs").exists()
