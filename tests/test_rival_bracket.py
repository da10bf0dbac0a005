"""scripts/rival_bracket.py: the rates it judges a rival at, and bad input refused."""

from __future__ import annotations

import json

import pytest

from tests.conftest import load_script


@pytest.fixture(scope="module")
def script():
    return load_script("rival_bracket")


def test_rates_are_the_grid_within_the_window_and_the_tuned_rate(script):
    fr = {"value": 0.5338, "grid": [0.4, 0.5, 0.52, 0.54, 0.56, 0.58, 0.6]}
    assert script.rates_around(fr, 0.03) == [0.52, 0.5338, 0.54, 0.56]
    assert script.rates_around(fr, 0.0) == [0.5338]


def test_a_missing_scorecard_or_pattern_is_refused(script, tmp_path, capsys):
    assert script.main(["5", "--scorecard", str(tmp_path / "none.json")]) == 2
    assert "not a scorecard" in capsys.readouterr().err
    card = tmp_path / "scorecard.json"
    card.write_text(json.dumps({"patterns": [{"id": 5}]}))
    assert script.main(["7", "--scorecard", str(card)]) == 2
    assert "no pattern 7" in capsys.readouterr().err
