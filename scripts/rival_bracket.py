#!/usr/bin/env python
"""Is a pattern's verdict against its rival an artefact of the tuned rate?

``drumbeat validate`` tunes each alternative's free rate so that it integrates as many
systems as the full model, then judges the pattern once, at that rate. Where the rival's
final share jumps with the rate (a cliff), the tuned rate can miss the target
(``matched: false`` in the scorecard). This script judges the rival at every rate of the
scorecard's tuning grid inside a window around the tuned rate - below it and above it - and
prints, per rate, the rival's median share at the end of the match arm (against the full
model's target) and whether the rival passes the pattern. A verdict that holds on both sides
of the target does not depend on where the cliff was cut::

    .venv/bin/python scripts/rival_bracket.py 5 4 --window 0.03

Runs go through the validation's resumable store (``results/.validation.runs``), so rates the
validation already ran are read, not run. Full size unless ``--size ci``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from experiments.science import alternatives as A  # noqa: E402
from experiments.science import patterns as P  # noqa: E402
from experiments.science import runs  # noqa: E402


def rates_around(free_rate: dict, window: float) -> list[float]:
    """The scorecard's grid rates (coarse and finer) within ``window`` of the tuned rate,
    and the tuned rate itself."""
    tuned = float(free_rate["value"])
    near = [float(g) for g in free_rate["grid"] if abs(float(g) - tuned) <= window + 1e-12]
    return sorted(set(near) | {tuned})


def bracket(p: P.Pattern, free_rate: dict, rates: list[float], size: str, store: runs.RunStore,
            workers: int) -> list[dict]:
    """The rival at each rate: its median on the match arm and its verdict."""
    seeds = p.seeds(size)
    arms = list(dict.fromkeys([*p.arms, p.match]))
    wanted = [(p.alternative.applied(a, r), s) for r in rates for a in arms for s in seeds]
    done = runs.collect(wanted, workers, None, store)
    rows = []
    for r in rates:
        rival = runs.by_name(done, [p.alternative.applied(a, r) for a in p.arms], seeds)
        rows.append({"rate": r, "achieved": A.match_median(p, r, done, seeds),
                     "target": float(free_rate["target"]),
                     "passes": P.passes(P.evaluate(p, rival)),
                     "tuned": math.isclose(r, float(free_rate["value"]))})
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("patterns", nargs="+", type=int, help="pattern numbers")
    ap.add_argument("--window", type=float, default=0.03,
                    help="rates of the tuning grid within this of the tuned rate")
    ap.add_argument("--scorecard", type=Path, default=ROOT / "results/validation/scorecard.json")
    ap.add_argument("--size", choices=["full", "ci"], default="full")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    try:
        card = {r["id"]: r for r in json.loads(args.scorecard.read_text())["patterns"]}
    except (OSError, ValueError, KeyError) as err:
        print(f"error: {args.scorecard}: not a scorecard ({err})", file=sys.stderr)
        return 2
    unknown = [n for n in args.patterns if n not in card]
    if unknown:
        print(f"error: no pattern {', '.join(map(str, unknown))} in {args.scorecard}",
              file=sys.stderr)
        return 2
    store = runs.RunStore(args.scorecard.parent.parent / ".validation.runs")
    for p in P.by_number(args.patterns):
        fr = card[p.number]["alternative"]["free_rate"]
        print(f"pattern {p.number} ({p.title}); rival '{p.alternative.name}', free rate "
              f"{fr['name']}; target {fr['metric']} {fr['target']:.3f} on '{fr['arm']}'")
        for row in bracket(p, fr, rates_around(fr, args.window), args.size, store, args.workers):
            print(f"  {fr['name']} {row['rate']:.4g}{' (tuned)' if row['tuned'] else ''}: "
                  f"rival's median {row['achieved']:.3f}; rival "
                  f"{'passes' if row['passes'] else 'fails'}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
