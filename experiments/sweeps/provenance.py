"""Provenance for metadata.json: package and library versions, git commit, host, time."""

from __future__ import annotations

import hashlib
import json
import platform
import socket
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

LIBRARIES = ("drumbeat", "mesa", "numpy", "numba", "pandas", "pyarrow", "pydantic", "networkx", "scipy",
             "SALib", "dask", "distributed", "matplotlib", "seaborn")


def now() -> str:
    """The current UTC time, ISO 8601, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def versions() -> dict[str, str]:
    """Installed versions of Python and the libraries a result depends on."""
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit(where: Path | None = None) -> str:
    """The checkout's commit (``+dirty`` when files differ from it), or ``unknown``."""
    cwd = where or Path(__file__).resolve().parents[2]
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True,
                             timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return sha + ("+dirty" if dirty else "")


def host() -> str:
    """This machine's host name."""
    return socket.gethostname()


def digest(obj: Any) -> str:
    """SHA-256 of a JSON-serialisable object in canonical form."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


#: Versions that can change a run's numbers (the random streams, the compiled kernels, the
#: graph generators, the designs and the tables). A resume under others is refused.
NUMERIC = ("python", "numpy", "numba", "networkx", "mesa", "scipy", "SALib", "pandas")

ROOT = Path(__file__).resolve().parents[2]


def model_files(extra: tuple[Path, ...] = ()) -> list[Path]:
    """The source files results depend on: every module of ``simulation/`` but the teaching
    app's (the model, its mechanisms, its compiled kernels), then ``extra`` (the code that turns
    a run into what a command stores)."""
    sim = ROOT / "simulation"
    model = [f for f in sim.rglob("*.py") if "app" not in f.relative_to(sim).parts[:-1]]
    return sorted(model) + [Path(f).resolve() for f in extra]


def _fingerprint(files: list[Path], read: Callable[[Path], bytes]) -> str:
    """SHA-256 (16 hex digits) of files' paths (relative to the checkout; a file outside it,
    such as a sweep's own module, by its name) and contents."""
    h = hashlib.sha256()
    for f in files:
        h.update(str(f.relative_to(ROOT) if f.is_relative_to(ROOT) else f.name).encode())
        h.update(read(f))
    return h.hexdigest()[:16]


def code_fingerprint(extra: tuple[Path, ...] = ()) -> str:
    """SHA-256 (16 hex digits) of :func:`model_files`: their paths and contents."""
    return _fingerprint(model_files(extra), Path.read_bytes)


def code_key(inputs: str, extra: tuple[Path, ...] = ()) -> dict[str, Any]:
    """What made an output, as its marker records it: the code's fingerprint, a digest of
    the inputs, and the versions in :data:`NUMERIC`."""
    v = versions()
    return {"fingerprint": code_fingerprint(extra), "inputs": inputs,
            "versions": {k: v[k] for k in NUMERIC}}


def code_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between two :func:`code_key` records, in words (empty when nothing)."""
    out = []
    if old.get("fingerprint") != new["fingerprint"]:
        out.append(f"the model's code (fingerprint {str(old.get('fingerprint'))[:16]} then, "
                   f"{new['fingerprint']} now)")
    if old.get("inputs") != new["inputs"]:
        out.append("the inputs")
    was = old.get("versions") if isinstance(old.get("versions"), dict) else {}
    for k, now in new["versions"].items():
        if was.get(k) != now:
            out.append(f"{k} {was.get(k, 'unrecorded')} -> {now}")
    return out


def run_code(key: dict[str, Any]) -> str:
    """A short digest of a :func:`code_key` without its inputs: what a manifest record keeps."""
    return digest({"fingerprint": key["fingerprint"], "versions": key["versions"]})[:16]


def fingerprint_at(commit: str, extra: tuple[str, ...] = ()) -> str:
    """:func:`code_fingerprint` of the files of a git ``commit`` (``extra`` as paths relative
    to the repository), computed by the same rule: what code made an older result.

    Raises:
        ValueError: git cannot show that commit here.
    """
    def git(*args: str) -> bytes:
        proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, timeout=60)
        if proc.returncode:
            raise ValueError(f"git {' '.join(args[:2])}: {proc.stderr.decode().strip()}")
        return proc.stdout

    names = git("ls-tree", "-r", "--name-only", commit, "--", "simulation").decode().split("\n")
    sim = ROOT / "simulation"
    model = sorted(ROOT / n for n in names if n.endswith(".py")
                   and "app" not in (ROOT / n).relative_to(sim).parts[:-1])
    return _fingerprint([*model, *(ROOT / e for e in extra)],
                        lambda f: git("show", f"{commit}:{f.relative_to(ROOT).as_posix()}"))
