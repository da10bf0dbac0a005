"""Identifiability diagnostics of a calibration, and its written report (``fit.md``).

* :func:`weighted_corr` -- the weighted (posterior) correlation matrix of the parameters;
* :func:`ridges` -- every pair with ``|rho| > RIDGE`` (0.5), named as a ridge: along it the
  facts trade one parameter against the other, so neither is identified on its own;
* :func:`pair_figure` -- a pair grid of the weighted particles (seaborn's weighted KDE pairs
  below the diagonal, weighted scatter above, weighted histograms on it);
* :func:`fit_md` -- the report: facts fitted and held out, the fit, held-out predictive
  checks, the posterior, the correlations and the ridge note.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: A posterior correlation beyond this (in absolute value) is reported as a ridge.
RIDGE = 0.5


def weighted_corr(particles: pd.DataFrame, weights: np.ndarray) -> pd.DataFrame:
    """Weighted Pearson correlation of the particles' columns (NaN for a constant column)."""
    x = particles.to_numpy(dtype=float)
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    d = x - w @ x
    cov = (d * w[:, None]).T @ d
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    return pd.DataFrame(corr, index=particles.columns, columns=particles.columns)


def ridges(corr: pd.DataFrame, limit: float = RIDGE) -> list[tuple[str, str, float]]:
    """Pairs of parameters whose posterior correlation exceeds ``limit`` in absolute value."""
    cols = list(corr.columns)
    return [(a, b, float(corr.loc[a, b])) for i, a in enumerate(cols) for b in cols[i + 1:]
            if abs(corr.loc[a, b]) > limit]


def ridge_note(corr: pd.DataFrame) -> str:
    """Plain words on each ridge, or that there is none."""
    found = ridges(corr)
    if not found:
        return (f"No ridge: every pairwise posterior correlation is within +-{RIDGE}. The facts "
                "constrain each parameter without trading it against another (which does not "
                "mean each is narrowly constrained: see the intervals).")
    lines = []
    for a, b, r in found:
        how = ("raising one can be offset by raising the other" if r > 0
               else "raising one can be offset by lowering the other")
        lines.append(f"* **Ridge {a} - {b}** (rho = {r:+.2f}): {how}, with the fitted facts "
                     "about as well matched; the data pin down a combination of the two, not "
                     "each on its own.")
    return "\n".join(lines)


def pair_figure(particles: pd.DataFrame, weights: np.ndarray, path: Path,
                bounds: dict[str, tuple[float, float]] | None = None) -> None:
    """Pairwise posterior: weighted KDE (lower), weighted scatter (upper), histograms; drawn
    on a Figure of no backend (``experiments.analysis.figures``), as seaborn's PairGrid, which
    needs pyplot, drew it before."""
    import seaborn as sns

    from experiments.analysis.figures import subplots

    df = particles.reset_index(drop=True).copy()
    w = np.asarray(weights, dtype=float)
    df["weight"] = w / w.sum()
    cols = list(particles.columns)
    k = len(cols)
    fig, axes = subplots(k, k, figsize=(2.2 * k, 2.2 * k), squeeze=False)
    for i, row in enumerate(cols):
        for j, col in enumerate(cols):
            ax, x, y = axes[i, j], df[col], df[row]
            if i == j:
                ax.hist(x, bins=15, weights=df["weight"], color="tab:blue", alpha=0.7)
            elif i < j:
                ax.scatter(x, y, s=4 + 400 * df["weight"], alpha=0.5, color="tab:blue")
            elif len(x) > 3 and np.ptp(x) > 0 and np.ptp(y) > 0:
                sns.kdeplot(x=x, y=y, weights=df["weight"], fill=True, cmap="Blues", levels=6,
                            warn_singular=False, ax=ax)
            ax.set_xlabel(col if i == k - 1 else "")
            ax.set_ylabel(row if j == 0 else "")
            if bounds and col in bounds:
                ax.set_xlim(*bounds[col])
            if bounds and row in bounds and i != j:
                ax.set_ylim(*bounds[row])
    fig.suptitle("Posterior pairs (weighted particles; axes span the priors)", y=1.01)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")


def fit_md(fit, table: pd.DataFrame, heldout: pd.DataFrame, targets: pd.DataFrame,
           corr: pd.DataFrame, draws: int) -> str:
    """The written report of one calibration (``fit.md``)."""
    from experiments.analysis.report import md_table

    return "\n".join([
        "# Calibration fit", "",
        f"ABC-SMC: {fit.populations} populations, {fit.evaluations} runs, final epsilon "
        f"{fit.epsilons[-1]:.3g}. Posterior predictive over {draws} draws.", "",
        "## Facts fitted and held out", "",
        "Bounds (>=, <=) are facts the seeds give only qualitatively; the note says where the "
        "number comes from. Held-out facts are never in the distance.", "",
        md_table(targets), "",
        "## Fit (fitted facts)", "",
        "`share_consistent`: share of posterior draws within one scale of a point target, or "
        "inside a bound.", "",
        md_table(table), "",
        "## Held-out facts: posterior predictive", "",
        md_table(heldout), "",
        "## Posterior", "",
        md_table(fit.summary().reset_index(), digits=4), "",
        "## Identifiability", "",
        "Weighted posterior correlations of the parameters (`pairs.png`: the pairwise "
        f"posterior). A pair with |rho| > {RIDGE} is named a ridge.", "",
        md_table(corr.reset_index(names="parameter"), digits=2), "",
        ridge_note(corr), "",
    ])
