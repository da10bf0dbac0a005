"""What a command wrote into an output folder, by hash: the marker ``drumbeat-output.json``.

A marker is untrusted input (a results folder can be copied, committed or crafted), so it is
validated whole before anything is believed, and it can only ever *keep* files safe, never
point the command at files outside its folder:

- every recorded path is relative, in POSIX form, without ``..``, ``.``, empty or hidden
  components, and resolves, without passing through a symbolic link, to a place inside the
  *resolved* folder;
- a file counts as the command's only while its content still matches the record (size and
  SHA-256); a file that was edited, replaced or never recorded belongs to someone else;
- a folder is recorded only when the command created it, and is removed only when it is empty.

Two kinds of file grow while a command runs and cannot be recorded by one hash: a sweep's
manifest (``runs/manifest.jsonl``, whose every line carries its own checksum) and a
calibration's database (``abc.db``, SQLite). Their records say so (``{"log": "manifest"}``,
``{"log": "sqlite"}``) and they count as the command's while their content is of that kind.

While files are being replaced, the marker lists their old and new contents
(``pending``), so a kill between writing a file and recording it never turns the command's
own file into a stranger's. The marker also records what made the output (``code``: the
fingerprint of the model's code, the inputs and the versions that change numbers).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from simulation.errors import ConfigError

MARKER = "drumbeat-output.json"
FORMAT = 2
#: Kinds of output and the command that writes each.
KINDS = {"run": "drumbeat run", "sweep": "drumbeat sweep", "validate": "drumbeat validate",
         "calibrate": "drumbeat calibrate", "sbc": "drumbeat sbc",
         "rivals": "drumbeat rivals"}
LOGS = ("manifest", "sqlite")
SQLITE_HEADER = b"SQLite format 3\x00"
_HEX64 = re.compile(r"[0-9a-f]{64}")


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def describe_file(path: Path) -> dict[str, Any]:
    """The record of a file as it is now: its size and SHA-256."""
    return {"bytes": path.stat().st_size, "sha256": sha256_file(path)}


def check_relpath(rel: Any, where: str) -> str:
    """``rel`` if it is a safe relative POSIX path; else ConfigError naming ``where``."""
    if not isinstance(rel, str) or not rel or len(rel) > 400:
        raise ConfigError(f"{where}: path {rel!r} is not a relative file name")
    p = PurePosixPath(rel)
    if ("\\" in rel or "\x00" in rel or p.is_absolute() or rel.startswith("/")
            or str(p) != rel.rstrip("/") or any(c in ("", ".", "..") or c.startswith(".")
                                                for c in p.parts)):
        raise ConfigError(f"{where}: path {rel!r} points outside its folder or at a hidden "
                          "name; refusing this marker")
    return str(p)


def inside(root: Path, rel: str) -> Path | None:
    """``root/rel`` when it lies inside ``root`` with no symbolic link on the way, else None.

    ``root`` must already be resolved.
    """
    path = root.joinpath(*PurePosixPath(rel).parts)
    here = root
    for part in PurePosixPath(rel).parts:
        here = here / part
        if here.is_symlink():
            return None
    try:
        if path.resolve().relative_to(root) != Path(*PurePosixPath(rel).parts):
            return None
    except ValueError:
        return None
    return path


def _check_record(rec: Any, where: str) -> dict[str, Any]:
    if not isinstance(rec, dict):
        raise ConfigError(f"{where}: not a file record")
    if set(rec) == {"log"}:
        if rec["log"] not in LOGS:
            raise ConfigError(f"{where}: unknown log kind {rec['log']!r}")
        return {"log": rec["log"]}
    size, digest = rec.get("bytes"), rec.get("sha256")
    if (set(rec) != {"bytes", "sha256"} or not isinstance(size, int) or isinstance(size, bool)
            or size < 0 or not isinstance(digest, str) or not _HEX64.fullmatch(digest)):
        raise ConfigError(f"{where}: a file record needs exactly 'bytes' (a size) and 'sha256'")
    return {"bytes": size, "sha256": digest}


def sqlite_like(path: Path) -> bool:
    """Whether ``path`` starts as an SQLite database does."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def manifest_like(path: Path) -> bool:
    """Whether ``path`` holds only checksummed manifest records (a torn last line allowed)."""
    from .integrity import valid_record

    try:
        raw = path.read_bytes()
    except OSError:
        return False
    lines = raw.split(b"\n")
    whole = lines[:-1]  # the part after the last newline is a torn record or nothing
    return all(valid_record(line) is not None for line in whole)


def matches(path: Path, rec: dict[str, Any]) -> bool:
    """Whether the regular file at ``path`` is what ``rec`` records."""
    if path.is_symlink() or not path.is_file():
        return False
    if "log" in rec:
        return sqlite_like(path) if rec["log"] == "sqlite" else manifest_like(path)
    return path.stat().st_size == rec["bytes"] and sha256_file(path) == rec["sha256"]


@dataclass
class Ledger:
    """The validated marker of one output folder (see the module docstring)."""

    root: Path  # the resolved folder
    kind: str
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    pending: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    folders: set[str] = field(default_factory=set)
    code: dict[str, Any] = field(default_factory=dict)
    complete: bool = True
    extra: dict[str, Any] = field(default_factory=dict)  # note, written: kept as they were

    # --- reading ----------------------------------------------------------------------------
    @classmethod
    def read(cls, folder: Path) -> Ledger | None:
        """The folder's marker, validated; None when there is none.

        Raises:
            ConfigError: the marker is unreadable, of an older format (no hashes), or names a
                path outside the folder, a hidden name, an unknown kind or a bad record.
        """
        root = folder.resolve()
        p = root / MARKER
        if p.is_symlink():
            raise ConfigError(f"{p}: the marker is a symbolic link; refusing this folder")
        if not p.is_file():
            return None
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError, UnicodeDecodeError):
            raise ConfigError(f"{p}: damaged marker file; refusing to write into {folder}") from None
        if not isinstance(doc, dict) or doc.get("kind") not in KINDS:
            raise ConfigError(f"{p}: not a Drumbeat marker file; refusing to write into {folder}")
        if doc.get("format") != FORMAT:
            raise ConfigError(f"{p}: a marker of an older Drumbeat, which records no file hashes, "
                              "so it cannot tell which files it wrote; move the folder away or "
                              "choose another --out")
        files, pending, folders = doc.get("files"), doc.get("pending", {}), doc.get("folders", [])
        if not isinstance(files, dict) or not isinstance(pending, dict) or not isinstance(folders, list):
            raise ConfigError(f"{p}: 'files', 'pending' and 'folders' must be a table, a table "
                              "and a list; refusing this marker")
        led = cls(root, doc["kind"])
        for rel, rec in files.items():
            led.files[check_relpath(rel, str(p))] = _check_record(rec, f"{p}: files.{rel}")
        for rel, recs in pending.items():
            if not isinstance(recs, list):
                raise ConfigError(f"{p}: pending.{rel}: must be a list of file records")
            led.pending[check_relpath(rel, str(p))] = [_check_record(r, f"{p}: pending.{rel}")
                                                       for r in recs]
        led.folders = {check_relpath(f, str(p)) for f in folders}
        code = doc.get("code", {})
        if not isinstance(code, dict):
            raise ConfigError(f"{p}: 'code' must be a table")
        led.code = code
        led.complete = doc.get("complete", True) is True
        led.extra = {k: doc[k] for k in ("note", "written", "upgraded") if k in doc}
        return led

    # --- what is ours -----------------------------------------------------------------------
    def owns(self, rel: str) -> bool:
        """Whether ``rel`` is a file this command wrote and that is unchanged since."""
        path = inside(self.root, rel)
        if path is None:
            return False
        recs = [self.files[rel]] if rel in self.files else []
        return any(matches(path, r) for r in [*recs, *self.pending.get(rel, [])])

    def owned(self) -> list[str]:
        """Recorded files that are still the command's (see :meth:`owns`)."""
        return sorted(r for r in set(self.files) | set(self.pending) if self.owns(r))

    def strangers(self) -> list[str]:
        """Every file (or link) in the folder that is not the command's, as relative paths."""
        mine = set(self.owned()) | {MARKER}
        out = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            base = Path(dirpath).relative_to(self.root)
            for name in filenames + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
                rel = (base / name).as_posix()
                if rel not in mine and not _ours_transient(rel):
                    out.append(rel)
        return sorted(out)

    # --- recording --------------------------------------------------------------------------
    def record(self, rels: Iterable[str]) -> None:
        """Record files as they are now (they were just written by this command)."""
        for rel in rels:
            rel = check_relpath(rel, "record")
            rec = self.files.get(rel)
            if rec is not None and "log" in rec:
                continue
            path = inside(self.root, rel)
            assert path is not None and path.is_file(), rel
            self.files[rel] = describe_file(path)
            self.pending.pop(rel, None)

    def record_log(self, rel: str, kind: str) -> None:
        """Record a file that grows while the command runs (``manifest`` or ``sqlite``)."""
        self.files[check_relpath(rel, "record")] = {"log": kind}

    def expect(self, new: dict[str, dict[str, Any]]) -> None:
        """Before files are written: accept their new contents beside the recorded ones."""
        for rel, rec in new.items():
            alts = self.pending.setdefault(rel, [])
            if rec not in alts:
                alts.append(rec)

    def ensure_folder(self, rel: str) -> Path:
        """The folder ``rel`` inside the root, created (and recorded as made) when missing.

        Raises:
            ConfigError: it is (or passes through) a symbolic link, or is not a folder.
        """
        path = inside(self.root, check_relpath(rel, "folder"))
        if path is None:
            raise ConfigError(f"{self.root}: {rel} is a symbolic link; not writing through it")
        if not path.exists():
            path.mkdir()
            self.made_folder(rel)
        elif not path.is_dir():
            raise ConfigError(f"{self.root}: {rel} is not a folder; move it away")
        return path

    def made_folder(self, rel: str) -> None:
        """Record a folder this command created (removed again only when empty)."""
        self.folders.add(check_relpath(rel, "record"))

    def forget_missing(self) -> None:
        """Drop records of files and folders that are gone."""
        for rel in list(self.files):
            path = inside(self.root, rel)
            if path is None or not path.exists():
                del self.files[rel]
        self.folders = {f for f in self.folders if (self.root / f).is_dir()}

    def save(self) -> None:
        """Write the marker (atomically, flushed)."""
        from . import provenance
        from .atomic import write_json

        doc: dict[str, Any] = {
            "format": FORMAT, "kind": self.kind, "command": KINDS[self.kind],
            "complete": self.complete,
            "files": {r: self.files[r] for r in sorted(self.files)},
            "folders": sorted(self.folders), "code": self.code, **self.extra,
            "written": provenance.now()}
        if self.pending:
            doc["pending"] = {r: self.pending[r] for r in sorted(self.pending)}
        write_json(self.root / MARKER, doc)

    # --- removing ---------------------------------------------------------------------------
    def remove_owned(self, keep: Iterable[str] = ()) -> list[str]:
        """Remove every file that is still the command's (but ``keep``), then every folder it
        created that is now empty; return what stays that is not the command's."""
        keep = set(keep)
        for rel in self.owned():
            if rel in keep:
                continue
            path = inside(self.root, rel)
            if path is not None:
                path.unlink(missing_ok=True)
            self.files.pop(rel, None)
            self.pending.pop(rel, None)
        self.remove_empty_folders()
        return self.strangers()

    def remove_empty_folders(self) -> None:
        """Remove folders this command created that hold nothing now (deepest first)."""
        for rel in sorted(self.folders, key=lambda f: -len(PurePosixPath(f).parts)):
            path = inside(self.root, rel)
            if path is not None and path.is_dir():
                try:
                    path.rmdir()
                except OSError:  # not empty: someone else's files are in it
                    continue
            self.folders.discard(rel)


#: Hidden names our own writers leave behind when killed (atomic_write's temporary siblings).
_TRANSIENT = re.compile(r"(^|/)\.[^/]+\.tmp-\d+$")


def _ours_transient(rel: str) -> bool:
    return bool(_TRANSIENT.search(rel))


def kept_note(command: str, folder: Path, kept: list[str]) -> str | None:
    """A one-line note about files left in place because they are not the command's."""
    if not kept:
        return None
    shown = ", ".join(kept[:4]) + (f" and {len(kept) - 4} more" if len(kept) > 4 else "")
    return f"{command}: note: kept {len(kept)} file(s) in {folder} not written by it: {shown}"
