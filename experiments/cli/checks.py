"""Command-line values every command checks the same way, before any work (docs/reliability.md)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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
    """Print ``sweeps.sweep.late_events`` as warnings on stderr."""
    from experiments.sweeps.sweep import late_events

    for line in late_events(scenario):
        print(f"drumbeat: warning: {source}: {line}", file=sys.stderr)


def check_events(scenario: Scenario, seed_value: int) -> None:
    """Build the world once so that every event's target is checked before any run."""
    from simulation.model import DrumbeatModel

    DrumbeatModel(scenario, seed=seed_value)


def param_names(text: str, option: str = "--params") -> tuple[str, ...]:
    """Comma-separated parameter names: none empty, none twice (before any work)."""
    names = tuple(n.strip() for n in text.split(","))
    if not all(names):
        raise ConfigError(f"{option} {text!r}: an empty parameter name; give names separated by "
                          "commas, e.g. threshold_mean,peer_push")
    twice = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if twice is not None:
        raise ConfigError(f"{option}: '{twice}' is given twice")
    return names


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    population: int = Field(ge=1)
    generations: int = Field(ge=1)
    draws: int = Field(ge=1)


class ResumeFile(BaseModel):
    """A calibration's ``resume.json``: the settings ``calibrate --resume`` continues with."""

    model_config = ConfigDict(extra="forbid", strict=True)
    scenario: str = Field(min_length=1)
    params: list[str] = Field(min_length=1)
    settings: _Settings
    seed: int = Field(ge=0, lt=CALIBRATION_SEED_LIMIT)


#: A resume.json is a few hundred bytes; a larger file is not one.
RESUME_MAX_BYTES = 1_000_000


def read_resume(path: Path) -> dict:
    """A calibration's ``resume.json``, read as untrusted input: strict JSON holding exactly
    the keys :class:`ResumeFile` names, each of its type and range, parameters that exist
    (none twice) and a scenario file that exists; else one ConfigError naming the file."""
    from simulation.configs import shipped
    from simulation.params import param_bounds

    def bad(problem: str) -> ConfigError:
        return ConfigError(f"{path}: {problem} (it cannot be resumed; start a new calibration)")

    try:
        if path.stat().st_size > RESUME_MAX_BYTES:
            raise bad(f"is {path.stat().st_size:,} bytes, too large to be a calibration's settings")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise bad("is not UTF-8 text") from None
    except OSError as exc:
        raise bad(f"cannot be read ({exc.strerror or exc})") from None
    if not text.strip():
        raise bad("is empty")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise bad(f"is not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})") from None
    except ValueError as exc:
        raise bad(str(exc)) from None
    try:
        stored = ResumeFile.model_validate(data)
    except ValidationError as err:
        e = err.errors()[0]
        where = ".".join(str(p) for p in e["loc"]) or "(top level)"
        got = repr(e.get("input"))
        got = got if len(got) <= 60 else got[:57] + "..."
        raise bad(f"{where}: {e['msg']} (got {got})") from None
    bounds = param_bounds()
    for i, name in enumerate(stored.params):
        if name not in bounds:
            raise bad(f"params: '{name}' is not a model parameter")
        if name in stored.params[:i]:
            raise bad(f"params: '{name}' is given twice")
    if not shipped(stored.scenario).is_file():
        raise bad(f"scenario: '{stored.scenario}' is not a file")
    return stored.model_dump()


def _no_constant(name: str) -> None:
    raise ValueError(f"holds {name}, which is not JSON")
