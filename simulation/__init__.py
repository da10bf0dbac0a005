"""Drumbeat: one run of the model of how integration spreads between NHS and council bodies.

This package knows nothing of sweeps, files of results or the command line
(``experiments`` does); it never imports ``experiments``.
"""

from .errors import ConfigError
from .model import DrumbeatModel
from .recorder import RunResult
from .run import run_scenario
from .scenario import Scenario, load_scenario

__all__ = ["ConfigError", "DrumbeatModel", "RunResult", "Scenario", "load_scenario",
           "run_scenario"]
