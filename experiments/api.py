"""Experiments from Python: build a spec in code, run it, read its results as DataFrames.

The same experiment as a TOML spec (``configs/experiments/README.md``), without the file::

    from experiments.api import Spec, run_experiment

    spec = Spec(name="tiny", scenario="baseline", years=2, replicates=2,
                fixed={"n_systems": 2}, factors={"reg_focus": [0.0, 1.0]})
    sweep = run_experiment(spec, out="out/tiny", executor="serial")
    sweep.runs                 # one row per run: identity, design values, summary outcomes
    sweep.national             # every run's monthly national table, read when first asked for
    sweep.table("national", run_ids={"r000000"})
    sweep.report()             # figures and report.md, as ``drumbeat report``

``Spec`` is the pydantic model that validates TOML specs, so every key and check is the
same. Scenario paths in a spec built in code are relative to the current folder, and a
shipped scenario is named (``"baseline"``, ``"teaching/two_hospitals"``). The output folder
follows the rules of every ``drumbeat`` command (``experiments/sweeps/outputs.py``): it is
created or resumed, another experiment's folder is refused unless ``force=True``, and a
second sweep writing the same folder at once is refused.

Worker processes re-import the script that started them. From a script, run the sweep
under ``if __name__ == "__main__":`` (or serially); without it the sweep stops with one
line that says so. In a notebook nothing is needed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from simulation.errors import ConfigError

from .sweeps.spec import Factor, FollowUp, Posterior, Spec
from .sweeps.store import METADATA, TABLES, Store
from .sweeps.sweep import run_sweep, say

__all__ = ["Factor", "FollowUp", "Posterior", "Spec", "SweepResult", "run_experiment"]

Executor = Literal["serial", "processes", "dask"]


class SweepResult:
    """A stored sweep: its run table and, read lazily, each run's tables.

    Args:
        out: the sweep's output folder (written by ``run_experiment`` or ``drumbeat sweep``).

    Raises:
        ConfigError: the folder holds no sweep.
    """

    def __init__(self, out: str | Path) -> None:
        _expect("SweepResult", "out", out, (str, os.PathLike), "a folder path (str or os.PathLike)")
        self.out = Path(out)
        if not (self.out / METADATA).is_file():
            raise ConfigError(f"{self.out}: holds no sweep (no {METADATA})")
        self._store = Store(self.out)
        self._runs: pd.DataFrame | None = None

    def __repr__(self) -> str:
        meta = self.metadata
        return (f"<SweepResult '{meta.get('name')}': {len(self._store.done_ids())}/{meta.get('runs_total')} "
                f"runs in {self.out}, tables {', '.join(self.kept)}>")

    @property
    def metadata(self) -> dict[str, Any]:
        """Provenance: the spec and its hash, seeds, versions, git commit, sessions."""
        return self._store.metadata() or {}

    @property
    def kept(self) -> list[str]:
        """The per-run tables this sweep stored (``national`` always)."""
        return [t for t in TABLES[1:] if self._store.part_files(t)]

    @property
    def runs(self) -> pd.DataFrame:
        """One row per run, in run order: identity, design values and summary outcomes."""
        if self._runs is None:
            self._runs = self._store.read("summary")
        return self._runs

    def table(self, name: str, run_ids: set[str] | None = None,
              columns: list[str] | None = None) -> pd.DataFrame:
        """A per-run table of every run (or of ``run_ids``), with a ``run_id`` column.

        Args:
            name: ``national``, ``systems`` or ``events``.
            run_ids: only these runs (``runs["run_id"]``); read no other part.
            columns: only these columns.

        Raises:
            ConfigError: an unknown table, or one the spec's ``outputs`` did not keep.
        """
        _expect("table", "name", name, (str,), "a table name (str)")
        if run_ids is not None and not _strings(run_ids):
            raise ConfigError(f"table: run_ids: expected a set of run ids such as {{'r000000'}}, "
                              f"got {type(run_ids).__name__} {_short(run_ids)}")
        if columns is not None and not _strings(columns):
            raise ConfigError(f"table: columns: expected a list of column names, "
                              f"got {type(columns).__name__} {_short(columns)}")
        if name not in TABLES[1:]:
            raise ConfigError(f"table '{name}': tables are {', '.join(TABLES[1:])}")
        if name not in self.kept:
            raise ConfigError(f"{self.out}: the sweep did not keep '{name}' (add it to the spec's outputs)")
        return self._store.read(name, columns=columns, run_ids=run_ids)

    def report(self) -> Path:
        """Write figures, the findings table and ``report.md`` into the folder, as
        ``drumbeat report`` does (under the folder's lock); return the report's path."""
        from .analysis.report import report_into

        return report_into(self.out)

    @property
    def national(self) -> pd.DataFrame:
        """Every run's national table (one row a month)."""
        return self.table("national")

    @property
    def systems(self) -> pd.DataFrame:
        """Every run's per-system table (when the spec kept ``systems``)."""
        return self.table("systems")

    @property
    def events(self) -> pd.DataFrame:
        """Every run's event log (when the spec kept ``events``)."""
        return self.table("events")


def run_experiment(spec: Spec | str | Path, out: str | Path | None = None, *,
                   executor: Executor | None = None, workers: int | None = None,
                   scheduler: Any = None, quick: bool = False, force: bool = False,
                   allow_code_change: bool = False, progress: bool | None = None,
                   log: Callable[[str], None] | None = say,
                   max_runs: int | None = None) -> SweepResult:
    """Run (or resume) an experiment and return its results.

    Args:
        spec: a :class:`Spec` built in code, a spec file, or a shipped spec's name
            (``"pressure_x_continuity"``).
        out: output folder (default ``results/NAME``, or ``out/NAME-quick`` with ``quick``).
        executor: ``"serial"`` (this process), ``"processes"`` (local worker processes) or
            ``"dask"`` (``scheduler``, by default a local Dask cluster). Default: processes,
            or Dask when a scheduler is given.
        workers: worker processes (default all cores; with ``"dask"`` and no scheduler,
            the local cluster's size).
        scheduler: a Dask scheduler address, ``"local"``, or a ``distributed`` Client/Cluster.
        quick: the small version in the spec's ``[quick]`` table.
        force: replace an earlier sweep of another spec in ``out`` (only the files it wrote).
        allow_code_change: resume runs that other code made by running them again (without
            it, a resume under changed code, inputs or versions is refused).
        progress: draw a progress bar (default: on a terminal or in a notebook, not in CI).
        log: where the start and end lines go (None: nowhere).
        max_runs: refuse a spec of more runs than this (default 100,000,
            ``experiments.sweeps.size.MAX_RUNS``), counted before anything is laid out.

    Raises:
        ConfigError: a bad spec, executor or folder; an argument of the wrong type (named);
            more runs than ``max_runs``; a script without the main guard.
    """
    _check_arguments(spec=spec, out=out, quick=quick, force=force,
                     allow_code_change=allow_code_change, progress=progress, log=log,
                     max_runs=max_runs)
    if executor == "serial":
        if scheduler is not None or (workers or 1) != 1:
            raise ConfigError("executor 'serial' runs in this process: give no workers or scheduler")
        workers = 1
    elif executor == "dask":
        scheduler = "local" if scheduler is None else scheduler
    elif executor == "processes":
        if scheduler is not None:
            raise ConfigError("executor 'processes' runs local processes: give no scheduler")
    elif executor is not None:
        raise ConfigError(f"executor {executor!r}: expected 'serial', 'processes' or 'dask'")
    folder = run_sweep(spec, out, quick=quick, workers=workers, scheduler=scheduler,
                       show_progress=progress, log=log or (lambda _line: None), force=force,
                       allow_code_change=allow_code_change, max_runs=max_runs)
    return SweepResult(folder)


def _check_arguments(**given: Any) -> None:
    """One ConfigError naming the first argument of ``run_experiment`` of the wrong type
    (workers and scheduler are checked by the executor, before any work)."""
    from .sweeps.size import check_max_runs

    path = (str, os.PathLike)
    _expect("run_experiment", "spec", given["spec"], (Spec, *path),
            "a Spec, a spec file or a shipped spec's name")
    if given["out"] is not None:
        _expect("run_experiment", "out", given["out"], path, "a folder path (str or os.PathLike) or None")
    for flag in ("quick", "force", "allow_code_change"):
        _expect("run_experiment", flag, given[flag], (bool,), "True or False")
    if given["progress"] is not None:
        _expect("run_experiment", "progress", given["progress"], (bool,), "True, False or None")
    if given["log"] is not None and not callable(given["log"]):
        raise ConfigError(f"run_experiment: log: expected a function taking a line, or None, "
                          f"got {type(given['log']).__name__} {_short(given['log'])}")
    if given["max_runs"] is not None:
        check_max_runs(given["max_runs"], "run_experiment: max_runs")


def _expect(where: str, name: str, value: Any, types: tuple[type, ...], what: str) -> None:
    if not isinstance(value, types):
        raise ConfigError(f"{where}: {name}: expected {what}, got {type(value).__name__} {_short(value)}")


def _strings(value: Any) -> bool:
    """Whether ``value`` is a collection of strings (a set, list or tuple; not one string)."""
    return (isinstance(value, Collection) and not isinstance(value, str)
            and all(isinstance(v, str) for v in value))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
