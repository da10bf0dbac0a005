"""``drumbeat reproduce``: rebuild every committed result from the code, or ``--check`` it.

Each committed folder under ``results/`` records in its marker the fingerprint of the model's
code, the inputs and the versions that made it. ``--check`` compares them with what the code
and inputs of today would record, runs nothing, prints one line a folder and exits 1 if any
folder was made by other code or inputs (or is missing, incomplete or unlisted). Without
``--check`` the folders that differ are built again, in dependency order (the calibration,
then the validation on the calibrated scenario, then the sweeps and their findings), with a
progress line per step; sweeps resume through their result stores, so an interrupted
reproduce carries on when run again. ``--all`` builds every folder, current or not. The list of
results and their commands is ``experiments/science/reproduce.py``.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reproduce", help="rebuild the committed results from the code (or --check them)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("names", nargs="*", help="results to consider (default: all), e.g. validation baseline")
    p.add_argument("--check", action="store_true",
                   help="compare only; exit 1 if any folder was made by other code or inputs")
    p.add_argument("--all", dest="everything", action="store_true",
                   help="build the folders that are current too")
    p.add_argument("--json", action="store_true", help="with --check: print JSON")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from experiments.science import reproduce as R

    if args.check:
        statuses = R.check(args.names or None)
        print(R.as_json(statuses) if args.json else R.table(statuses))
        stale = [s for s in statuses if not s.current]
        if not args.json:
            print(f"drumbeat reproduce: {len(statuses) - len(stale)} of {len(statuses)} results "
                  "made by the code and inputs of today")
        return 1 if stale else 0
    from .main import main as drumbeat

    return R.rebuild(drumbeat, args.names or None, everything=args.everything)
