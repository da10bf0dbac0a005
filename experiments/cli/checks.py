"""Command-line values every command checks the same way, before any work (docs/reliability.md)."""

from __future__ import annotations

import argparse
import os
import sys

from experiments.sweeps.spec import late_events
from simulation import ConfigError
from simulation.scenario import Scenario

#: Run seeds: the model keeps 48 bits of a seed (``simulation/rng.py``), so larger seeds would
#: silently give another seed's run while recording their own.
RUN_SEED_LIMIT = 2**48
#: Calibration seeds also seed NumPy's legacy global generator (pyabc uses it): 32 bits.
CALIBRATION_SEED_LIMIT = 2**32


def seed(value: int, option: str = "--seed", limit: int = RUN_SEED_LIMIT) -> int:
    """``value`` when it is a seed the random streams take uniquely, else a ConfigError."""
    if not 0 <= value < limit:
        raise ConfigError(f"{option}: must be between 0 and {limit - 1}, got {value}")
    return value


def cores() -> int:
    """Cores of this machine."""
    return os.cpu_count() or 1


def workers(value: int | None, force: bool = False) -> int | None:
    """A worker count: at least 1 and at most the machine's cores unless ``force``."""
    if value is None:
        return None
    if value < 1:
        raise ConfigError(f"--workers: must be at least 1, got {value}")
    if value > cores() and not force:
        raise ConfigError(f"--workers: {value} is more than this machine's {cores()} cores; "
                          "add --force-workers if that is meant (e.g. for a Dask cluster)")
    return value


def positive(value: float | None, option: str) -> float | None:
    """A number that must be above zero when given."""
    if value is not None and not value > 0:  # also refuses NaN
        raise ConfigError(f"{option}: must be above 0, got {value}")
    return value


def add_workers(p: argparse.ArgumentParser) -> None:
    """``--workers`` and ``--force-workers``, the same in every command with workers (sweep,
    validate, calibrate): all cores by default, as their results do not depend on it."""
    p.add_argument("--workers", type=int, default=None,
                   help="local worker processes (default: all cores; 1 = serial)")
    p.add_argument("--force-workers", action="store_true",
                   help="allow more workers than this machine has cores")


def add_scheduler(p: argparse.ArgumentParser) -> None:
    """``--scheduler``, the same in every command that can run on Dask."""
    p.add_argument("--scheduler", metavar="ADDR",
                   help="Dask scheduler address tcp://HOST:PORT (or 'local' for a local Dask cluster)")


def warn_late_events(scenario: Scenario, source: str) -> None:
    """Print :func:`late_events` as warnings on stderr."""
    for line in late_events(scenario):
        print(f"drumbeat: warning: {source}: {line}", file=sys.stderr)


def check_events(scenario: Scenario, seed_value: int) -> None:
    """Build the world once so that every event's target is checked before any run."""
    from simulation.model import DrumbeatModel

    DrumbeatModel(scenario, seed=seed_value)
