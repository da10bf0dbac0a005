"""``drumbeat run SCENARIO``: one run, a readable summary, and its tables on disk.

Writes into ``--out`` (default ``results/<scenario name>``): ``summary.json``,
``national.parquet``, ``systems.parquet``, ``events.parquet``, the resolved ``config.toml``
and ``spread.png``. Everything is written into a temporary sibling folder first and moved
into place at the end, so a failed run leaves no partial output.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from experiments.sweeps.atomic import atomic_folder
from simulation import ConfigError, load_scenario, run_scenario
from simulation.index import STAGE_NAMES
from simulation.scenario import parse_assignment


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run one scenario and write its tables",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("scenario", help="scenario TOML file (e.g. configs/scenarios/baseline.toml)")
    p.add_argument("--seed", type=int, default=1, help="root seed of the run (default 1)")
    p.add_argument("--years", type=float, help="simulated years (overrides the scenario)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter or key, e.g. --set reg_intensity=0.8 (repeatable)")
    p.add_argument("--out", type=Path, help="output folder (default results/<scenario name>)")
    p.set_defaults(func=main)


def write_outputs(result, scenario, out: Path) -> None:
    """Write a run's files into ``out`` atomically (all or nothing)."""
    from experiments.analysis.runplots import spread_figure

    out = out.resolve()
    if out.exists() and not (out / "summary.json").is_file():
        if any(out.iterdir()):
            raise ConfigError(f"{out}: exists and is not a Drumbeat run folder; choose another --out")  # noqa: E501
    with atomic_folder(out) as tmp:
        summary = result.summary()
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=True) + "\n")
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
    out = args.out or Path("results") / scenario.scenario.name
    result = run_scenario(scenario, seed=args.seed)
    write_outputs(result, scenario, out)
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
