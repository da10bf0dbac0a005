"""``drumbeat validate``: run the patterns of Brief section 6 and the first wave; write a scorecard.

Full size uses more replicates per arm than the CI tests in ``tests/patterns/`` (same
definitions: ``experiments/science/patterns.py``); ``--quick`` uses the CI sizes. Writes into
``--out`` (default ``results/validation``; with ``--quick``, ``out/validation-quick``, never a
committed folder): ``scorecard.md``, ``scorecard.json`` and ``patterns.png``, all at once.
An earlier scorecard is replaced only with ``--force`` (docs/reliability.md). Every run is
kept, as it finishes, in a hidden folder beside the output (``results/.validation.runs/``):
run the same command again after an interruption and only the missing runs are run. Exit
status 0 when every pattern discriminates (passes where its alternative fails), 1 otherwise.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from experiments.cli import checks
from experiments.sweeps.executors import check_args
from experiments.sweeps.outputs import Claim
from simulation import ConfigError


def add_batch_options(p: argparse.ArgumentParser, quick: str, out: str) -> None:
    """--quick, --workers, --scheduler, --out and --force, as validate and calibrate share them."""
    p.add_argument("--quick", action="store_true", help=quick)
    checks.add_workers(p)
    checks.add_scheduler(p)
    p.add_argument("--out", type=Path, help=f"output folder (default {out})")
    p.add_argument("--force", action="store_true",
                   help="replace an earlier output in --out (only the files it wrote)")


def batch_claim(args: argparse.Namespace, kind: str, default: Path, quick: Path,
                expect: tuple[str, ...] = ()) -> Claim:
    """Check the workers, scheduler and output folder of validate or calibrate, before any run.

    Args:
        default: ``--out`` when not given; ``quick`` with ``--quick`` (under the git-ignored
            ``out/``: a check never writes committed results).
    """
    checks.workers(args.workers, args.force_workers)
    check_args(args.workers, args.scheduler)
    args.out = args.out or (quick if args.quick else default)
    return Claim(args.out, kind, force=args.force, expect=expect)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="pattern-oriented validation scorecard (Brief section 6)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_batch_options(p, "CI-sized replicates (as tests/patterns)", "results/validation")
    p.add_argument("--patterns", help="comma-separated pattern numbers (default: all)")
    p.set_defaults(func=main)


def _numbers(text: str | None) -> list[int] | None:
    if not text:
        return None
    from experiments.science import patterns as P

    known = sorted(p.number for p in P.PATTERNS)
    span = f"{known[0]}-{known[-1]}"
    try:
        nums = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"--patterns: expected numbers {span} separated by commas, got {text!r}") from None
    bad = [n for n in nums if n not in known]
    if bad or not nums:
        raise ConfigError(f"--patterns: patterns are numbered {span}, got {text!r}")
    return nums


def main(args: argparse.Namespace) -> int:
    from experiments.science import criteria, runs, validate
    from experiments.sweeps import provenance

    numbers = _numbers(args.patterns)
    claim = batch_claim(args, "validate", Path("results/validation"), Path("out/validation-quick"),
                        expect=("scorecard.md", "scorecard.json", "patterns.png"))
    out = claim.out
    size = "ci" if args.quick else "full"
    start = time.monotonic()
    with claim:
        print(f"validating {'every pattern' if numbers is None else numbers} at {size} size")
        store = validate.runs_folder(out)
        print(f"runs kept in {store} (a run already there from the same code is not run again)")
        records, samples = validate.score(size, args.workers, args.scheduler, numbers, log=print,
                                          store_folder=store)
        meta = {"date": provenance.now(), "commit": provenance.git_commit(),
                "versions": provenance.versions(), "workers": args.workers,
                "scheduler": args.scheduler, "seconds": round(time.monotonic() - start, 1),
                "criteria_file": criteria.CRITERIA, "criteria_sha256": criteria.digest(),
                "code_fingerprint": runs.code_fingerprint()}
        with claim.replacing(code=validate.code_key(size, numbers)) as tmp:
            validate.write(records, samples, size, tmp, meta)
    for r in records:
        alt = r["alternative"]
        print(f"  {r['id']}. {r['title']}: {'PASS' if r['passed'] else 'FAIL'}; alternative "
              f"'{alt['title']}' {'passes' if alt['passed'] else 'fails'}"
              + ("; discriminating" if r["discriminating"] else ""))
    n_pass = sum(r["passed"] for r in records)
    n_disc = sum(r["discriminating"] for r in records)
    print(f"{n_pass} of {len(records)} patterns pass, {n_disc} discriminate; scorecard in {out} "
          f"({meta['seconds']:.0f} s)")
    return 0 if n_disc == len(records) else 1
