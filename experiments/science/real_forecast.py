"""Real England system by system: the model's forecast over seeds, and what it gets right.

Reads the runs of a sweep of a Real England scenario (``configs/experiments/real_england.toml``:
one scenario, many seeds, each run's systems table kept) and writes, into the sweep's folder
(``drumbeat findings real_england DIR``):

- ``real_systems.csv``: each footprint of 2016's probability of being a shadow ICS, designated
  and mature by the end of each June and December 2017-2022 (column ``by_end_of``: a date of
  the forecast, not of an event), over the runs;
- ``real_survival.csv``: each footprint's Kaplan-Meier curve of time to designation (lifelines;
  the statute of July 2022, which designates every system, censors at June 2022);
- ``predictions.csv``: the forecast in the format the scoring rule fixed
  (:mod:`experiments.science.forecast`), on its unit, the 42 footprints of June 2022: a unit
  made of several footprints of 2016 (Cumbria and North East) is designated when all of them
  are; its median designation month is the lower median over runs (the first month at which
  at least half the runs have it designated), empty beyond June 2022;
- ``null_predictions.csv``: the null forecaster's, for the same scoring;
- ``ratings.csv``: for the footprints the July 2017 STP progress ratings name (a test target,
  never an input), the model's mean integration index in July 2017 and the rating, with the
  Spearman rank correlation and its 95 % bootstrap interval (over the rated footprints, 2,000
  resamples, seeded);
- ``first_waves.csv``: per run, how many of its first 8 and 12 footprints designated are the
  real ones of June 2017 and May 2018 (``real_targets``), against what a random order gives;
- ``figures/real_england.png``: each footprint's probability of being designated by each date,
  ordered by its median designation month (seaborn heat map).

Nothing here reads which systems were designated after May 2018: that record is held out.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.science.forecast import DATES, HORIZON, Forecast, null_forecasts, write_predictions
from experiments.science.forecast.files import month_index
from experiments.science.forecast.units import unit_of, units
from experiments.science.real_targets import first_k_hits, real_waves

#: Stage codes of the systems table (``stage``): shadow ICS, designated ICS, mature ICS.
STAGES = {"shadow": 1, "designated": 2, "mature": 3}
RATING_SCORE = {"outstanding": 4, "advanced": 3, "making_progress": 2, "needs_most_improvement": 1}
RATING_DATE = "2017-07"


def _month(date: str) -> int:
    return month_index(date[:7])


def first_months(systems: pd.DataFrame, stage: int) -> pd.DataFrame:
    """Per (run, system): the first month index (``month_index``) at which the system's stage is
    at least ``stage``; ``inf`` if never. Rows: run ids; columns: systems (in table order)."""
    order = list(dict.fromkeys(systems["system"].astype(str)))
    reached = systems[systems["stage"] >= stage]
    first = reached.groupby(["run_id", "system"], observed=True)["date"].min().map(_month)
    table = first.unstack("system").reindex(columns=order)
    runs = sorted(systems["run_id"].unique())
    return table.reindex(runs).astype(float).fillna(math.inf)


def probabilities(first: pd.DataFrame, dates: tuple[str, ...] = DATES) -> pd.DataFrame:
    """Per system (rows) and date (columns): the share of runs reached by the end of that month."""
    return pd.DataFrame({d: (first.to_numpy() <= month_index(d)).mean(axis=0) for d in dates},
                        index=first.columns)


def lower_median(months: np.ndarray) -> float:
    """The first month at which at least half of ``months`` have happened (``inf`` if none)."""
    finite = np.sort(months)
    k = math.ceil(len(finite) / 2) - 1
    return float(finite[k]) if len(finite) else math.inf


def _as_month(m: float) -> str | None:
    if not math.isfinite(m) or m > month_index(HORIZON):
        return None
    m = int(m)
    return f"{m // 12}-{m % 12 + 1:02d}"


def unit_forecasts(designated: pd.DataFrame, codes: dict[str, str], panel) -> list[Forecast]:
    """The model's forecast on the scored units from each run's designation months per
    footprint of 2016 (``codes``: system name -> footprint code)."""
    to_unit = unit_of(panel)
    names = {r["footprint"]: r["name"] for r in panel["footprints"]}
    out = []
    for u in units(panel):
        parts = [name for name, code in codes.items() if to_unit.get(code) == u]
        if not parts:
            raise ValueError(f"unit {u} has no footprint of 2016 in the runs")
        whole = designated[parts].to_numpy().max(axis=1)  # designated when every part is
        p_by = tuple(float(np.mean(whole <= month_index(d))) for d in DATES)
        median = lower_median(whole)
        out.append(Forecast(u, _as_month(median), p_by, names.get(u) or ""))
    return out


def spearman_interval(x: np.ndarray, y: np.ndarray, resamples: int = 2000, seed: int = 20170721
                      ) -> tuple[float, float, float]:
    """Spearman's rho of ``x`` and ``y`` and its 2.5-97.5 % bootstrap interval (resampling
    pairs; resamples with no variance in either are skipped)."""
    from scipy.stats import spearmanr

    rho = float(spearmanr(x, y).statistic)
    rng = np.random.default_rng(seed)
    stats = []
    for _ in range(resamples):
        k = rng.integers(0, len(x), len(x))
        if np.ptp(x[k]) > 0 and np.ptp(y[k]) > 0:
            stats.append(float(spearmanr(x[k], y[k]).statistic))
    lo, hi = np.quantile(stats, [0.025, 0.975]) if stats else (math.nan, math.nan)
    return rho, float(lo), float(hi)


def ratings_table(systems: pd.DataFrame, codes: dict[str, str], ratings) -> tuple[pd.DataFrame, dict]:
    """The model's mean integration index in July 2017 against each rated footprint's rating."""
    at = systems[systems["date"].astype(str).str[:7] == RATING_DATE]
    readiness = at.groupby("system", observed=True)["integration_index"].mean()
    by_code = {code: name for name, code in codes.items()}
    rows = [{"footprint": r["footprint"], "system": by_code[r["footprint"]], "rating": r["rating"],
             "rating_score": RATING_SCORE[r["rating"]],
             "model_integration_index_2017_07": float(readiness[by_code[r["footprint"]]])}
            for r in ratings if r["footprint"] in by_code]
    table = pd.DataFrame(rows)
    rho, lo, hi = spearman_interval(table["model_integration_index_2017_07"].to_numpy(),
                                    table["rating_score"].to_numpy(dtype=float))
    return table, {"rated": len(table), "spearman": rho, "q025": lo, "q975": hi}


def first_waves_table(designated: pd.DataFrame, codes: dict[str, str]) -> pd.DataFrame:
    """Per run: how many of its first 8 and 12 footprints designated are the real ones."""
    waves = real_waves()
    months = designated.to_numpy()
    out = {"run_id": designated.index}
    for key, wave, k in (("real_in_first_8", "first", 8), ("real_in_first_12", "second", 12)):
        real = np.array([codes[name] in waves[wave] for name in designated.columns])
        out[key] = [first_k_hits(row, real, k) for row in months]
    return pd.DataFrame(out)


def heatmap(probs: pd.DataFrame, medians: pd.Series, codes: dict[str, str], stem: Path) -> Path:
    """Each footprint's probability of designation by each date, ordered by median month; the
    footprints designated in June 2017 marked ``**``, in May 2018 ``*`` (the fitted facts)."""
    import seaborn as sns

    from experiments.analysis.figures import save, subplots

    waves = real_waves()
    order = medians.sort_values(kind="stable").index
    mark = {n: " **" if codes[n] in waves["first"] else " *" if codes[n] in waves["second"] else ""
            for n in order}
    data = probs.loc[order].rename(index=lambda n: n + mark[n])
    fig, ax = subplots(figsize=(8.5, 11))
    sns.heatmap(data, ax=ax, vmin=0, vmax=1, cmap="mako_r", linewidths=0.3,
                cbar_kws={"label": "probability designated by the date (share of runs)"})
    ax.set_xlabel("by the end of")
    ax.set_ylabel("")
    ax.set_title("Real England: the model's forecast of designation, footprint by footprint\n"
                 "(** designated June 2017, * May 2018: fitted; later designations held out, unseen)",
                 fontsize=10)
    return save(fig, stem)


def real_england(systems: pd.DataFrame, codes: dict[str, str], dest: Path) -> pd.DataFrame:
    """Write the tables and figure of the module docstring into ``dest``; return the summary."""
    from lifelines import KaplanMeierFitter

    from simulation.panel import load_panel, load_test_targets

    panel = load_panel()
    firsts = {k: first_months(systems, v) for k, v in STAGES.items()}
    probs = {k: probabilities(f) for k, f in firsts.items()}
    long = pd.concat([p.rename_axis("system").reset_index().melt(
        id_vars="system", var_name="by_end_of", value_name=f"p_{k}").set_index(["system", "by_end_of"])
        for k, p in probs.items()], axis=1).reset_index()
    long.insert(1, "footprint", long["system"].map(codes))
    long.to_csv(dest / "real_systems.csv", index=False, float_format="%.4f")

    designated = firsts["designated"]
    horizon = month_index(HORIZON)
    curves = []
    for name in designated.columns:
        t = designated[name].to_numpy()
        km = KaplanMeierFitter().fit(np.minimum(t, horizon + 1) - month_index("2014-10"),
                                     event_observed=t <= horizon)
        sf = km.survival_function_.iloc[:, 0]
        curves.append(pd.DataFrame({"system": name, "footprint": codes[name],
                                    "months_from_2014_10": sf.index, "survival": sf.to_numpy()}))
    pd.concat(curves).to_csv(dest / "real_survival.csv", index=False, float_format="%.4f")

    write_predictions(dest / "predictions.csv", unit_forecasts(designated, codes, panel))
    write_predictions(dest / "null_predictions.csv", null_forecasts(panel))
    ratings, corr = ratings_table(systems, codes, load_test_targets())
    ratings.to_csv(dest / "ratings.csv", index=False, float_format="%.4f")
    waves = first_waves_table(designated, codes)
    waves.to_csv(dest / "first_waves.csv", index=False)

    medians = designated.apply(lambda c: lower_median(c.to_numpy()))
    heatmap(probs["designated"], medians, codes, dest / "figures" / "real_england")
    summary = pd.DataFrame([
        {"measure": "runs", "value": float(len(designated))},
        {"measure": "ratings_rated_footprints", "value": float(corr["rated"])},
        {"measure": "ratings_spearman", "value": corr["spearman"]},
        {"measure": "ratings_spearman_q025", "value": corr["q025"]},
        {"measure": "ratings_spearman_q975", "value": corr["q975"]},
        {"measure": "real_in_first_8_mean", "value": float(waves["real_in_first_8"].mean())},
        {"measure": "real_in_first_8_random", "value": 8 * 8 / len(codes)},
        {"measure": "real_in_first_12_mean", "value": float(waves["real_in_first_12"].mean())},
        {"measure": "real_in_first_12_random", "value": 12 * 12 / len(codes)},
    ])
    summary.to_csv(dest / "real_england.csv", index=False, float_format="%.4f")
    return summary.set_index("measure")
