"""The result store of a sweep: one folder, Parquet parts written atomically, and its metadata.

Layout of ``OUT/``::

    metadata.json            provenance: spec and hash, seeds, versions, git commit, sessions
    spec.toml                the spec file as given
    summary.parquet          every run's row (written when a sweep completes; small)
    runs/summary/rNNNNNN.parquet    one part per run: its summary row
    runs/national/rNNNNNN.parquet   its per-step national table
    runs/systems/rNNNNNN.parquet    its per-step per-system table (when asked for)
    runs/events/rNNNNNN.parquet     its event log (when asked for)

Each part is written to a hidden temporary name and moved into place with ``os.replace``,
the summary part last: a run counts as done exactly when its summary part exists. A sweep
killed at any moment therefore leaves only complete parts, at most some tables of runs
whose summary was not yet written (removed, with any temporary files, when the sweep is
resumed); the runs in flight are simply run again. Part names are run ids, so a run can
never be stored twice.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulation.errors import ConfigError

from .runner import RunOutput

RUNS = "runs"
TABLES = ("summary", "national", "systems", "events")
METADATA = "metadata.json"
READ_BLOCK = 200  # parts merged at a time when a table is read back


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary sibling and ``os.replace``."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def write_json(path: Path, obj: Any) -> None:
    """Atomically write ``obj`` as indented JSON."""
    atomic_write(path, (json.dumps(obj, indent=2, default=str) + "\n").encode())


class Store:
    """A sweep's output folder."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.runs = self.out / RUNS
        self._lock_fh = None

    # --- identity and locking -------------------------------------------------------------
    def metadata(self) -> dict[str, Any] | None:
        """The folder's metadata, or None when there is none yet."""
        p = self.out / METADATA
        if not p.is_file():
            return None
        try:
            return json.loads(p.read_text())
        except json.JSONDecodeError:
            raise ConfigError(f"{p}: not valid JSON; this folder is damaged, use another --out") from None

    def open(self, spec_hash: str, spec_name: str) -> dict[str, Any] | None:
        """Claim the folder for the experiment with ``spec_hash``; clean up after a kill.

        Returns:
            The existing metadata when resuming, None for a new folder.

        Raises:
            ConfigError: the folder holds another experiment, something else, or is in use.
        """
        meta = self.metadata()
        if meta is None and self.out.exists() and any(
                p.name != RUNS for p in self.out.iterdir()):
            raise ConfigError(f"{self.out}: exists and is not a sweep folder; choose another --out")
        if meta is not None and meta.get("spec_hash") != spec_hash:
            raise ConfigError(
                f"{self.out}: holds the results of a different spec ('{meta.get('name')}', hash "
                f"{str(meta.get('spec_hash'))[:12]}), not of '{spec_name}' (hash {spec_hash[:12]}); "
                "use another --out or remove the folder")
        for t in TABLES:
            (self.runs / t).mkdir(parents=True, exist_ok=True)
        self._lock()
        self.cleanup()
        return meta

    def _lock(self) -> None:
        fh = open(self.runs / ".lock", "a")  # noqa: SIM115 - held until close(); runs/ is not committed
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            raise ConfigError(f"{self.out}: another sweep is writing to this folder") from None
        self._lock_fh = fh

    def close(self) -> None:
        """Release the folder lock."""
        if self._lock_fh is not None:
            self._lock_fh.close()
            self._lock_fh = None

    def cleanup(self) -> int:
        """Remove temporary files and tables of runs without a summary part; return how many."""
        done = self.done_ids()
        removed = 0
        for t in TABLES:
            folder = self.runs / t
            if not folder.is_dir():
                continue
            for p in folder.iterdir():
                if p.name.startswith(".") or (t != "summary" and p.stem not in done):  # temp or orphan
                    p.unlink(missing_ok=True)
                    removed += 1
        return removed

    # --- writing and reading --------------------------------------------------------------
    def done_ids(self) -> set[str]:
        """Run ids whose summary part exists."""
        folder = self.runs / "summary"
        if not folder.is_dir():
            return set()
        return {p.stem for p in folder.iterdir() if p.suffix == ".parquet" and not p.name.startswith(".")}

    def write(self, output: RunOutput) -> None:
        """Store one finished run: its tables first, its summary part last."""
        for name, data in output.parts.items():
            if name != "summary":
                atomic_write(self.runs / name / f"{output.run_id}.parquet", data)
        atomic_write(self.runs / "summary" / f"{output.run_id}.parquet", output.parts["summary"])

    def part_files(self, table: str) -> list[Path]:
        """Parts of ``table`` of finished runs, in run-id order."""
        done = self.done_ids()
        folder = self.runs / table
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.glob("r*.parquet") if p.stem in done)

    def read(self, table: str = "summary", columns: list[str] | None = None,
             run_ids: set[str] | None = None) -> pd.DataFrame:
        """Concatenate the parts of ``table``; columns missing from a part become NaN/null."""
        files = self.part_files(table)
        if run_ids is not None:
            files = [p for p in files if p.stem in run_ids]
        if not files and table == "summary" and (self.out / "summary.parquet").is_file():
            return pd.read_parquet(self.out / "summary.parquet", columns=columns)
        if not files:
            return pd.DataFrame(columns=columns or [])
        # A part is one run: its table is small but carries its own schema and buffers. Merged
        # a few hundred at a time, the parts never all sit in memory at once (reading 2,000
        # one-row summary parts together added 217 MB to the process; in blocks, 45 MB).
        blocks = [pa.concat_tables([_read_part(p, columns) for p in files[i:i + READ_BLOCK]],
                                   promote_options="permissive").combine_chunks()
                  for i in range(0, len(files), READ_BLOCK)]
        df = pa.concat_tables(blocks, promote_options="permissive").to_pandas()
        if "position" in df.columns:
            df = df.sort_values("position", kind="stable").reset_index(drop=True)
        return df

    def write_summary(self) -> Path:
        """Write ``summary.parquet`` beside ``runs/``: every run's row, by position."""
        df = self.read("summary")
        path = self.out / "summary.parquet"
        buf = pa.BufferOutputStream()
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), buf)
        atomic_write(path, buf.getvalue().to_pybytes())
        return path


def _read_part(path: Path, columns: list[str] | None) -> pa.Table:
    if columns is None:
        return pq.read_table(path)
    present = [c for c in columns if c in pq.read_schema(path).names]
    return pq.read_table(path, columns=present)
