"""Provenance for metadata.json: package and library versions, git commit, host, time."""

from __future__ import annotations

import hashlib
import json
import platform
import socket
import subprocess
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
