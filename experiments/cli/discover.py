"""``drumbeat discover DIR [--outcome "COLUMN OP VALUE"] [--threshold VALUE]``: scenario discovery.

Reads the finished sweep in DIR and asks under which of its factors (levers and
uncertainties) an outcome happens: PRIM boxes with their coverage, density and peeling
trajectory, checked on a held-out share of the runs, and feature scores of every factor
(EMA Workbench 3: ``pip install drumbeat[discover]``). The case of interest is a threshold
on a result column fixed before the sweep, in the spec's ``[analysis] discover`` table; any
other needs ``--threshold`` and is reported as not pre-registered. Writes
``discovery_*.csv``, ``figures/discovery_*`` and ``discovery.md`` into DIR, recorded in its
marker (only a sweep's folder is written; see docs/reliability.md). Example::

    drumbeat discover results/discovery
    drumbeat discover results/discovery --outcome "share_integrated_at_end >= 0.5" --threshold 0.5
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("discover", help="scenario discovery (PRIM boxes, feature scores) over a sweep",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder", type=Path, help="a finished sweep's folder (e.g. results/discovery)")
    p.add_argument("--outcome", metavar="'COLUMN OP VALUE'",
                   help="the case of interest, e.g. 'months_to_half_integrated <= 60' "
                        "(default: the spec's pre-registered [analysis] discover)")
    p.add_argument("--threshold", type=float, metavar="VALUE",
                   help="a threshold that was not pre-registered, given explicitly (the report says so)")
    p.add_argument("--boxes", type=int, default=3, help="most PRIM boxes (default 3)")
    p.add_argument("--min-coverage", type=float, default=0.5,
                   help="least share of the remaining cases a chosen box holds (default 0.5)")
    p.add_argument("--holdout", type=float, default=0.3,
                   help="share of runs held out to check the boxes (default 0.3)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from experiments.analysis.discovery_report import summary, write_discovery

    result = write_discovery(args.folder, args.outcome, args.threshold, boxes=args.boxes,
                             min_coverage=args.min_coverage, holdout=args.holdout)
    print(summary(result))
    return 0
