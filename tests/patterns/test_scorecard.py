"""The scorecard files of ``drumbeat validate`` and its refusal of bad input."""

from __future__ import annotations

import json
import math

import pytest

from experiments.cli.main import main
from experiments.science import alternatives as A
from experiments.science import patterns as P
from experiments.science import validate


def _strict(text: str):
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


def _records_and_samples(alt_gap: float):
    """Pattern 6 on made-up samples: the model's gap is 50 months, the alternative's ``alt_gap``."""
    (pattern,) = P.by_number([6])
    model = {"60_systems": [{"months_to_half": 40.0 + i} for i in range(10)],
             "25_systems": [{"months_to_half": 90.0 + i} for i in range(10)]}
    rival = {"60_systems": [{"months_to_half": 40.0 + i} for i in range(10)],
             "25_systems": [{"months_to_half": 40.0 + alt_gap + i} for i in range(10)]}
    tuned = A.Tuned(pattern.alternative, pattern.match, "share_integrated_end", [0.0, 0.1],
                    [0.0, 0.9], 0.7, 0.08, True,
                    achieved=0.68, tolerance=0.05, seeds=range(10))
    rec = validate.record(pattern, P.evaluate(pattern, model), P.evaluate(pattern, rival), tuned,
                          "ci")
    return [rec], {"model": model, "alternative": {6: rival}}


@pytest.mark.parametrize("alt_gap, discriminating", [(0.0, True), (50.0, False)])
def test_scorecard_files_report_pattern_and_alternative(tmp_path, alt_gap, discriminating):
    records, samples = _records_and_samples(alt_gap)
    meta = {"date": "2026-01-01T00:00:00+00:00", "commit": "abc", "criteria_sha256": "f" * 64,
            "criteria_file": "configs/validation/patterns.toml"}
    validate.write(records, samples, "ci", tmp_path, meta)
    doc = _strict((tmp_path / "scorecard.json").read_text())
    pat = doc["patterns"][0]
    assert {"id", "title", "kind", "passed", "alternative", "discriminating"} <= set(pat)
    assert pat["kind"] == "validation" and pat["id"] == 6 and pat["passed"] is True
    assert {"name", "description", "passed"} <= set(pat["alternative"])
    assert pat["alternative"]["passed"] is (not discriminating)
    assert pat["discriminating"] is discriminating
    assert doc["discriminating"] == int(discriminating) and doc["meta"]["criteria_sha256"] == "f" * 64
    check = pat["checks"][0]
    assert check["effect"] == 50.0 and check["n"] == [10, 10] and check["band"] == [None, None]
    assert pat["alternative"]["free_rate"] == {
        "name": "external_push", "value": 0.08, "matched": True, "tolerance": 0.05,
        "target_inside_grid": True, "metric": "share_integrated_end", "arm": "baseline",
        "target": 0.7, "achieved": 0.68, "grid": [0.0, 0.1], "grid_medians": [0.0, 0.9]}
    md = (tmp_path / "scorecard.md").read_text()
    assert "1 of 1 patterns pass; " + ("1" if discriminating else "0") + " discriminate" in md
    assert (tmp_path / "patterns.png").stat().st_size > 1000


def test_an_unmatched_rival_is_reported_as_such():
    records, _ = _records_and_samples(0.0)
    (pattern,) = P.by_number([6])
    far = A.Tuned(pattern.alternative, pattern.match, "share_integrated_end", [0.0, 0.1],
                  [0.0, 0.5], 0.7, 0.1, False,
                  achieved=0.5, tolerance=0.05)
    assert far.matched is False and math.isclose(far.achieved, 0.5)


def test_bad_pattern_numbers_exit_2_without_output(tmp_path, capsys):
    out = tmp_path / "v"
    assert main(["validate", "--patterns", "0,12", "--out", str(out)]) == 2
    assert "--patterns" in capsys.readouterr().err
    assert not out.exists()
