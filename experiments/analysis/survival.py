"""Time to integration per system as a censored survival outcome (lifelines).

A run records, for each of its systems, the month it was first designated
(``months_to_integration__<system>`` in the run's summary; missing when it never was within
the run). Read as survival data - one row per (run, system), ``duration`` the month of
integration or the run's length, ``event`` whether it happened - the headline comparison no
longer has to count a censored run at the run's length:

* Kaplan-Meier curves of the share of systems not yet integrated, by arm (``km_table``);
* the restricted mean months to integration up to the run's length, by arm (``rmst_table``),
  which a censored run cannot distort;
* a Cox proportional-hazards model of the factors, with standard errors robust to the
  systems of one run being clustered (``cox_table``): a hazard ratio above 1 is faster
  integration.

The estimators are lifelines'; nothing here is hand-written statistics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PREFIX = "months_to_integration__"


def system_times(rows: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    """One row per (run, system): factors, ``duration`` (months) and ``event`` (integrated).

    Args:
        rows: a sweep's summary rows (one per run), with the per-system columns.
        factors: design columns to carry along.
    """
    cols = [c for c in rows.columns if c.startswith(PREFIX)]
    empty = pd.DataFrame(columns=["run_id", *factors, "system", "duration", "event"])
    if not cols:
        return empty
    long = rows.melt(id_vars=["run_id", "steps", *factors], value_vars=cols, var_name="system",
                     value_name="month")
    if "systems" in rows and (rows["systems"] != len(cols)).any():
        # several scenarios with different systems in one sweep: a run's summary holds every
        # system's column, its own and the others' (missing). A run's own systems are those of
        # its scenario that any of its runs integrated; a scenario whose runs never integrated
        # one of its systems cannot be told apart, and is left out rather than guessed.
        if "scenario_file" not in rows:
            return empty
        own = []  # (scenario file, system column) pairs
        for key, sub in rows.groupby("scenario_file"):
            seen = [c for c in cols if sub[c].notna().any()]
            if len(seen) == int(sub["systems"].iloc[0]):
                own += [(key, c) for c in seen]
        scenario = long["run_id"].map(rows.set_index("run_id")["scenario_file"])
        long = long[pd.MultiIndex.from_arrays([scenario, long["system"]]).isin(own)]
    long["system"] = long["system"].str.removeprefix(PREFIX)
    long["event"] = long["month"].notna()
    long["duration"] = long["month"].fillna(long["steps"]).astype(float)
    return long.drop(columns=["month"]).reset_index(drop=True)


def km_table(times: pd.DataFrame, by: str, horizon: float) -> pd.DataFrame:
    """Kaplan-Meier share not yet integrated, with its 95 % interval, month by month, per arm."""
    from lifelines import KaplanMeierFitter

    grid = np.arange(0, int(horizon) + 1)
    out = []
    for arm, sub in times.groupby(by, sort=True):
        km = KaplanMeierFitter().fit(sub["duration"], sub["event"], timeline=grid)
        ci = km.confidence_interval_survival_function_
        out.append(pd.DataFrame({by: arm, "month": grid,
                                 "not_integrated": km.survival_function_.iloc[:, 0].to_numpy(),
                                 "lo": ci.iloc[:, 0].to_numpy(), "hi": ci.iloc[:, 1].to_numpy()}))
    return pd.concat(out, ignore_index=True)


def rmst_table(times: pd.DataFrame, by: list[str], horizon: float) -> pd.DataFrame:
    """Restricted mean months to integration up to ``horizon``, per cell (the area under the
    cell's Kaplan-Meier curve)."""
    from lifelines import KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time

    rows = []
    for key, sub in times.groupby(by, sort=True):
        km = KaplanMeierFitter().fit(sub["duration"], sub["event"])
        mean = restricted_mean_survival_time(km, t=horizon)
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(by, key, strict=True)), "systems": len(sub),
                     "integrated": int(sub["event"].sum()), "rmst_months": float(mean)})
    return pd.DataFrame(rows)


def cox_table(times: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    """Cox model of the factors (as given, numeric), standard errors clustered by run.

    Returns:
        One row per factor: coefficient, hazard ratio per unit, robust 95 % interval, p.
    """
    from lifelines import CoxPHFitter

    data = times[["run_id", *factors, "duration", "event"]].copy()
    data["event"] = data["event"].astype(int)
    cph = CoxPHFitter().fit(data, duration_col="duration", event_col="event", cluster_col="run_id")
    s = cph.summary
    return pd.DataFrame({"factor": s.index, "coef": s["coef"].to_numpy(),
                         "hazard_ratio": s["exp(coef)"].to_numpy(),
                         "hr_lo": s["exp(coef) lower 95%"].to_numpy(),
                         "hr_hi": s["exp(coef) upper 95%"].to_numpy(),
                         "robust_se": s["se(coef)"].to_numpy(), "p": s["p"].to_numpy()})


def km_figure(km: pd.DataFrame, by: str, title: str):
    """Kaplan-Meier curves (seaborn), one per arm, with their 95 % bands (pointwise, treating
    systems as independent: systems of one run are not, so the bands are too narrow; the
    Cox model's intervals are the clustered ones)."""
    import seaborn as sns

    from .figures import subplots

    fig, ax = subplots(figsize=(6.4, 4.0))
    sns.lineplot(data=km, x="month", y="not_integrated", hue=by, drawstyle="steps-post",
                 palette="viridis", ax=ax, errorbar=None)
    colours = {arm: line.get_color() for arm, line in zip(sorted(km[by].unique()), ax.lines,
                                                            strict=False)}
    for arm, sub in km.groupby(by):
        ax.fill_between(sub["month"], sub["lo"], sub["hi"], step="post", alpha=0.2,
                        color=colours.get(arm), lw=0)
    ax.set_xlabel("months from the start")
    ax.set_ylabel("share of systems not yet integrated")
    ax.set_ylim(0, 1)
    ax.set_title(title, fontsize=9)
    ax.legend(title=by.replace("_", " "), frameon=False)
    return fig
