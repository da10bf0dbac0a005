"""Every committed result, how it is made, and whether the code of today would make it.

:data:`RESULTS` lists each committed results folder with the commands that build it, in the
order they depend on each other (the calibration before the validation, which runs on the
calibrated scenario; the default-parameter sweep before the posterior sweep, which reads it).

:func:`check` is fast: it reads each folder's marker (:mod:`experiments.sweeps.ledger`) and
holds what made the folder (the fingerprint of the model's code, the inputs, the versions that
change numbers) against what the code and inputs of today would record, without running
anything. :func:`rebuild` runs the commands of the folders that differ; sweeps resume through
their result stores (runs made by the code of today are kept; ``--allow-code-change`` runs the
others again), so an interrupted rebuild carries on where it stopped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from experiments.sweeps import provenance
from experiments.sweeps.ledger import Ledger
from simulation.errors import ConfigError

ROOT = provenance.ROOT


@dataclass(frozen=True)
class Result:
    """A committed results folder and the commands that build it."""

    name: str
    folder: str  # relative to the checkout
    kind: str  # the kind its marker records
    steps: tuple[tuple[str, ...], ...]  # ("drumbeat", args...) or ("robustness", args...)
    minutes: float  # about how long it takes on 2 cores, for the progress lines
    ok: tuple[int, ...] = (0,)  # exit statuses that mean "built" (validate: 1 is a failed pattern)
    spec: str | None = None  # a sweep's spec (shipped name)
    seed: int = 1  # a run's seed
    scenario: str | None = None  # a calibration's scenario (configs/...), if not england_2014
    settings: tuple[int, int, int] | None = None  # a calibration's (population, generations,
    # draws), if not calibrate.FULL


def _sweep(name: str, minutes: float, *more: tuple[str, ...], force: bool = False) -> Result:
    """A sweep and its follow-up steps; ``force`` for one whose spec reads another result (as
    :func:`_robustness`)."""
    folder = f"results/{name}"
    again = "--force" if force else "--allow-code-change"
    return Result(name, folder, "sweep",
                  (("drumbeat", "sweep", name, "--workers", "2", "--out", folder, again),
                   *more), minutes, spec=name)


def _robustness(name: str, spec: str, minutes: float, *extra: str, force: bool = False) -> Result:
    """A robustness sweep; ``force`` for one whose spec is made from another result (the
    posterior draws: a new calibration makes it a new spec, which only ``--force`` may put in
    the folder of the old one; it is then run afresh, not resumed)."""
    folder = f"results/{name}"
    again = "--force" if force else "--allow-code-change"
    return Result(name, folder, "sweep",
                  (("robustness", f"configs/experiments/{spec}.toml", "--workers", "2", "--out", folder,
                    again, *extra),), minutes, spec=spec)


#: Real England's scenario, which its calibration fits (issue 23), and the calibration's size
#: (particles, most populations, posterior predictive draws): half the synthetic England's
#: (calibrate.FULL is 200 x 10), a reduced size stated in docs/calibration-notes.md.
REAL = "configs/scenarios/england_real.toml"
REAL_SIZE = (100, 6, 40)

#: A calibration's wall-time limit under reproduce: a week, in effect none. The command's
#: default (45 minutes) would cut a fit short on a slow or busy machine, and a fit cut short
#: is not the committed one (its settings, which the marker checks, do not say when it stopped).
NO_LIMIT = ("--minutes", "10080")

#: The committed results, in the order they are built.
RESULTS: tuple[Result, ...] = (
    Result("baseline", "results/baseline", "run",
           (("drumbeat", "run", "configs/scenarios/baseline.toml", "--seed", "1", "--out",
             "results/baseline", "--force"),), 0.1),
    Result("calibration", "results/calibration", "calibrate",
           (("drumbeat", "calibrate", "--workers", "2", "--out", "results/calibration", "--force",
             "--update-config", "--seed", "0", *NO_LIMIT),), 30),
    # at a reduced size (REAL_SIZE); before the validation, whose patterns 11 and 12 run on
    # the calibrated scenario it writes
    Result("calibration_real", "results/calibration_real", "calibrate",
           (("drumbeat", "calibrate", "--scenario", REAL, "--workers", "2", "--out",
             "results/calibration_real", "--force", "--update-config", "--config-out",
             "configs/calibrated/england_real.toml", "--seed", "0", "--population",
             str(REAL_SIZE[0]), "--generations", str(REAL_SIZE[1]), *NO_LIMIT),), 12, scenario=REAL,
           settings=REAL_SIZE),
    Result("validation", "results/validation", "validate",
           (("drumbeat", "validate", "--workers", "2", "--out", "results/validation", "--force"),),
           4, ok=(0, 1)),
    _sweep("pressure_x_continuity", 3),
    _sweep("sensitivity", 5),
    _sweep("durability", 2, ("drumbeat", "findings", "durability", "results/durability")),
    _sweep("first_wave", 6, ("drumbeat", "findings", "first_wave", "results/first_wave")),
    _sweep("discovery", 10, ("drumbeat", "discover", "results/discovery")),
    _robustness("pressure_x_continuity_posterior", "pressure_x_continuity_posterior", 8,
                "--reference", "results/pressure_x_continuity", force=True),
    _robustness("pressure_x_continuity_shortcuts", "pressure_x_continuity_shortcuts", 8),
    _sweep("real_england", 3, ("drumbeat", "findings", "real_england", "results/real_england"),
           force=True),
)


@dataclass
class Status:
    """Whether a committed folder was made by the code and inputs of today."""

    result: Result
    state: str  # "current", "other code", "incomplete", "missing", "unlisted"
    detail: str = ""
    #: its inputs (spec, scenarios, criteria, settings) differ from what made it
    new_inputs: bool = False

    @property
    def current(self) -> bool:
        return self.state == "current"


def expected_code(res: Result) -> dict[str, Any]:
    """What the code and inputs of today would record in ``res``'s marker."""
    if res.kind == "run":
        from simulation import load_scenario

        scenario = load_scenario(str(ROOT / res.steps[0][2]))
        return provenance.code_key(provenance.digest({"scenario": scenario.digest(), "seed": res.seed}))
    if res.kind == "sweep":
        from experiments.sweeps.sweep import build_plan, sweep_code

        return sweep_code(build_plan(res.spec))
    if res.kind == "validate":
        from experiments.science import validate

        return validate.code_key("full", None)
    from experiments.science import calibrate as C

    scenario = ROOT / res.scenario if res.scenario else C.ENGLAND
    size = (dict(zip(("population", "generations", "draws"), res.settings, strict=True))
            if res.settings else dict(C.FULL))
    stored = {"scenario": C.portable(scenario), "params": list(C.DEFAULT_PARAMS),
              "settings": size, "seed": 0}
    return C.code_key(stored)


def status(res: Result, root: Path = ROOT) -> Status:
    """The :class:`Status` of one committed folder."""
    folder = root / res.folder
    try:
        led = Ledger.read(folder) if folder.is_dir() else None
    except ConfigError as exc:
        return Status(res, "other code", str(exc))
    if led is None:
        return Status(res, "missing", f"{res.folder} has no output here")
    if led.kind != res.kind:
        return Status(res, "other code", f"its marker says {led.kind}, not {res.kind}")
    if not led.complete:
        return Status(res, "incomplete", "its last command was stopped part-way")
    expected = expected_code(res)
    changes = provenance.code_changes(led.code, expected)
    if changes:
        return Status(res, "other code", "; ".join(changes),
                      new_inputs=led.code.get("inputs") != expected["inputs"])
    return Status(res, "current")


def unlisted(root: Path = ROOT) -> list[str]:
    """Folders under ``results/`` with a marker that :data:`RESULTS` does not list."""
    listed = {r.folder for r in RESULTS}
    out = []
    for p in sorted((root / "results").iterdir()):
        rel = f"results/{p.name}"
        if p.is_dir() and not p.name.startswith(".") and (p / "drumbeat-output.json").is_file() \
                and rel not in listed:
            out.append(rel)
    return out


def check(names: list[str] | None = None, root: Path = ROOT) -> list[Status]:
    """The status of every committed result (or those named)."""
    out = [status(r, root) for r in select(names)]
    if not names:
        out += [Status(Result(f, f, "?", (), 0), "unlisted", "not in experiments/science/reproduce.py")
                for f in unlisted(root)]
    return out


def select(names: list[str] | None) -> list[Result]:
    """The results named (all when none), in build order; ConfigError for an unknown name."""
    if not names:
        return list(RESULTS)
    known = {r.name: r for r in RESULTS}
    bad = [n for n in names if n not in known]
    if bad:
        raise ConfigError(f"reproduce: unknown result {bad[0]!r}; known: {', '.join(known)}")
    return [r for r in RESULTS if r.name in names]


def command(step: tuple[str, ...], root: Path = ROOT) -> list[str]:
    """A step's arguments with paths made absolute: ``configs/`` in the checkout, ``results/``
    under ``root`` (the checkout, or another folder in tests), so the commands run from any
    folder."""
    out = []
    for a in step[1:]:
        out.append(str(ROOT / a) if a.startswith("configs/") else str(root / a)
                   if a.startswith("results/") else a)
    return out


def run_step(step: tuple[str, ...], run: Callable[[list[str]], int], root: Path = ROOT) -> int:
    """Run one step in this process with ``run`` (the command line's entry point, given by the
    caller: science never imports the command line); return its exit status."""
    argv = command(step, root)
    if step[0] == "robustness":
        from experiments.science import robustness

        return robustness.main(argv)
    return run(argv)


def rebuild(run: Callable[[list[str]], int], names: list[str] | None = None, everything: bool = False,
            log: Callable[[str], None] = print, root: Path = ROOT) -> int:
    """Build the results that differ from what the code of today makes (all with
    ``everything``), running each ``drumbeat`` step with ``run`` (``experiments.cli.main.main``);
    return 0 when every one was built, else the failing step's status."""
    if not (ROOT / "configs").is_dir() or not (root / "results").is_dir():
        raise ConfigError("reproduce: needs the project's checkout (its configs/ and results/)")
    statuses = [s for s in check(names, root) if (everything or not s.current) and s.result.steps]
    total = sum(s.result.minutes for s in statuses)
    log(f"drumbeat reproduce: {len(statuses)} of {len(select(names))} results to build "
        f"(about {total:.0f} minutes on 2 cores; a result that reads one built here, such as a "
        "sweep of a calibrated scenario, is checked again when its turn comes)")
    built = 0
    for res in select(names):
        if not res.steps:
            continue
        st = status(res, root)  # now, after the results built before it
        if st.current and not everything:
            continue
        built += 1
        for step in res.steps:
            # a sweep whose spec or scenarios changed is a new experiment: its folder is
            # replaced (--force), not resumed under other code (--allow-code-change)
            if st.new_inputs and step[1] == "sweep":
                step = tuple("--force" if a == "--allow-code-change" else a for a in step)
            log(f"[{built}] {res.name}: {step[0]} {' '.join(step[1:])}")
            code = run_step(step, run, root)
            if code not in res.ok:
                log(f"drumbeat reproduce: {res.name} failed (exit {code}); the results built "
                    "before are kept, run the same command again to carry on")
                return code or 1
    return 0


def table(statuses: list[Status]) -> str:
    """The statuses as aligned text lines."""
    width = max((len(s.result.folder) for s in statuses), default=10)
    return "\n".join(f"{s.result.folder:<{width}}  {s.state:<10}  {s.detail}".rstrip() for s in statuses)


def as_json(statuses: list[Status]) -> str:
    """The statuses as JSON (for CI logs and scripts)."""
    return json.dumps([{"folder": s.result.folder, "state": s.state, "detail": s.detail}
                       for s in statuses], indent=2)
