"""``drumbeat findings {durability,first_wave,real_england} DIR``: the tables and figures of a finding.

Reads the finished sweep in DIR (``drumbeat sweep durability``, ``first_wave`` or
``real_england``) and writes beside its report: for durability ``durability.csv``,
``durability_systems.csv`` and ``figures/durability_*``; for the first wave ``first_wave.csv``,
``first_wave_drivers.csv``, ``first_wave_effects.csv`` and ``figures/first_wave*``; for Real
England ``predictions.csv``, ``null_predictions.csv``, ``real_systems.csv``,
``real_survival.csv``, ``ratings.csv``, ``first_waves.csv``, ``real_england.csv`` and
``figures/real_england*`` (experiments/science/real_forecast.py). Only a sweep's folder is written, and
only files the sweep's marker records as drumbeat's are replaced (docs/reliability.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("findings", help="tables and figures of the durability, first-wave or Real "
                       "England finding",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("finding", choices=["durability", "first_wave", "real_england"])
    p.add_argument("folder", type=Path, help="the sweep's output folder (e.g. results/durability)")
    p.add_argument("--spec-dir", type=Path, help="folder the spec's scenario paths are relative to "
                   "(default: the shipped configs/experiments, from any folder)")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from experiments.science.findings import write_finding, written

    print(written(args.finding, args.folder, write_finding(args.finding, args.folder, args.spec_dir)))
    return 0
