"""``drumbeat reproduce``: which committed folders the code of today would make, and rebuilding."""

from __future__ import annotations

import shutil

import pytest

from experiments.cli.main import main
from experiments.science import reproduce as R
from experiments.sweeps import provenance
from simulation.errors import ConfigError


def test_every_committed_results_folder_is_listed_with_a_way_to_build_it():
    assert R.unlisted() == []
    names = [r.name for r in R.RESULTS]
    assert names[:4] == ["baseline", "calibration", "calibration_real", "validation"]
    # what reads a calibrated scenario comes after the calibration that writes it
    assert names.index("calibration_real") < names.index("real_england")
    for r in R.RESULTS:
        assert r.steps and all(s[0] in ("drumbeat", "robustness") for s in r.steps), r.name
        if r.kind == "calibrate":  # never cut short by the wall-time limit on a slow machine
            step = list(r.steps[0])
            assert float(step[step.index("--minutes") + 1]) >= 24 * 60, r.name


def test_check_tells_a_current_folder_from_one_made_by_other_code(tmp_path, monkeypatch, capsys):
    (tmp_path / "results").mkdir()
    assert R.rebuild(main, ["baseline"], root=tmp_path, log=lambda s: None) == 0
    assert R.status(R.select(["baseline"])[0], tmp_path).state == "current"
    said: list[str] = []
    assert R.rebuild(main, ["baseline"], root=tmp_path, log=said.append) == 0
    assert len(said) == 1 and said[0].startswith("drumbeat reproduce: 0 of 1 results to build "
                                                  "(about 0 minutes on 2 cores")
    real = provenance.code_fingerprint
    monkeypatch.setattr(provenance, "code_fingerprint", lambda extra=(): "f" * 16)
    st = R.status(R.select(["baseline"])[0], tmp_path)
    assert st.state == "other code" and f"{real()[:16]} now" not in st.detail and "ffff" in st.detail
    monkeypatch.setattr(provenance, "code_fingerprint", real)
    shutil.rmtree(tmp_path / "results" / "baseline")
    assert R.status(R.select(["baseline"])[0], tmp_path).state == "missing"


def test_unknown_names_and_unlisted_folders(tmp_path, capsys):
    with pytest.raises(ConfigError, match="unknown result 'nope'"):
        R.select(["nope"])
    assert main(["reproduce", "--check", "nope"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    (tmp_path / "results" / "mine").mkdir(parents=True)
    (tmp_path / "results" / "mine" / "drumbeat-output.json").write_text("{}")
    assert R.unlisted(tmp_path) == ["results/mine"]


def test_check_exits_1_when_any_folder_differs(capsys):
    code = main(["reproduce", "--check"])
    statuses = R.check()
    assert code == (0 if all(s.current for s in statuses) else 1)
    out = capsys.readouterr().out
    assert all(s.result.folder in out for s in statuses)


def test_every_committed_result_was_made_by_the_code_and_inputs_of_today(capsys):
    """CI's gate (issue 22): each committed results folder records the model's code, its inputs
    and the versions that made it, and they are today's. A change to ``simulation/`` (or to a
    result's inputs) fails here until ``drumbeat reproduce`` has re-made what it changed."""
    code = main(["reproduce", "--check"])
    out = capsys.readouterr().out
    assert code == 0, out


@pytest.mark.parametrize(("new_inputs", "flag"), [
    (False, "--allow-code-change"),  # other code, same inputs: resumed
    (True, "--force"),  # other inputs: a new experiment, its folder replaced
])
def test_a_sweep_whose_inputs_changed_is_replaced_not_resumed(monkeypatch, new_inputs, flag):
    res = R.select(["first_wave"])[0]
    stale = R.Status(res, "other code", "the model's code (fingerprint a then, b now)", new_inputs)
    monkeypatch.setattr(R, "check", lambda names, root: [stale])
    monkeypatch.setattr(R, "status", lambda r, root: stale)
    argv: list[list[str]] = []
    assert R.rebuild(lambda a: argv.append(a) or 0, ["first_wave"], log=lambda s: None) == 0
    sweep = argv[0]
    assert sweep[0] == "sweep" and flag in sweep
    assert {"--force", "--allow-code-change"} - {flag} & set(sweep) == set()
    assert argv[1][:2] == ["findings", "first_wave"]


def test_a_result_made_stale_by_one_built_before_it_is_built_too(monkeypatch):
    """real_england reads the scenario calibration_real writes: current when reproduce starts,
    it is out of date once the calibration has run, and is built in the same reproduce."""
    cal, sweep = R.select(["calibration_real", "real_england"])
    made: list[str] = []

    def status(res, root):
        stale = res is cal and not made or res is sweep and "calibrate" in made
        return R.Status(res, "other code" if stale else "current", new_inputs=stale)

    monkeypatch.setattr(R, "status", status)
    monkeypatch.setattr(R, "check", lambda names, root: [status(r, root) for r in R.select(names)])
    said: list[str] = []
    assert R.rebuild(lambda a: made.append(a[0]) or 0, ["calibration_real", "real_england"],
                     log=said.append) == 0
    assert made == ["calibrate", "sweep", "findings"]
    assert said[0].startswith("drumbeat reproduce: 1 of 2 results to build")
    assert [line.split(":")[0] for line in said[1:]] == ["[1] calibration_real", "[2] real_england",
                                                         "[2] real_england"]
