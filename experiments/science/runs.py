"""The runs of a validation, kept in a resumable store so that a long batch survives its session.

Every run of an arm from a seed is reduced to its metrics (:func:`patterns.observe`). They are
appended, one JSON line per run, flushed as each run finishes, to a file named by a
fingerprint of the code that produced them (the model's ``.py`` files - ``simulation/`` and
its mechanisms, not the teaching app - and the metric definitions), in a store folder beside
the output (``results/.validation.runs/`` for ``results/validation``). A run's key hashes its
arm (scenario file *contents*, overrides, events) and seed. Running the same command again -
after an interruption, or for another size - reuses every stored run of the same code and
only runs the rest; a change to the model or the metrics starts a new file, so stale runs
are never mixed in. A line cut short by a kill is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from experiments.sweeps import provenance
from simulation.configs import shipped

from . import patterns as P

Metrics = dict[str, float]


def model_files() -> list[Path]:
    """The source files a run's metrics depend on: the model's (see
    :func:`experiments.sweeps.provenance.model_files`) and the metrics'."""
    return provenance.model_files((Path(P.__file__),))


def code_fingerprint() -> str:
    """SHA-256 (16 hex digits) of :func:`model_files`."""
    return provenance.code_fingerprint((Path(P.__file__),))


def run_key(a: P.Arm, seed: int) -> str:
    """A stable key of one run: its arm's scenario file contents, overrides, events and seed."""
    path = shipped(a.scenario)
    if a.scenario == P.CALIBRATED and not path.is_file():
        path = shipped(P.ENGLAND)
    text = json.dumps({"scenario": hashlib.sha256(path.read_bytes()).hexdigest(),
                       "overrides": [[k, v] for k, v in a.overrides],
                       "events": [[list(kv) for kv in e] for e in a.events], "seed": seed},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class RunStore:
    """Stored metrics of runs, by key, in ``folder/<code fingerprint>.jsonl``."""

    def __init__(self, folder: str | Path | None) -> None:
        self.folder = Path(folder) if folder is not None else None
        self.rows: dict[str, Metrics] = {}
        self.file: Path | None = None
        if self.folder is not None:
            self.file = self.folder / f"{code_fingerprint()}.jsonl"
            self.rows = self._read()

    def _read(self) -> dict[str, Metrics]:
        rows: dict[str, Metrics] = {}
        if self.file is None or not self.file.is_file():
            return rows
        for line in self.file.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
                rows[rec["key"]] = {k: float("nan") if v is None else v
                                    for k, v in rec["metrics"].items()}
            except (ValueError, KeyError, TypeError):
                continue  # a line cut short by a kill
        return rows

    def add(self, key: str, metrics: Metrics) -> None:
        """Keep ``metrics``; on disk at once (one flushed line) when the store has a folder."""
        self.rows[key] = metrics
        if self.file is None:
            return
        self.file.parent.mkdir(parents=True, exist_ok=True)
        clean = {k: (None if v != v else v) for k, v in metrics.items()}  # NaN -> null
        with open(self.file, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"key": key, "metrics": clean}, allow_nan=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())


#: Runs of this process when no store folder is given (the CI tests share them between tests).
_MEMORY = RunStore(None)


def collect(wanted: Iterable[tuple[P.Arm, int]], workers: int = 1, scheduler: str | None = None,
            store: RunStore | None = None,
            progress: Callable[[int, int], None] | None = None) -> dict[tuple[P.Arm, int], Metrics]:
    """The metrics of every (arm, seed), running only those not stored yet."""
    store = store or _MEMORY
    keys = {w: run_key(*w) for w in dict.fromkeys(wanted)}
    todo = [w for w, k in keys.items() if k not in store.rows]
    if todo:
        from experiments.sweeps.executors import make_executor

        with make_executor(workers, scheduler) as ex:
            for done, (a, s, m) in enumerate(ex.map_unordered(P._observe_item, todo), 1):
                store.add(keys[(a, s)], m)
                if progress:
                    progress(done, len(todo))
    return {w: store.rows[k] for w, k in keys.items()}


def by_name(runs: dict[tuple[P.Arm, int], Metrics], arms: Iterable[P.Arm],
            seeds: range) -> dict[str, list[Metrics]]:
    """Samples per arm name, in seed order."""
    return {a.name: [runs[(a, s)] for s in seeds] for a in arms}
