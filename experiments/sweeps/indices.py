"""Sensitivity indices of a sweep's sampled stage: Morris and Sobol', with censored times.

Times to an event (outcomes named ``months_to_...``) are NaN in a run where the event never
happens within the run. Such a run is *censored*: it is counted, and where a number is
needed it is given the run length in months (the ``steps`` column), so medians and
sensitivity indices are lower bounds where censoring is common. Morris and Sobol' indices
come from ``SALib.analyze`` on the per-point mean over replicates, one scenario at a time.

They live with the sweeps, not the analysis, because a two-stage sweep needs them itself:
it ranks the first stage's factors by Morris mu* before it designs the follow-up
(:func:`experiments.sweeps.sweep.rank_for_followup`). The report reads them from
:mod:`experiments.analysis.tables`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze


def is_time(outcome: str) -> bool:
    """Whether ``outcome`` is a time to an event (and so can be censored)."""
    return outcome.startswith("months_to")


def censored(rows: pd.DataFrame, outcome: str) -> tuple[np.ndarray, np.ndarray]:
    """The outcome with censored runs at the run length, and the censoring mask."""
    y = pd.to_numeric(rows[outcome], errors="coerce").to_numpy(dtype=float)
    mask = np.isnan(y) if is_time(outcome) else np.zeros(len(y), dtype=bool)
    if mask.any():
        y = np.where(mask, rows["steps"].to_numpy(dtype=float), y)
    return y, mask


def _points(rows: pd.DataFrame, stage: dict[str, Any], outcome: str) -> dict[str, tuple]:
    """Per scenario file: (X, mean Y per point, censored runs) of a sampled stage, point order."""
    names = stage["factors"]
    sub = rows[rows["stage"] == stage["stage"]]
    out = {}
    for scen, grp in sub.groupby("scenario_file", sort=False):
        y, mask = censored(grp, outcome)
        g = grp.assign(_y=y).groupby("cell", sort=True)
        if g.ngroups != stage["points"]:
            raise ValueError(f"stage '{stage['stage']}' of {scen}: {g.ngroups} of {stage['points']} "
                             "design points have results; finish the sweep first")
        X = g[names].first().to_numpy(dtype=float)
        out[scen] = (X, g["_y"].mean().to_numpy(), int(mask.sum()))
    return out


def morris_table(rows: pd.DataFrame, stage: dict[str, Any], outcome: str, seed: int = 0) -> pd.DataFrame:
    """Morris mu, mu*, its 95 % confidence half-width and sigma, per scenario file and factor."""
    problem = stage["problem"]
    levels = int(stage["options"].get("levels", 4))
    frames = []
    for scen, (X, Y, n_cens) in _points(rows, stage, outcome).items():
        res = morris_analyze.analyze(problem, X, Y, num_levels=levels, conf_level=0.95, seed=seed)
        frames.append(pd.DataFrame({
            "scenario_file": scen, "factor": problem["names"], "mu": res["mu"],
            "mu_star": res["mu_star"], "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"],
            "censored_runs": n_cens}))
    return pd.concat(frames, ignore_index=True)


def sobol_table(rows: pd.DataFrame, stage: dict[str, Any], outcome: str, seed: int = 0) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol' indices with 95 % confidence half-widths."""
    problem = stage["problem"]
    second = bool(stage["options"].get("second_order", True))
    frames = []
    for scen, (_X, Y, n_cens) in _points(rows, stage, outcome).items():
        if np.allclose(Y, Y[0]):
            nan = np.full(len(problem["names"]), np.nan)
            res = {"S1": nan, "S1_conf": nan, "ST": nan, "ST_conf": nan}
        else:
            with warnings.catch_warnings():  # SALib warns on ties (many censored runs); counted above
                warnings.simplefilter("ignore", UserWarning)
                res = sobol_analyze.analyze(problem, Y, calc_second_order=second, conf_level=0.95, seed=seed)
        frames.append(pd.DataFrame({
            "scenario_file": scen, "factor": problem["names"], "S1": res["S1"], "S1_conf": res["S1_conf"],
            "ST": res["ST"], "ST_conf": res["ST_conf"], "censored_runs": n_cens}))
    return pd.concat(frames, ignore_index=True)
