"""``drumbeat sbc``: simulation-based calibration of the ABC fit (issue 24, point 4).

Draws ``--truths`` parameter sets from the fit's priors, simulates the scenario once at each,
fits the simulated facts with the same ABC-SMC at ``--population`` particles and at most
``--generations`` populations, and reports how often the posterior's central 50 % and 90 %
intervals cover the truth, with a rank histogram per parameter
(``experiments/science/sbc.py`` states the method). Writes into ``--out`` (default
``results/sbc``; with ``--quick``, ``out/sbc-quick``), all at once: ``sbc.md``, ``sbc.json``
(strict JSON: settings, coverage, every truth), ``sbc.csv`` (every fitted truth and
parameter), ``coverage.csv``, ``sbc.png`` (and its SVG) and ``truths.jsonl``. Each truth is kept as it
finishes in a hidden folder beside the output (``results/.sbc.truths/``): run the same
command again after an interruption and only the missing truths are run. An earlier output is
replaced only with ``--force``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from experiments.cli import checks
from experiments.cli.validate import add_batch_options, batch_claim
from experiments.sweeps.atomic import json_text
from simulation import ConfigError

FILES = ("sbc.md", "sbc.json", "sbc.csv", "coverage.csv", "sbc.png", "sbc.svg", "truths.jsonl")
#: --quick: enough to check the set-up, not to judge calibration.
QUICK = {"truths": 3, "population": 16, "generations": 2}
FULL = {"truths": 20, "population": 100, "generations": 6}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sbc", help="simulation-based calibration of the ABC fit",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_batch_options(p, f"a tiny check of the set-up ({QUICK['truths']} truths)", "results/sbc")
    p.add_argument("--scenario", type=Path, help="scenario whose fit is checked (default england_2014.toml)")
    p.add_argument("--params", help="comma-separated parameters to fit (default: the calibration's six)")
    p.add_argument("--truths", type=int, help=f"synthetic truths (default {FULL['truths']})")
    p.add_argument("--population", type=int, help=f"particles per population (default {FULL['population']})")
    p.add_argument("--generations", type=int, help=f"most populations (default {FULL['generations']})")
    p.add_argument("--seed", type=int, default=0, help="root seed of the truths and fits")
    p.set_defaults(func=main)


def settings_of(args: argparse.Namespace):
    """The :class:`~experiments.science.sbc.Settings` of the command line (checked)."""
    from experiments.science import calibrate as C
    from experiments.science import sbc

    size = dict(QUICK if args.quick else FULL)
    for name in size:
        value = getattr(args, name)
        if value is not None:
            if value < 1:
                raise ConfigError(f"--{name}: must be at least 1, got {value}")
            size[name] = value
    if args.seed < 0:
        raise ConfigError(f"--seed: must be at least 0, got {args.seed}")
    if args.scenario is not None and not args.scenario.is_file():
        raise ConfigError(f"{args.scenario}: scenario file not found")
    scenario = args.scenario.absolute() if args.scenario is not None else C.ENGLAND
    params = checks.param_names(args.params) if args.params is not None else C.DEFAULT_PARAMS
    out = sbc.Settings(str(scenario), params, seed=args.seed, **size)
    sbc.calibration(out).priors()  # unknown parameters refused before any run
    return out


def main(args: argparse.Namespace) -> int:
    from experiments.science import sbc
    from experiments.sweeps import provenance

    claim = batch_claim(args, "sbc", Path("results/sbc"), Path("out/sbc-quick"), expect=FILES)
    settings = settings_of(args)
    start = time.monotonic()
    code = provenance.code_key(provenance.digest(settings.key()))
    with claim:
        store = claim.out.parent / f".{claim.out.name}.truths"
        print(f"sbc: {settings.truths} truths; each kept in {store} as it finishes")
        lines = sbc.run(settings, store, code, workers=args.workers)
        rows = sbc.table(lines)
        cover = sbc.coverage(rows) if len(rows) else rows
        summary = {"settings": settings.key(), "seconds": round(time.monotonic() - start, 1),
                   "date": provenance.now(), "commit": provenance.git_commit(),
                   "coverage": cover.to_dict(orient="records"), "truths": lines}
        with claim.replacing(code=code) as tmp:
            (tmp / "sbc.json").write_text(json_text(summary))
            (tmp / "sbc.md").write_text(sbc.report(settings, lines, cover))
            rows.to_csv(tmp / "sbc.csv", index=False)
            cover.to_csv(tmp / "coverage.csv", index=False)
            (tmp / "truths.jsonl").write_bytes((store / "truths.jsonl").read_bytes())
            if len(rows):
                sbc.figure(rows, tmp / "sbc.png")
            else:
                raise ConfigError("sbc: no truth could be fitted (every one's simulated facts "
                                  "were undefined); nothing written")
    print(cover.to_string(index=False) if len(cover) else "no truth fitted")
    print(f"sbc: results in {claim.out}")
    return 0
