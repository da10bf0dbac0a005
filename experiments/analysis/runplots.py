"""Figures of a single run (take a RunResult, never a live model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from experiments.analysis.figures import subplots
from simulation.index import STAGE_NAMES
from simulation.recorder import RunResult

STAGE_COLOURS = ("#d9d9d9", "#9ecae1", "#3182bd", "#08519c")


def stage_shares(systems: pd.DataFrame) -> pd.DataFrame:
    """Share of systems at each stage per step (columns: stage names, index: step)."""
    counts = systems.groupby(["step", "stage"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=range(len(STAGE_NAMES)), fill_value=0)
    shares = counts.div(counts.sum(axis=1), axis=0)
    shares.columns = list(STAGE_NAMES)
    return shares


def spread_figure(result: RunResult, path: Path, title: str | None = None) -> Path:
    """Stacked share of systems at each stage over time, with the half-integrated line."""
    shares = stage_shares(result.systems)
    dates = pd.to_datetime(result.national.set_index("step").loc[shares.index, "date"])
    fig, ax = subplots(figsize=(8, 4.2), dpi=120)
    ax.stackplot(dates, *(shares[c].to_numpy() for c in shares.columns),
                 labels=list(shares.columns), colors=STAGE_COLOURS, alpha=0.95)
    ax.axhline(0.5, color="black", lw=0.8, ls="--")
    half = result.summary()["months_to_half_integrated"]
    if not np.isnan(half):
        ax.axvline(dates.iloc[int(half)], color="black", lw=0.8)
        ax.text(dates.iloc[int(half)], 0.52, f"  half integrated: month {int(half)}", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of systems")
    ax.set_title(title or f"{result.scenario}: spread of integration (seed {result.seed})")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    return path
