"""The one output rule every ``drumbeat`` command follows (docs/reliability.md).

A command writes only into a folder that it creates or that carries a valid marker of its own
kind, ``drumbeat-output.json`` (:mod:`.ledger`): which files the command wrote, by hash, which
folders it created, and what code and inputs made them. A folder that holds anything but no
valid marker is refused before any work, ``--force`` or not, with nothing touched.

Resuming a sweep is not replacing. Replacing an earlier output of the same kind needs
``--force`` and removes only the recorded files whose content still matches the record, and
the folders the command created once they are empty; everything else stays, with a one-line
note, and a file of someone else's in the way of one the command must write makes it refuse.

Two commands writing one folder at once: the second is refused. The lock is keyed on the
folder's *resolved* path and kept beside it (``.NAME.lock`` next to the real folder), so no
symbolic link, relative path or alias gets a second writer in.

Typical use::

    claim = Claim(out, "run", force=args.force)   # checks only; raises ConfigError
    with claim:                                   # lock; clean partial folders of killed runs
        result = ...                              # the work
        with claim.replacing(code=key) as tmp:    # built aside, flushed, then put in place
            write files into tmp
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from simulation.errors import ConfigError

from .atomic import PARTIAL_STAMP, building, clean_partials, fsync_dir, fsync_tree
from .ledger import KINDS, MARKER, Ledger, describe_file, inside, kept_note

__all__ = ["KINDS", "MARKER", "Claim", "Ledger", "WriteError", "publish", "read_marker", "safe_name"]


class WriteError(Exception):
    """Writing an output failed part-way (a full disk, a vanished folder): exit status 1."""


def safe_name(name: str) -> str:
    """A folder name made from free text (a scenario's name): no separators, no leading dot."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "unnamed"
    return cleaned[:80]


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The folder's marker as a plain dict (validated), or None when it has none."""
    led = Ledger.read(Path(folder))
    if led is None:
        return None
    return {"kind": led.kind, "command": KINDS[led.kind], "files": sorted(led.files),
            "folders": sorted(led.folders), "code": led.code, "complete": led.complete}


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def lock_path(out: Path) -> Path:
    """The lock of a folder: beside its resolved path, so every alias of it finds the same one."""
    real = out.resolve()
    return real.parent / f".{real.name}.lock"


class Claim:
    """A command's right to write one output folder (see the module docstring)."""

    def __init__(self, out: str | Path, kind: str, *, force: bool = False,
                 expect: Iterable[str] = (), log: Callable[[str], None] = _stderr) -> None:
        """Check that ``out`` may be written, touching nothing.

        Args:
            expect: names the command will write, checked now against files of someone
                else's in the way (the check is made again when the files are put in place).

        Raises:
            ConfigError: ``out`` is a file, a folder without a valid marker of this kind, an
                earlier output without ``force`` (not for sweeps, which resume), a folder
                with someone else's file where one of ``expect`` must go, or not writable.
        """
        self.out = Path(out).absolute()
        self.kind = kind
        self.force = force
        self.expect = tuple(expect)
        self.log = log
        self._lock: Any = None
        self.ledger: Ledger | None = None
        self.check()

    @property
    def lock_path(self) -> Path:
        return lock_path(self.out)

    def check(self) -> None:
        """Refuse an output folder this command may not write (see :meth:`__init__`)."""
        out = self.out
        if out.is_symlink() and not out.exists():
            raise ConfigError(f"{out}: a symbolic link to nothing; choose another --out")
        if out.exists() and not out.is_dir():
            raise ConfigError(f"{out}: exists and is not a folder; choose another --out")
        self.ledger = None
        if out.is_dir() and any(out.iterdir()):
            led = Ledger.read(out)
            if led is None:
                raise ConfigError(f"{out}: not empty and not written by drumbeat (no valid {MARKER}); "
                                  "choose another --out")
            if led.kind != self.kind:
                raise ConfigError(f"{out}: holds the output of {KINDS[led.kind]}, not of "
                                  f"{KINDS[self.kind]}; choose another --out")
            if self.kind != "sweep" and not self.force:
                raise ConfigError(f"{out}: holds an earlier output of {KINDS[led.kind]}; add --force "
                                  "to replace the files it wrote, or choose another --out")
            self.ledger = led
            self.refuse_strangers_in_the_way(self.expect)
        parent = next((p for p in [out, *out.parents] if p.exists()), None)
        if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
            raise ConfigError(f"{out}: cannot write here ({parent} is not a writable folder)")

    def refuse_strangers_in_the_way(self, names: Iterable[str]) -> None:
        """ConfigError when a file of someone else's sits where one of ``names`` must go."""
        led = self.ledger
        if led is None:
            return
        clash = []
        for rel in names:
            path = inside(led.root, rel)
            if path is None or ((path.exists() or path.is_symlink()) and not led.owns(rel)):
                clash.append(rel)
        if clash:
            raise ConfigError(f"{self.out}: {', '.join(sorted(clash))} not written by drumbeat "
                              "(or changed since); it is where this command writes: move it away")

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
    def replacing(self, code: dict[str, Any] | None = None, keep: Iterable[str] = ()) -> Iterator[Path]:
        """A temporary folder that, when the block succeeds, becomes this output.

        Every file in it is flushed to the disk before it is put in place. A new folder appears
        whole (one rename). An earlier output is replaced file by file: first the marker is
        widened to accept the new contents, then the old files that are still ours are
        removed (but ``keep``, which stay and stay recorded), the new ones moved in, and the
        marker rewritten to record exactly what is there; a kill part-way leaves a folder
        whose every file is whole and the command's by its marker, marked incomplete.
        """
        try:
            with building(self.out) as tmp:
                yield tmp
                (tmp / PARTIAL_STAMP).unlink()
                fsync_tree(tmp)
                self._install(tmp, code or {}, set(keep))
        except OSError as exc:
            raise WriteError(f"cannot write {exc.filename or self.out}: {exc.strerror}; "
                             "nothing of this output was replaced") from None

    def _install(self, tmp: Path, code: dict[str, Any], keep: set[str]) -> None:
        new_files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
        new_dirs = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_dir())
        out = self.out
        if not out.is_dir() or not any(out.iterdir()):
            led = Ledger(tmp.resolve(), self.kind, code=code)
            led.record(new_files)
            for d in new_dirs:
                led.made_folder(d)
            led.save()
            fsync_dir(tmp)
            if out.is_dir():
                out.rmdir()  # empty: the new folder takes its place
            os.replace(tmp, out)
            fsync_dir(out.parent)
            return
        led = Ledger.read(out)
        if led is None or led.kind != self.kind:
            raise ConfigError(f"{out}: changed while this command ran (its marker is gone or of "
                              "another kind); the new output was not put in place")
        self.ledger = led
        self.refuse_strangers_in_the_way(new_files)
        records = {rel: describe_file(tmp / rel) for rel in new_files}
        keep = {k for k in keep if led.owns(k)}
        led.expect(records)
        led.complete = False
        led.save()
        led.remove_owned(keep=keep | set(new_files))
        for d in new_dirs:
            led.ensure_folder(d)
        touched = {out}
        for rel in new_files:
            target = inside(led.root, rel)
            assert target is not None
            os.replace(tmp / rel, target)
            touched.add(target.parent)
        for folder in touched:
            fsync_dir(folder)
        for rel in list(led.files):
            if rel not in keep and rel not in records:
                del led.files[rel]
        led.files.update(records)
        led.record(sorted(keep))  # (a log, like abc.db, stays recorded by its kind)
        led.pending = {}
        led.code = code
        led.complete = True
        led.remove_empty_folders()
        led.forget_missing()
        led.save()
        note = kept_note(KINDS[self.kind], out, led.strangers())
        if note:
            self.log(note)


def publish(claim: Claim, stage: Path, last: str | None = None) -> list[str]:
    """Move the files of ``stage`` (a staging folder) into the claimed folder and record them.

    Each file is flushed, then renamed into place, ``last`` (e.g. ``report.md``) at the end;
    a file of someone else's where one must go refuses the whole publication before anything
    moves. The marker first accepts the new contents (so a kill part-way leaves only files
    that are the command's) and finally records exactly them. Returns the relative paths.
    """
    led = Ledger.read(claim.out)
    if led is None:
        raise ConfigError(f"{claim.out}: has no valid {MARKER}; not publishing into it")
    claim.ledger = led
    files = sorted((p for p in stage.rglob("*") if p.is_file() and p.name != PARTIAL_STAMP),
                   key=lambda p: (p.relative_to(stage).as_posix() == last, p.relative_to(stage).as_posix()))
    rels = [p.relative_to(stage).as_posix() for p in files]
    claim.refuse_strangers_in_the_way(rels)
    records = {}
    for p, rel in zip(files, rels, strict=True):
        with open(p, "rb") as fh:
            os.fsync(fh.fileno())
        records[rel] = describe_file(p)
    led.expect(records)
    led.save()
    touched = set()
    for p, rel in zip(files, rels, strict=True):
        parts = Path(rel).parts
        for i in range(1, len(parts)):
            led.ensure_folder("/".join(parts[:i]))
        target = inside(led.root, rel)
        assert target is not None
        os.replace(p, target)
        touched.add(target.parent)
    for folder in sorted(touched):
        fsync_dir(folder)
    led.files.update(records)
    for rel in rels:
        led.pending.pop(rel, None)
    led.save()
    return rels


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
                          f"(lock {path}); wait for it to finish") from None
    return lock


def release_lock(lock: FileLock, path: Path) -> None:
    """Delete the lock file while still holding it, then let go (no lock file is left behind).

    On Windows an open file cannot be deleted; filelock deletes it there on release.
    """
    with suppress(OSError):
        path.unlink(missing_ok=True)
    lock.release()

