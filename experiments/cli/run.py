"""``drumbeat run SCENARIO``: one run, a readable summary, and its tables on disk.

Writes into ``--out`` (default ``results/<scenario name>``, the name made safe for a
folder): ``summary.json``, ``national.parquet``, ``systems.parquet``, ``events.parquet``, the
resolved ``config.toml``, ``spread.png`` and the marker ``drumbeat-output.json``. Everything is
written into a temporary sibling folder first and moved into place at the end, so a failed
run leaves no partial output. An earlier run's folder is replaced only with ``--force``, and
then only the files it wrote (docs/reliability.md).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from experiments.cli import checks
from experiments.sweeps.atomic import json_text
from experiments.sweeps.outputs import Claim, safe_name
from simulation import load_scenario, run_scenario
from simulation.index import STAGE_NAMES
from simulation.scenario import parse_assignment

#: What a run writes (a file of someone else's at one of these names refuses the run).
RUN_FILES = ("summary.json", "national.parquet", "systems.parquet", "events.parquet", "config.toml",
             "spread.png")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run one scenario and write its tables",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario",
                   help="scenario TOML file, or a shipped scenario's name (baseline, teaching/two_hospitals)")
    p.add_argument("--seed", type=int, default=1,
                   help="root seed of the run (default 1: a fixed seed, so the same command gives "
                   "the same run; DrumbeatModel(seed=None) in Python draws a fresh one, Mesa's way)")
    p.add_argument("--years", type=float, help="simulated years (overrides the scenario)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter or key, e.g. --set reg_intensity=0.8 (repeatable)")
    p.add_argument("--out", type=Path, help="output folder (default results/<scenario name>)")
    p.add_argument("--force", action="store_true",
                   help="replace an earlier run's output in --out (only the files it wrote)")
    p.set_defaults(func=main)


def write_outputs(result, scenario, claim: Claim) -> None:
    """Write a run's files into the claimed folder atomically (all or nothing)."""
    from experiments.analysis.runplots import spread_figure
    from experiments.sweeps import provenance

    code = provenance.code_key(provenance.digest({"scenario": scenario.digest(), "seed": result.seed}))
    with claim.replacing(code=code) as tmp:
        summary = result.summary()
        (tmp / "summary.json").write_text(json_text(summary))  # strict JSON: NaN -> null
        result.national.to_parquet(tmp / "national.parquet", index=False)
        result.systems.to_parquet(tmp / "systems.parquet", index=False)
        result.events.to_parquet(tmp / "events.parquet", index=False)
        (tmp / "config.toml").write_text(
            f"# resolved scenario of this run; seed = {result.seed}\n" + scenario.to_toml())
        spread_figure(result, tmp / "spread.png")


def main(args: argparse.Namespace) -> int:
    overrides = dict(parse_assignment(s) for s in args.sets)
    if args.years is not None:
        overrides["years"] = args.years
    scenario = load_scenario(args.scenario, overrides)
    checks.seed(args.seed)
    out = args.out or Path("results") / safe_name(scenario.scenario.name)
    claim = Claim(out, "run", force=args.force, expect=RUN_FILES)  # refused before the run
    checks.check_events(scenario, args.seed)  # targets exist, before any folder is made
    checks.warn_late_events(scenario, args.scenario)
    with claim:
        result = run_scenario(scenario, seed=args.seed)
        write_outputs(result, scenario, claim)
    s = result.summary()
    end = result.systems[result.systems["step"] == s["steps"]]
    stages = end["stage"].value_counts().reindex(range(len(STAGE_NAMES)), fill_value=0)
    print(f"Drumbeat: {scenario.scenario.name}, seed {s['seed']}: {s['organisations']} organisations "
          f"in {s['systems']} systems over {s['steps']} months "
          f"({scenario.date_of(0)} to {scenario.date_of(s['steps'])})")
    half = s["months_to_half_integrated"]
    when = "not within the run" if math.isnan(half) else f"{half:g} months"
    print(f"  half the systems integrated after: {when}")
    print(f"  integrated at the end: {s['share_integrated_at_end']:.0%} of systems; "
          + ", ".join(f"{n} {stages[i]}" for i, n in enumerate(STAGE_NAMES)))
    print(f"  mean tie trust: {s['mean_trust_at_end']:.2f}; NHS bodies in a system control "
          f"total: {s['pooled_share_at_end']:.0%}; money moved: GBP {s['money_moved_total_gbp_m']:,.0f}m")  # noqa: E501
    print(f"  commissioners: {s['commissioners_at_start']} -> {s['commissioners_at_end']}; "
          f"leader changes: {s['leader_changes']}; interventions: {s['interventions']}")
    print(f"  service changes: {s['service_changes_proposed']} proposed, "
          f"{s['service_changes_delivered']} delivered, {s['service_changes_blocked']} blocked, "
          f"{s['service_changes_reversed']} reversed")
    print(f"  written to {out}/")
    return 0
