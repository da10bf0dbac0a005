"""The one output rule every ``drumbeat`` command follows (docs/reliability.md).

A command writes only into a folder that it creates or that carries its own marker file,
``drumbeat-output.json``: what kind of output the folder holds, which command wrote it and
which files. Anything else that is not empty is refused before any work, with nothing
touched. Resuming a sweep is not replacing; replacing an earlier output of the same kind
needs ``--force`` and removes only the files its marker lists. Two commands writing one
folder at once: the second is refused (a lock file beside the folder, ``.NAME.lock``).

Typical use::

    claim = Claim(out, "run", force=args.force)   # checks only; raises ConfigError
    with claim:                                   # lock; clean partial folders of killed runs
        result = ...                              # the work
        with claim.replacing() as tmp:            # built aside, moved into place on success
            write files into tmp
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from simulation.errors import ConfigError

from . import provenance
from .atomic import PARTIAL_STAMP, building, clean_partials, fsync_dir, partial_prefix, write_json

MARKER = "drumbeat-output.json"
#: Kinds of output and the command that writes each.
KINDS = {"run": "drumbeat run", "sweep": "drumbeat sweep", "validate": "drumbeat validate",
         "calibrate": "drumbeat calibrate"}


class WriteError(Exception):
    """Writing an output failed part-way (a full disk, a vanished folder): exit status 1."""


def safe_name(name: str) -> str:
    """A folder name made from free text (a scenario's name): no separators, no leading dot."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "unnamed"
    return cleaned[:80]


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The folder's marker, or None when it has none.

    Raises:
        ConfigError: the marker is there but unreadable.
    """
    p = folder / MARKER
    if not p.is_file():
        return None
    try:
        marker = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ConfigError(f"{p}: damaged marker file; refusing to write into {folder}") from None
    if not isinstance(marker, dict) or not isinstance(marker.get("files"), list):
        raise ConfigError(f"{p}: not a Drumbeat marker file; refusing to write into {folder}")
    return marker


def write_marker(folder: Path, kind: str, files: list[str]) -> None:
    """Write (or extend) the folder's marker: its kind, command and the files written."""
    old = read_marker(folder) or {}
    listed = sorted(set(old.get("files", [])) | set(files))
    write_json(folder / MARKER, {"kind": kind, "command": KINDS[kind], "files": listed,
                                 "written": provenance.now()})


def written_files(folder: Path) -> list[str]:
    """Entries of a freshly built folder, as a marker lists them (folders with a trailing /)."""
    return sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir()
                  if p.name not in (MARKER, PARTIAL_STAMP))


def touched_since(folder: Path, start_ns: int) -> list[str]:
    """Entries of ``folder`` written since ``start_ns`` (a sub-folder when any file in it was)."""
    out = []
    for p in folder.iterdir():
        if p.name in (MARKER, PARTIAL_STAMP) or p.name.startswith("."):
            continue
        files = [p] if p.is_file() else [f for f in p.rglob("*") if f.is_file()]
        if any(f.stat().st_mtime_ns >= start_ns for f in files):
            out.append(p.name + ("/" if p.is_dir() else ""))
    return sorted(out)


#: What a run wrote before markers existed: a folder holding exactly these is a run's.
LEGACY_RUN_FILES = ("config.toml", "events.parquet", "national.parquet", "spread.png",
                    "summary.json", "systems.parquet")


def legacy_kind(folder: Path) -> str | None:
    """The kind of an output written before markers existed (a sweep's ``metadata.json``, or
    exactly the files of a run)."""
    if (folder / "metadata.json").is_file():
        return "sweep"
    if sorted(p.name for p in folder.iterdir()) == list(LEGACY_RUN_FILES):
        return "run"
    return None


def listed_files(folder: Path) -> set[str]:
    """Names of what an earlier output in ``folder`` wrote (its marker, or a legacy run's files)."""
    marker = read_marker(folder)
    if marker is not None:
        return {f.rstrip("/") for f in marker["files"]} | {MARKER, PARTIAL_STAMP}
    return set(LEGACY_RUN_FILES) if legacy_kind(folder) == "run" else set()


class Claim:
    """A command's right to write one output folder (see the module docstring)."""

    def __init__(self, out: str | Path, kind: str, *, force: bool = False) -> None:
        """Check that ``out`` may be written, touching nothing.

        Raises:
            ConfigError: ``out`` is a file, a foreign or other-kind folder, an earlier output
                without ``force`` (not for sweeps, which resume), or not writable.
        """
        self.out = Path(out).absolute()
        self.kind = kind
        self.force = force
        self._lock: Any = None
        self.check()

    @property
    def lock_path(self) -> Path:
        return self.out.parent / f".{self.out.name}.lock"

    def check(self) -> None:
        """Refuse an output folder this command may not write (see :meth:`__init__`)."""
        out = self.out
        if out.exists() and not out.is_dir():
            raise ConfigError(f"{out}: exists and is not a folder; choose another --out")
        if out.is_dir() and any(out.iterdir()):
            marker = read_marker(out)
            kind = marker["kind"] if marker else legacy_kind(out)
            if kind is None:
                raise ConfigError(f"{out}: not empty and not written by drumbeat (no {MARKER}); "
                                  "choose another --out")
            if kind != self.kind:
                raise ConfigError(f"{out}: holds the output of {KINDS.get(kind, kind)}, not of "
                                  f"{KINDS[self.kind]}; choose another --out")
            if self.kind != "sweep" and not self.force:
                raise ConfigError(f"{out}: holds an earlier output of {KINDS[kind]}; add --force "
                                  "to replace the files it lists, or choose another --out")
        parent = next((p for p in [out, *out.parents] if p.exists()), None)
        if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
            raise ConfigError(f"{out}: cannot write here ({parent} is not a writable folder)")

    def __enter__(self) -> Claim:
        """Take the lock, check again (another command may have written meanwhile), clean up."""
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self._lock = take_lock(self.lock_path, self.out)
        except OSError as exc:  # found before any work: bad input, not a failed run
            raise ConfigError(f"{self.out}: cannot write here ({exc.strerror})") from None
        try:
            self.check()
            clean_partials(self.out)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lock is not None:
            release_lock(self._lock, self.lock_path)
            self._lock = None

    @contextmanager
    def replacing(self) -> Iterator[Path]:
        """A temporary folder that, when the block succeeds, replaces this output's files."""
        try:
            with building(self.out) as tmp:
                yield tmp
                write_marker(tmp, self.kind, written_files(tmp))
                (tmp / PARTIAL_STAMP).unlink()
                install(tmp, self.out)
        except OSError as exc:
            raise WriteError(f"cannot write {exc.filename or self.out}: {exc.strerror}; "
                             "nothing of this output was replaced") from None


def install(tmp: Path, out: Path) -> None:
    """Move a built folder into place, removing first only the files the old marker lists."""
    new = [p.name for p in tmp.iterdir()]
    if out.is_dir():
        listed = listed_files(out)
        clash = sorted(n for n in new if (out / n).exists() and n not in listed)
        if clash:
            raise ConfigError(f"{out}: {', '.join(clash)} not written by drumbeat; not replacing it")
        theirs = [p for p in out.iterdir() if p.name not in listed and p.name != PARTIAL_STAMP]
        for p in theirs:  # other people's files come along into the new folder, as hard links
            _link_into(p, tmp / p.name)
        old = Path(tempfile.mkdtemp(prefix=partial_prefix(out), dir=out.parent))
        if not theirs:
            (out / PARTIAL_STAMP).touch()  # so that a kill between the renames leaves it cleanable
        # (with other people's files in it, a folder left by a kill is never cleaned away)
        os.replace(out, old)
        os.replace(tmp, out)  # swap whole folders: the new output appears at once
        fsync_dir(out.parent)
        brought = {p.name for p in theirs}
        stray = [q for q in old.iterdir()  # written by someone in the moment since we looked
                 if q.name not in listed and q.name not in brought and q.name not in (MARKER, PARTIAL_STAMP)]
        if not stray:  # otherwise the old folder stays, unstamped, with their file in it
            shutil.rmtree(old, ignore_errors=True)
        return
    os.replace(tmp, out)  # the whole folder appears at once
    fsync_dir(out.parent)


def _link_into(src: Path, dst: Path) -> None:
    """``src`` at ``dst`` without copying its bytes where the file system allows (hard links)."""
    def link(a: str, b: str) -> None:
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)

    if src.is_dir() and not src.is_symlink():
        shutil.copytree(src, dst, symlinks=True, copy_function=link)
    elif src.is_symlink():
        os.symlink(os.readlink(src), dst)
    else:
        link(str(src), str(dst))


def take_lock(path: Path, out: Path) -> FileLock:
    """Hold ``path`` with ``filelock`` (``flock`` on POSIX, ``msvcrt`` locking on Windows);
    refuse at once when another command holds it.

    filelock also refuses a lock file that its holder deleted between our open and our lock
    (see :func:`release_lock`), so two commands never both hold one folder.
    """
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise ConfigError(f"{out}: another drumbeat command is writing to this folder "
                          f"(lock {path.name}); wait for it to finish") from None
    return lock


def release_lock(lock: FileLock, path: Path) -> None:
    """Delete the lock file while still holding it, then let go (no lock file is left behind).

    On Windows an open file cannot be deleted; filelock deletes it there on release.
    """
    with suppress(OSError):
        path.unlink(missing_ok=True)
    lock.release()
