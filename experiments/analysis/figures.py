"""Figures of a sweep (PNG and SVG): heat maps, spread bands, Morris and Sobol' indices.

Each function takes tables from :mod:`experiments.analysis.tables` and a path stem, writes
``STEM.png`` and ``STEM.svg``, and returns the PNG path.

Figures here and in the modules that save through :func:`save` are ``matplotlib.figure.Figure``
objects made without ``pyplot``: they belong to no backend and no figure manager, so drawing
a report neither switches the caller's backend (a notebook's plots still show) nor leaves
figures open; settings such as the SVG hash salt apply to the save alone (``rc_context``).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simulation.params import short_label

#: The rc settings of every saved figure, for the save alone: a fixed SVG hash salt, so unchanged
#: figures give unchanged files.
SAVE_RC = {"svg.hashsalt": "drumbeat"}


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] | None = None,
             dpi: float | None = None, **kw: Any) -> tuple[Figure, Any]:
    """``pyplot.subplots`` without pyplot: a Figure of no backend and its axes (``kw`` as
    ``Figure.subplots`` takes them: ``sharex``, ``squeeze``, ...)."""
    fig = Figure(figsize=figsize, dpi=dpi)
    return fig, fig.subplots(nrows, ncols, **kw)


def save(fig: Figure, stem: Path) -> Path:
    """Write ``fig`` as PNG and SVG beside each other; return the PNG path."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    png = stem.with_suffix(".png")
    with matplotlib.rc_context(SAVE_RC):
        fig.savefig(png, dpi=130, bbox_inches="tight")
        fig.savefig(stem.with_suffix(".svg"), bbox_inches="tight", metadata={"Date": None})
    return png


def _label(name: str, width: int = 48) -> str:
    """A parameter's human label from its description (``simulation.params.short_label``),
    wrapped to lines of ``width``; an outcome's name with spaces."""
    return textwrap.fill(short_label(name), width)


def _fmt(v: object) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def heatmap(cells: pd.DataFrame, x: str, y: str, facet: str | None, outcome: str, stem: Path,
            title: str = "", value: str = "median") -> Path:
    """Column ``value`` of ``cells`` (default the median ``outcome``) over ``x`` and ``y``, a panel
    per level of ``facet``.

    Cells whose median is censored (half or more runs never reached the event) read ``≥N``.
    """
    is_median = value == "median"
    levels = sorted(cells[facet].unique()) if facet else [None]
    xs, ys = sorted(cells[x].unique()), sorted(cells[y].unique())
    vmin, vmax = float(cells[value].min()), float(cells[value].max())
    fig, axes = subplots(1, len(levels), figsize=(3.8 * len(levels) + 1.2, 4.0), squeeze=False,
                         sharey=True)
    im = None
    for ax, lev in zip(axes[0], levels, strict=True):
        sub = cells if lev is None else cells[cells[facet] == lev]
        grid = sub.pivot_table(index=y, columns=x, values=value).reindex(index=ys, columns=xs)
        cens = (sub.pivot_table(index=y, columns=x, values="censored_median", aggfunc="max")
                .reindex(index=ys, columns=xs)) if is_median else grid * 0
        cmap = "viridis_r" if is_median else "viridis"  # dark = slow, or dark = little integrated
        im = ax.imshow(grid.to_numpy(dtype=float), origin="lower", cmap=cmap, vmin=vmin, vmax=vmax,
                       aspect="auto")
        for i in range(len(ys)):
            for j in range(len(xs)):
                v = grid.iat[i, j]
                if np.isfinite(v):
                    txt = ("≥" if bool(cens.iat[i, j]) else "") + (f"{v:.0f}" if is_median else f"{v:.2f}")
                    dark = v > (vmin + vmax) / 2 if is_median else v < (vmin + vmax) / 2
                    ax.text(j, i, txt, ha="center", va="center", fontsize=9,
                            color="white" if dark else "black")
        ax.set_xticks(range(len(xs)), [_fmt(v) for v in xs])
        ax.set_yticks(range(len(ys)), [_fmt(v) for v in ys])
        ax.set_xlabel(_label(x, 30), fontsize=9)
        if lev is not None:
            ax.set_title(f"{_label(facet, 40)} = {_fmt(lev)}", fontsize=9)
    axes[0][0].set_ylabel(_label(y, 30), fontsize=9)
    cb = fig.colorbar(im, ax=axes[0].tolist(), shrink=0.85)
    cb.set_label(f"median {_label(outcome)}" if is_median else _label(value))
    fig.suptitle(title or f"Median {_label(outcome)} across replicates", fontsize=11, y=1.12)
    return save(fig, stem)


def spread(bands: pd.DataFrame, by: str | None, stem: Path, column: str = "share_integrated",
           title: str = "") -> Path:
    """Median ``column`` over time per level, with the 10-90 % band across runs."""
    fig, ax = subplots(figsize=(7.5, 4.2))
    colours = matplotlib.colormaps["viridis"](np.linspace(0.05, 0.85, max(bands["level"].nunique(), 1)))
    for colour, (lev, grp) in zip(colours, bands.groupby("level", sort=True), strict=False):
        label = f"{_label(by)} = {_fmt(lev)}" if by else str(lev)
        ax.fill_between(grp["step"], grp["q10"], grp["q90"], color=colour, alpha=0.2, lw=0)
        ax.plot(grp["step"], grp["q50"], color=colour, lw=1.8, label=label)
    ax.axhline(0.5, color="black", lw=0.7, ls="--")
    ax.set_xlabel("months from the start")
    ax.set_ylabel(_label(column))
    ax.set_ylim(0, 1)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    ax.set_title(title or f"{_label(column)}: median and 10-90 % band across runs", fontsize=11)
    return save(fig, stem)


def morris(table: pd.DataFrame, stem: Path, outcome: str, top: int = 25) -> Path:
    """Morris mu* (bars, 95 % CI) and sigma (dots) of the ``top`` factors, largest first."""
    t = table.groupby("factor", sort=False)[["mu_star", "mu_star_conf", "sigma"]].mean()
    t = t.sort_values("mu_star", ascending=False).head(top).iloc[::-1]
    fig, ax = subplots(figsize=(7.5, 0.28 * len(t) + 1.4))
    pos = np.arange(len(t))
    ax.barh(pos, t["mu_star"], xerr=t["mu_star_conf"], color="#3182bd", alpha=0.85,
            error_kw={"lw": 0.8, "capsize": 2}, label="mu* (95 % CI)")
    ax.plot(t["sigma"], pos, "o", color="#e6550d", ms=4, label="sigma")
    ax.set_yticks(pos, t.index)
    unit = "months" if outcome.startswith("months_to") else "outcome units"
    ax.set_xlabel(f"elementary effect on {_label(outcome)} ({unit} per full range of the parameter)")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    ax.set_title(f"Morris screening: {len(table['factor'].unique())} parameters, top {len(t)}", fontsize=11)
    return save(fig, stem)


def sobol(table: pd.DataFrame, stem: Path, outcome: str) -> Path:
    """First-order and total Sobol' indices with 95 % CIs, by decreasing total index."""
    t = table.groupby("factor", sort=False)[["S1", "S1_conf", "ST", "ST_conf"]].mean()
    t = t.sort_values("ST", ascending=False)
    fig, ax = subplots(figsize=(7.5, 4.0))
    pos = np.arange(len(t))
    w = 0.4
    ax.bar(pos - w / 2, t["S1"], w, yerr=t["S1_conf"], color="#9ecae1", label="first order S1",
           error_kw={"lw": 0.8, "capsize": 2})
    ax.bar(pos + w / 2, t["ST"], w, yerr=t["ST_conf"], color="#08519c", label="total ST",
           error_kw={"lw": 0.8, "capsize": 2})
    ax.set_xticks(pos, t.index, rotation=40, ha="right")
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylabel("share of variance")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(f"Sobol' indices of {_label(outcome)} (95 % CI)", fontsize=11)
    return save(fig, stem)
