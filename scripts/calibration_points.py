#!/usr/bin/env python
"""How well two parameter sets fit the calibration's facts, run by run.

ABC-SMC judges a particle by the distance of ONE run (``drumbeat calibrate``). This script
runs each named point of the England 2014-2022 scenario from the same seeds and prints the
distribution of that distance (the fitted facts only, with the fit's scales and bounds), and
the share of runs a given tolerance would accept. It answers "does the fit prefer this
regime to that one?" directly, without the sampler's prior volume in the way
(docs/calibration-notes.md)::

    .venv/bin/python scripts/calibration_points.py --runs 20 --tolerance 4.15 \\
        posterior=results/calibration/calibrated.toml \\
        contagion=threshold_mean:0.45,threshold_sd:0.3,external_push:0.004,peer_push:0.02

A point is ``NAME=FILE.toml`` (a scenario: the calibrated one takes the posterior medians) or
``NAME=KEY:VALUE,...`` (overrides of ``england_2014.toml``, or of ``--base``).
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from experiments.science import calibrate as C  # noqa: E402
from simulation import ConfigError, load_scenario, run_scenario  # noqa: E402


def parse_point(text: str, base: Path) -> tuple[str, Path, dict[str, float]]:
    """``NAME=FILE.toml`` or ``NAME=KEY:VALUE,...`` as (name, scenario file, overrides)."""
    name, sep, what = text.partition("=")
    if not sep or not name or not what:
        raise ConfigError(f"point '{text}': write NAME=FILE.toml or NAME=KEY:VALUE,...")
    if what.endswith(".toml"):
        return name, Path(what), {}
    pars = {}
    for item in what.split(","):
        key, sep, value = item.partition(":")
        try:
            pars[key.strip()] = float(value)
        except ValueError:
            raise ConfigError(f"point '{name}': '{item}' is not KEY:NUMBER") from None
    return name, base, pars


def distance(job: tuple[str, dict[str, float], int]) -> float:
    """The fit's distance of one run of ``scenario`` with ``pars`` from ``seed``."""
    scenario, pars, seed = job
    scn = load_scenario(scenario, pars)
    stats = C.england_stats(run_scenario(scn, seed), scn)
    dist = C.ScaledDistance(dict(C.SCALES), dict(C.KINDS))
    return dist({k: stats[k] for k in C.FITTED}, C.OBSERVED)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("points", nargs="+", help="NAME=FILE.toml or NAME=KEY:VALUE,...")
    ap.add_argument("--runs", type=int, default=20, help="runs per point (seeds 1.., shared)")
    ap.add_argument("--tolerance", type=float, default=None,
                    help="also print the share of runs within this distance (an ABC epsilon)")
    ap.add_argument("--base", type=Path, default=Path(C.ENGLAND), help="scenario of KEY:VALUE points")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    if args.runs < 1 or args.workers < 1:
        print("error: --runs and --workers must be at least 1", file=sys.stderr)
        return 2
    try:
        points = [parse_point(p, args.base) for p in args.points]
        for _name, scenario, pars in points:
            load_scenario(scenario, pars)  # a bad key or file fails here, before any run
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    with ProcessPoolExecutor(args.workers) as ex:
        for name, scenario, pars in points:
            d = np.array(list(ex.map(distance, [(str(scenario), pars, 1 + s)
                                                for s in range(args.runs)])))
            q10, q50, q90 = np.quantile(d, [0.1, 0.5, 0.9])
            line = f"{name}: distance median {q50:.2f} (10-90 %: {q10:.2f}-{q90:.2f}), {d.size} runs"
            if args.tolerance is not None:
                line += f"; within {args.tolerance:g}: {np.mean(d <= args.tolerance):.0%}"
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
