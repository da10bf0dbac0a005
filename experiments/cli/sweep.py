"""``drumbeat sweep SPEC``: run an experiment spec into a resumable result folder.

Runs every run of the spec (configs/experiments/README.md) that the output folder does not
hold yet, on local processes (all cores unless --workers), serially (--workers 1) or on a
Dask cluster (--scheduler tcp://HOST:PORT), storing each run as it ends. Running the same
command again resumes (every stored part checked, damaged ones run again); a different spec
on the same folder is refused unless --force, and runs made by other code unless
--allow-code-change. At the end the folder gets summary.parquet and,
unless --no-report, figures and report.md. See docs/reliability.md for what is kept when.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..sweeps.size import MAX_RUNS
from . import checks


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="run an experiment spec (many runs) into a result folder",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("spec", help="experiment spec TOML, or a shipped spec's name (e.g. pressure_x_continuity)")
    p.add_argument("--quick", action="store_true",
                   help="run the small version in the spec's [quick] table (default out: out/NAME-quick)")
    checks.add_workers(p)
    checks.add_scheduler(p)
    p.add_argument("--out", type=Path, help="output folder (default results/NAME)")
    p.add_argument("--force", action="store_true",
                   help="replace an earlier sweep of another spec in --out (only the files it wrote)")
    p.add_argument("--allow-code-change", action="store_true",
                   help="resume even though the model's code, the inputs or a version that changes "
                        "numbers differ from what made the stored runs: those runs are run again")
    p.add_argument("--max-runs", type=int, metavar="N", default=MAX_RUNS,
                   help=f"refuse a spec of more than N runs, counted before any work (default {MAX_RUNS:,})")
    p.add_argument("--no-report", action="store_true", help="do not write figures and report.md at the end")
    p.add_argument("--log-every", type=float, metavar="SECONDS",
                   help="off a terminal, print a progress line this often (default: never)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from ..analysis.report import report_into
    from ..sweeps.sweep import run_sweep

    checks.workers(args.workers, args.force_workers)
    log_every = checks.positive(args.log_every, "--log-every") or 0.0
    out = run_sweep(args.spec, args.out, quick=args.quick, workers=args.workers,
                    scheduler=args.scheduler, log_every=log_every, force=args.force,
                    allow_code_change=args.allow_code_change, max_runs=args.max_runs)
    if not args.no_report:
        path = report_into(out)
        print(f"drumbeat sweep: report written to {path}")
    return 0
