"""``drumbeat forecast``: the null forecast of the real systems' designations, and the scoring
rule fixed before the held-out record is seen (docs/england.md, "Scoring a forecast").

``drumbeat forecast null --out FILE`` writes the null forecaster's ``predictions.csv`` (size,
number of organisations and devolution, fitted to the designations of June 2017 and May
2018) and prints its fitted numbers. ``drumbeat forecast score PREDICTIONS OUTCOMES`` prints
Harrell's C-index and the Brier score by date of a ``predictions.csv`` against an outcome
file (``system,designation_date``), over all 42 units and over what is held out (``--json``:
the same as JSON). A malformed file, or one whose units are not the 42 footprints of 30 June
2022, or an outcome file that contradicts the fitted facts of the panel: one line naming the
file, row and problem, exit 2.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from simulation import ConfigError
from simulation.panel import load_panel

from ..science import forecast
from ..science.forecast.score import check_fitted, check_units


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("forecast", help="the null forecast of the real systems, and the scoring rule",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = p.add_subparsers(dest="verb", required=True, metavar="VERB")
    null = verbs.add_parser("null", help="write the null forecaster's predictions.csv",
                            description="Fit the null forecaster to the June 2017 and May 2018 "
                                        "designations and write its predictions.csv.")
    null.add_argument("--out", type=Path, required=True, help="the predictions.csv to write")
    null.add_argument("--force", action="store_true", help="replace --out if it exists")
    null.add_argument("--panel", type=Path, help="a panel folder (default: the project's configs/england)")
    null.set_defaults(func=run_null)
    score = verbs.add_parser("score", help="score a predictions.csv against an outcome file",
                             description="Harrell's C-index and the Brier score by date of "
                                         "PREDICTIONS against OUTCOMES.")
    score.add_argument("predictions", type=Path, metavar="PREDICTIONS", help="a predictions.csv")
    score.add_argument("outcomes", type=Path, metavar="OUTCOMES",
                       help="an outcome file: system,designation_date (empty: not designated by 2022-06)")
    score.add_argument("--json", action="store_true", help="print the scores as JSON")
    score.add_argument("--panel", type=Path, help="a panel folder (default: the project's configs/england)")
    score.set_defaults(func=run_score)


def run_null(args: argparse.Namespace) -> int:
    if args.out.exists() and not args.force:
        raise ConfigError(f"{args.out}: exists; give --force to replace it")
    if not args.out.parent.is_dir():
        raise ConfigError(f"{args.out}: its folder {args.out.parent} does not exist")
    panel = load_panel(args.panel)
    fit = forecast.fit_null(panel)
    rows = forecast.null_forecasts(panel, fit)
    forecast.write_predictions(args.out, rows)
    slopes = ", ".join(f"{k} {v:+.3f}" for k, v in fit.as_dict()["slopes"].items())
    dated = sum(r.median is not None for r in rows)
    print(f"{args.out}: the null forecast of {len(rows)} systems ({dated} with a median designation "
          f"month by {forecast.HORIZON})")
    print(f"fitted on {fit.events[0]} of {fit.at_risk[0]} designated by 2017-06 and {fit.events[1]} of "
          f"{fit.at_risk[1]} more by 2018-05: a1 {fit.a1:+.3f}, a2 {fit.a2:+.3f}; slopes on the "
          f"standardised features: {slopes}")
    return 0


def _number(x: float | None, places: int = 3) -> str:
    return "undefined" if x is None else f"{x:.{places}f}"


def run_score(args: argparse.Namespace) -> int:
    pred_rows: dict[str, int] = {}
    out_rows: dict[str, int] = {}
    forecasts = forecast.read_predictions(args.predictions, pred_rows)
    outcomes = forecast.read_outcomes(args.outcomes, out_rows)
    panel = load_panel(args.panel)
    check_units([(args.predictions, forecasts, pred_rows), (args.outcomes, outcomes, out_rows)],
                forecast.units(panel))
    check_fitted(outcomes, forecast.fitted_designations(panel), args.outcomes, out_rows)
    result = forecast.score(forecasts, outcomes)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    held = result["held_out"]
    c, hc = result["c_index"], held["c_index"]
    print(f"{args.predictions} against {args.outcomes}: {result['units']} systems, "
          f"{result['designated']} designated by {forecast.HORIZON}")
    print(f"C-index, all systems:       {_number(c['c'])} ({c['comparable']} comparable pairs)")
    print(f"C-index, held out:          {_number(hc['c'])} ({hc['comparable']} comparable pairs among "
          f"the {held['units']} systems not designated by 2018-05)")
    print("Brier score by date (all systems; held out):")
    for d, b in result["brier"].items():
        print(f"  {d}   {b:.4f}   {_number(held['brier'].get(d), 4) if d in held['brier'] else '-'}")
    print(f"  mean      {result['mean_brier']:.4f}   {_number(held['mean_brier'], 4)}")
    return 0
