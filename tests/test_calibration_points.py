"""scripts/calibration_points.py: points are read strictly and bad ones refused before any run."""

from __future__ import annotations

import pytest

from tests.conftest import load_script


@pytest.fixture(scope="module")
def script():
    return load_script("calibration_points")


def test_a_point_is_a_file_or_overrides(script, root):
    base = root / "configs" / "scenarios" / "england_2014.toml"
    assert script.parse_point("a=x.toml", base)[1].name == "x.toml"
    name, scenario, pars = script.parse_point("b=threshold_mean:0.45,external_push:0.004", base)
    assert (name, scenario, pars) == ("b", base, {"threshold_mean": 0.45, "external_push": 0.004})


@pytest.mark.parametrize("point, message", [
    ("nonsense", "write NAME=FILE.toml"),
    ("a=threshold_mean:high", "is not KEY:NUMBER"),
    ("a=no_such_parameter:1", "no_such_parameter"),
    ("a=missing.toml", "missing.toml"),
])
def test_bad_points_are_refused_with_one_line_and_no_run(script, capsys, point, message):
    assert script.main([point, "--runs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_distance_of_one_run_is_finite_and_non_negative(script, root):
    d = script.distance((str(root / "configs" / "calibrated" / "england_2014.toml"), {}, 1))
    assert 0.0 <= d < float("inf")


def test_no_runs_is_refused(script, capsys):
    assert script.main(["a=threshold_mean:0.4", "--runs", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err
