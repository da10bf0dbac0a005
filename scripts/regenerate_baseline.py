#!/usr/bin/env python
"""Regenerate the stored baseline of a small default run (``tests/baseline/baseline.json``).

The baseline is the summary of ``configs/scenarios/baseline.toml`` cut to 12 systems and 3
years, seed 1, together with checksums and column totals of its national, per-system and
event tables. ``tests/test_baseline.py`` recomputes it on every test run and fails on any
drift, listing each key that moved (old -> new).

When the model is changed on purpose, rerun this script with the reason::

    .venv/bin/python scripts/regenerate_baseline.py --reason "hostility raises thresholds"

Without ``--reason`` it asks for one on the terminal; an empty reason writes nothing. The
reason, the date and the keys that moved are appended to ``tests/baseline/CHANGELOG.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "tests" / "baseline" / "baseline.json"
CHANGELOG = ROOT / "tests" / "baseline" / "CHANGELOG.md"
SCENARIO = "configs/scenarios/baseline.toml"
OVERRIDES = {"years": 3, "n_systems": 12, "trusts": 70, "ccgs": 60, "councils": 44, "districts": 40}
SEED = 1
FLOAT_DIGITS = 10  # significant digits kept in checksums: last-bit noise between machines is not drift


def _table_digest(df: pd.DataFrame) -> str:
    """SHA-256 of a table with floats rounded to ``FLOAT_DIGITS`` significant digits."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = [f"{v:.{FLOAT_DIGITS}g}" for v in out[col].to_numpy()]
    return hashlib.sha256(out.to_csv(index=False).encode()).hexdigest()


def _plain(v):
    """JSON-friendly scalar: NaN becomes None, numpy numbers become Python numbers."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def compute() -> dict:
    """The baseline as a flat dict of comparable keys (plus a ``meta`` entry not compared)."""
    sys.path.insert(0, str(ROOT))
    from simulation import load_scenario, run_scenario

    scn = load_scenario(ROOT / SCENARIO, OVERRIDES)
    res = run_scenario(scn, seed=SEED)
    keys: dict = {f"summary.{k}": _plain(v) for k, v in res.summary().items()}
    for name, table in (("national", res.national), ("systems", res.systems), ("events", res.events)):
        keys[f"checksum.{name}"] = _table_digest(table)
        keys[f"rows.{name}"] = len(table)
    for col in res.national.columns:
        if pd.api.types.is_numeric_dtype(res.national[col]):
            keys[f"national_total.{col}"] = _plain(float(res.national[col].sum()))
    for kind, n in res.events["kind"].value_counts().sort_index().items():
        keys[f"events.{kind}"] = int(n)
    keys["meta"] = {"scenario": SCENARIO, "overrides": OVERRIDES, "seed": SEED,
                    "scenario_digest": scn.digest()}
    return keys


def moved(old: dict, new: dict, rel: float = 1e-9) -> dict[str, tuple]:
    """Keys whose value differs (floats beyond ``rel``), with (old, new); ``meta`` ignored."""
    out = {}
    for key in sorted((old.keys() | new.keys()) - {"meta"}):
        a, b = old.get(key, "<absent>"), new.get(key, "<absent>")
        same = a == b or (isinstance(a, float) and isinstance(b, float)
                          and math.isclose(a, b, rel_tol=rel, abs_tol=1e-12))
        if not same:
            out[key] = (a, b)
    return out


def load() -> dict:
    return json.loads(BASELINE.read_text()) if BASELINE.is_file() else {}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reason", help="why the baseline changes (asked for if omitted)")
    args = ap.parse_args(argv)
    new = compute()
    diff = moved(load(), new)
    if not diff and BASELINE.is_file():
        print(f"{BASELINE.relative_to(ROOT)}: unchanged; nothing written")
        return 0
    for key, (a, b) in diff.items():
        print(f"  {key}: {a} -> {b}")
    reason = args.reason
    if reason is None:
        if not sys.stdin.isatty():
            print("error: give --reason (no terminal to ask on)", file=sys.stderr)
            return 2
        reason = input(f"{len(diff)} keys moved. Reason for the new baseline: ")
    reason = " ".join(reason.split())
    if not reason:
        print("error: a reason is required; nothing written", file=sys.stderr)
        return 2
    BASELINE.parent.mkdir(parents=True, exist_ok=True)
    BASELINE.write_text(json.dumps(new, indent=1, sort_keys=True) + "\n")
    if not CHANGELOG.is_file():
        CHANGELOG.write_text("# Baseline changes\n\nEach regeneration of `baseline.json` "
                             "(`scripts/regenerate_baseline.py`), newest last.\n\n")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    with CHANGELOG.open("a") as f:
        f.write(f"- {stamp}: {reason} ({len(diff)} keys moved)\n")
    print(f"{BASELINE.relative_to(ROOT)}: written ({len(diff)} keys moved); reason logged in "
          f"{CHANGELOG.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
