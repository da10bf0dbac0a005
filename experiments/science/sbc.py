"""Simulation-based calibration of the ABC fit: does its posterior cover the truth as often as it says?

Talts et al. (2018), for ABC: for each of ``truths`` synthetic truths,

1. draw every fitted parameter from its prior (uniform over the parameter's range, as the fit's
   priors; truth ``k`` from the generator seeded ``(seed, k)``);
2. run the scenario once at those values, from a seed of its own, and reduce the run to the
   fitted facts by the fit's own statistics; these are the "observed" facts, as points (the
   synthetic facts have no bounds, as in ``tests/test_calibration_recovery.py``);
3. fit them with the same ABC-SMC, at the stated size, from a seed of its own;
4. place the truth in the weighted posterior: its posterior CDF value (the weight of particles
   below it, half the weight of any equal to it) and whether it lies in the central 50 % and
   90 % intervals.

If the fit is calibrated, each parameter's CDF values are uniform on [0, 1] over the truths
(flat rank histogram) and the intervals cover the truth in about 50 % and 90 % of them. A
histogram heaped in the middle means the posterior is too wide; one heaped at both ends, too
narrow (overconfident); one heaped at one end, biased. With 20 truths coverage has a wide
interval (Wilson, reported): SBC at this size finds gross miscalibration, not fine.

A truth whose simulated facts are not all finite (the statistic undefined for that run, e.g.
no variance to measure clustering with) cannot be fitted; it is recorded as such, with the
facts that were missing, and left out of coverage - the report counts them, so a prior region
where the facts are undefined is visible rather than silently redrawn.

Each finished truth is one line of ``truths.jsonl`` in the output folder; a rerun of the same
settings and code skips the truths already there (resume after ``kill -9``).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.science import calibrate as C
from experiments.science.judge import wilson

#: The central intervals whose coverage is reported.
LEVELS = (0.5, 0.9)
#: Bins of the rank histogram.
BINS = 5


def draw_truths(params: tuple[str, ...], count: int, seed: int) -> list[dict[str, float]]:
    """``count`` parameter sets from the uniform priors; truth ``k`` depends on (seed, k) only."""
    from simulation.params import param_bounds

    bounds = param_bounds()
    out = []
    for k in range(count):
        rng = np.random.default_rng([seed, k])
        out.append({p: float(rng.uniform(*bounds[p])) for p in params})
    return out


def simulate(cal: C.Calibration, truth: dict[str, float], seed: int) -> dict[str, float]:
    """The fitted facts of one run of ``cal``'s scenario at ``truth`` from ``seed``."""
    from simulation import run_scenario

    model = cal.model()
    scn = model.spec(truth)
    stats = cal.stats(run_scenario(scn, seed), scn)
    return {k: float(stats[k]) for k in cal.observed}


def locate(particles: pd.DataFrame, weights: np.ndarray, truth: dict[str, float]) -> dict[str, dict]:
    """Per parameter: the truth's posterior CDF value, the posterior's quantiles, and whether
    the truth lies inside each central interval of :data:`LEVELS`."""
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    out = {}
    for p, t in truth.items():
        x = particles[p].to_numpy(dtype=float)
        cdf = float(w[x < t].sum() + 0.5 * w[x == t].sum())
        row: dict[str, Any] = {"truth": t, "cdf": cdf,
                               "median": C.weighted_quantile(x, w, 0.5)}
        for level in LEVELS:
            lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
            lo, hi = C.weighted_quantile(x, w, lo_q), C.weighted_quantile(x, w, hi_q)
            row[f"q{round(lo_q * 100):02d}"], row[f"q{round(hi_q * 100):02d}"] = lo, hi
            row[f"in{round(level * 100)}"] = bool(lo <= t <= hi)
        out[p] = row
    return out


@dataclasses.dataclass(frozen=True)
class Settings:
    """What an SBC run is: scenario, parameters, truths, fit size and seed."""

    scenario: str
    params: tuple[str, ...]
    truths: int
    population: int
    generations: int
    seed: int = 0
    overrides: tuple[tuple[str, Any], ...] = ()

    def key(self) -> dict[str, Any]:
        """The settings as recorded with every truth (a rerun resumes only the same ones)."""
        return {"scenario": C.portable(Path(self.scenario)), "params": list(self.params),
                "population": self.population, "generations": self.generations,
                "seed": self.seed, "overrides": dict(self.overrides)}


def calibration(settings: Settings) -> C.Calibration:
    """The fit SBC checks: the scenario's own facts and scales, as points."""
    cal = C.Calibration.of(settings.scenario, settings.params)
    return dataclasses.replace(cal, overrides=dict(settings.overrides), kinds={})


def one_truth(settings: Settings, k: int, truth: dict[str, float], workers: int = 1,
              log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Simulate truth ``k``, fit it, and place it in its posterior (one line of truths.jsonl)."""
    cal = calibration(settings)
    observed = simulate(cal, truth, seed=10_000 * (settings.seed + 1) + k)
    line: dict[str, Any] = {"truth": k, "values": truth, "observed": observed}
    missing = sorted(name for name, v in observed.items() if not math.isfinite(v))
    if missing:
        return {**line, "fitted": False, "missing": missing}
    fit = C.run(dataclasses.replace(cal, observed=observed), population=settings.population,
                generations=settings.generations, workers=workers,
                seed=1_000 * (settings.seed + 1) + k, log=log, show=False)
    return {**line, "fitted": True, "epsilon": fit.epsilons[-1], "evaluations": fit.evaluations,
            "placed": locate(fit.particles, fit.weights, truth)}


def read_done(path: Path, key: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Truths already in ``path`` from the same settings and code (a cut last line ignored)."""
    done: dict[int, dict[str, Any]] = {}
    if not path.is_file():
        return done
    for text in path.read_text(encoding="utf-8").splitlines():
        try:
            line = json.loads(text)
        except json.JSONDecodeError:
            continue  # a line cut by a kill: run that truth again
        if isinstance(line, dict) and line.get("key") == key and isinstance(line.get("truth"), int):
            done[line["truth"]] = line
    return done


def run(settings: Settings, folder: Path, code: dict[str, Any], workers: int = 1,
        log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Every truth of ``settings``, each appended to ``folder/truths.jsonl`` as it finishes;
    truths already there from the same settings and ``code`` are not run again."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "truths.jsonl"
    key = {**settings.key(), "code": code}
    done = read_done(path, key)
    if done:
        log(f"sbc: {len(done)} of {settings.truths} truths already in {path}")
    for k, truth in enumerate(draw_truths(settings.params, settings.truths, settings.seed)):
        if k in done:
            continue
        log(f"sbc: truth {k + 1} of {settings.truths}")
        line = {**one_truth(settings, k, truth, workers), "key": key}
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, sort_keys=True) + "\n")
            fh.flush()
        done[k] = line
    return [done[k] for k in sorted(done) if k < settings.truths]


# --- what the truths say ----------------------------------------------------------------------
def table(lines: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per fitted truth and parameter."""
    rows = [{"truth_id": line["truth"], "parameter": p, **placed}
            for line in lines if line.get("fitted") for p, placed in line["placed"].items()]
    return pd.DataFrame(rows)


def coverage(rows: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: truths fitted, coverage of each central interval with its Wilson
    interval, and a chi-square test of the CDF values' uniformity over :data:`BINS` bins."""
    from scipy import stats

    out = []
    for p, sub in rows.groupby("parameter", sort=False):
        n = len(sub)
        row: dict[str, Any] = {"parameter": p, "truths": n}
        for level in LEVELS:
            hits = int(sub[f"in{round(level * 100)}"].sum())
            lo, hi = wilson(hits, n)
            row[f"coverage{round(level * 100)}"] = hits / n
            row[f"coverage{round(level * 100)}_lo"], row[f"coverage{round(level * 100)}_hi"] = lo, hi
        counts = np.histogram(sub["cdf"].to_numpy(float), bins=BINS, range=(0.0, 1.0))[0]
        row["uniformity_p"] = float(stats.chisquare(counts).pvalue) if n >= BINS else math.nan
        out.append(row)
    return pd.DataFrame(out)


def figure(rows: pd.DataFrame, path: Path) -> Path:
    """Rank histograms: each parameter's CDF values over the truths, with the band a uniform
    histogram of as many truths would fall in 95 % of the time (seaborn); ``path``'s PNG and an
    SVG beside it (:func:`experiments.analysis.figures.save`)."""
    import seaborn as sns
    from scipy import stats

    from experiments.analysis.figures import save, subplots

    params = list(dict.fromkeys(rows["parameter"]))
    n_truths = rows.groupby("parameter").size().max()
    lo, hi = stats.binom.ppf([0.025, 0.975], n_truths, 1 / BINS)
    cols = min(3, len(params))
    nrows = -(-len(params) // cols)
    fig, axes = subplots(nrows, cols, figsize=(2.9 * cols, 2.4 * nrows), squeeze=False)
    for ax, p in zip(axes.flat, params, strict=False):
        sns.histplot(rows[rows["parameter"] == p], x="cdf", bins=BINS, binrange=(0, 1),
                     color="tab:blue", ax=ax)
        ax.axhspan(lo, hi, color="grey", alpha=0.25, lw=0)
        ax.axhline(n_truths / BINS, color="grey", lw=1)
        ax.set_xlabel("posterior CDF at the truth")
        ax.set_title(p)
    for ax in axes.flat[len(params):]:
        ax.set_visible(False)
    fig.suptitle(f"Simulation-based calibration: {n_truths} truths (grey: 95 % band of a "
                 "calibrated fit)")
    fig.tight_layout()
    return save(fig, path.with_suffix(""))


def report(settings: Settings, lines: list[dict[str, Any]], cover: pd.DataFrame) -> str:
    """The markdown report (``sbc.md``)."""
    from experiments.analysis.report import md_table

    unfitted = [line for line in lines if not line.get("fitted")]
    text = [f"# Simulation-based calibration of `{C.portable(Path(settings.scenario))}`", "",
            f"{settings.truths} truths drawn from the priors of {', '.join(settings.params)} "
            f"(seed {settings.seed}); each simulated once and fitted by the same ABC-SMC at "
            f"{settings.population} particles and at most {settings.generations} populations "
            "(the synthetic facts as points). A calibrated fit covers the truth in about 50 % "
            "and 90 % of truths and has flat rank histograms (`sbc.png`).", ""]
    if unfitted:
        text += [f"{len(unfitted)} truths could not be fitted, their simulated facts not all "
                 "defined: " + "; ".join(f"truth {u['truth']} ({', '.join(u['missing'])})"
                                          for u in unfitted) + ".", ""]
    text += [md_table(cover, digits=2), "", "Rows: `sbc.csv` (every fitted truth and "
             "parameter); lines as run: `truths.jsonl`."]
    return "\n".join(text) + "\n"
