"""Analysis of a sweep's rows: per-cell summaries and spread bands.

Times to an event (outcomes named ``months_to_...``) are censored where the event never
happens within a run (:func:`experiments.sweeps.indices.censored`): counted, and given the run
length in months where a number is needed, so medians are lower bounds where censoring is
common. Morris and Sobol' indices are computed in :mod:`experiments.sweeps.indices` (a
two-stage sweep ranks its factors by Morris before its follow-up) and read from here too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..sweeps.indices import censored, is_time, morris_table, sobol_table

__all__ = ["QUANTILES", "cell_summary", "censored", "is_time", "morris_table", "sobol_table",
           "spread_bands"]

QUANTILES = (0.1, 0.5, 0.9)


def cell_summary(rows: pd.DataFrame, by: list[str], outcome: str) -> pd.DataFrame:
    """Per group of ``by``: runs, censored runs, 10/50/90 % quantiles of the outcome, and more.

    The median is ``censored_median`` True when half or more of the group's runs are censored
    (the true median is then beyond the run).
    """
    y, mask = censored(rows, outcome)
    df = rows[by].copy()
    df["_y"], df["_c"] = y, mask
    df["_end"] = rows["share_integrated_at_end"].to_numpy(dtype=float) if "share_integrated_at_end" in rows else np.nan  # noqa: E501
    g = df.groupby(by, sort=True, dropna=False)
    out = pd.DataFrame({
        "runs": g.size(),
        "censored": g["_c"].sum().astype(int),
        "q10": g["_y"].quantile(0.1),
        "median": g["_y"].median(),
        "q90": g["_y"].quantile(0.9),
        "mean_share_integrated_at_end": g["_end"].mean(),
    }).reset_index()
    out["censored_median"] = out["censored"] * 2 >= out["runs"]
    return out


def spread_bands(national: pd.DataFrame, rows: pd.DataFrame, by: str | None,
                 column: str = "share_integrated") -> pd.DataFrame:
    """Per level of ``by`` and step: 10/50/90 % quantiles of ``column`` across runs."""
    key = by if by is not None else "_all"
    labels = rows[["run_id"]].assign(**{key: rows[by] if by is not None else "all runs"})
    df = national[["run_id", "step", column]].merge(labels, on="run_id")
    q = df.groupby([key, "step"])[column].quantile(list(QUANTILES)).unstack()
    q.columns = ["q10", "q50", "q90"]
    return q.reset_index().rename(columns={key: "level"})
