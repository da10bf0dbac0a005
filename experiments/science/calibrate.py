"""Calibration of the historical scenario to the dated facts of Brief sections 4 and 6, and to
two facts that tell peer contagion from an outside push (``calib_targets.py``).

Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC, ``pyabc``) fits a few of
the most influential parameters of ``configs/scenarios/england_2014.toml``. Priors are
uniform over each parameter's range (:func:`simulation.params.param_bounds`). Each particle is
one run from a fresh seed, reduced to summary statistics (:func:`calib_targets.england_stats`);
the distance is the Euclidean norm of the misfits of the *fitted* facts
(:data:`calib_targets.FITTED`): each difference from the observed value over its scale, or,
for a fact the seeds give only as a bound, the part beyond the bound. The *held-out* facts
(:data:`calib_targets.HELD_OUT`) are checked only on posterior predictive runs.

Particles are evaluated through the project executors (:func:`experiments.sweeps.executors.
make_executor`) by :mod:`experiments.science.abc_sampler`, so the same command runs serially,
on local processes or on a Dask cluster. The history is a SQLite database that a fit
interrupted (killed, or stopped by its wall-time limit) continues from (``resume``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.science import history as H
from experiments.science.abc_sampler import make_sampler_class, next_run_seed, seed_global_numpy
from experiments.science.calib_targets import (
    FACTS,
    FITTED,
    HELD_OUT,
    KINDS,
    OBSERVED,
    SCALES,
    STP_DATE,
    TARGETS,
    Target,
    england_stats,
    misfit,
)
from experiments.sweeps.overlays import draw_indices
from simulation.configs import shipped

__all__ = ["ENGLAND", "FACTS", "FITTED", "HELD_OUT", "OBSERVED", "SCALES", "STP_DATE", "TARGETS",
           "Calibration", "Fit", "ScaledDistance", "england_stats", "predict", "run",
           "seed_global_numpy", "stats_table", "weighted_quantile"]

ENGLAND = shipped("configs/scenarios/england_2014.toml")
#: The parameters fitted by default: the two routes to commitment - the thresholds of the
#: drumbeat (their mean and their spread between organisations: the first movers that a
#: cascade needs, 000:640, 002:2899) and imitation, against the outside push - then the
#: months per step of CCG consolidation and the centre's readiness bar (which, with
#: commitment, sets how many systems each review finds ready). The spread and imitation were
#: held at their defaults until 2026-11-26, which left only the push to speed commitment up.
DEFAULT_PARAMS = ("threshold_mean", "threshold_sd", "external_push", "peer_push",
                  "ccg_merge_months", "designation_index")
#: The database of a calibration's history, inside its output folder (resumable).
DB_NAME = "abc.db"
#: Settings of a --quick check, and those that made the committed fit
#: (docs/calibration-notes.md): six parameters need more particles and populations than four.
QUICK = {"population": 24, "generations": 2, "draws": 6}
FULL = {"population": 200, "generations": 10, "draws": 40}


def portable(scenario: Path) -> str:
    """A shipped scenario as ``configs/...`` (no path of this machine in a results folder);
    any other file as given."""
    from simulation.configs import config_dir

    try:
        return "configs/" + Path(scenario).resolve().relative_to(config_dir().resolve()).as_posix()
    except ValueError:
        return str(scenario)


def code_key(stored: dict) -> dict:
    """What makes a calibration's numbers, as its marker records it: the model's code and the
    fit's, its settings (``resume.json``: scenario, parameters, sizes) and seed."""
    from experiments.science import calib_targets, real_targets
    from experiments.sweeps import provenance

    return provenance.code_key(provenance.digest(stored), (Path(__file__), Path(calib_targets.__file__),
                                                           Path(real_targets.__file__)))


# --- model and distance (picklable callables) -------------------------------------------------
class ScenarioModel:
    """A pyabc model: parameters -> one run from a fresh seed -> summary statistics."""

    def __init__(self, scenario: str | Path, stats: Callable, overrides: dict | None = None):
        self.scenario = str(scenario)
        self.stats = stats
        self.overrides = dict(overrides or {})
        self._base = None

    def spec(self, pars: dict[str, float]):
        """The scenario with ``pars`` applied."""
        from simulation import load_scenario

        if self._base is None:
            self._base = load_scenario(self.scenario, self.overrides)
        return self._base.with_overrides({k: float(v) for k, v in dict(pars).items()})

    def __call__(self, pars) -> dict[str, float]:
        from simulation import run_scenario

        seed = next_run_seed()
        scn = self.spec(pars)
        return self.stats(run_scenario(scn, seed), scn)


@dataclass
class ScaledDistance:
    """Euclidean norm of the misfits (:func:`calib_targets.misfit`): each difference over its
    scale; for a bound (``kinds``: ``at_least``/``at_most``) only the part beyond it."""

    scales: dict[str, float]
    kinds: dict[str, str] = field(default_factory=dict)

    def __call__(self, x: dict[str, float], x0: dict[str, float]) -> float:
        return float(math.sqrt(sum(misfit(float(x[k]), float(x0[k]), s,
                                          self.kinds.get(k, "point")) ** 2
                                   for k, s in self.scales.items())))


# --- running ----------------------------------------------------------------------------------
@dataclass
class Calibration:
    """What to fit: scenario, parameters, statistics, observed values and their scales."""

    scenario: str | Path = ENGLAND
    params: tuple[str, ...] = DEFAULT_PARAMS
    observed: dict[str, float] = field(default_factory=lambda: dict(OBSERVED))
    scales: dict[str, float] = field(default_factory=lambda: dict(SCALES))
    kinds: dict[str, str] = field(default_factory=lambda: dict(KINDS))
    stats: Callable = england_stats
    overrides: dict[str, Any] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=lambda: dict(TARGETS))

    @classmethod
    def of(cls, scenario: str | Path, params: tuple[str, ...] = DEFAULT_PARAMS) -> Calibration:
        """What to fit for ``scenario``: on Real England (``world.generator = "england_real"``)
        also which systems came first (:mod:`experiments.science.real_targets`)."""
        from simulation import load_scenario

        if load_scenario(scenario).world.generator != "england_real":
            return cls(scenario=scenario, params=params)
        from experiments.science import real_targets as R

        observed, scales, kinds = R.real_calibration_targets()
        return cls(scenario=scenario, params=params, observed=observed, scales=scales,
                   kinds=kinds, stats=R.real_england_stats, targets={**TARGETS, **R.REAL_TARGETS})

    def priors(self):
        """Uniform priors over each parameter's range (:func:`simulation.params.param_bounds`)."""
        import pyabc

        from simulation import ConfigError
        from simulation.params import param_bounds

        bounds = param_bounds()
        unknown = [p for p in self.params if p not in bounds]
        if unknown:
            raise ConfigError(f"--params: cannot calibrate {', '.join(unknown)}; choose from "
                              f"{', '.join(sorted(bounds))}")
        return pyabc.Distribution(**{p: pyabc.RV("uniform", bounds[p][0],
                                                 bounds[p][1] - bounds[p][0])
                                     for p in self.params})

    def model(self) -> ScenarioModel:
        """The picklable model pyabc calls for each particle."""
        return ScenarioModel(self.scenario, self.stats, self.overrides)


@dataclass
class Fit:
    """The outcome of one calibration: the last population and how it was reached."""

    particles: pd.DataFrame          # one row per accepted particle, a column per parameter
    weights: np.ndarray
    epsilons: list[float]
    evaluations: int
    populations: int
    seconds: float

    def summary(self) -> pd.DataFrame:
        """Weighted mean, median, 10% and 90% quantiles of each parameter."""
        rows = []
        for name in self.particles.columns:
            x = self.particles[name].to_numpy(dtype=float)
            rows.append({"parameter": name, "mean": float(np.average(x, weights=self.weights)),
                         "median": weighted_quantile(x, self.weights, 0.5),
                         "q10": weighted_quantile(x, self.weights, 0.1),
                         "q90": weighted_quantile(x, self.weights, 0.9)})
        return pd.DataFrame(rows).set_index("parameter")

    def medians(self) -> dict[str, float]:
        """Posterior median of each parameter."""
        return {k: float(v) for k, v in self.summary()["median"].items()}

    def draw(self, k: int, rng: np.random.Generator) -> list[dict[str, float]]:
        """``k`` parameter sets resampled from the weighted posterior."""
        idx = draw_indices(self.weights, k, rng)
        return [{c: float(self.particles[c].iloc[i]) for c in self.particles.columns} for i in idx]


def weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    """Quantile ``q`` of values ``x`` with weights ``w`` (inverse of the weighted CDF)."""
    order = np.argsort(x)
    cw = np.cumsum(w[order]) / np.sum(w)
    return float(x[order][min(np.searchsorted(cw, q), len(x) - 1)])


def run(cal: Calibration, population: int, generations: int, workers: int = 1,
        scheduler: str | None = None, seed: int = 0, min_epsilon: float = 0.0,
        walltime_minutes: float | None = None, batch: int = 4, db: Path | None = None,
        resume: bool = False, log: Callable[[str], None] | None = None,
        show: bool | None = None) -> Fit:
    """Fit ``cal`` by ABC-SMC; particles are evaluated through the project executors.

    The history is kept in the SQLite database ``db`` (a temporary one when None). A fresh
    fit starts it anew (an earlier file there is removed); ``resume=True`` continues the
    fit stored there (``ABCSMC.load``) up to ``generations`` populations in all -- the
    generation that was interrupted is run again from its own seed, as it would have run.
    """
    import tempfile
    import time
    from datetime import timedelta

    import pyabc

    from experiments.sweeps.executors import make_executor
    from simulation import ConfigError

    seed_global_numpy(seed)
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, make_executor(workers, scheduler) as ex:
        sampler = make_sampler_class()(ex, batch=batch, seed=seed, show=show, log=log)
        abc = pyabc.ABCSMC(cal.model(), cal.priors(), ScaledDistance(cal.scales, cal.kinds),
                           population_size=population, sampler=sampler)
        path = Path(db) if db is not None else Path(tmp) / DB_NAME
        if resume:
            if not path.is_file():
                raise ConfigError(f"{path}: no calibration database to resume")
            history = abc.load(f"sqlite:///{path}", 1)
            left = generations - (history.max_t + 1)
        else:
            path.unlink(missing_ok=True)
            abc.new(f"sqlite:///{path}", cal.observed)
            left = generations
        if left > 0:
            kwargs: dict[str, Any] = {"minimum_epsilon": min_epsilon, "max_nr_populations": left}
            if walltime_minutes:
                kwargs["max_walltime"] = timedelta(minutes=walltime_minutes)
            history = abc.run(**kwargs)
        if history.max_t < 0:
            raise ConfigError(f"{path}: the calibration holds no finished population yet")
        particles, weights = history.get_distribution(m=0, t=history.max_t)
        pops = history.get_all_populations()
        pops = pops[pops["t"] >= 0]
        fit = Fit(particles=particles[list(cal.params)].reset_index(drop=True),
                  weights=np.asarray(weights, dtype=float), epsilons=[float(e) for e in pops["epsilon"]],
                  evaluations=int(pops["samples"].sum()), populations=int(len(pops)),
                  seconds=time.monotonic() - start)
        del abc, history  # close the database before the folder is used
    if log:
        log(f"ABC-SMC: {fit.populations} populations, {fit.evaluations} runs, "
            f"final epsilon {fit.epsilons[-1]:.3g}, {fit.seconds:.0f} s")
    return fit


# --- posterior predictive runs, outputs ------------------------------------------------------------
def _predict_item(item: tuple[str, dict[str, float], int, dict, Callable]) -> dict[str, Any]:
    """Executor task: one run of a posterior draw; the series the figure needs and its stats."""
    from simulation import run_scenario

    scenario, pars, seed, overrides, stats = item
    model = ScenarioModel(scenario, stats, overrides)
    scn = model.spec(pars)
    res = run_scenario(scn, seed)
    nat = res.national
    return {"dates": list(nat["date"]), "designated": nat["systems_designated"].to_numpy(),
            "commissioners": nat["commissioners"].to_numpy(), "systems": len(res.system_names),
            "stats": stats(res, scn)}


def predict(cal: Calibration, fit: Fit, draws: int, workers: int = 1,
            scheduler: str | None = None, seed: int = 0) -> list[dict[str, Any]]:
    """Run ``draws`` posterior draws, each from its own seed (through the executors)."""
    from experiments.sweeps.executors import make_executor

    rng = np.random.default_rng([seed, 7])
    items = [(str(cal.scenario), pars, int(rng.integers(2**31 - 1)), cal.overrides, cal.stats)
             for pars in fit.draw(draws, rng)]
    with make_executor(workers, scheduler) as ex:
        return list(ex.map_unordered(_predict_item, items))


def stats_table(cal: Calibration, runs: list[dict[str, Any]]) -> pd.DataFrame:
    """Each fitted fact: observed value (or bound) against the posterior predictive median and
    10-90% range, and the share of draws consistent with it (within one scale of a point)."""
    rows = []
    for key, obs in cal.observed.items():
        x = np.array([r["stats"][key] for r in runs], dtype=float)
        kind = cal.kinds.get(key, "point")
        ok = [abs(misfit(v, obs, cal.scales[key], kind)) <= (1.0 if kind == "point" else 0.0)
              for v in x]
        fin = x[np.isfinite(x)] if np.isfinite(x).any() else np.array([math.nan])
        fact = cal.targets[key].fact if key in cal.targets else key
        rows.append({"statistic": key, "fact": fact, "kind": kind,
                     "observed": obs, "scale": cal.scales[key], "median": float(np.median(fin)),
                     "q10": float(np.quantile(fin, 0.1)), "q90": float(np.quantile(fin, 0.9)),
                     "share_consistent": float(np.mean(ok))})
    return pd.DataFrame(rows)
def calibrated_toml(cal: Calibration, fit: Fit, table: pd.DataFrame) -> str:
    """The historical scenario with the posterior medians, the posterior as comments."""
    from simulation import load_scenario

    base = load_scenario(cal.scenario, cal.overrides)
    scn = base.with_overrides({**fit.medians(), "scenario.name": f"{base.scenario.name}_calibrated",
                               "scenario.description": base.scenario.description
                               + " Parameters fitted by ABC-SMC (drumbeat calibrate)."})
    s = fit.summary()
    lines = [
        "# England 2014-2022 with parameters calibrated by ABC-SMC (pyabc) to the dated facts",
        "# of Brief sections 4 and 6 (drumbeat calibrate; experiments/science/calibrate.py).",
        f"# {fit.populations} populations, {fit.evaluations} runs, final epsilon "
        f"{fit.epsilons[-1]:.3f}, {fit.seconds / 60:.1f} minutes. [params] take posterior medians.",
        "#",
        "# posterior          mean      median    q10       q90",
    ]
    lines += [f"# {p:<18} {r['mean']:<9.4g} {r['median']:<9.4g} {r['q10']:<9.4g} {r['q90']:<9.4g}"
              for p, r in s.iterrows()]
    bound = {"at_least": ">=", "at_most": "<="}
    lines += ["#", "# fit: statistic                  observed  simulated median (10-90%)"]
    lines += [f"# {r.statistic:<30} {bound.get(r.get('kind'), ''):>2}{r.observed:<8.4g} "
              f"{r['median']:.4g} ({r.q10:.4g}-{r.q90:.4g})" for _, r in table.iterrows()]
    lines += ["#", "# accepted particles (weight, " + ", ".join(fit.particles.columns) + "):"]
    for i in range(len(fit.weights)):
        vals = " ".join(f"{fit.particles[c].iloc[i]:.5g}" for c in fit.particles.columns)
        lines.append(f"#   {fit.weights[i]:.5f} {vals}")
    return "\n".join(lines) + "\n" + scn.to_toml()


def figure(runs: list[dict[str, Any]], path: Path) -> None:
    """Designated systems and commissioners: posterior median and 10-90% band vs observed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dates = pd.to_datetime(runs[0]["dates"])
    n_sys = runs[0]["systems"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    obs = {
        "designated": ([(H.month("first_wave"), H.count("first_wave"), "first wave"),
                        (H.month("second_wave"), H.count("second_wave"), "second wave"),
                        (H.month("all_designated"), n_sys, "all (deadline)")], "systems designated"),
        "commissioners": ([(H.month("start"), H.count("start"), f"{H.count('start')} CCGs (2013)"),
                           (H.month("ccgs_2021"), H.count("ccgs_2021"), "'closer to 80'"),
                           (H.month("statute"), n_sys, "one per system")], "commissioners (CCGs)"),
    }
    for ax, (key, (points, label)) in zip(axes, obs.items(), strict=True):
        y = np.vstack([r[key] for r in runs]).astype(float)
        lo, med, hi = np.quantile(y, [0.1, 0.5, 0.9], axis=0)
        ax.fill_between(dates, lo, hi, alpha=0.3, color="tab:blue", label="simulated 10-90%")
        ax.plot(dates, med, color="tab:blue", label="simulated median")
        for d, v, text in points:
            ax.plot(pd.to_datetime(d), v, "o", color="tab:red")
            ax.annotate(text, (pd.to_datetime(d), v), textcoords="offset points", xytext=(4, 4),
                        fontsize=8)
        ax.plot([], [], "o", color="tab:red", label="observed")
        ax.set_ylabel(label)
        ax.set_xlabel("date")
        ax.legend(fontsize=8, loc="best")
    fig.suptitle(f"England 2014-2022: posterior predictive ({len(runs)} draws) against the dated facts")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
