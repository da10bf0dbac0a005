"""A sweep's size, known from its spec alone, and the cap that refuses a runaway one.

A design is a list of points held in memory (``designs.py``), and a sweep's metadata records
every run's seed, so the number of runs has to be checked before anything is laid out: a
50-level factorial of four factors is 6,250,000 runs, and making its points alone would take
gigabytes. :func:`check_size` reads the spec (as :func:`~experiments.sweeps.sweep.build_plan`
will), counts the runs with :func:`planned_runs` without making a single point, and refuses
more than the cap in one line naming the count, the cap and the option that raises it
(docs/reliability.md, "Processes and size").
"""

from __future__ import annotations

import math
import os
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING

from simulation.errors import ConfigError

if TYPE_CHECKING:  # the command line reads MAX_RUNS without loading SALib and SciPy
    from .spec import Spec

#: Default cap on a sweep's runs (``drumbeat sweep --max-runs``, ``max_runs=`` in Python).
#: 100,000 is sixty times the largest committed spec (1,620 runs) and about five hours of
#: ten-year runs on two cores; a plan that size adds about 20 MB to the parent process, which
#: stays under its 500 MB target (a 1,000,000-point factorial adds about 200 MB before a run
#: starts, and its seeds take 16 s to list). Above it a sweep is more often a slip (a range
#: given 50 levels, one factor too many) than a plan; a cluster's user raises the cap.
MAX_RUNS = 100_000


def check_max_runs(value: object, option: str = "--max-runs") -> int:
    """``value`` when it is a whole number of runs of at least 1, else a ConfigError."""
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise ConfigError(f"{option}: must be a whole number of runs, at least 1, got {value!r}")
    return int(value)


def planned_runs(spec: Spec, scenarios: int) -> int:
    """Runs of an effective spec (``--quick`` applied) over ``scenarios`` scenario files: the
    number :meth:`~experiments.sweeps.sweep.Plan.total_runs` gives once the plan is made,
    follow-up stage included."""
    from .designs import expected_size, factor_table
    from .spec import factor_values

    factors = factor_table(spec)
    if spec.design == "factorial":
        points = math.prod(len(factor_values(n, f, spec.levels)) for n, f in factors.items())
    else:
        points = expected_size(spec.design, len(factors), int(spec.samples or 1), spec.second_order)
    overlays = (spec.posterior.draws if spec.posterior is not None else 1) * len(spec.variants or [None])
    runs = scenarios * points * overlays * spec.replicates
    fu = spec.followup
    if fu is not None:
        k = min(fu.top, len(factors))
        runs += scenarios * expected_size(fu.design, k, fu.samples, fu.second_order) * fu.replicates
    return runs


def spec_runs(spec: str | Path | Spec, quick: bool = False, base: str | Path = ".") -> tuple[int, str]:
    """The number of runs of a spec (a file, a shipped spec's name or a :class:`Spec`) and
    how messages name it; reads the spec file only (no scenario, no design)."""
    from simulation.configs import find_config

    from .designs import apply_quick
    from .spec import Spec, read_spec, scenario_files

    if not isinstance(spec, Spec | str | os.PathLike):
        text = repr(spec)
        raise ConfigError(f"spec: expected a Spec, a spec file or a shipped spec's name, got "
                          f"{type(spec).__name__} {text if len(text) <= 60 else text[:57] + '...'}")
    if isinstance(spec, Spec):
        source, folder = f"<spec '{spec.name}'>", Path(base)
    else:
        path = find_config(spec, "experiments")
        source, folder = str(path), path.parent
        spec = read_spec(path)
    files = len(scenario_files(spec, folder, source))
    if quick:
        if spec.quick.scenarios is not None:
            files = min(files, spec.quick.scenarios)
        spec = apply_quick(spec)
    return planned_runs(spec, files), source


def check_size(spec: str | Path | Spec, quick: bool = False, max_runs: int | None = MAX_RUNS,
               base: str | Path = ".") -> int:
    """The spec's number of runs; ConfigError when it is above ``max_runs`` (None: :data:`MAX_RUNS`).

    Called before the spec's plan is made, so that a sweep too large to hold is refused in
    one line instead of raising MemoryError (or running for months).
    """
    cap = MAX_RUNS if max_runs is None else check_max_runs(max_runs)
    runs, source = spec_runs(spec, quick, base)
    if runs > cap:
        raise ConfigError(f"{source}: this sweep has {runs:,} runs, more than the cap of {cap:,}; "
                          "check the factors' values and levels, or raise the cap with "
                          "--max-runs N (max_runs=N in Python)")
    return runs
