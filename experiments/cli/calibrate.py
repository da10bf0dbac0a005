"""``drumbeat calibrate``: fit the England 2014-2022 scenario to the dated facts by ABC-SMC.

Writes into a new folder ``--out`` (default ``results/calibration-YYYYMMDD-HHMMSS``; with
``--quick``, ``out/calibration-quick``): ``calibrated.toml`` (the calibrated scenario: posterior
medians in ``[params]``; posterior summary, fit and every accepted particle with its weight as
comments), ``posterior.csv`` (accepted particles and weights), ``summary.json`` (settings,
time, epsilons, posterior summary, fit), ``fit.md`` and ``calibration.png`` (simulated median
and 10-90% band over posterior draws against the observed facts). Outputs appear all at once.
Only ``--update-config`` replaces the committed ``--config-out`` (default
``configs/calibrated/england_2014.toml`` of the checkout, from whatever folder the command is
run in; an installed copy without a checkout needs ``--config-out``); ``--quick`` never does
(docs/reliability.md).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from experiments.cli import checks
from experiments.cli.validate import add_batch_options, batch_claim
from experiments.sweeps.atomic import atomic_write, json_text
from simulation import ConfigError, load_scenario
from simulation.configs import CHECKOUT, config_dir, shipped

QUICK = {"population": 24, "generations": 2, "draws": 6}
FULL = {"population": 150, "generations": 6, "draws": 40}
#: The committed calibrated scenario, written from the repository root.
CONFIG_OUT = "configs/calibrated/england_2014.toml"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="fit england_2014.toml to the dated facts (ABC-SMC)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_batch_options(p, "a tiny run to check the set-up", "results/calibration-YYYYMMDD-HHMMSS")
    p.add_argument("--update-config", action="store_true",
                   help="also replace --config-out with the calibrated scenario (not with --quick)")
    p.add_argument("--config-out", type=Path, help="the calibrated scenario --update-config replaces "
                   f"(default {CONFIG_OUT} of the checkout, from any folder)")
    p.add_argument("--scenario", type=Path, help="scenario to fit (default england_2014.toml)")
    p.add_argument("--params", help="comma-separated parameters to fit "
                   "(default threshold_mean,external_push,ccg_merge_months,designation_index)")
    p.add_argument("--population", type=int, help="particles per population")
    p.add_argument("--generations", type=int, help="most ABC-SMC populations")
    p.add_argument("--minutes", type=float, default=35.0, help="wall-time limit of the ABC part")
    p.add_argument("--seed", type=int, default=0, help="root seed of the calibration")
    p.set_defaults(func=main)


def _settings(args: argparse.Namespace) -> dict:
    s = dict(QUICK if args.quick else FULL)
    for key in ("population", "generations"):
        if getattr(args, key) is not None:
            if getattr(args, key) < 1:
                raise ConfigError(f"--{key}: must be at least 1, got {getattr(args, key)}")
            s[key] = getattr(args, key)
    return s


def config_out(given: Path | None) -> Path:
    """The file ``--update-config`` replaces: ``given``, else the checkout's committed one
    (whatever the current folder); ConfigError for an installed copy without a checkout."""
    if given is not None:
        return given
    if config_dir() != CHECKOUT:
        raise ConfigError(f"--update-config: this drumbeat is installed without its checkout, so "
                          f"there is no committed {CONFIG_OUT} to replace; give --config-out FILE")
    return shipped(CONFIG_OUT)


def main(args: argparse.Namespace) -> int:
    from experiments.science import calibrate as C

    settings = _settings(args)
    checks.seed(args.seed, limit=checks.CALIBRATION_SEED_LIMIT)
    checks.positive(args.minutes, "--minutes")
    if args.update_config and args.quick:
        raise ConfigError("--update-config: a --quick calibration only checks the set-up; "
                          "it never replaces the committed configuration")
    if args.update_config:
        args.config_out = config_out(args.config_out)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    claim = batch_claim(args, "calibrate", Path("results") / f"calibration-{stamp}",
                        Path("out/calibration-quick"))
    cal = C.Calibration()
    if args.scenario is not None:
        if not args.scenario.is_file():
            raise ConfigError(f"{args.scenario}: scenario file not found")
        cal.scenario = args.scenario
    if args.params:
        cal.params = tuple(p.strip() for p in args.params.split(",") if p.strip())
    cal.priors()  # refuse unknown parameters before any run
    checks.check_events(load_scenario(cal.scenario, cal.overrides), args.seed)  # event targets
    with claim:
        fit = C.run(cal, settings["population"], settings["generations"], workers=args.workers,
                    scheduler=args.scheduler, seed=args.seed, walltime_minutes=args.minutes,
                    log=print)
        runs = C.predict(cal, fit, settings["draws"], workers=args.workers,
                         scheduler=args.scheduler, seed=args.seed)
        table = C.stats_table(cal, runs)
        write_outputs(args, claim, cal, fit, table, runs, settings)
    print(table[["statistic", "observed", "median", "q10", "q90"]].to_string(index=False))
    where = f"{args.config_out} and " if args.update_config else ""
    print(f"calibrated scenario: {where}{claim.out / 'calibrated.toml'}; results: {claim.out}")
    return 0


def write_outputs(args, claim, cal, fit, table, runs, settings) -> None:
    """Write the results folder (atomically) and, if asked, replace the calibrated scenario."""
    from experiments.analysis.report import md_table
    from experiments.science import calibrate as C

    calibrated = C.calibrated_toml(cal, fit, table)
    with claim.replacing() as tmp:
        (tmp / "calibrated.toml").write_text(calibrated)
        post = fit.particles.copy()
        post.insert(0, "weight", fit.weights)
        post.to_csv(tmp / "posterior.csv", index=False)
        summary = {
            "method": "ABC-SMC (pyabc), particles evaluated through experiments.sweeps.executors",
            "scenario": str(Path(cal.scenario).name), "params": list(cal.params),
            "settings": settings, "workers": args.workers, "scheduler": args.scheduler,
            "seed": args.seed, "seconds": round(fit.seconds, 1), "populations": fit.populations,
            "evaluations": fit.evaluations, "epsilons": fit.epsilons,
            "observed": cal.observed, "scales": cal.scales,
            "posterior": fit.summary().reset_index().to_dict(orient="records"),
            "fit": table.to_dict(orient="records"),
        }
        (tmp / "summary.json").write_text(json_text(summary))  # strict JSON: NaN -> null
        (tmp / "fit.md").write_text(
            "# Calibration fit\n\nPosterior predictive over "
            f"{len(runs)} draws against the dated facts.\n\n"
            + md_table(table) + "\n\n## Posterior\n\n"
            + md_table(fit.summary().reset_index(), digits=4) + "\n")
        C.figure(runs, tmp / "calibration.png")
    if args.update_config:  # its documented job: replace the committed configuration
        args.config_out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(args.config_out, calibrated.encode())
