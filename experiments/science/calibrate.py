"""Calibration of the historical scenario to the dated facts of Brief sections 4 and 6.

Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC, ``pyabc``) fits a few of
the most influential parameters of ``configs/scenarios/england_2014.toml``. Priors are
uniform over each parameter's range (:func:`simulation.params.param_bounds`). Each particle is
one run from a fresh seed, reduced to summary statistics of the dated facts
(:func:`england_stats`); the distance is the Euclidean norm of the differences from the
observed values, each divided by its stated scale (:data:`SCALES`).

Particles are evaluated through the project executors (:func:`experiments.sweeps.executors.
make_executor`), so the same command runs serially, on local processes or on a Dask
cluster: :class:`ExecutorSampler` is a ``pyabc`` sampler that ships the generation's
``simulate_one`` (cloudpickled) to the workers in seeded batches and assembles the accepted
particles in batch order, so the result does not depend on which worker finishes first.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.sweeps.overlays import draw_indices
from simulation.configs import shipped

ENGLAND = shipped("configs/scenarios/england_2014.toml")
STP_DATE = "2015-12"   # STP footprints announced: system working starts (002:1391)

#: The dated facts (Brief sections 4 and 6, pattern 9) as summary statistics.
OBSERVED: dict[str, float] = {
    "designated_2017_06": 10.0,     # first wave of 10 ICSs, June 2017 (002:1444-1447)
    "designated_2018_05": 14.0,     # 4 more in May 2018 (002:1537-1539)
    "commissioners_2021_03": 80.0,  # 212 CCGs "heading down closer to 80" (000:614)
    "months_to_single_ao": 18.0,    # "some 18 months" to a single accountable officer (000:626)
    "months_to_drumbeat": 30.0,     # "two or three years" to get a drumbeat going (000:640)
}
#: The distance's scale of each statistic: how far off counts as one unit of misfit.
SCALES: dict[str, float] = {
    "designated_2017_06": 2.0,
    "designated_2018_05": 2.0,
    "commissioners_2021_03": 25.0,
    "months_to_single_ao": 9.0,
    "months_to_drumbeat": 9.0,
}
FACTS = {
    "designated_2017_06": "systems designated in June 2017 (002:1444-1447)",
    "designated_2018_05": "systems designated by May 2018 (002:1537-1539)",
    "commissioners_2021_03": "CCGs left in March 2021; 'heading down closer to 80' (000:614)",
    "months_to_single_ao": "median months from the STPs (Dec 2015) to a shared accountable "
                           "officer, where CCGs consolidate (000:626)",
    "months_to_drumbeat": "median months from the STPs (Dec 2015) to a system's shadow-ICS "
                          "consensus, the drumbeat (000:640)",
}
#: The parameters fitted by default: commitment threshold and outside push (pace of
#: commitment), the months per step of CCG consolidation, and the centre's readiness bar
#: (which, with commitment, sets how many systems each review finds ready).
DEFAULT_PARAMS = ("threshold_mean", "external_push", "ccg_merge_months", "designation_index")


# --- summary statistics --------------------------------------------------------------------
def _first_by_system(frame: pd.DataFrame, names: list[str], censor: float) -> np.ndarray:
    first = frame.groupby("system", sort=False)["step"].min()
    return np.array([float(first.get(n, censor)) for n in names])


def england_stats(result, scenario) -> dict[str, float]:
    """Summary statistics of one historical run (see :data:`OBSERVED`)."""
    nat = result.national
    by_date = dict(zip(nat["date"], range(len(nat)), strict=True))

    def at(col: str, date: str) -> float:
        i = by_date.get(date, len(nat) - 1)
        return float(nat[col].iloc[i])

    stp = scenario.step_of(STP_DATE)
    end = float(nat["step"].iloc[-1])
    names = result.system_names
    sysdf = result.systems
    shadow = _first_by_system(sysdf[sysdf["stage"] >= 1], names, end + 12) - stp
    ev = result.events
    ccg0 = sysdf[sysdf["step"] == 0].set_index("system")["commissioners"]
    multi = [n for n in names if ccg0.get(n, 1) > 1]
    ao = ev[ev["kind"] == "ccg_consolidation"].copy()
    ao["system"] = [names[s] if 0 <= s < len(names) else "" for s in ao["system"]]
    t_ao = _first_by_system(ao, multi, math.nan) - stp
    t_ao = t_ao[~np.isnan(t_ao)]
    return {
        "designated_2017_06": at("systems_designated", "2017-06"),
        "designated_2018_05": at("systems_designated", "2018-05"),
        "commissioners_2021_03": at("commissioners", "2021-03"),
        "months_to_single_ao": float(np.median(t_ao)) if t_ao.size else end - stp + 12,
        "months_to_drumbeat": float(np.median(shadow)),
    }


# --- model and distance (picklable callables) -------------------------------------------------
#: Where each particle's run seed comes from; reset from the batch seed in every task.
_RUN_SEEDS: list[np.random.Generator] = [np.random.default_rng(0)]


def seed_global_numpy(seed: int) -> None:
    """Seed NumPy's global generator, which pyabc draws parameters from."""
    np.random.set_state(np.random.RandomState(seed).get_state())  # noqa: NPY002 (pyabc uses it)


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

        seed = int(_RUN_SEEDS[0].integers(2**31 - 1))
        scn = self.spec(pars)
        return self.stats(run_scenario(scn, seed), scn)


@dataclass
class ScaledDistance:
    """Euclidean distance between summary statistics, each divided by its scale."""

    scales: dict[str, float]

    def __call__(self, x: dict[str, float], x0: dict[str, float]) -> float:
        return float(math.sqrt(sum(((x[k] - x0[k]) / s) ** 2 for k, s in self.scales.items())))


# --- the sampler ------------------------------------------------------------------------------
def _simulate_batch(item: tuple[int, bytes, int, int]) -> tuple[int, list]:
    """Executor task: run ``k`` particles of a generation from a seed. Top level, so it pickles."""
    import cloudpickle

    batch, payload, seed, k = item
    seed_global_numpy(seed)
    _RUN_SEEDS[0] = np.random.default_rng([seed, 1])
    simulate_one = cloudpickle.loads(payload)
    return batch, [simulate_one() for _ in range(k)]


def _make_sampler_class():
    import pyabc

    class ExecutorSampler(pyabc.sampler.Sampler):
        """A pyabc sampler that evaluates particles through a project executor.

        Batches of ``batch`` particles are submitted lazily (the executor keeps a few in
        flight) until the batches completed in submission order hold ``n`` accepted
        particles; later batches are dropped, so which worker finishes first does not bias
        the population. ``max_eval`` is not enforced within a generation.
        """

        def __init__(self, executor, batch: int = 4, seed: int = 0) -> None:
            super().__init__()
            self.executor = executor
            self.batch = batch
            self.seed = seed

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf,
                                    all_accepted=False, ana_vars=None):
            import cloudpickle

            payload = cloudpickle.dumps(simulate_one)
            seeds = np.random.SeedSequence([self.seed, int(t) + 1])

            def items() -> Iterator[tuple[int, bytes, int, int]]:
                for b in itertools.count():
                    yield b, payload, int(seeds.spawn(1)[0].generate_state(1)[0]), self.batch

            done: dict[int, list] = {}
            accepted_prefix, nxt = 0, 0
            for b, particles in self.executor.map_unordered(_simulate_batch, items()):
                done[b] = particles
                while nxt in done:
                    accepted_prefix += sum(p.accepted for p in done[nxt])
                    nxt += 1
                if accepted_prefix >= n:
                    break
            sample = self._create_empty_sample()
            evaluated = 0
            for b in range(nxt):
                for p in done[b]:
                    if sample.n_accepted >= n:
                        break
                    sample.append(p)
                    evaluated += 1
            self.nr_evaluations_ = evaluated
            return sample

    return ExecutorSampler


# --- running ----------------------------------------------------------------------------------
@dataclass
class Calibration:
    """What to fit: scenario, parameters, statistics, observed values and their scales."""

    scenario: str | Path = ENGLAND
    params: tuple[str, ...] = DEFAULT_PARAMS
    observed: dict[str, float] = field(default_factory=lambda: dict(OBSERVED))
    scales: dict[str, float] = field(default_factory=lambda: dict(SCALES))
    stats: Callable = england_stats
    overrides: dict[str, Any] = field(default_factory=dict)

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
        log: Callable[[str], None] | None = None) -> Fit:
    """Fit ``cal`` by ABC-SMC; particles are evaluated through the project executors."""
    import tempfile
    import time
    from datetime import timedelta

    import pyabc

    from experiments.sweeps.executors import make_executor

    seed_global_numpy(seed)
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp, make_executor(workers, scheduler) as ex:
        sampler = _make_sampler_class()(ex, batch=batch, seed=seed)
        abc = pyabc.ABCSMC(cal.model(), cal.priors(), ScaledDistance(cal.scales),
                           population_size=population, sampler=sampler)
        path = db or Path(tmp) / "abc.db"
        abc.new(f"sqlite:///{path}", cal.observed)
        kwargs: dict[str, Any] = {"minimum_epsilon": min_epsilon, "max_nr_populations": generations}
        if walltime_minutes:
            kwargs["max_walltime"] = timedelta(minutes=walltime_minutes)
        history = abc.run(**kwargs)
        particles, weights = history.get_distribution(m=0, t=history.max_t)
        pops = history.get_all_populations()
        pops = pops[pops["t"] >= 0]
        fit = Fit(particles=particles[list(cal.params)].reset_index(drop=True),
                  weights=np.asarray(weights, dtype=float), epsilons=[float(e) for e in pops["epsilon"]],
                  evaluations=int(pops["samples"].sum()), populations=int(len(pops)),
                  seconds=time.monotonic() - start)
    if log:
        log(f"ABC-SMC: {fit.populations} populations, {fit.evaluations} runs, "
            f"final epsilon {fit.epsilons[-1]:.3g}, {fit.seconds:.0f} s")
    return fit


# --- posterior predictive runs, outputs ------------------------------------------------------------
def _predict_item(item: tuple[str, dict[str, float], int, dict]) -> dict[str, Any]:
    """Executor task: one run of a posterior draw; the series the figure needs and its stats."""
    from simulation import run_scenario

    scenario, pars, seed, overrides = item
    model = ScenarioModel(scenario, england_stats, overrides)
    scn = model.spec(pars)
    res = run_scenario(scn, seed)
    nat = res.national
    return {"dates": list(nat["date"]), "designated": nat["systems_designated"].to_numpy(),
            "commissioners": nat["commissioners"].to_numpy(), "systems": len(res.system_names),
            "stats": england_stats(res, scn)}


def predict(cal: Calibration, fit: Fit, draws: int, workers: int = 1,
            scheduler: str | None = None, seed: int = 0) -> list[dict[str, Any]]:
    """Run ``draws`` posterior draws, each from its own seed (through the executors)."""
    from experiments.sweeps.executors import make_executor

    rng = np.random.default_rng([seed, 7])
    items = [(str(cal.scenario), pars, int(rng.integers(2**31 - 1)), cal.overrides)
             for pars in fit.draw(draws, rng)]
    with make_executor(workers, scheduler) as ex:
        return list(ex.map_unordered(_predict_item, items))


def stats_table(cal: Calibration, runs: list[dict[str, Any]]) -> pd.DataFrame:
    """Observed value against the posterior predictive median and 10-90% range."""
    rows = []
    for key, obs in cal.observed.items():
        x = np.array([r["stats"][key] for r in runs], dtype=float)
        rows.append({"statistic": key, "fact": FACTS.get(key, key), "observed": obs,
                     "scale": cal.scales[key], "median": float(np.median(x)),
                     "q10": float(np.quantile(x, 0.1)), "q90": float(np.quantile(x, 0.9))})
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
    lines += ["#", "# fit: statistic    observed  simulated median (10-90%)"]
    lines += [f"# {r.statistic:<22} {r.observed:<8.4g} {r['median']:.4g} ({r.q10:.4g}-{r.q90:.4g})"
              for _, r in table.iterrows()]
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
        "designated": ([("2017-06", 10, "first wave"), ("2018-05", 14, "second wave"),
                        ("2021-04", n_sys, "all (deadline)")], "systems designated"),
        "commissioners": ([("2014-10", 211, "211 CCGs (2013)"), ("2021-03", 80, "'closer to 80'"),
                           ("2022-07", n_sys, "one per system")], "commissioners (CCGs)"),
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
