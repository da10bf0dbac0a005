"""What a sweep's parts should be: one manifest line per stored run, checked on resume and read.

``runs/manifest.jsonl`` gets one JSON line per run once all of its parts are on the disk
(written, flushed, renamed, their folders flushed): the run id, the hash of the spec that
made it, and for each table its size, SHA-256 and row count. A run counts as done only when
its line is there and its parts still match it; so a truncated, emptied, corrupted or foreign
part is found, and a ``runs/`` folder made by another spec is recognised by the spec hash in
its lines. A line cut short by a kill is ignored (its run is simply run again).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

MANIFEST = "manifest.jsonl"


def describe(data: bytes) -> dict[str, Any]:
    """Size, SHA-256 and row count of a part's bytes (as the worker encoded them)."""
    rows = pq.ParquetFile(io.BytesIO(data)).metadata.num_rows
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(), "rows": rows}


def entry(run_id: str, spec_hash: str, parts: dict[str, bytes]) -> dict[str, Any]:
    """The manifest line of a run."""
    return {"run_id": run_id, "spec_hash": spec_hash,
            "parts": {name: describe(data) for name, data in parts.items()}}


def append(runs: Path, line: dict[str, Any]) -> None:
    """Add a run's line to the manifest and flush it to the disk."""
    with open(runs / MANIFEST, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, separators=(",", ":")) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def load(runs: Path) -> dict[str, dict[str, Any]] | None:
    """Manifest lines by run id (the last line of a run wins), or None when there is no manifest."""
    path = runs / MANIFEST
    if not path.is_file():
        return None
    lines: dict[str, dict[str, Any]] = {}
    for raw in path.read_bytes().splitlines():
        try:
            line = json.loads(raw)
            lines[str(line["run_id"])] = line
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a kill or a full disk: that run is not done
    return lines


def rewrite(runs: Path, lines: dict[str, dict[str, Any]]) -> None:
    """Replace the manifest with ``lines`` (after damaged runs were dropped)."""
    from .atomic import atomic_write

    text = "".join(json.dumps(v, separators=(",", ":")) + "\n" for _, v in sorted(lines.items()))
    atomic_write(runs / MANIFEST, text.encode())


def problem(path: Path, expected: dict[str, Any]) -> str | None:
    """What is wrong with a stored part, or None when it matches its manifest line."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return "missing"
    if not data:
        return "empty"
    if len(data) != expected["bytes"]:
        return f"{len(data)} bytes, {expected['bytes']} expected (truncated or replaced)"
    if hashlib.sha256(data).hexdigest() != expected["sha256"]:
        return "checksum mismatch (corrupted or replaced)"
    return None


def readable(path: Path, run_id: str) -> str | None:
    """For parts without a manifest line (written before manifests): can it be read back?"""
    try:
        table = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a damaged file
        return f"unreadable ({type(exc).__name__})"
    if "run_id" in table.column_names and set(table.column("run_id").to_pylist()) - {run_id}:
        return "holds the rows of another run"
    return None
