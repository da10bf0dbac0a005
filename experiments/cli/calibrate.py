"""``drumbeat calibrate``: fit the England 2014-2022 scenario to the dated facts by ABC-SMC.

Writes into a new folder ``--out`` (default ``results/calibration-YYYYMMDD-HHMMSS``; with
``--quick``, ``out/calibration-quick``): ``calibrated.toml`` (the calibrated scenario: posterior
medians in ``[params]``; posterior summary, fit and every accepted particle with its weight as
comments), ``posterior.csv`` (accepted particles and weights), ``summary.json`` (settings,
time, epsilons, posterior summary, fit, held-out checks, correlations), ``fit.md`` (facts
fitted and held out, fit, held-out posterior predictive, posterior, correlations and ridges),
``calibration.png`` (simulated median and 10-90% band over posterior draws against the
observed facts), ``pairs.png`` (pairwise posterior) and ``correlations.csv``. The results
appear all at once. While it runs the folder holds ``abc.db`` (the pyabc history) and
``resume.json`` (the settings): ``drumbeat calibrate --resume OUT`` continues a fit that was
killed or stopped by ``--minutes``, up to its ``--generations`` (which ``--resume`` may raise).
Only ``--update-config`` replaces the committed ``--config-out`` (default
``configs/calibrated/england_2014.toml`` of the checkout, from whatever folder the command is
run in; an installed copy without a checkout needs ``--config-out``); ``--quick`` never does
(docs/reliability.md).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

from experiments.cli import checks
from experiments.cli.validate import add_batch_options, batch_claim
from experiments.sweeps.atomic import atomic_write, json_text
from experiments.sweeps.ledger import Ledger
from experiments.sweeps.outputs import Claim, read_marker
from simulation import ConfigError, load_scenario
from simulation.configs import CHECKOUT, config_dir, shipped

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
                   "(default threshold_mean,threshold_sd,external_push,peer_push,"
                   "ccg_merge_months,designation_index)")
    p.add_argument("--population", type=int, help="particles per population")
    p.add_argument("--generations", type=int, help="most ABC-SMC populations")
    p.add_argument("--allow-code-change", action="store_true",
                   help="with --resume: start afresh a calibration that other code began "
                        "(without it, that is refused)")
    p.add_argument("--minutes", type=float, default=45.0, help="wall-time limit of the ABC part")
    p.add_argument("--seed", type=int, default=0, help="root seed of the calibration")
    p.add_argument("--resume", type=Path, metavar="OUT",
                   help="continue the interrupted calibration in OUT from its abc.db (its own "
                        "settings; --generations may raise the number of populations)")
    p.set_defaults(func=main)


def _settings(args: argparse.Namespace) -> dict:
    from experiments.science.calibrate import FULL, QUICK

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


RESUME = "resume.json"
DB = "abc.db"
#: What a calibration writes (a file of someone else's at one of these names refuses it).
CAL_FILES = (RESUME, DB, "calibrated.toml", "posterior.csv", "summary.json", "fit.md",
             "correlations.csv", "calibration.png", "pairs.png")


def _resume_settings(args: argparse.Namespace) -> dict:
    """The stored settings of the calibration in ``--resume`` (checked before any work)."""
    out = args.resume
    marker = read_marker(out) if out.is_dir() else None
    if marker is None or marker.get("kind") != "calibrate" or not (out / RESUME).is_file():
        raise ConfigError(f"--resume {out}: not a calibration folder with {RESUME} (only a "
                          "folder written by drumbeat calibrate can be resumed)")
    for flag in ("quick", "scenario", "params", "population"):
        if getattr(args, flag) not in (None, False):
            raise ConfigError(f"--resume: --{flag.replace('_', '-')} cannot change a stored "
                              "calibration (its settings are in resume.json)")
    stored = checks.read_resume(out / RESUME)  # untrusted: every key's type and range checked
    if args.generations is not None:
        if args.generations < 1:
            raise ConfigError(f"--generations: must be at least 1, got {args.generations}")
        stored["settings"]["generations"] = args.generations
    return stored


def _code_changed(claim: Claim, stored: dict, allow: bool) -> bool:
    """Whether a resumed calibration must start afresh: its populations were made by other code
    or versions (its marker says which) and ``--allow-code-change`` was given; refused without it.
    A fit is never continued under another model."""
    from experiments.science import calibrate as C
    from experiments.sweeps import provenance

    made = claim.ledger.code if claim.ledger is not None else {}
    now = C.code_key(stored)
    if not made or provenance.run_code(made) == provenance.run_code(now):
        return False
    what = "; ".join(c for c in provenance.code_changes(made, now) if c != "the inputs")
    if not allow:
        raise ConfigError(f"--resume {claim.out}: its populations were made by other code ({what}); "
                          "continuing would mix two versions of the model: add "
                          "--allow-code-change to start this calibration afresh, or start a new one")
    print(f"drumbeat calibrate: {claim.out} was made by other code ({what}); starting afresh")
    return True


def main(args: argparse.Namespace) -> int:
    from experiments.science import calibrate as C

    if args.config_out is not None and not args.update_config:
        raise ConfigError(f"--config-out {args.config_out}: names the file --update-config replaces, "
                          "and nothing else reads it; add --update-config, or drop --config-out")
    checks.seed(args.seed, limit=checks.CALIBRATION_SEED_LIMIT)
    checks.positive(args.minutes, "--minutes")
    fresh = False
    if args.resume is not None:
        stored = _resume_settings(args)
        checks.workers(args.workers, args.force_workers)
        claim = Claim(args.resume, "calibrate", force=True, expect=CAL_FILES)
        args.out, args.seed, settings = claim.out, stored["seed"], stored["settings"]
        scenario, params = shipped(stored["scenario"]), tuple(stored["params"])
        fresh = _code_changed(claim, stored, args.allow_code_change)
    else:
        settings = _settings(args)
        if args.update_config and args.quick:
            raise ConfigError("--update-config: a --quick calibration only checks the set-up; "
                              "it never replaces the committed configuration")
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        claim = batch_claim(args, "calibrate", Path("results") / f"calibration-{stamp}",
                            Path("out/calibration-quick"), expect=CAL_FILES)
        if args.scenario is not None and not args.scenario.is_file():
            raise ConfigError(f"{args.scenario}: scenario file not found")
        scenario = args.scenario.absolute() if args.scenario is not None else C.ENGLAND
        params = checks.param_names(args.params) if args.params is not None else C.DEFAULT_PARAMS
    if args.update_config:
        args.config_out = config_out(args.config_out)
    cal = C.Calibration.of(scenario, params)
    cal.priors()  # refuse unknown parameters before any run
    checks.check_events(load_scenario(cal.scenario, cal.overrides), args.seed)  # event targets
    with claim:
        db = claim.out / C.DB_NAME
        if args.resume is None or fresh:
            _start(claim, {"scenario": C.portable(scenario), "params": list(params),
                           "settings": settings, "seed": args.seed})
        fit = C.run(cal, settings["population"], settings["generations"], workers=args.workers,
                    scheduler=args.scheduler, seed=args.seed, walltime_minutes=args.minutes,
                    db=db, resume=args.resume is not None and not fresh, log=print)
        runs = C.predict(cal, fit, settings["draws"], workers=args.workers,
                         scheduler=args.scheduler, seed=args.seed)
        table = C.stats_table(cal, runs)
        write_outputs(args, claim, cal, fit, table, runs, settings)
    print(table[["statistic", "observed", "median", "q10", "q90"]].to_string(index=False))
    where = f"{args.config_out} and " if args.update_config else ""
    print(f"calibrated scenario: {where}{claim.out / 'calibrated.toml'}; results: {claim.out}")
    return 0


def _start(claim: Claim, stored: dict) -> None:
    """Make the folder resumable before the first run: its settings, and a marker that owns
    the database (an earlier database there, recorded by its marker, is replaced)."""
    from experiments.science import calibrate as C

    out = claim.out
    out.mkdir(parents=True, exist_ok=True)
    led = Ledger.read(out) or Ledger(out.resolve(), "calibrate")
    data = json_text(stored).encode()
    led.expect({RESUME: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}})
    led.record_log(DB, "sqlite")
    led.code = C.code_key(stored)  # what makes its populations, known to a --resume
    led.complete = False
    led.save()
    atomic_write(out / RESUME, data)
    led.record([RESUME])
    led.save()


def write_outputs(args, claim, cal, fit, table, runs, settings) -> None:
    """Write the results folder (atomically) and, if asked, replace the calibrated scenario."""
    from experiments.science import calib_diagnostics as D
    from experiments.science import calib_targets as T
    from experiments.science import calibrate as C
    from simulation.params import param_bounds

    calibrated = C.calibrated_toml(cal, fit, table)
    heldout = T.heldout_table(runs)
    corr = D.weighted_corr(fit.particles, fit.weights)
    stored = json.loads((claim.out / RESUME).read_text(encoding="utf-8"))
    with claim.replacing(code=C.code_key(stored), keep=(RESUME, DB)) as tmp:
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
            "held_out": heldout.to_dict(orient="records"),
            "correlations": corr.to_dict(), "ridges": D.ridges(corr),
            "resumed": args.resume is not None,
        }
        (tmp / "summary.json").write_text(json_text(summary))  # strict JSON: NaN -> null
        (tmp / "fit.md").write_text(D.fit_md(fit, table, heldout, T.targets_table(cal.targets), corr,
                                              len(runs)))
        corr.to_csv(tmp / "correlations.csv")
        C.figure(runs, tmp / "calibration.png")
        bounds = param_bounds()
        D.pair_figure(fit.particles, fit.weights, tmp / "pairs.png",
                      {p: bounds[p] for p in fit.particles.columns if p in bounds})
    if args.update_config:  # its documented job: replace the committed configuration
        args.config_out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(args.config_out, calibrated.encode())
