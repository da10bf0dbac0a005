"""Move output folders' markers from the first format (names only) to the second (hashes, code).

    python scripts/upgrade_markers.py results/first_wave results/validation ... [--exclude findings.md]

A first-format marker lists names (``figures/``, ``runs/``) and nothing that shows the files are
still what the command wrote, so today's commands refuse it. This script is for folders whose
content you trust (the committed ``results/``, checked out from git): each listed file present
now is recorded with its size and SHA-256, each listed folder's files likewise (the folder as
one the command created), a sweep's ``runs/manifest.jsonl`` as its log when present. The code
that made the output is recorded as :func:`provenance.fingerprint_at` of the commit the output
names (a sweep's ``metadata.json``, a scorecard's ``meta.commit``) or, failing that, of the
commit before the one that last committed the marker; the versions as the output recorded them. The
marker says it was upgraded, from which commit the fingerprint comes, and whether that tree
was dirty when the output was made (then the code may have differed from the commit's).

Files a person wrote beside the output (``--exclude``) are never recorded.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from experiments.sweeps import provenance  # noqa: E402
from experiments.sweeps.ledger import FORMAT, KINDS, MARKER, Ledger, check_relpath  # noqa: E402
from simulation.errors import ConfigError  # noqa: E402

#: The code besides the model that turns runs into what each kind of output stores.
EXTRA = {"sweep": ("experiments/sweeps/runner.py",), "run": (),
         "validate": ("experiments/science/patterns.py",),
         "calibrate": ("experiments/science/calibrate.py", "experiments/science/calib_targets.py")}


def _json(path: Path) -> dict:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def made_by(folder: Path, kind: str) -> tuple[str, dict, str]:
    """The commit that made the output, its recorded versions, and its inputs' digest."""
    if kind == "sweep":
        meta = _json(folder / "metadata.json")
        return str(meta.get("git_commit", "")), meta.get("versions") or {}, str(meta.get("spec_hash", ""))
    if kind == "validate":
        meta = _json(folder / "scorecard.json").get("meta", {})
        inputs = provenance.digest({"size": "full", "patterns": None,
                                    "criteria": meta.get("criteria_sha256")})
        return str(meta.get("commit", "")), meta.get("versions") or {}, inputs
    stored = _json(folder / "resume.json") if kind == "calibrate" else {}
    try:
        rel = (folder / MARKER).resolve().relative_to(ROOT).as_posix()
    except ValueError:  # not in this checkout: the code as it is committed now
        return "HEAD", {}, provenance.digest(stored) if stored else ""
    last = subprocess.run(["git", "log", "-1", "--format=%H", "--", rel], cwd=ROOT,
                          capture_output=True, text=True).stdout.split()
    commit = f"{last[0]}~1" if last else "HEAD"  # the code before the output was committed
    return commit, {}, provenance.digest(stored) if stored else ""


def upgrade(folder: Path, exclude: set[str]) -> Ledger:
    """The second-format marker of ``folder`` (written); raises ConfigError on a bad marker."""
    path = folder / MARKER
    doc = _json(path)
    if doc.get("format") == FORMAT:
        raise ConfigError(f"{path}: already in format {FORMAT}")
    kind, names = doc.get("kind"), doc.get("files")
    if kind not in KINDS or not isinstance(names, list):
        raise ConfigError(f"{path}: not a first-format Drumbeat marker")
    led = Ledger(folder.resolve(), kind)
    for name in names:
        rel = check_relpath(name, str(path))
        target = folder / rel
        if name.endswith("/"):
            if rel == "runs":
                if (target / "manifest.jsonl").is_file():
                    led.record_log("runs/manifest.jsonl", "manifest")
                continue
            if target.is_dir():
                led.made_folder(rel)
                led.record(sorted(p.relative_to(folder).as_posix() for p in target.rglob("*")
                                  if p.is_file() and not p.is_symlink()))
        elif rel in exclude:
            continue
        elif rel == "abc.db":
            if target.is_file():
                led.record_log(rel, "sqlite")
        elif target.is_file() and not target.is_symlink():
            led.record([rel])
    commit, versions, inputs = made_by(folder, kind)
    clean = commit.removesuffix("+dirty")
    fingerprint = provenance.fingerprint_at(clean, EXTRA[kind])
    led.code = {"fingerprint": fingerprint, "inputs": inputs,
                "versions": {k: versions.get(k, "unrecorded") for k in provenance.NUMERIC}}
    resolved = subprocess.run(["git", "rev-parse", clean], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
    led.extra = {k: doc[k] for k in ("note",) if k in doc}
    led.extra["upgraded"] = {
        "from_format": 1, "on": provenance.now(), "by": "scripts/upgrade_markers.py",
        "fingerprint_of_commit": resolved or clean,
        "dirty_when_made": commit.endswith("+dirty"),
        "excluded": sorted(exclude & set(names))}
    led.save()
    return led


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--exclude", action="append", default=[], metavar="NAME",
                    help="a file a person wrote beside the output; never recorded (repeatable)")
    args = ap.parse_args(argv)
    for folder in args.folders:
        try:
            led = upgrade(folder, set(args.exclude))
        except (ConfigError, ValueError) as exc:
            print(f"upgrade_markers: {folder}: {exc}", file=sys.stderr)
            return 2
        print(f"{folder}: {len(led.files)} files recorded, code {led.code['fingerprint']} "
              f"(commit {led.extra['upgraded']['fingerprint_of_commit'][:12]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
