"""Run a scenario from a seed to its end: the one function experiments call."""

from __future__ import annotations

from .model import DrumbeatModel
from .recorder import RunResult
from .scenario import Scenario


def run_scenario(scenario: Scenario, seed: int = 0) -> RunResult:
    """Run ``scenario`` from ``seed`` for ``scenario.steps`` months and return the result.

    The same (scenario, seed) gives identical tables, in any process on any machine.
    """
    return DrumbeatModel(scenario, seed).run()
