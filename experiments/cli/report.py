"""``drumbeat report DIR``: figures, a findings table and report.md for a sweep folder.

Reads DIR/metadata.json and the stored runs, writes DIR/figures/*.png and *.svg (heat map
and spread bands for factorial designs; Morris and Sobol' bars for sensitivity designs),
DIR/cells.csv (or morris.csv / sobol.csv) and DIR/report.md, and records them by hash in the
folder's marker (only a sweep's folder is written; see docs/reliability.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from experiments.analysis.report import report_into


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write figures and report.md for a sweep folder",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder", type=Path, help="a sweep's output folder (e.g. results/pressure_x_continuity)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    path = report_into(args.folder)
    print(f"drumbeat report: {path}")
    return 0
