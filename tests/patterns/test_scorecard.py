"""The scorecard files of ``drumbeat validate`` and its refusal of bad input."""

from __future__ import annotations

import json
import math

from experiments.cli.main import main
from experiments.science import patterns as P
from experiments.science import validate


def _records_and_samples():
    pattern = P.by_number([6])[0]
    samples = {"60_systems": [{"months_to_half": 40.0 + i} for i in range(10)],
               "25_systems": [{"months_to_half": 90.0 + i} for i in range(10)]}
    verdicts = P.evaluate(pattern, samples)
    record = {"pattern": 6, "title": pattern.title, "claim": pattern.claim,
              "sources": pattern.sources, "passed": all(v.passed for v in verdicts),
              "replicates_per_arm": 10, "arms": {a.name: {} for a in pattern.arms},
              "checks": [v.as_dict() for v in verdicts]}
    return [record], samples


def test_scorecard_files_report_each_check(tmp_path):
    records, samples = _records_and_samples()
    meta = {"date": "2026-01-01T00:00:00+00:00", "commit": "abc"}
    validate.write(records, samples, "ci", tmp_path, meta)
    doc = json.loads((tmp_path / "scorecard.json").read_text())
    check = doc["patterns"][0]["checks"][0]
    assert doc["passed"] == 1 and check["passed"] is True
    assert check["effect"] == 50.0 and check["n"] == [10, 10]
    assert not math.isnan(check["interval"][0])
    md = (tmp_path / "scorecard.md").read_text()
    assert "1 of 1 patterns" in md and "**PASS**" in md and "50" in md
    assert (tmp_path / "patterns.png").stat().st_size > 1000


def test_bad_pattern_numbers_exit_2_without_output(tmp_path, capsys):
    out = tmp_path / "v"
    assert main(["validate", "--patterns", "0,12", "--out", str(out)]) == 2
    assert "--patterns" in capsys.readouterr().err
    assert not out.exists()
