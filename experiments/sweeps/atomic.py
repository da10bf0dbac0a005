"""Files and folders that appear whole or not at all, and JSON that strict parsers accept.

A file is written to a hidden temporary sibling, flushed to the disk (``fsync``), renamed into
place with ``os.replace`` and its folder flushed too: after a kill *or a power cut* the name
holds either the old content or the new, never an empty or half-written file.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: Prefix of the temporary sibling a folder is built in (``.NAME.partial-XXXX``).
PARTIAL = "partial-"
#: A stamp put first into every temporary folder, so that only our own are ever cleaned.
PARTIAL_STAMP = ".drumbeat-partial"


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (new names, renames) to the disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(folder: Path) -> None:
    """Flush every file and folder under ``folder`` (before it is renamed into place)."""
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(dirpath))


def atomic_write(path: Path, data: bytes, sync_dir: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary sibling, ``fsync`` and ``os.replace``.

    Args:
        path: the file to write.
        data: its new content.
        sync_dir: also flush the folder (callers writing many files flush it once instead).
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk must not leave half a file behind
        raise
    if sync_dir:
        fsync_dir(path.parent)


def finite(obj: Any) -> Any:
    """``obj`` with NaN and infinities replaced by None and NumPy scalars made plain Python."""
    if isinstance(obj, dict):
        return {str(k): finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item) and getattr(obj, "ndim", None) == 0:
        obj = obj.item()  # NumPy scalar
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def json_text(obj: Any) -> str:
    """Indented strict JSON (no bare NaN or Infinity: they become null); other types as text."""
    return json.dumps(finite(obj), indent=2, default=str, allow_nan=False) + "\n"


def write_json(path: Path, obj: Any) -> None:
    """Atomically write ``obj`` as strict, indented JSON."""
    atomic_write(path, json_text(obj).encode())


def partial_prefix(out: Path) -> str:
    """Name prefix of the temporary siblings in which ``out`` is built."""
    return f".{out.name}.{PARTIAL}"


def clean_partials(out: Path) -> list[Path]:
    """Remove temporary siblings of ``out`` left by killed commands (only ones we stamped)."""
    removed = []
    if not out.parent.is_dir():
        return removed
    for p in out.parent.glob(partial_prefix(out) + "*"):
        if p.is_dir() and not p.is_symlink() and (p / PARTIAL_STAMP).is_file():
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


@contextmanager
def building(out: Path) -> Iterator[Path]:
    """A stamped temporary sibling of ``out``, removed unless the caller moved it into place."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=partial_prefix(out), dir=out.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; results are for everyone
    (tmp / PARTIAL_STAMP).touch()
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
