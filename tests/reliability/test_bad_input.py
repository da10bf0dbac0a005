"""Issue 21, item 10: bad input that used to end in a traceback is one line and exit 2.

- ``calibrate --resume DIR`` with an empty, damaged or wrong-shaped ``resume.json`` (it is
  untrusted input: every key's type and range is checked, strict JSON, nothing else);
- ``calibrate --params ,`` and a repeated parameter (they used to start, crash and leave
  ``abc.db`` and a marker): refused before any work, nothing written;
- arguments of the wrong type in the Python API: one ConfigError naming the argument (they
  used to be TypeErrors from deep inside, a BrokenProcessPool, or silently taken as true).
"""

from __future__ import annotations

import json

import pytest

from experiments.api import Factor, Spec, SweepResult, run_experiment
from experiments.cli import checks
from experiments.cli.main import main
from simulation import ConfigError

GOOD = {"scenario": "configs/scenarios/baseline.toml", "params": ["threshold_mean", "peer_push"],
        "settings": {"population": 24, "generations": 2, "draws": 6}, "seed": 7}


def _one_line(err: str) -> str:
    assert err.startswith("drumbeat: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def _no_work(monkeypatch) -> None:
    """Any calibration work would fail the test."""
    from experiments.science import calibrate as C

    def started(*a, **k):
        raise AssertionError("the calibration started")

    monkeypatch.setattr(C, "run", started)


def _with(**changes) -> dict:
    data = json.loads(json.dumps(GOOD))
    for key, value in changes.items():
        target, _, leaf = key.rpartition(".")
        (data[target] if target else data)[leaf] = value
    return data


BAD_RESUME = {
    "empty": (b"", "is empty"),
    "blank": (b"  \n", "is empty"),
    "cut": (json.dumps(GOOD).encode()[:40], "is not valid JSON"),
    "not utf-8": (b"\xff\xfe{}", "is not UTF-8"),
    "a list": (b"[]", "(top level): Input should be a valid dictionary"),
    "null": (b"null", "(top level)"),
    "NaN seed": (json.dumps(GOOD).replace("7}", "NaN}").encode(), "holds NaN"),
    "seed as text": (json.dumps(_with(seed="7")).encode(), "seed: Input should be a valid integer"),
    "seed too large": (json.dumps(_with(seed=2**40)).encode(), "seed: Input should be less than"),
    "negative seed": (json.dumps(_with(seed=-1)).encode(), "seed: Input should be greater than"),
    "missing settings": (json.dumps({k: v for k, v in GOOD.items() if k != "settings"}).encode(),
                         "settings: Field required"),
    "unknown key": (json.dumps(_with(extra=1)).encode(), "extra: Extra inputs are not permitted"),
    "population 0": (json.dumps(_with(**{"settings.population": 0})).encode(),
                     "settings.population: Input should be greater than or equal to 1"),
    "population 2.5": (json.dumps(_with(**{"settings.population": 2.5})).encode(),
                       "settings.population: Input should be a valid integer"),
    "generations true": (json.dumps(_with(**{"settings.generations": True})).encode(),
                         "settings.generations: Input should be a valid integer"),
    "settings a list": (json.dumps(_with(settings=[1, 2])).encode(), "settings: Input should be"),
    "params empty": (json.dumps(_with(params=[])).encode(), "params: List should have at least 1"),
    "params a string": (json.dumps(_with(params="threshold_mean")).encode(),
                        "params: Input should be a valid list"),
    "params unknown": (json.dumps(_with(params=["nope"])).encode(), "'nope' is not a model parameter"),
    "params twice": (json.dumps(_with(params=["peer_push", "peer_push"])).encode(),
                     "'peer_push' is given twice"),
    "scenario missing": (json.dumps(_with(scenario="configs/scenarios/nope.toml")).encode(),
                         "scenario: 'configs/scenarios/nope.toml' is not a file"),
    "scenario a number": (json.dumps(_with(scenario=3)).encode(), "scenario: Input should be a valid string"),
}


@pytest.mark.parametrize("case", list(BAD_RESUME))
def test_a_bad_resume_json_is_one_line_naming_the_file(tmp_path, case):
    content, problem = BAD_RESUME[case]
    path = tmp_path / "resume.json"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as err:
        checks.read_resume(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and problem in message and "\n" not in message, message


def test_a_good_resume_json_reads_back(tmp_path):
    path = tmp_path / "resume.json"
    path.write_text(json.dumps(GOOD))
    assert checks.read_resume(path) == GOOD


def test_calibrate_resume_with_an_emptied_resume_json_exits_2(tmp_path, monkeypatch, capsys):
    from tests.experiments.test_calibrate_resume_cli import _fake

    _fake(monkeypatch, [])
    out = tmp_path / "cal"
    assert main(["calibrate", "--quick", "--out", str(out)]) == 0
    capsys.readouterr()
    for content in (b"", b"{\"seed\": ", b"[1, 2]", json.dumps(_with(seed="x")).encode()):
        (out / "resume.json").write_bytes(content)
        _no_work(monkeypatch)
        assert main(["calibrate", "--resume", str(out)]) == 2
        assert "resume.json" in _one_line(capsys.readouterr().err)
    (out / "resume.json").write_text(json.dumps(GOOD))
    assert main(["calibrate", "--resume", str(out), "--generations", "0"]) == 2
    assert "--generations: must be at least 1" in _one_line(capsys.readouterr().err)


@pytest.mark.parametrize("params, problem", [
    (",", "an empty parameter name"), ("", "an empty parameter name"),
    ("threshold_mean,,peer_push", "an empty parameter name"),
    ("threshold_mean,", "an empty parameter name"),
    ("threshold_mean,peer_push,threshold_mean", "'threshold_mean' is given twice"),
    (" peer_push , peer_push", "'peer_push' is given twice"),
])
def test_calibrate_params_without_a_name_or_twice_is_refused_before_any_work(
        tmp_path, monkeypatch, capsys, params, problem):
    _no_work(monkeypatch)
    out = tmp_path / "cal"
    assert main(["calibrate", "--quick", "--out", str(out), "--params", params]) == 2
    assert problem in _one_line(capsys.readouterr().err)
    assert not out.exists() and list(tmp_path.iterdir()) == []  # no abc.db, no marker, no lock


def _spec() -> Spec:
    return Spec(name="tiny", scenario="baseline", years=1, replicates=1,
                fixed={"n_systems": 2}, factors={"reg_focus": [0.0, 1.0]})


@pytest.mark.parametrize("kwargs, named", [
    ({"spec": 5}, "run_experiment: spec: expected a Spec"),
    ({"spec": {"name": "tiny"}}, "run_experiment: spec: expected a Spec"),
    ({"out": 5}, "run_experiment: out: expected a folder path"),
    ({"workers": "2"}, "workers: expected a whole number"),
    ({"workers": 2.5}, "workers: expected a whole number"),
    ({"workers": 0}, "--workers: must be at least 1"),
    ({"scheduler": 5}, "scheduler: expected an address"),
    ({"executor": 5}, "executor 5: expected 'serial'"),
    ({"quick": "no"}, "run_experiment: quick: expected True or False"),
    ({"force": 1}, "run_experiment: force: expected True or False"),
    ({"progress": "x"}, "run_experiment: progress: expected True, False or None"),
    ({"log": 5}, "run_experiment: log: expected a function"),
])
def test_run_experiment_names_the_argument_of_the_wrong_type(tmp_path, kwargs, named):
    args = {"spec": _spec(), "out": tmp_path / "out", "log": None, **kwargs}
    with pytest.raises(ConfigError) as err:
        run_experiment(args.pop("spec"), args.pop("out"), **args)
    assert str(err.value).startswith(named), err.value
    assert not (tmp_path / "out").exists()


def test_spec_factor_and_sweep_result_name_the_argument(tmp_path):
    with pytest.raises(ConfigError, match=r"^Spec: name: Input should be a valid string \(got 5\)$"):
        Spec(name=5, scenario="baseline", factors={"reg_focus": [0.0]})
    with pytest.raises(ConfigError, match=r"^Spec: factors: Input should be a valid dictionary"):
        Spec(name="x", scenario="baseline", factors="reg_focus")
    with pytest.raises(ConfigError, match=r"^Factor: unknown key 'valeus' \(did you mean 'values'\?\)"):
        Factor(valeus=[1])
    for out in (5, None, ["a"]):
        with pytest.raises(ConfigError, match=r"^SweepResult: out: expected a folder path"):
            SweepResult(out)


def test_sweep_result_table_arguments(tmp_path):
    out = run_experiment(_spec(), tmp_path / "out", executor="serial", log=None, progress=False)
    for kwargs, named in [({"name": 5}, "table: name: expected a table name"),
                          ({"name": "national", "run_ids": "r000000"}, "table: run_ids: expected a set"),
                          ({"name": "national", "run_ids": 3}, "table: run_ids: expected a set"),
                          ({"name": "national", "columns": "month"}, "table: columns: expected a list")]:
        with pytest.raises(ConfigError) as err:
            out.table(**kwargs)
        assert str(err.value).startswith(named), err.value
    assert len(out.table("national", run_ids={"r000000"})) > 0
