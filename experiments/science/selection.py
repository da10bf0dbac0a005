"""ABC-SMC model selection between rival explanations (issue 24, point 2).

pyabc's ``ABCSMC`` with one :class:`~experiments.science.calibrate.ScenarioModel` per rival
(its switches applied) and one prior per rival (uniform over each fitted parameter's range),
the same facts, scales and distance as the calibration (``Calibration.of(scenario)``), and
the project's seeded, parallel sampler (:mod:`experiments.science.abc_sampler`). The model
prior is uniform. A rival's probability is the share of the final population's weight its
particles hold (pyabc's ``get_model_probabilities``).

**Rivals that die.** In pyabc a rival with no accepted particle in a generation is dead for
good: proposals are drawn only from the rivals alive in the previous population
(``inference_util.generate_valid_proposal``) and its transition is never fitted again, so
its probability stays 0 whatever its real fit. With pyabc's default model perturbation kernel
(``probability_to_stay`` 0.7) a rival of small probability is also proposed *less* than its
share once the others dominate. Here:

1. The model perturbation kernel's ``probability_to_stay`` is ``1 / M`` (``M`` rivals): each
   proposal picks its rival uniformly among those alive, whatever their probabilities, and
   pyabc's importance weights (prior over proposal, ``_transition_pdf``, whose model factor is
   then the same for every particle) keep the probabilities exact. A rival's count of
   accepted particles is then binomial, its share being its share of acceptances: it follows
   the rival's probability but not exactly (a rival whose posterior is narrow beside its prior
   holds more particles than its probability, since its proposals come from its posterior).
2. The population is sized so that a rival whose share is at least ``min_probability``
   keeps at least ``min_particles`` particles in a generation with probability at least
   ``1 - alpha`` (:func:`population_for`; 10 particles, 0.05 and 0.01 give 371). The
   settings record whether the population used meets the rule (a ``--quick`` run does not).
3. Every run is checked (:func:`deaths`): a rival that died is reported with the generation,
   its share of particles and its probability in the generation before (``1 / M`` for the
   first, drawn from the uniform model prior), and the chance ``(1 - share) ** population``
   that a rival keeping that share would get no particle. Above ``alpha`` the death may be
   chance and the rival's 0 is flagged as not established; a rival alive with fewer than
   ``min_particles`` particles at the end is reported as thin (its transition was fitted to
   too few particles).

A sampler that kept sampling until every rival had ``k`` particles was not chosen: stopping
on the rarest rival's ``k``-th acceptance is inverse sampling, whose plain estimate of that
rival's share is biased upward (by about ``k / (k - 1)``), and its cost has no bound once a
rival really fits worse.

**When to stop.** A run goes on generation by generation (pyabc's median epsilon) until
:func:`stop_reason` says: the tolerance fell by less than ``drop`` (a fraction of the one
before) in each of the last :data:`PATIENCE` generations (``stalled``: it has stopped
falling; one small drop is not enough, since a small population's median tolerance can
pause once and fall again), one rival is left, or the tolerance is 0; or, unsettled, the
most generations were run. The report says which. A rival's probability is that of the ABC
posterior at the tolerance reached, and moves as the tolerance falls: an unsettled run's
probabilities are reported as such.

**Spread.** ``runs`` independent runs (run ``r`` from the seed ``SeedSequence([seed, r])``),
each its own pyabc history (SQLite) in the store: a run interrupted (even by ``kill -9``)
continues from its last finished generation, which gives what an uninterrupted run gives
(the sampler seeds each generation's batches from the run's seed and the generation).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.science import calibrate as C
from experiments.science.abc_sampler import make_sampler_class, seed_global_numpy

#: Defaults of the rules above (stated in every selection.json).
DROP = 0.05
PATIENCE = 2
MIN_PARTICLES = 10
MIN_PROBABILITY = 0.05
ALPHA = 0.01
#: The share of data sets simulated from each rival that must pick it before the selection's
#: probabilities are read as evidence (a stated bar of the report, not a statistical test).
GATE = 0.8
#: A rival's history (one run) in the store.
RUN_DB = "select-{run}-{tag}.db"


@dataclasses.dataclass(frozen=True)
class Rival:
    """A rival as ``configs/rivals.toml`` defines it (:func:`experiments.science.rivals.load`)."""

    name: str
    description: str
    overrides: tuple[tuple[str, Any], ...] = ()
    params: tuple[str, ...] = ()
    sources: str = ""

    def key(self) -> dict[str, Any]:
        return {"name": self.name, "overrides": dict(self.overrides), "params": list(self.params)}


@dataclasses.dataclass(frozen=True)
class Settings:
    """What a selection is: scenario, rivals, sizes, rules and seed. ``overrides`` apply to
    every rival (a smaller world in tests); ``runs`` is not part of the key, so more runs
    reuse the ones done."""

    scenario: str
    rivals: tuple[Rival, ...]
    population: int
    generations: int
    runs: int = 1
    seed: int = 0
    drop: float = DROP
    min_particles: int = MIN_PARTICLES
    min_probability: float = MIN_PROBABILITY
    alpha: float = ALPHA
    overrides: tuple[tuple[str, Any], ...] = ()

    @property
    def names(self) -> list[str]:
        return [r.name for r in self.rivals]

    def key(self) -> dict[str, Any]:
        return {"scenario": C.portable(Path(self.scenario)), "rivals": [r.key() for r in self.rivals],
                "population": self.population, "generations": self.generations, "seed": self.seed,
                "drop": self.drop, "patience": PATIENCE, "overrides": dict(self.overrides)}

    def rule(self) -> dict[str, Any]:
        """The population rule of the module docstring, and whether this population meets it."""
        need = population_for(self.min_particles, self.min_probability, self.alpha)
        return {"min_particles": self.min_particles, "min_probability": self.min_probability,
                "alpha": self.alpha, "population_needed": need, "met": self.population >= need}


def derive(*ints: int) -> int:
    """A 32-bit seed from a tuple of integers."""
    return int(np.random.SeedSequence(list(ints)).generate_state(1)[0])


def tag(*parts: Any) -> str:
    """A short digest naming a history in the store by what makes it (settings, code, run)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


def population_for(k: int, p_min: float, alpha: float) -> int:
    """Smallest population ``n`` with ``P(Binomial(n, p_min) < k) <= alpha``."""
    from scipy.stats import binom

    n = k
    while binom.cdf(k - 1, n, p_min) > alpha:
        n += 1
    return n


def stop_reason(epsilons: list[float], alive: int, drop: float, generations: int,
                patience: int = PATIENCE) -> str | None:
    """Why a run stops after the generations whose tolerances are ``epsilons`` (None: go on)."""
    if not epsilons:
        return None
    if alive <= 1:
        return "one rival left"
    if epsilons[-1] <= 0:
        return "tolerance zero"
    last = epsilons[-patience - 1:]
    if len(last) == patience + 1 and all(a - b < drop * a for a, b in zip(last[:-1], last[1:], strict=True)):
        return "stalled"
    if len(epsilons) >= generations:
        return "most generations"
    return None


def deaths(counts: list[dict[str, int]], probs: list[dict[str, float]], population: int,
           alpha: float, min_particles: int) -> list[dict[str, Any]]:
    """Rivals that died (first generation with no particle; 1-based) or ended thin, each
    death with the chance of it under the share of particles the rival had before."""
    out: list[dict[str, Any]] = []
    names = list(counts[0]) if counts else []
    for name in names:
        dead = next((t for t, c in enumerate(counts) if c[name] == 0), None)
        if dead is None:
            if counts[-1][name] < min_particles:
                out.append({"model": name, "thin": True, "particles": counts[-1][name]})
            continue
        share = counts[dead - 1][name] / sum(counts[dead - 1].values()) if dead else 1 / len(names)
        chance = (1 - share) ** population
        out.append({"model": name, "thin": False, "generation": dead + 1, "previous_share": share,
                    "previous_probability": probs[dead - 1][name] if dead else 1 / len(names),
                    "chance": chance, "established": bool(chance <= alpha)})
    return out


def calibration(settings: Settings) -> C.Calibration:
    """The facts, scales and distance every rival is judged by (the calibration's)."""
    return dataclasses.replace(C.Calibration.of(settings.scenario), overrides=dict(settings.overrides))


def abc_parts(settings: Settings, cal: C.Calibration) -> tuple[list, list]:
    """One model and one prior per rival (``settings.overrides`` then the rival's applied)."""
    models = [C.ScenarioModel(cal.scenario, cal.stats, {**dict(settings.overrides), **dict(r.overrides)})
              for r in settings.rivals]
    priors = [dataclasses.replace(cal, params=r.params).priors() for r in settings.rivals]
    return models, priors


def read_history(history, names: list[str]) -> dict[str, Any]:
    """Per generation: tolerance, runs, each rival's probability and particle count."""
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    probs, counts = [], []
    for t in range(history.max_t + 1):
        p = history.get_model_probabilities(t)["p"]
        probs.append({n: float(p.get(m, 0.0)) for m, n in enumerate(names)})
        counts.append({n: len(history.get_distribution(m, t)[0]) for m, n in enumerate(names)})
    return {"epsilons": [float(e) for e in pops["epsilon"]],
            "evaluations": [int(s) for s in pops["samples"]], "probabilities_by_generation": probs,
            "particles_by_generation": counts}


def run_once(settings: Settings, cal: C.Calibration, seed: int, db: Path, workers: int = 1,
             scheduler: str | None = None, log: Callable[[str], None] | None = None,
             ) -> dict[str, Any]:
    """One selection run on ``cal``'s observed facts, kept in ``db`` (continued from it when
    it holds a finished generation), generation by generation until :func:`stop_reason`."""
    import pyabc

    from experiments.sweeps.executors import make_executor

    names = settings.names
    models, priors = abc_parts(settings, cal)
    seed_global_numpy(seed)
    url = f"sqlite:///{db}"
    with make_executor(workers, scheduler) as ex:
        sampler = make_sampler_class()(ex, batch=4, seed=seed, show=False, log=log)
        kernel = pyabc.transition.ModelPerturbationKernel(len(names), probability_to_stay=1 / len(names))

        def fresh():
            return pyabc.ABCSMC(models, priors, C.ScaledDistance(cal.scales, cal.kinds),
                                population_size=settings.population, sampler=sampler,
                                model_perturbation_kernel=kernel)

        done = pyabc.History(url).max_t if db.is_file() else None  # None: an empty file
        if done is None or done < 0:
            db.unlink(missing_ok=True)  # ours (named by its settings), with no finished generation
            fresh().new(url, cal.observed)
        while True:
            # a fresh ABCSMC from the database for every generation, as a resumed run is: pyabc
            # caches the first run's prior sample and would take the next tolerance from it
            abc = fresh()
            history = abc.load(url, 1)
            info = read_history(history, names) if history.max_t >= 0 else {"epsilons": []}
            last = info["particles_by_generation"][-1] if info["epsilons"] else dict.fromkeys(names, 1)
            reason = stop_reason(info["epsilons"], sum(c > 0 for c in last.values()), settings.drop,
                                 settings.generations)
            if reason is not None:
                break
            abc.run(max_nr_populations=1)
        del abc, history  # close the database
    info.update(seed=seed, stopped=reason, settled=reason != "most generations",
                probabilities=info["probabilities_by_generation"][-1],
                deaths=deaths(info["particles_by_generation"], info["probabilities_by_generation"],
                              settings.population, settings.alpha, settings.min_particles))
    return info


def run_all(settings: Settings, store: Path, code: dict[str, Any], workers: int = 1,
            scheduler: str | None = None, log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """The ``settings.runs`` runs, each in its own history in ``store`` (named by the settings,
    the code and the run, so a rerun continues exactly the runs it would make)."""
    store.mkdir(parents=True, exist_ok=True)
    cal = calibration(settings)
    out = []
    for r in range(settings.runs):
        log(f"rivals select: run {r + 1} of {settings.runs}")
        out.append({"run": r, **run_once(settings, cal, derive(settings.seed, r),
                                         store / RUN_DB.format(run=r, tag=tag(settings.key(), code, r)),
                                         workers, scheduler)})
    return out


def summarise(settings: Settings, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per rival: mean probability over the runs, each run's, their spread, and its deaths."""
    out = []
    for rival in settings.rivals:
        p = np.array([run["probabilities"][rival.name] for run in runs], dtype=float)
        out.append({"name": rival.name, "description": rival.description, "sources": rival.sources,
                    "overrides": dict(rival.overrides), "params": list(rival.params),
                    "probability": float(p.mean()), "probability_runs": [float(x) for x in p],
                    "probability_sd": float(p.std(ddof=1)) if len(p) > 1 else math.nan,
                    "probability_min": float(p.min()), "probability_max": float(p.max()),
                    "deaths": [{"run": run["run"], **d} for run in runs for d in run["deaths"]
                               if d["model"] == rival.name]})
    return out


def figure(models: list[dict[str, Any]], runs: list[dict[str, Any]], path: Path) -> Path:
    """Each rival's probability in each run (bar: the mean), and each run's tolerances (seaborn);
    ``path``'s PNG and an SVG beside it (:func:`experiments.analysis.figures.save`)."""
    import seaborn as sns
    from matplotlib.ticker import MaxNLocator

    from experiments.analysis.figures import save, subplots

    probs = pd.DataFrame([{"rival": m["name"], "run": r, "probability": p}
                          for m in models for r, p in enumerate(m["probability_runs"])])
    eps = pd.DataFrame([{"run": str(run["run"]), "generation": t + 1, "epsilon": e}
                        for run in runs for t, e in enumerate(run["epsilons"])])
    fig, axes = subplots(1, 2, figsize=(10, 4))
    sns.barplot(probs, x="rival", y="probability", errorbar=None, color="lightsteelblue", ax=axes[0])
    sns.stripplot(probs, x="rival", y="probability", color="black", ax=axes[0])
    axes[0].set_ylim(0, 1)
    axes[0].set_title(f"posterior probability ({len(runs)} runs; bar: mean)", fontsize=10)
    sns.lineplot(eps, x="generation", y="epsilon", hue="run", marker="o", ax=axes[1])
    axes[1].set_title("tolerance by generation", fontsize=10)
    axes[1].xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    return save(fig, path.with_suffix(""))


def recovery_lines(recovery: list[dict[str, Any]] | None) -> list[str]:
    """What the confusion matrix (rows of ``rivals.confusion_table``) says of the probabilities:
    each rival's data sets picking it, and whether every rival clears :data:`GATE`."""
    if not recovery:
        return ["Model choice by ABC is only as good as its statistics (Robert et al. 2011), and "
                "no recovery confusion matrix was given (`drumbeat rivals confusion`, then "
                "`--confusion`): these probabilities are not yet evidence for any rival."]
    own = {r["true"]: r[f"picked_{r['true']}"] for r in recovery}
    told = all(v is not None and v >= GATE for v in own.values())
    return ["## Can the selection tell the rivals apart?", "",
            "Data simulated from each rival at parameters drawn from its priors, selected the "
            "same way: " + "; ".join(f"{n} picked for {v:.0%} of its {r['datasets']} data sets"
                                     for (n, v), r in zip(own.items(), recovery, strict=True)) + ".",
            "", (f"Every rival is picked for its own data in at least {GATE:.0%} of data sets: "
                 "the probabilities above can be read as evidence." if told else
                 f"Not every rival is picked for its own data in {GATE:.0%} of data sets: the "
                 "selection cannot reliably tell these rivals apart on these facts, and the "
                 "probabilities above are not evidence for either.")]


def report(settings: Settings, models: list[dict[str, Any]], runs: list[dict[str, Any]],
           recovery: list[dict[str, Any]] | None = None) -> str:
    """The markdown report (``selection.md``), with what ``recovery`` (the confusion matrix's
    rows) says of the probabilities."""
    from experiments.analysis.report import md_table

    rule = settings.rule()
    table = pd.DataFrame([{"rival": m["name"], "probability": m["probability"],
                           "sd over runs": m["probability_sd"], "min": m["probability_min"],
                           "max": m["probability_max"], "params": ", ".join(m["params"])}
                          for m in models])
    text = [f"# Model selection between rivals on `{C.portable(Path(settings.scenario))}`", "",
            f"ABC-SMC model selection (pyabc) between {', '.join(settings.names)} on the "
            f"calibration's facts: {settings.runs} runs (seed {settings.seed}) of "
            f"{settings.population} particles, each run until its tolerance fell by less than "
            f"{settings.drop:.0%} in each of {PATIENCE} generations, at most {settings.generations} "
            "generations.",
            "", md_table(table, digits=3), ""]
    text += [f"- run {run['run']}: {len(run['epsilons'])} generations, stopped: {run['stopped']}"
             f"{'' if run['settled'] else ' (the tolerance was still falling: not settled)'}; "
             f"final tolerance {run['epsilons'][-1]:.3g}" for run in runs]
    text += ["", f"Population rule: a rival of probability at least {rule['min_probability']} keeps "
             f"{rule['min_particles']} particles with probability {1 - rule['alpha']:.2f} at "
             f"{rule['population_needed']} particles; this population "
             f"{'meets' if rule['met'] else 'does not meet'} it."]
    for m in models:
        for d in m["deaths"]:
            text.append(f"- {m['name']}, run {d['run']}: " + (
                f"alive with only {d['particles']} particles at the end" if d["thin"] else
                f"died in generation {d['generation']} (share of particles {d['previous_share']:.3f} "
                f"and probability {d['previous_probability']:.3f} before; chance {d['chance']:.2g}): "
                + ("its 0 is established" if d["established"]
                   else "possibly chance; its 0 is not established")))
    text += ["", *recovery_lines(recovery)]
    return "\n".join(text) + "\n"
