"""``drumbeat rivals``: rival explanations compared by ABC-SMC model selection (issue 24, point 2).

The rivals are defined in ``configs/rivals.toml`` (``--config``): each its switches and the
parameters it fits. ``experiments/science/selection.py`` states the method: how rivals that die
out are handled, the population rule and the stopping rule.

``drumbeat rivals select`` runs ``--runs`` independent selections (pyabc's ABC-SMC with one
model per rival, on the calibration's facts and distance) and writes into ``--out`` (default
``results/rivals``; with ``--quick``, ``out/rivals-quick``), all at once: ``selection.json``
(strict JSON: each rival's mean probability and each run's, settings, tolerances, runs),
``selection.md`` and ``selection.png`` (and its SVG). With ``--confusion DIR`` (a
``drumbeat rivals confusion`` output on the same rivals, scenario and world) the report says
whether every rival is picked for its own simulated data in at least 80 % of data sets, and so
whether its probabilities can be read as evidence; without it, it says they cannot yet.

``drumbeat rivals confusion`` is the selection's recovery test: ``--datasets`` data sets
simulated from each rival at parameters drawn from its priors, one selection on each; writes
into ``--out`` (default ``results/rivals-confusion``; with ``--quick``,
``out/rivals-confusion-quick``) ``confusion.csv`` (rows: the true rival; how often each rival
was picked, and its mean probability), ``confusion.png`` (and its SVG), ``confusion.json`` and
``confusion.jsonl``.

Each run's pyabc history is kept in a hidden folder beside the output (``results/.rivals.runs/``):
run the same command again after an interruption and each run continues from its last finished
generation. An earlier output is replaced only with ``--force``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from experiments.cli import checks
from experiments.cli.validate import add_batch_options, batch_claim
from experiments.sweeps.atomic import json_text
from simulation import ConfigError

SELECT_FILES = ("selection.json", "selection.md", "selection.png", "selection.svg")
CONFUSION_FILES = ("confusion.csv", "confusion.png", "confusion.svg", "confusion.json",
                   "confusion.jsonl")
#: --quick: enough to check the set-up, not to choose between rivals.
QUICK = {"population": 16, "generations": 3, "runs": 2, "datasets": 2}
#: The population meets the rule of selection.py (10 particles of a rival at probability 0.05,
#: 99 %); confusion: one run per data set.
FULL = {"population": 371, "generations": 12, "runs": 5, "datasets": 20}


def _common(p: argparse.ArgumentParser, quick: str, out: str) -> None:
    add_batch_options(p, quick, out)
    p.add_argument("--config", type=Path, help="rivals file (default configs/rivals.toml)")
    p.add_argument("--rivals", help="comma-separated rivals to compare (default: all in the file)")
    p.add_argument("--scenario", type=Path,
                   help="scenario whose facts are fitted (default england_2014.toml)")
    p.add_argument("--population", type=int,
                   help=f"particles per population (default {FULL['population']})")
    p.add_argument("--generations", type=int,
                   help=f"most populations of a run (default {FULL['generations']})")
    p.add_argument("--drop", type=float, help="a run stops once its tolerance falls by less than this "
                   "fraction in each of two generations (default 0.05)")
    p.add_argument("--seed", type=int, default=0, help="root seed of the runs")


def register(sub: argparse._SubParsersAction) -> None:
    from experiments.cli.main import plain  # the entry point plains only its own sub-commands

    p = sub.add_parser("rivals", help="compare rival models by ABC-SMC model selection",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    inner = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    s = inner.add_parser("select", help="posterior probabilities of the rivals on the facts",
                         description=plain(__doc__), formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(s, f"a tiny check of the set-up ({QUICK['runs']} runs)", "results/rivals")
    s.add_argument("--runs", type=int, help=f"independent selection runs (default {FULL['runs']})")
    s.add_argument("--confusion", type=Path, metavar="DIR",
                   help="the drumbeat rivals confusion output whose matrix the report reads "
                        "(same rivals, scenario and world): without it no probability is evidence")
    s.set_defaults(func=select)
    c = inner.add_parser("confusion", help="model-selection recovery: the confusion matrix",
                         description=plain(__doc__), formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(c, f"a tiny check of the set-up ({QUICK['datasets']} data sets a rival)",
            "results/rivals-confusion")
    c.add_argument("--datasets", type=int,
                   help=f"data sets simulated from each rival (default {FULL['datasets']})")
    c.set_defaults(func=confusion)


def settings_of(args: argparse.Namespace):
    """The :class:`~experiments.science.selection.Settings` of the command line (checked)."""
    from experiments.science import calibrate as C
    from experiments.science import rivals as R
    from experiments.science import selection as S

    size = dict(QUICK if args.quick else FULL)
    for name in ("population", "generations", "runs", "datasets"):
        value = getattr(args, name, None)
        if value is not None:
            if value < 1:
                raise ConfigError(f"--{name}: must be at least 1, got {value}")
            size[name] = value
    checks.seed(args.seed, limit=checks.CALIBRATION_SEED_LIMIT)
    if args.drop is not None and not 0 < args.drop < 1:
        raise ConfigError(f"--drop: must be between 0 and 1, got {args.drop}")
    if args.config is not None and not args.config.is_file():
        raise ConfigError(f"{args.config}: rivals file not found")
    if args.scenario is not None and not args.scenario.is_file():
        raise ConfigError(f"{args.scenario}: scenario file not found")
    rivals = R.choose(R.load(args.config), args.rivals)
    scenario = args.scenario.absolute() if args.scenario is not None else C.ENGLAND
    settings = S.Settings(str(scenario), rivals, population=size["population"],
                          generations=size["generations"], runs=size["runs"],
                          seed=args.seed, drop=S.DROP if args.drop is None else args.drop)
    S.abc_parts(settings, S.calibration(settings))  # the scenario and every prior, before any run
    return settings, size["datasets"]


def _code(settings) -> dict:
    from experiments.science import abc_sampler, calib_targets, selection
    from experiments.science import calibrate as C
    from experiments.sweeps import provenance

    return provenance.code_key(provenance.digest(settings.key()),
                               tuple(Path(m.__file__) for m in (selection, C, calib_targets, abc_sampler)))


def select(args: argparse.Namespace) -> int:
    from experiments.science import rivals as R
    from experiments.science import selection as S
    from experiments.sweeps import provenance

    claim = batch_claim(args, "rivals", Path("results/rivals"), Path("out/rivals-quick"), expect=SELECT_FILES)
    settings, _ = settings_of(args)
    recovery = R.read_recovery(args.confusion, settings) if args.confusion is not None else None
    start = time.monotonic()
    code = _code(settings)
    with claim:
        store = claim.out.parent / f".{claim.out.name}.runs"
        print(f"rivals select: {settings.runs} runs of {', '.join(settings.names)}; each kept in {store}")
        runs = S.run_all(settings, store, code, workers=args.workers, scheduler=args.scheduler)
        models = S.summarise(settings, runs)
        summary = {"models": models, "settings": {**settings.key(), "runs": settings.runs,
                                                  "population_rule": settings.rule()},
                   "epsilons": [run["epsilons"] for run in runs], "runs": runs,
                   "recovery": recovery, "confusion": str(args.confusion) if recovery else None,
                   "seconds": round(time.monotonic() - start, 1), "date": provenance.now(),
                   "commit": provenance.git_commit()}
        with claim.replacing(code=code) as tmp:
            (tmp / "selection.json").write_text(json_text(summary))
            (tmp / "selection.md").write_text(S.report(settings, models, runs, recovery))
            S.figure(models, runs, tmp / "selection.png")
    for m in models:
        print(f"{m['name']:<16} {m['probability']:.3f}  runs: "
              + " ".join(f"{p:.3f}" for p in m["probability_runs"]))
    print(f"rivals select: results in {claim.out}")
    return 0


def confusion(args: argparse.Namespace) -> int:
    from experiments.science import rivals as R
    from experiments.sweeps import provenance

    claim = batch_claim(args, "rivals", Path("results/rivals-confusion"),
                        Path("out/rivals-confusion-quick"), expect=CONFUSION_FILES)
    settings, datasets = settings_of(args)
    start = time.monotonic()
    code = _code(settings)
    with claim:
        store = claim.out.parent / f".{claim.out.name}.runs"
        print(f"rivals confusion: {datasets} data sets of each of {', '.join(settings.names)}; "
              f"each kept in {store}")
        lines = R.confusion(settings, datasets, store, code, workers=args.workers,
                            scheduler=args.scheduler)
        table = R.confusion_table(lines, settings.names)
        if not table["datasets"].sum():
            raise ConfigError("rivals confusion: no data set could be fitted (every one's simulated "
                              "facts were undefined); nothing written")
        summary = {"settings": {**settings.key(), "datasets": datasets,
                                "population_rule": settings.rule()},
                   "confusion": table.to_dict(orient="records"), "datasets": lines,
                   "seconds": round(time.monotonic() - start, 1), "date": provenance.now(),
                   "commit": provenance.git_commit()}
        with claim.replacing(code=code) as tmp:
            (tmp / "confusion.json").write_text(json_text(summary))
            table.to_csv(tmp / "confusion.csv", index=False)
            R.confusion_figure(table, settings.names, tmp / "confusion.png")
            (tmp / "confusion.jsonl").write_text("".join(json.dumps(line, sort_keys=True) + "\n"
                                                         for line in lines))  # these, as kept
    print(table.to_string(index=False))
    print(f"rivals confusion: results in {claim.out}")
    return 0
