"""A tiny explicit world every mechanism test can reason about by hand."""

from __future__ import annotations

import pytest

from simulation import load_scenario
from simulation.model import DrumbeatModel

TINY = """
[scenario]
name = "tiny"
start = "2016-04"
years = 2

[world]
generator = "explicit"

[[system]]
name = "Northgate"
prior_collaboration = 0.0
hostility = 0.0
orgs = { ccg = 2, acute = 2, council = 1 }

[[system]]
name = "Southmoor"
prior_collaboration = 0.5
hostility = 0.0
orgs = { ccg = 1, acute = 1, community = 1, council = 1 }
"""


@pytest.fixture
def tiny_scenario(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return load_scenario(path)


@pytest.fixture
def tiny(tiny_scenario):
    """A fresh model of the tiny world (seed 4), before its first step."""
    return DrumbeatModel(tiny_scenario, seed=4)
