"""One run of a sweep, as a task a worker executes: scenario + design values + seed -> Parquet bytes.

The worker does all the work that scales with a run (building the scenario, running the
model, summarising, encoding tables to Parquet), so the parent only writes bytes to disk.
The row of a run holds its identity (run id, position, stage, cell, replicate, seed,
scenario file), its design values and every scalar of ``RunResult.summary()`` (and of the
spec's own outcomes, ``custom.py``); nothing that depends on the machine or the time (those go
to ``metadata.json``).
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulation.run import run_scenario
from simulation.scenario import Scenario

from .custom import Custom, build, outcomes

#: Identity columns that lead every summary row, in this order.
ID_COLUMNS = ("run_id", "position", "stage", "cell", "replicate", "seed", "scenario_file")


@dataclass(frozen=True)
class RunTask:
    """Everything a worker needs for one run; picklable, self-contained."""

    run_id: str
    position: int
    seed: int
    stage: str
    cell: int
    replicate: int
    scenario_file: str
    scenario: Scenario  # fixed overrides and years already applied
    values: dict  # design values: {key: value}
    outputs: tuple[str, ...] = ("national",)
    labels: dict | None = None  # recorded in the row, not applied: posterior draw, variant name
    custom: Custom | None = None  # the sweep's own outcomes, policy and model (custom.py)


@dataclass(frozen=True)
class RunOutput:
    """What comes back from a worker: encoded tables, and how long the run took."""

    run_id: str
    position: int
    parts: dict[str, bytes]  # table name -> Parquet file bytes; "summary" is written last
    seconds: float


def run_id_of(position: int) -> str:
    """Run id of a position: ``r`` and six or more digits, so ids sort like positions."""
    return f"r{position:06d}"


def parquet_bytes(table: pd.DataFrame | list[dict]) -> bytes:
    """A DataFrame (or a list of row dicts) as the bytes of a Parquet file.

    Built column by column (``from_pydict`` / ``from_pylist``): several times faster than
    ``from_pandas`` for these small tables, which matters when a run takes 0.1 s.
    """
    if isinstance(table, pd.DataFrame):
        arrow = pa.Table.from_pydict({c: table[c].to_numpy() for c in table.columns})
    else:
        arrow = pa.Table.from_pylist(table)
    buf = io.BytesIO()
    pq.write_table(arrow, buf)
    return buf.getvalue()


def summary_row(task: RunTask, summary: dict) -> dict:
    """The run's row: identity, design values, then the summary outcomes."""
    row = {"run_id": task.run_id, "position": task.position, "stage": task.stage, "cell": task.cell,
           "replicate": task.replicate, "seed": task.seed, "scenario_file": task.scenario_file}
    row.update(task.labels or {})
    row.update(task.values)
    row.update({k: v for k, v in summary.items() if k not in row})
    return row


def execute(task: RunTask) -> RunOutput:
    """Run one task (the function executors map over a sweep)."""
    t0 = time.perf_counter()
    scenario = task.scenario.with_overrides(task.values, source=task.run_id) if task.values else task.scenario
    if task.custom is None:
        result = run_scenario(scenario, seed=task.seed)
        summary = result.summary()
    else:
        model = build(task.custom, scenario, task.seed)
        result = model.run()
        summary = {**result.summary(), **outcomes(task.custom, model)}
    parts: dict[str, bytes] = {}
    for name in task.outputs:  # tables are built only when kept
        parts[name] = parquet_bytes(getattr(result, name).assign(run_id=task.run_id))
    parts["summary"] = parquet_bytes([summary_row(task, summary)])
    return RunOutput(task.run_id, task.position, parts, time.perf_counter() - t0)
