"""A sweep: expand a spec into runs, run what is missing on an executor, store each as it ends.

Run positions are fixed by the spec alone: stage by stage, then scenario by scenario (in
spec order), then design point by design point, then replicate by replicate. A run's id
(``r`` + position) names its parts in the store and its seed is
``run_seed(root_seed, position)``. So the same spec gives the same rows whatever the
executor, the order runs finish in, or how many times the sweep was interrupted.

A follow-up stage (``[followup]``, after a Morris screen) is planned only once the first
stage is complete: its factors are the ``top`` ranked by mu* of the first stage's stored
rows, which are the same whenever they are read.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from simulation.configs import find_config
from simulation.scenario import Scenario

from . import custom, provenance
from .designs import Design, apply_quick, expected_size, followup_design, main_design
from .executors import check_args, make_executor, starting_worker
from .outputs import safe_name
from .overlays import Overlay, check_overlays, cross, spec_overlays
from .progress import Progress
from .runner import ID_COLUMNS, RunTask, execute, run_id_of
from .seeds import run_seed
from .size import check_size
from .spec import Spec, is_world_key, load_spec, spec_scenarios, with_run_overrides
from .store import METADATA, Store

SEED_RULE = "seed = run_seed(root_seed, position): SeedSequence([root_seed, position]), top 48 bits"


@dataclass
class Plan:
    """An effective spec (quick applied) with its scenarios ready to run."""

    spec: Spec
    spec_path: Path
    scenarios: dict[str, Scenario]  # file as written -> scenario with fixed overrides and years
    quick: bool
    spec_text: str = ""  # the spec as TOML (the file, or a spec built in code written out)
    spec_hash: str = ""
    stages: list[Design] = field(default_factory=list)
    overlays: list[Overlay] = field(default_factory=list)  # posterior draws, variants

    @property
    def replicates(self) -> int:
        return self.spec.replicates

    def stage_replicates(self, design: Design) -> int:
        """Replicates per design point of a stage."""
        if design.stage == "followup" and self.spec.followup is not None:
            return self.spec.followup.replicates
        return self.spec.replicates

    def stage_runs(self, design: Design) -> int:
        """Runs of one stage."""
        return len(self.scenarios) * len(design) * self.stage_replicates(design)

    def followup_runs(self) -> int:
        """Runs the follow-up stage will have (known before it is planned)."""
        fu = self.spec.followup
        if fu is None:
            return 0
        k = min(fu.top, len(self.stages[0].names))
        return len(self.scenarios) * expected_size(fu.design, k, fu.samples, fu.second_order) * fu.replicates

    def total_runs(self) -> int:
        """Runs of the whole experiment."""
        return self.stage_runs(self.stages[0]) + self.followup_runs()


def build_plan(spec: str | Path | Spec, quick: bool = False, base: str | Path = ".") -> Plan:
    """Validate a spec and its scenarios, apply ``--quick``, lay out the first stage.

    Args:
        spec: a spec file, the name of a shipped spec, or a :class:`Spec` built in code.
        quick: the small version of the spec's ``[quick]`` table.
        base: for a spec built in code, the folder its scenario paths are relative to.
    """
    if isinstance(spec, Spec):
        spec_path = Path(f"<spec '{spec.name}'>")  # names it in messages; there is no file
        folder = Path(base)
        raw = spec_scenarios(spec, folder, str(spec_path))
        text = tomli_w.dumps(spec.model_dump(mode="json", exclude_none=True))
    else:
        spec_path = find_config(spec, "experiments")
        spec, raw = load_spec(spec_path)
        folder = spec_path.parent
        text = spec_path.read_text(encoding="utf-8")
    if quick:
        keep = spec.quick.scenarios
        spec = apply_quick(spec)
        if keep is not None:  # the first files after globs are expanded, in sorted order
            raw = dict(list(raw.items())[:keep])
    scenarios = with_run_overrides(spec, raw, str(spec_path))
    reserved = set(ID_COLUMNS)
    for name in spec.factors:
        if name in reserved:
            from simulation.errors import ConfigError
            raise ConfigError(f"{spec_path}: factors.{name}: name clashes with a result column")
    plan = Plan(spec, spec_path, scenarios, quick, text)
    plan.overlays = spec_overlays(spec, folder, str(spec_path))
    check_overlays(spec, plan.overlays, scenarios, str(spec_path))
    plan.stages = [cross(main_design(spec), plan.overlays)]
    decided = spec.model_dump(mode="json", exclude={"name", "description", "analysis"})
    for key, quick_key in (("posterior", "posterior_draws"), ("variants", "variants")):
        if decided.get(key) is None:  # keys absent before they existed: old hashes unchanged
            decided.pop(key, None)
        if decided.get("custom", 0) is None:
            decided.pop("custom")
        if decided["quick"].get(quick_key) is None:
            decided["quick"].pop(quick_key, None)
    digest: dict[str, Any] = {"spec": decided, "scenarios": {k: s.digest() for k, s in scenarios.items()}}
    if plan.overlays:  # the drawn values, so that a changed posterior file is another experiment
        digest["overlays"] = [[o.labels, o.overrides] for o in plan.overlays]
    plan.spec_hash = provenance.digest(digest)  # what decides the runs; not name, description, [analysis]
    return plan


def stage_tasks(plan: Plan, design: Design, first: int, done: set[str]) -> Iterator[RunTask]:
    """Tasks of a stage not yet in ``done``, lazily, positions from ``first``."""
    spec = plan.spec
    outputs = tuple(dict.fromkeys(["national", *spec.outputs]))
    reps = plan.stage_replicates(design)
    pos = first
    for key, scn in plan.scenarios.items():
        for cell, point in enumerate(design.points):
            for rep in range(reps):
                rid = run_id_of(pos)
                if rid not in done:
                    yield RunTask(rid, pos, run_seed(spec.root_seed, pos), design.stage, cell, rep, key,
                                  scn, dict(point), outputs,
                                  dict(design.labels[cell]) if design.labels else None, spec.custom)
                pos += 1


def _stage_meta(plan: Plan, design: Design, first: int) -> dict[str, Any]:
    return {"stage": design.stage, "design": design.kind, "factors": design.names,
            "problem": design.problem, "options": design.options, "first_position": first,
            "runs": plan.stage_runs(design), "replicates": plan.stage_replicates(design),
            "points": len(design)}


def _shown(path: Path) -> str:
    """A spec's path as reports show it: relative as given, a checkout's file from the checkout's
    root (``configs/experiments/NAME.toml``, whatever the current folder), else its name (no
    path of this machine in a results folder)."""
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.resolve().relative_to(provenance.ROOT).as_posix()
    except ValueError:
        return path.name


def _new_metadata(plan: Plan) -> dict[str, Any]:
    text = plan.spec_text
    return {
        "name": plan.spec.name, "description": plan.spec.description,
        "spec_file": _shown(plan.spec_path),
        "spec_text": text, "quick": plan.quick, "spec": plan.spec.model_dump(mode="json"),
        "spec_hash": plan.spec_hash, "root_seed": plan.spec.root_seed, "seed_rule": SEED_RULE,
        "scenarios": {k: {"name": s.scenario.name, "digest": s.digest(), "steps": s.steps}
                      for k, s in plan.scenarios.items()},
        "package_version": provenance.versions()["drumbeat"], "git_commit": provenance.git_commit(),
        "versions": provenance.versions(), "created": provenance.now(), "completed": None,
        "runs_total": plan.total_runs(), "stages": [], "sessions": [],
        "overlays": [{"labels": o.labels, "overrides": o.overrides} for o in plan.overlays],
    }


def rank_for_followup(store: Store, plan: Plan) -> list[str]:
    """First-stage factors by decreasing Morris mu* of the follow-up outcome."""
    from .indices import morris_table

    fu = plan.spec.followup
    assert fu is not None
    rows = store.read("summary", run_ids={run_id_of(i) for i in range(plan.stage_runs(plan.stages[0]))})
    table = morris_table(rows, _stage_meta(plan, plan.stages[0], 0), fu.outcome)
    mean = table.groupby("factor", sort=False)["mu_star"].mean().sort_values(ascending=False, kind="stable")
    return list(mean.index)


def say(message: str) -> None:
    """Print a log line now (not held in a buffer when output goes to a file)."""
    print(message, flush=True)


def late_events(scenario: Scenario) -> list[str]:
    """Events dated after the run's end (``--years`` shortens runs on purpose): one line each."""
    out = []
    for ev in scenario.event:
        step = ev.month if ev.month is not None else scenario.step_of(ev.date)
        if step > scenario.steps:
            when = ev.date or f"month {ev.month}"
            out.append(f"event '{ev.kind}' at {when} comes after the run's end "
                       f"({scenario.date_of(scenario.steps)}) and will not happen")
    return out


def preflight(plan: Plan, log: Callable[[str], None]) -> None:
    """Check every event's target before the first run, not in the middle of a sweep.

    Every combination of the world keys the design varies is checked as a whole (a world's
    keys may hold only together: ``ccgs`` at least ``n_systems``). Each scenario's world is
    built at the first design point, and again for every other
    combination of the world keys the design varies (a target may exist in one world and not
    in another) when the scenario has targeted events. Late events are warned of.
    """
    own = custom.load(plan.spec.custom, str(plan.spec_path),
                      plan.spec_path.parent if plan.spec_path.is_file() else None)
    points = [dict(p) for p in plan.stages[0].points] or [{}]
    world = [k for k in points[0] if is_world_key(k)]
    distinct = {tuple(p[k] for k in world): p for p in points}  # one point per world
    results: set[str] = set()
    for key, scn in plan.scenarios.items():
        where = f"{plan.spec_path}: scenario '{key}'"
        targeted = any(ev.target not in (None, "all") for ev in scn.event)
        for combo in distinct if len(world) > 1 else ():  # keys that hold only together
            scn.with_overrides(dict(zip(world, combo, strict=True)), source=f"{where}, design point "
                               + ", ".join(f"{k} = {v}" for k, v in zip(world, combo, strict=True)))
        for point in [points[0], *(distinct.values() if targeted and world else [])]:
            probe = scn.with_overrides(point, source=where) if point else scn
            model = custom.build(own, probe, run_seed(plan.spec.root_seed, 0))
            results |= set(model.result().summary())
        for line in late_events(probe):
            log(f"drumbeat: warning: {where}: {line}")
    _check_named_targets_in_every_world(plan)
    taken = results | set(ID_COLUMNS) | set(points[0]) | {k for o in plan.overlays for k in o.labels}
    custom.check(own, model, taken, str(plan.spec_path))
    _check_outcomes(plan, results | set(own.outcomes if own else ()))


def _check_outcomes(plan: Plan, results: set[str]) -> None:
    """The report's and discovery's outcomes must be columns of a run's summary (``results``,
    from the preflight's models): refused before the first run, not after the sweep."""
    from simulation.errors import ConfigError, did_you_mean

    an = plan.spec.analysis
    named = [("analysis.outcome", an.outcome), *(("analysis.also", x) for x in an.also)]
    if an.discover is not None:
        named.append(("analysis.discover.outcome", an.discover.outcome))
    usual = sorted(r for r in results if not r.startswith("months_to_integration__"))
    for key, column in named:
        if column not in results:
            raise ConfigError(f"{plan.spec_path}: {key}: '{column}' is not a result of a run"
                              f"{did_you_mean(column, usual)}; results: {', '.join(usual)}")


def _check_named_targets_in_every_world(plan: Plan) -> None:
    """A synthetic England names its organisations and systems from each run's seed (Real
    England its drawn organisations): an event
    aimed at a name must find it in every run's world, checked now by building each world
    (a few milliseconds each), never found missing half-way through the sweep."""
    from simulation import ConfigError
    from simulation.rng import Streams
    from simulation.world import build_world

    named = {key: [ev for ev in scn.event if ev.target not in (None, "all")]
             for key, scn in plan.scenarios.items() if scn.world.generator != "explicit"}
    if not any(named.values()):
        return
    for task in stage_tasks(plan, plan.stages[0], 0, set()):
        events = named.get(task.scenario_file)
        if not events:
            continue
        scn = task.scenario.with_overrides(task.values) if task.values else task.scenario
        w = build_world(scn, Streams(task.seed)["world"])
        for ev in events:
            if ev.target not in w.org_name and ev.target not in w.system_name:
                raise ConfigError(f"{plan.spec_path}: scenario '{task.scenario_file}': event "
                                  f"'{ev.kind}' aims at '{ev.target}', which run {task.run_id}'s "
                                  "world (its drawn organisations are named from its seed) does not have; "
                                  "aim it at a system or use an explicit world")


def run_sweep(spec_path: str | Path | Spec, out: str | Path | None = None, quick: bool = False,
              workers: int | None = None, scheduler: Any = None, show_progress: bool | None = None,
              log_every: float = 0.0, log: Callable[[str], None] = say, force: bool = False,
              allow_code_change: bool = False, max_runs: int | None = None) -> Path:
    """Run (or resume) the sweep of a spec into ``out``; return the output folder.

    Args:
        spec_path: a spec file, the name of a shipped spec, or a :class:`Spec` built in code
            (its scenario paths relative to the current folder).
        force: replace an earlier sweep of another spec in ``out`` (only the files it wrote).
        allow_code_change: resume a folder whose stored runs other code (or inputs, or versions
            that change numbers) made, running those runs again; without it that is refused.
        max_runs: refuse a spec of more runs than this (default ``size.MAX_RUNS``), counted
            before any design is made.

    Raises:
        ConfigError: a bad spec, a folder holding another experiment, a bad scheduler.
        WriteError: a full disk or a write error; the runs stored before are kept.
    """
    if starting_worker():  # a guard-less script re-run by a starting worker: see starting_worker
        os._exit(3)
    check_args(workers, scheduler)
    check_size(spec_path, quick, max_runs)  # before a design is made: a huge one cannot be held
    plan = build_plan(spec_path, quick)
    preflight(plan, log)
    out = Path(out) if out is not None else default_out(plan.spec.name, quick)
    # A scheduler address is connected to before the folder is made: one that cannot be
    # reached leaves nothing behind (local workers start later, only if runs are missing).
    remote = isinstance(scheduler, str) and scheduler != "local"
    with make_executor(workers, scheduler) if remote else nullcontext() as connected:
        store = Store(out)
        meta = store.open(plan.spec_hash, plan.spec.name, force=force, log=log, code=sweep_code(plan),
                          allow_code_change=allow_code_change)
        try:
            return _run(plan, store, meta, workers, scheduler, show_progress, log_every, log, connected)
        finally:
            store.close()


def sweep_code(plan: Plan) -> dict[str, Any]:
    """What makes a sweep's runs: the model's code and the runner that stores them (and the
    modules of the spec's own code), the spec (its hash covers the scenarios' contents) and
    the versions that change numbers."""
    from . import runner

    own = custom.source_files(plan.spec.custom)  # the sweep's own code (after the preflight)
    return provenance.code_key(plan.spec_hash, (Path(runner.__file__), *own))


def default_out(name: str, quick: bool) -> Path:
    """``results/NAME``, or ``out/NAME-quick`` for ``--quick`` (git-ignored)."""
    name = safe_name(name)
    return Path("out") / f"{name}-quick" if quick else Path("results") / name


def _run(plan: Plan, store: Store, meta: dict | None, workers: int | None, scheduler: Any,
         show_progress: bool | None, log_every: float, log: Callable[[str], None],
         connected: Any = None) -> Path:
    fresh = _new_metadata(plan)
    if meta is None:
        meta = fresh
    else:  # same runs; the report settings and wording may have been edited since
        meta.update({k: fresh[k] for k in ("name", "description", "spec_text", "spec", "spec_file",
                                           "overlays")})
    done = store.done_ids()
    total = plan.total_runs()
    session: dict[str, Any] = {"start": provenance.now(), "end": None, "host": provenance.host(),
                               "git_commit": provenance.git_commit(), "runs_before": len(done)}
    meta["code"] = store.code  # what makes the runs (every stored run's record says the same)
    meta["sessions"].append(session)
    meta["stages"] = [_stage_meta(plan, plan.stages[0], 0)]
    store.write_json(METADATA, meta)
    store.write_file("spec.toml", meta["spec_text"].encode("utf-8"))
    verb = "resuming" if done else "starting"
    log(f"drumbeat sweep: {verb} '{plan.spec.name}'{' (quick)' if plan.quick else ''}: "
        f"{len(done)}/{total} runs done, output {store.out}/")
    progress = Progress(total, len(done), show_progress, log_every, log)
    seconds = 0.0
    ran = 0
    t0 = time.perf_counter()
    if len(done) >= total:  # nothing to run: no need to start workers
        workers, scheduler = 1, None
    with nullcontext(connected) if connected is not None else make_executor(workers, scheduler) as ex:
        session["executor"] = ex.describe()
        session["workers"] = ex.workers
        first = 0
        for stage in range(2 if plan.spec.followup else 1):
            if stage == 1:
                ranked = rank_for_followup(store, plan)
                plan.stages.append(followup_design(plan.spec, ranked))
                meta["stages"].append(_stage_meta(plan, plan.stages[1], first))
                meta["stages"][1]["ranking"] = ranked
                store.write_json(METADATA, meta)
            design = plan.stages[stage]
            for result in ex.map_unordered(execute, stage_tasks(plan, design, first, done)):
                store.write(result)
                seconds += result.seconds
                ran += 1
                progress.update()
            first += plan.stage_runs(design)
    progress.close()
    wall = time.perf_counter() - t0
    store.write_summary()
    session.update({"end": provenance.now(), "runs_run": ran, "wall_seconds": round(wall, 3),
                    "run_seconds_total": round(seconds, 3),
                    "mean_run_seconds": round(seconds / ran, 4) if ran else None,
                    "runs_per_second": round(ran / wall, 3) if wall > 0 and ran else None})
    if ran or meta.get("completed") is None:  # when the last run was stored
        meta["completed"] = session["end"]
    meta["seeds"] = [run_seed(plan.spec.root_seed, i) for i in range(total)]
    store.write_json(METADATA, meta)
    log(f"drumbeat sweep: {ran} runs in {wall:.1f} s ({session['executor']}); "
        f"{total}/{total} stored in {store.out}/")
    return store.out
