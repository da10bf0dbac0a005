"""The result store of a sweep: one folder, Parquet parts written atomically, and its metadata.

Layout of ``OUT/``::

    metadata.json            provenance: spec and hash, seeds, versions, git commit, sessions
    spec.toml                the spec file as given
    summary.parquet          every run's row (written when a sweep completes; small)
    runs/summary/rNNNNNN.parquet    one part per run: its summary row
    runs/national/rNNNNNN.parquet   its per-step national table
    runs/systems/rNNNNNN.parquet    its per-step per-system table (when asked for)
    runs/events/rNNNNNN.parquet     its event log (when asked for)

    runs/manifest.jsonl             the log of runs/: an intent record before a run's parts are
                                    written, then its record (spec hash, code, each part's size,
                                    SHA-256 and rows), every record checksummed (``integrity.py``)
    drumbeat-output.json            the marker: the sweep's own files by hash, the folders it
                                    made, the code and inputs that made the runs (``ledger.py``)

Each part is written to a hidden temporary name, flushed to the disk and moved into place
with ``os.replace``, the summary part last; once every part and its folder are flushed, the
run's record is appended (and flushed). A run counts as done exactly when its record is there
and its parts still match it. A sweep killed at any moment (or a power cut) therefore leaves
only complete parts, some perhaps with an intent record but no run record (removed when the
sweep resumes, when they read back as that run's), and at most a torn record at the end of the
manifest (cut off, and said so). On resume every part is checked against its record: a
truncated, emptied, corrupted or replaced part is moved aside to ``runs/damaged/`` (never
deleted: it no longer is what the sweep wrote), said so, and the run is run again. Runs of
another spec are refused; runs made by other code, inputs or versions are refused unless
``--allow-code-change``, which runs them again; parts with no record and a ``runs/`` without a
manifest are never adopted. Part names are run ids, so a run can never be stored twice.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulation.errors import ConfigError

from . import integrity, provenance
from .atomic import atomic_write, fsync_dir, json_text
from .ledger import Ledger, inside, kept_note
from .outputs import Claim, WriteError
from .runner import RunOutput

RUNS = "runs"
TABLES = ("summary", "national", "systems", "events")
METADATA = "metadata.json"
DAMAGED = "damaged"  # runs/damaged/: parts that no longer match their record, moved aside
READ_BLOCK = 200  # parts merged at a time when a table is read back
#: What a sweep writes itself (a report adds its own files to the marker).
SWEEP_FILES = [METADATA, "spec.toml", "summary.parquet"]
_PART = re.compile(r"(r\d{6,9})\.parquet")
#: Temporary siblings our writers leave when killed (atomic_write's ``.NAME.tmp-PID``), by folder.
_TEMP = {"": re.compile(r"\.(metadata\.json|spec\.toml|summary\.parquet|drumbeat-output\.json)\.tmp-\d+"),
         RUNS: re.compile(r"\.manifest\.jsonl\.tmp-\d+"),
         **{f"{RUNS}/{t}": re.compile(r"\.r\d{6,9}\.parquet\.tmp-\d+") for t in TABLES}}

__all__ = ["METADATA", "RUNS", "SWEEP_FILES", "TABLES", "Store"]


class Store:
    """A sweep's output folder."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.runs = self.out / RUNS
        self.spec_hash: str | None = None
        self.code: dict[str, Any] = {}
        self.repaired: list[str] = []  # what was wrong with the runs re-run on resume
        self._claim: Claim | None = None
        self._ledger: Ledger | None = None
        self._done: set[str] | None = None  # known once opened

    # --- identity and locking -------------------------------------------------------------
    def metadata(self) -> dict[str, Any] | None:
        """The folder's metadata (untrusted: checked), or None when there is none yet."""
        p = self.out / METADATA
        if not p.is_file():
            return None
        try:
            meta = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError):
            raise ConfigError(f"{p}: not valid JSON; this folder is damaged, use another --out") from None
        bad = [k for k, t in (("spec_hash", str), ("name", str), ("sessions", list), ("stages", list))
               if not isinstance(meta.get(k) if isinstance(meta, dict) else None, t)]
        if bad:
            raise ConfigError(f"{p}: not a sweep's metadata ({', '.join(bad)} missing or of the "
                              "wrong type); use another --out")
        return meta

    def open(self, spec_hash: str, spec_name: str, force: bool = False,
             log: Callable[[str], None] | None = None, code: dict[str, Any] | None = None,
             allow_code_change: bool = False) -> dict[str, Any] | None:
        """Claim the folder for the experiment with ``spec_hash``; check and repair its runs.

        Args:
            code: what makes the runs now (:func:`provenance.code_key`); a resume under other
                code, inputs or versions is refused unless ``allow_code_change``, which runs
                again the stored runs that other code made.

        Returns:
            The existing metadata when resuming, None for a new folder.

        Raises:
            ConfigError: the folder holds another experiment (unless ``force``: then the
                files the sweep wrote are removed first), something else, runs of another
                spec or code, runs without a manifest, or is in use.
        """
        say = log or (lambda s: None)
        self.code = code or provenance.code_key(spec_hash)
        claim = Claim(self.out, "sweep", log=say)
        led = claim.ledger
        meta = self._owned_metadata(led) if led is not None else None
        if meta is not None and meta.get("spec_hash") != spec_hash and not force:
            raise ConfigError(
                f"{self.out}: holds the results of a different spec ('{meta.get('name')}', hash "
                f"{str(meta.get('spec_hash'))[:12]}), not of '{spec_name}' (hash {spec_hash[:12]}); "
                "use another --out, or --force to replace them")
        claim.__enter__()
        self._claim = claim
        try:
            led = claim.ledger
            if led is not None:
                meta = self._owned_metadata(led)
            if led is not None and meta is not None and meta.get("spec_hash") != spec_hash:
                note = kept_note("drumbeat sweep", self.out, self._clear(led))
                if note:
                    say(note)
                meta = None
            if led is None:
                self.out.mkdir(exist_ok=True)
                led = Ledger(self.out.resolve(), "sweep")
                led.save()  # first, so that a kill from here on leaves a folder that is marked
            self._ledger = led
            self.spec_hash = spec_hash
            self._make_folders()
            led.record_log(f"{RUNS}/{integrity.MANIFEST}", "manifest")
            self.repaired = self._verify(spec_hash, allow_code_change, say)
            led.code = self.code
            led.save()
        except BaseException:
            self.close()
            raise
        for line in self.repaired if log else []:
            log(f"drumbeat sweep: {line}")
        return meta

    def _owned_metadata(self, led: Ledger) -> dict[str, Any] | None:
        """The metadata when the sweep wrote it and it is unchanged; refused when it is not."""
        if not (self.out / METADATA).exists():
            return None
        if not led.owns(METADATA):
            raise ConfigError(f"{self.out / METADATA}: not the file drumbeat recorded (changed or "
                              "replaced since); use another --out")
        return self.metadata()

    def _make_folders(self) -> None:
        led = self._ledger
        assert led is not None
        for rel in [RUNS, *(f"{RUNS}/{t}" for t in TABLES)]:
            led.ensure_folder(rel)

    def _clear(self, led: Ledger) -> list[str]:
        """``--force``: remove the runs the manifest records (parts matching their records),
        then every other file the sweep wrote; return what stays (not the sweep's)."""
        m = integrity.read(self.runs) if (self.runs / integrity.MANIFEST).is_file() else None
        if m is not None:
            for rid, line in m.done.items():
                for table, expected in line.get("parts", {}).items():
                    part = self.runs / table / f"{rid}.parquet"
                    ours = inside(led.root, f"{RUNS}/{table}/{rid}.parquet") is not None
                    if ours and integrity.problem(part, expected) is None:
                        part.unlink()
            for rid in m.intents - set(m.done):
                self._remove_intended(rid)
        self._remove_temporaries()
        return led.remove_owned()

    def _remove_intended(self, rid: str) -> None:
        """Parts a kill left after the manifest recorded the intent to write them, when they
        read back as that run's; anything else is moved aside, never deleted."""
        for t in TABLES:
            part = self.runs / t / f"{rid}.parquet"
            if part.is_file() and not part.is_symlink():
                if integrity.readable(part, rid) is None:
                    part.unlink()
                else:
                    self._move_aside(part)

    def _move_aside(self, part: Path) -> str:
        """Move a part that is not what its record says to ``runs/damaged/`` (kept, not deleted)."""
        dest = self.runs / DAMAGED
        dest.mkdir(exist_ok=True)
        target = dest / f"{part.parent.name}-{part.name}"
        n = 1
        while target.exists():
            target = dest / f"{part.parent.name}-{part.stem}.{n}.parquet"
            n += 1
        part.rename(target)
        return f"runs/{DAMAGED}/{target.name}"

    def _remove_temporaries(self) -> int:
        """Remove temporary files our writers leave when killed (``.NAME.tmp-PID``)."""
        removed = 0
        for rel, pattern in _TEMP.items():
            folder = self.out / rel
            if folder.is_dir() and not folder.is_symlink():
                for p in folder.iterdir():
                    if pattern.fullmatch(p.name) and p.is_file() and not p.is_symlink():
                        p.unlink()
                        removed += 1
        return removed

    def _verify(self, spec_hash: str, allow_code_change: bool, say: Callable[[str], None]) -> list[str]:
        """Check every stored run against the manifest; set aside damaged ones and runs of
        other code (with ``allow_code_change``); return what was wrong."""
        m = integrity.read(self.runs)
        self._remove_temporaries()
        if m is None:
            found = sum(1 for t in TABLES for p in (self.runs / t).iterdir() if not p.name.startswith("."))
            if found:
                raise ConfigError(f"{self.runs}: holds {found} files but no manifest: drumbeat never "
                                  "adopts runs it has no record of; move runs/ away or use another --out")
            m = integrity.Manifest()
            integrity.rewrite(self.runs, {})
        out = list(m.cut)
        if m.cut:
            integrity.repair(self.runs, m)
            say(f"drumbeat sweep: cut {' and '.join(m.cut)}; those runs count as not done")
        lines = m.done
        foreign = {str(v.get("spec_hash")) for v in lines.values()} - {spec_hash}
        if foreign:
            raise ConfigError(
                f"{self.runs}: holds runs of another spec (hash {sorted(foreign)[0][:12]}), not of "
                f"this one (hash {spec_hash[:12]}); move runs/ away or use another --out")
        mine = provenance.run_code(self.code)
        stale = sorted(r for r, v in lines.items() if v.get("code") != mine)
        if stale:
            led = self._ledger
            changes = provenance.code_changes(led.code, self.code) if led is not None and led.code else []
            what = "; ".join(changes) or "code, inputs or versions other than today's"
            if not allow_code_change:
                raise ConfigError(f"{self.out}: {len(stale)} stored runs were made by other code ({what}); "
                                  "resuming would mix two versions of the model: add "
                                  "--allow-code-change to run them again, or use another --out")
            say(f"drumbeat sweep: {len(stale)} stored runs were made by other code ({what}); "
                "running them again")
        damaged: dict[str, str] = {}
        for rid in stale:
            for table, expected in lines[rid].get("parts", {}).items():
                part = self.runs / table / f"{rid}.parquet"
                if integrity.problem(part, expected) is None:
                    part.unlink()
            del lines[rid]
        for rid, line in lines.items():
            for table, expected in line.get("parts", {}).items():
                what = integrity.problem(self.runs / table / f"{rid}.parquet", expected)
                if what is not None:
                    damaged[rid] = f"runs/{table}/{rid}.parquet is {what}"
                    break
        for rid in damaged:
            for table, expected in lines[rid].get("parts", {}).items():
                part = self.runs / table / f"{rid}.parquet"
                if integrity.problem(part, expected) is None:
                    part.unlink()
                elif part.exists() or part.is_symlink():
                    damaged[rid] += f" (moved to {self._move_aside(part)})"
            del lines[rid]
        for rid in m.intents - set(lines):
            self._remove_intended(rid)
        strangers = [p for t in TABLES for p in (self.runs / t).iterdir()
                     if not p.name.startswith(".") and (_PART.fullmatch(p.name) is None
                                                        or _PART.fullmatch(p.name).group(1) not in lines)]
        if strangers:
            rel = sorted(p.relative_to(self.out).as_posix() for p in strangers)
            raise ConfigError(f"{self.out}: {', '.join(rel[:3])}{' ...' if len(rel) > 3 else ''} not "
                              "recorded in the manifest (not written by this sweep); move them away")
        if damaged or stale or m.intents or m.rewrite:
            integrity.rewrite(self.runs, lines)
        self._done = set(lines)
        return out + [f"{damaged[r]}; running it again" for r in sorted(damaged)]

    def close(self) -> None:
        """Release the folder lock."""
        if self._claim is not None:
            self._claim.__exit__()
            self._claim = None

    def cleanup(self) -> int:
        """Remove temporary files our writers left when killed; return how many."""
        return self._remove_temporaries()

    def write_file(self, name: str, data: bytes) -> None:
        """Write one of the sweep's own files and record it in the marker (its new content is
        accepted first, so a kill between the two never makes it a stranger's)."""
        led = self._ledger
        assert led is not None, "open() the store first"
        if (self.out / name).exists() and not led.owns(name):
            raise ConfigError(f"{self.out / name}: not written by drumbeat (or changed since); "
                              "move it away")
        led.expect({name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}})
        led.save()
        atomic_write(self.out / name, data)
        led.record([name])
        led.save()

    def write_json(self, name: str, obj: Any) -> None:
        """:meth:`write_file` of strict, indented JSON."""
        self.write_file(name, json_text(obj).encode())

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
            integrity.intend(self.runs, output.run_id)  # first: parts a kill leaves are known as ours
            for name in names:
                atomic_write(self.runs / name / f"{output.run_id}.parquet", output.parts[name],
                             sync_dir=False)
            for name in names:
                fsync_dir(self.runs / name)
            integrity.append(self.runs, integrity.entry(output.run_id, self.spec_hash, output.parts,
                                                        provenance.run_code(self.code)))
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
        buf = pa.BufferOutputStream()
        pq.write_table(pa.Table.from_pandas(df, preserve_index=False), buf)
        self.write_file("summary.parquet", buf.getvalue().to_pybytes())
        return self.out / "summary.parquet"


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
