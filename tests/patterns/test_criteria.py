"""The validation criteria file: read, checked, and each bad entry refused with its key."""

from __future__ import annotations

import re

import pytest

from experiments.science import alternatives as A
from experiments.science import criteria
from simulation import ConfigError


def test_the_shipped_criteria_load_and_name_an_alternative_for_every_pattern():
    crit = criteria.load()
    assert sorted(p.id for p in crit.pattern) == list(range(1, 13))
    assert all(p.alternative in crit.alternatives for p in crit.pattern)
    assert re.fullmatch(r"[0-9a-f]{64}", criteria.digest())


def _broken(tmp_path, old: str, new: str):
    text = criteria.path().read_text()
    assert old in text
    path = tmp_path / "patterns.toml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize("old, new, message", [
    ('alternative = "independent_adoption"', 'alternative = "independent_adoptin"',
     "pattern 1: unknown alternative 'independent_adoptin' (did you mean 'independent_adoption'?)"),
    ('arms = ["baseline"]', 'arms = ["baseline", "nowhere"]', "pattern 1: unknown arm 'nowhere'"),
    ("overrides = { peer_influence = false }", "overrides = { peer_influense = false }",
     "alternatives.independent_adoption.overrides: unknown parameter 'peer_influense' (did you "
     "mean 'peer_influence'?)"),
    ("threshold_mean = [0.1, 0.2,", "threshold_mean = [0.2, 0.1,",
     "tuning.grid.threshold_mean: needs two or more values in increasing order"),
    ('kind = "median"', 'kind = "mean"', "pattern.0.check.0.kind"),
    ("tolerance = 0.05", "tolerance = 0.05\nslack = 1", "unknown key 'tuning.slack'"),
    ('status = "held_out"\ntext = "every system',
     'status = "fitted"\ntext = "every system', None),
])
def test_a_broken_criteria_file_is_refused_with_its_key(tmp_path, old, new, message):
    path = _broken(tmp_path, old, new)
    if message is None:  # pattern 9 with every check fitted: nothing left to judge
        message = "pattern 9: every check is fitted; nothing is left to judge"
    with pytest.raises(ConfigError) as err:
        criteria.load(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def test_a_missing_criteria_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="validation criteria not found"):
        criteria.load(tmp_path / "none.toml")


@pytest.mark.parametrize("grid, medians, target, rate, inside", [
    ([0.0, 0.1], [0.0, 0.8], 0.4, 0.05, True),            # linear between two points
    ([0.1, 0.5, 0.9], [0.9, 0.5, 0.1], 0.3, 0.7, True),   # decreasing in the rate
    ([0.0, 0.1], [0.0, 0.6], 0.7, 0.1, False),            # out of reach: the nearer end
    ([0.1, 0.5, 0.9], [0.9, 0.5, 0.1], 0.95, 0.1, False),
    ([0.0, 1.0, 2.0, 3.0], [0.0, 0.5, 0.3, 0.9], 0.6, 2.4, True),  # noise pooled: 0.4, 0.4
    ([0.0, 1.0, 2.0, 3.0], [0.0, 0.5, 1.0, 1.0], 1.0, 2.0, True),  # plateau: its first rate
    ([0.1, 0.5, 0.9], [1.0, 1.0, 0.2], 1.0, 0.5, True),   # decreasing: the plateau's last
    ([0.0, 1.0, 2.0], [0.0, 0.0, 0.4], 0.0, 1.0, True),   # a plateau at the bottom too
])
def test_the_free_rate_is_read_off_the_monotone_curve(grid, medians, target, rate, inside):
    got, ok = A.crossing(grid, medians, target)
    assert got == pytest.approx(rate, abs=1e-12) and ok is inside


@pytest.mark.parametrize("grid, rate, inside, expected", [
    ([0.5, 0.6], 0.545, True, [0.52, 0.54, 0.56, 0.58]),        # the bracketing interval
    ([0.0, 0.04, 0.07, 0.1], 0.07, True, [0.052, 0.064, 0.076, 0.088]),  # both sides of a point
    ([0.0, 0.1], 0.1, False, []),                                # out of reach: no finer look
])
def test_the_finer_look_is_where_the_curve_reaches_the_target(grid, rate, inside, expected):
    assert A.refinement(grid, rate, inside, 4) == pytest.approx(expected, abs=1e-12)
