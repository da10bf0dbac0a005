"""The result store of a sweep: one folder, Parquet parts written atomically, and its metadata.

Layout of ``OUT/``::

    metadata.json            provenance: spec and hash, seeds, versions, git commit, sessions
    spec.toml                the spec file as given
    summary.parquet          every run's row (written when a sweep completes; small)
    runs/summary/rNNNNNN.parquet    one part per run: its summary row
    runs/national/rNNNNNN.parquet   its per-step national table
    runs/systems/rNNNNNN.parquet    its per-step per-system table (when asked for)
    runs/events/rNNNNNN.parquet     its event log (when asked for)

    runs/manifest.jsonl             one line per stored run: spec hash, each part's size,
                                    SHA-256 and rows (``integrity.py``)

Each part is written to a hidden temporary name, flushed to the disk and moved into place
with ``os.replace``, the summary part last; once every part and its folder are flushed, the
run's manifest line is appended (and flushed). A run counts as done exactly when its line is
there and its parts still match it. A sweep killed at any moment (or a power cut) therefore
leaves only complete parts and at most some parts without a line (removed, with any
temporary files, when the sweep is resumed); the runs in flight are simply run again. On
resume every part is checked against its line: a truncated, emptied, corrupted or replaced
part is removed with the rest of its run, said so, and the run is run again. Lines made by
another spec are refused. Part names are run ids, so a run can never be stored twice.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulation.errors import ConfigError

from . import integrity
from .atomic import atomic_write, fsync_dir, write_json
from .outputs import MARKER, Claim, WriteError, read_marker, write_marker
from .runner import RunOutput

RUNS = "runs"
TABLES = ("summary", "national", "systems", "events")
METADATA = "metadata.json"
READ_BLOCK = 200  # parts merged at a time when a table is read back
#: What a sweep writes itself (a report adds its own files to the marker).
SWEEP_FILES = [METADATA, "spec.toml", "summary.parquet", RUNS + "/"]

__all__ = ["METADATA", "RUNS", "SWEEP_FILES", "TABLES", "Store", "write_json"]


class Store:
    """A sweep's output folder."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.runs = self.out / RUNS
        self.spec_hash: str | None = None
        self.repaired: list[str] = []  # what was wrong with the runs re-run on resume
        self._claim: Claim | None = None
        self._done: set[str] | None = None  # known once opened

    # --- identity and locking -------------------------------------------------------------
    def metadata(self) -> dict[str, Any] | None:
        """The folder's metadata, or None when there is none yet."""
        p = self.out / METADATA
        if not p.is_file():
            return None
        try:
            return json.loads(p.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ConfigError(f"{p}: not valid JSON; this folder is damaged, use another --out") from None

    def open(self, spec_hash: str, spec_name: str, force: bool = False,
             log: Callable[[str], None] | None = None) -> dict[str, Any] | None:
        """Claim the folder for the experiment with ``spec_hash``; check and repair its parts.

        Returns:
            The existing metadata when resuming, None for a new folder.

        Raises:
            ConfigError: the folder holds another experiment (unless ``force``: then the
                files its marker lists are removed first), something else, runs of another
                spec, or is in use.
        """
        claim = Claim(self.out, "sweep")
        meta = self.metadata()
        if meta is not None and meta.get("spec_hash") != spec_hash and not force:
            raise ConfigError(
                f"{self.out}: holds the results of a different spec ('{meta.get('name')}', hash "
                f"{str(meta.get('spec_hash'))[:12]}), not of '{spec_name}' (hash {spec_hash[:12]}); "
                "use another --out, or --force to replace them")
        claim.__enter__()
        self._claim = claim
        try:
            if meta is not None and meta.get("spec_hash") != spec_hash:
                self._clear()
                meta = None
            self.out.mkdir(exist_ok=True)
            write_marker(self.out, "sweep", SWEEP_FILES)  # first, so that a kill leaves it marked
            for t in TABLES:
                (self.runs / t).mkdir(parents=True, exist_ok=True)
            self.spec_hash = spec_hash
            self.repaired = self._verify(spec_hash, legacy_ok=meta is not None)
            self.cleanup()
        except BaseException:
            self.close()
            raise
        for line in self.repaired if log else []:
            log(f"drumbeat sweep: {line}; running it again")
        return meta

    def _clear(self) -> None:
        """``--force``: remove what the marker lists (or, before markers, what a sweep writes)."""
        marker = read_marker(self.out)
        for name in [*(marker["files"] if marker else SWEEP_FILES), MARKER]:
            target = self.out / name.rstrip("/")
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)

    def _verify(self, spec_hash: str, legacy_ok: bool) -> list[str]:
        """Check every stored run against the manifest; drop damaged ones; return what was wrong."""
        lines = integrity.load(self.runs)
        if lines is None:
            lines = self._adopt(spec_hash, legacy_ok)
        foreign = {str(v.get("spec_hash")) for v in lines.values()} - {spec_hash}
        if foreign:
            raise ConfigError(
                f"{self.runs}: holds runs of another spec (hash {sorted(foreign)[0][:12]}), not of "
                f"this one (hash {spec_hash[:12]}); move runs/ away or use another --out")
        damaged: dict[str, str] = {}
        for rid, line in lines.items():
            for table, expected in line.get("parts", {}).items():
                what = integrity.problem(self.runs / table / f"{rid}.parquet", expected)
                if what is not None:
                    damaged[rid] = f"runs/{table}/{rid}.parquet is {what}"
                    break
        for rid in damaged:
            del lines[rid]
            for t in TABLES:
                (self.runs / t / f"{rid}.parquet").unlink(missing_ok=True)
        if damaged:
            integrity.rewrite(self.runs, lines)
        self._done = set(lines)
        return [damaged[r] for r in sorted(damaged)]

    def _adopt(self, spec_hash: str, legacy_ok: bool) -> dict[str, dict[str, Any]]:
        """Parts stored before manifests existed: keep those that read back whole, if ours."""
        parts = sorted((self.runs / "summary").glob("r*.parquet"))
        if parts and not legacy_ok:
            raise ConfigError(f"{self.runs}: holds {len(parts)} runs but no manifest and no "
                              f"{METADATA}: cannot tell which spec made them; move runs/ away "
                              "or use another --out")
        lines = {}
        for summary in parts:
            rid = summary.stem
            files = {t: self.runs / t / summary.name for t in TABLES}
            files = {t: f for t, f in files.items() if f.is_file()}
            if all(integrity.readable(f, rid) is None for f in files.values()):
                lines[rid] = integrity.entry(rid, spec_hash, {t: f.read_bytes() for t, f in files.items()})
        integrity.rewrite(self.runs, lines)
        return lines

    def close(self) -> None:
        """Release the folder lock."""
        if self._claim is not None:
            self._claim.__exit__()
            self._claim = None

    def cleanup(self) -> int:
        """Remove temporary files and parts of runs that are not done; return how many."""
        done = self.done_ids()
        removed = 0
        for t in TABLES:
            folder = self.runs / t
            if not folder.is_dir():
                continue
            for p in folder.iterdir():
                if p.name.startswith(".") or p.stem not in done:  # temp, orphan or unrecorded
                    p.unlink(missing_ok=True)
                    removed += 1
        # temporary files of our own files that a kill left (atomic_write's ".NAME.tmp-PID")
        ours = [*(self.out / n for n in (METADATA, "spec.toml", "summary.parquet", MARKER)),
                self.runs / integrity.MANIFEST]
        for f in ours:
            for p in f.parent.glob(f".{f.name}.tmp-*"):
                p.unlink(missing_ok=True)
                removed += 1
        return removed

    # --- writing and reading --------------------------------------------------------------
    def done_ids(self) -> set[str]:
        """Run ids stored whole (checked when the folder was opened, else as the manifest says)."""
        if self._done is not None:
            return set(self._done)
        folder = self.runs / "summary"
        if not folder.is_dir():
            return set()
        present = {p.stem for p in folder.glob("r*.parquet")}
        lines = integrity.load(self.runs)
        return present if lines is None else present & set(lines)

    def write(self, output: RunOutput) -> None:
        """Store one finished run: its tables, its summary part, then its manifest line.

        Raises:
            WriteError: the disk is full or the folder cannot be written; the runs stored
                before stay whole and a resumed sweep carries on from them.
        """
        assert self.spec_hash is not None and self._done is not None, "open() the store first"
        names = [n for n in output.parts if n != "summary"] + ["summary"]
        try:
            for name in names:
                atomic_write(self.runs / name / f"{output.run_id}.parquet", output.parts[name],
                             sync_dir=False)
            for name in names:
                fsync_dir(self.runs / name)
            integrity.append(self.runs, integrity.entry(output.run_id, self.spec_hash, output.parts))
        except OSError as exc:
            raise WriteError(f"cannot store run {output.run_id} in {self.runs}: {exc.strerror}; "
                             f"the {len(self._done)} runs stored before are kept, run the same "
                             "command again to resume") from None
        self._done.add(output.run_id)

    def part_files(self, table: str) -> list[Path]:
        """Parts of ``table`` of finished runs, in run-id order."""
        done = self.done_ids()
        folder = self.runs / table
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.glob("r*.parquet") if p.stem in done)

    def read(self, table: str = "summary", columns: list[str] | None = None,
             run_ids: set[str] | None = None) -> pd.DataFrame:
        """Concatenate the parts of ``table``; columns missing from a part become NaN/null.

        Raises:
            ConfigError: a part does not match its manifest line or cannot be read.
        """
        files = self.part_files(table)
        if run_ids is not None:
            files = [p for p in files if p.stem in run_ids]
        if not files and table == "summary" and (self.out / "summary.parquet").is_file():
            try:
                return pd.read_parquet(self.out / "summary.parquet", columns=columns)
            except Exception as exc:  # noqa: BLE001 - pyarrow raises several types
                raise ConfigError(f"{self.out / 'summary.parquet'}: cannot be read "
                                  f"({type(exc).__name__}); run the sweep again") from None
        if not files:
            return pd.DataFrame(columns=columns or [])
        lines = integrity.load(self.runs) or {}
        # A part is one run: its table is small but carries its own schema and buffers. Merged
        # a few hundred at a time, the parts never all sit in memory at once (reading 2,000
        # one-row summary parts together added 217 MB to the process; in blocks, 45 MB).
        blocks = [pa.concat_tables([_read_part(p, columns, lines) for p in files[i:i + READ_BLOCK]],
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


def _read_part(path: Path, columns: list[str] | None, lines: dict[str, dict[str, Any]]) -> pa.Table:
    table = path.parent.name
    expected = lines.get(path.stem, {}).get("parts", {}).get(table)
    what = integrity.problem(path, expected) if expected else integrity.readable(path, path.stem)
    if what is not None:
        raise ConfigError(f"{path}: is {what}; run the sweep again (same command) to repair it")
    if columns is None:
        return pq.read_table(path)
    present = [c for c in columns if c in pq.read_schema(path).names]
    return pq.read_table(path, columns=present)
