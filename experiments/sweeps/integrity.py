"""A sweep's manifest: an append-only log of what it wrote into ``runs/``, every record checksummed.

``runs/manifest.jsonl`` holds one JSON record a line, each with ``crc``, the first 16 hex digits
of the SHA-256 of the record without it. Two kinds of record:

- ``{"intent": "rNNNNNN", ...}`` appended (and flushed) *before* a run's parts are written, so
  that parts a kill leaves without their run being done are still known to be the sweep's own;
- ``{"run_id": "rNNNNNN", "spec_hash": ..., "code": ..., "parts": {...}}`` appended once every
  part of the run is on the disk (written, flushed, renamed, folders flushed): for each table
  its size, SHA-256 and row count, the spec and the code that made it.

A run counts as done only when its record is there and its parts still match it. The manifest
is untrusted input like every file in an output folder: a record that does not parse, lacks its
checksum or fails it is not believed. A torn or corrupt tail (a kill, a full disk) is cut off
before anything is appended, so a new record is never glued onto half of an old one; the cut is
reported. Run ids are checked (``r`` and six or more digits) and name the only files a record
can ever refer to: ``runs/TABLE/rNNNNNN.parquet``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

MANIFEST = "manifest.jsonl"
RUN_ID = re.compile(r"r\d{6,9}")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def describe(data: bytes) -> dict[str, Any]:
    """Size, SHA-256 and row count of a part's bytes (as the worker encoded them)."""
    rows = pq.ParquetFile(io.BytesIO(data)).metadata.num_rows
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "rows": rows}


def _crc(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


def _line(body: dict[str, Any]) -> bytes:
    return (json.dumps({**body, "crc": _crc(body)}, sort_keys=True, separators=(",", ":")) + "\n").encode()


def entry(run_id: str, spec_hash: str, parts: dict[str, bytes], code: str = "") -> dict[str, Any]:
    """The record of a finished run."""
    return {"run_id": run_id, "spec_hash": spec_hash, "code": code,
            "parts": {name: describe(data) for name, data in parts.items()}}


def valid_record(raw: bytes) -> dict[str, Any] | None:
    """The record on one line, or None when it is torn, corrupt, unchecksummed or malformed."""
    try:
        rec = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(rec, dict) or not isinstance(rec.get("crc"), str):
        return None
    body = {k: v for k, v in rec.items() if k != "crc"}
    if _crc(body) != rec["crc"]:
        return None
    if "intent" in body:
        return body if isinstance(body["intent"], str) and RUN_ID.fullmatch(body["intent"]) else None
    rid, parts = body.get("run_id"), body.get("parts")
    if not isinstance(rid, str) or not RUN_ID.fullmatch(rid) or not isinstance(parts, dict):
        return None
    for name, p in parts.items():
        if (name not in ("summary", "national", "systems", "events") or not isinstance(p, dict)
                or not isinstance(p.get("bytes"), int) or not isinstance(p.get("sha256"), str)
                or not _HEX64.fullmatch(p["sha256"])):
            return None
    return body


@dataclass
class Manifest:
    """The manifest as read: finished runs by id, intents, and what was cut."""

    done: dict[str, dict[str, Any]] = field(default_factory=dict)
    intents: set[str] = field(default_factory=set)
    cut: list[str] = field(default_factory=list)  # what was wrong (torn tail, bad records)
    good_end: int = 0  # bytes of the file up to the end of its last good line
    size: int = 0
    rewrite: bool = False  # a bad record sits before good ones: the file must be rewritten


def read(runs: Path) -> Manifest | None:
    """The manifest of ``runs/``, or None when there is none."""
    path = runs / MANIFEST
    if path.is_symlink():
        from simulation.errors import ConfigError

        raise ConfigError(f"{path}: a symbolic link, not the sweep's manifest; move it away or "
                          "use another --out")
    if not path.is_file():
        return None
    raw = path.read_bytes()
    m = Manifest(size=len(raw))
    pos = 0
    bad = 0
    for line in raw.split(b"\n")[:-1]:  # complete lines only; the rest is a torn tail
        end = pos + len(line) + 1
        rec = valid_record(line)
        if rec is None:
            bad += 1
        else:
            if bad:
                m.rewrite = True  # good records after a bad one: keep them, drop the bad
            if "intent" in rec:
                m.intents.add(rec["intent"])
            else:
                m.done[rec["run_id"]] = rec
            m.good_end = end
        pos = end
    tail = len(raw) - pos
    if bad:
        m.cut.append(f"{bad} corrupt record(s) in runs/{MANIFEST}")
    if tail:
        m.cut.append(f"a torn record of {tail} bytes at the end of runs/{MANIFEST}")
    return m


def repair(runs: Path, m: Manifest) -> None:
    """Cut a torn or corrupt tail, or rewrite the manifest without its bad records."""
    path = runs / MANIFEST
    if m.rewrite:
        rewrite(runs, m.done, m.intents)
    elif m.good_end < m.size:
        with open(path, "r+b") as fh:
            fh.truncate(m.good_end)
            fh.flush()
            os.fsync(fh.fileno())


def load(runs: Path) -> dict[str, dict[str, Any]] | None:
    """Finished runs' records by run id (the last record of a run wins), or None without a manifest."""
    m = read(runs)
    return None if m is None else m.done


def _append(runs: Path, body: dict[str, Any]) -> None:
    with open(runs / MANIFEST, "ab") as fh:
        fh.write(_line(body))
        fh.flush()
        os.fsync(fh.fileno())


def append(runs: Path, line: dict[str, Any]) -> None:
    """Add a finished run's record to the manifest and flush it to the disk."""
    _append(runs, line)


def intend(runs: Path, run_id: str) -> None:
    """Record, before a run's parts are written, that the sweep is about to write them."""
    _append(runs, {"intent": run_id})


def rewrite(runs: Path, lines: dict[str, dict[str, Any]], intents: set[str] = frozenset()) -> None:
    """Replace the manifest with ``lines`` (and ``intents``), written whole and flushed."""
    from .atomic import atomic_write

    text = b"".join(_line({"intent": r}) for r in sorted(intents))
    text += b"".join(_line(v) for _, v in sorted(lines.items()))
    atomic_write(runs / MANIFEST, text)


def problem(path: Path, expected: dict[str, Any]) -> str | None:
    """What is wrong with a stored part, or None when it matches its record."""
    if path.is_symlink():
        return "a symbolic link"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    if not data:
        return "empty"
    if len(data) != expected["bytes"]:
        return f"{len(data)} bytes, {expected['bytes']} expected (truncated or replaced)"
    if hashlib.sha256(data).hexdigest() != expected["sha256"]:
        return "checksum mismatch (corrupted or replaced)"
    return None


def readable(path: Path, run_id: str) -> str | None:
    """For a part read without a record: can it be read back, and is it this run's?"""
    try:
        table = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a damaged file
        return f"unreadable ({type(exc).__name__})"
    if "run_id" in table.column_names and set(table.column("run_id").to_pylist()) - {run_id}:
        return "holds the rows of another run"
    return None
