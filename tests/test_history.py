"""The England history designates by readiness: how many, and when, are outcomes (Brief 3.9)."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import load_scenario, run_scenario

SEEDS = range(10)
DATES = ("2017-06", "2018-05", "2021-03")


def _designated(root, overrides=None):
    scn = load_scenario(root / "configs/scenarios/england_2014.toml",
                        {"years": 6.5, **(overrides or {})})
    out = []
    for seed in SEEDS:
        nat = run_scenario(scn, seed).national.set_index("date")["systems_designated"]
        out.append([int(nat.loc[d]) for d in DATES])
    return np.array(out)


@pytest.fixture(scope="module")
def default_runs(root):
    return _designated(root)


def test_how_many_are_designated_at_each_invitation_varies_with_the_seed(default_runs):
    first, second = default_runs[:, 0], default_runs[:, 1]
    assert len(set(first.tolist())) > 1 and len(set(second.tolist())) > 1


def test_systems_keep_being_designated_between_the_invitations_and_the_deadline(default_runs):
    assert (default_runs[:, 2] >= default_runs[:, 1]).all()
    assert (default_runs[:, 2] > default_runs[:, 1]).mean() >= 0.8


def test_a_higher_bar_designates_fewer(root, default_runs):
    strict = _designated(root, {"designation_index": 0.75})
    assert strict.sum(axis=0)[1] < default_runs.sum(axis=0)[1]
    assert (strict[:, 1] <= default_runs[:, 1]).mean() >= 0.8


def test_an_unreachable_bar_designates_none_before_statute(root):
    none = _designated(root, {"designation_index": 1.0})
    assert (none == 0).all()
