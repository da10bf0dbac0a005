"""The headline's claims (README, pressure x continuity) as effects that can fail.

Each claim is a contrast between cells of the intensity x focus x tenure design, computed on
an outcome that no run can leave undefined:

* ``share_integrated_at_end``: the share of systems integrated (designated) at the end of
  the run; higher is better;
* ``rmst_months``: the restricted mean months to integration over the run's systems, a
  system never integrated counted at the run's length. Every system is censored at the same
  horizon (the run's end), so this plain mean *is* the Kaplan-Meier restricted mean up to
  that horizon (the area under the curve); lower is better.

Within a group (a posterior draw, a variant) each cell's value is the median over its
replicate runs. A claim's *effect* is ``sum(coef * cell value)`` turned so that a positive
effect is the claimed direction: for the share in percentage points of systems, for the
restricted mean in months saved. A ``direction`` claim holds when its effect is above
zero; an ``at_most`` claim (a claimed absence: "pushing harder on the system no longer
speeds integration") holds when the effect - the speed-up it says is absent - is below the
outcome's tolerance (:data:`TOLERANCE`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FACTORS = ("reg_intensity", "reg_focus", "leader_tenure_years")
#: outcome -> +1 when higher is better, -1 when lower is better
OUTCOMES = {"share_integrated_at_end": 1.0, "rmst_months": -1.0}
#: effect units: share as percentage points of systems, restricted mean as months saved
SCALE = {"share_integrated_at_end": 100.0, "rmst_months": 1.0}
UNITS = {"share_integrated_at_end": "pp of systems integrated at 10 years",
         "rmst_months": "months saved (restricted mean to 120)"}
#: an ``at_most`` claim holds when the speed-up it denies is below this (effect units)
TOLERANCE = {"share_integrated_at_end": 5.0, "rmst_months": 6.0}
PREFIX = "months_to_integration__"


@dataclass(frozen=True)
class Claim:
    """One claimed effect: a weighted sum of cells, positive in the claimed direction."""

    key: str
    text: str
    terms: tuple[tuple[tuple[float, float, float], float], ...]  # ((intensity, focus, tenure), coef)
    kind: str = "direction"  # or "at_most"


def _cell(i: float, f: float, t: float) -> tuple[float, float, float]:
    return (i, f, t)


def headline_claims() -> list[Claim]:
    """The claims of the README's headline paragraph, at its three-year tenure where it says so."""
    out = []
    for i in (0.2, 0.5, 0.8):
        out.append(Claim(f"focus_at_intensity_{i}",
                         f"system focus beats own-books focus at intensity {i} (tenure 3 y)",
                         ((_cell(i, 1.0, 3.0), 1.0), (_cell(i, 0.0, 3.0), -1.0))))
    out.append(Claim("own_books_intensity_slows",
                     "under own-books focus, intensity 0.8 is slower than 0.2 (tenure 3 y)",
                     ((_cell(0.2, 0.0, 3.0), 1.0), (_cell(0.8, 0.0, 3.0), -1.0))))
    out.append(Claim("system_intensity_no_speedup",
                     "under system focus, intensity 0.8 is no faster than 0.2 (tenure 3 y; "
                     "effect = speed-up, holds below the tolerance)",
                     ((_cell(0.8, 1.0, 3.0), 1.0), (_cell(0.2, 1.0, 3.0), -1.0)), "at_most"))
    out.append(Claim("intensity_harm_depends_on_focus",
                     "intensity harms more under own-books focus than under system focus "
                     "(tenure 3 y; difference of the two 0.2-vs-0.8 effects)",
                     ((_cell(0.2, 0.0, 3.0), 1.0), (_cell(0.8, 0.0, 3.0), -1.0),
                      (_cell(0.2, 1.0, 3.0), -1.0), (_cell(0.8, 1.0, 3.0), 1.0))))
    for f in (0.0, 0.5, 1.0):
        out.append(Claim(f"tenure_at_focus_{f}",
                         f"six-year tenure beats 1.5-year tenure at focus {f} (mean over intensities)",
                         tuple((_cell(i, f, t), c / 3.0) for i in (0.2, 0.5, 0.8)
                               for t, c in ((6.0, 1.0), (1.5, -1.0)))))
    return out


def run_outcomes(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with ``rmst_months`` added: per run, the mean over its systems of the month it
    was integrated, or the run's length when it never was.

    A run's summary row holds ``months_to_integration__<system>`` for its systems (missing when
    not integrated, and for systems of other runs' worlds): the integrated ones are the
    non-missing entries, and the rest of its ``systems`` count at ``steps``.
    """
    cols = [c for c in rows.columns if c.startswith(PREFIX)]
    months = rows[cols].to_numpy(dtype=float) if cols else np.zeros((len(rows), 0))
    integrated = np.isfinite(months)
    total = np.where(integrated, months, 0.0).sum(axis=1)
    n = rows["systems"].to_numpy(dtype=float)
    rest = n - integrated.sum(axis=1)
    return rows.assign(rmst_months=(total + rest * rows["steps"].to_numpy(dtype=float)) / n)


def cell_medians(rows: pd.DataFrame, group: list[str]) -> pd.DataFrame:
    """Median of each outcome over the replicates of every (group, cell)."""
    return rows.groupby([*group, *FACTORS])[list(OUTCOMES)].median()


def effects(medians: pd.DataFrame, group: list[str], claims: list[Claim]) -> pd.DataFrame:
    """Every claim's effect per group and outcome (long table; see the module docstring).

    Args:
        medians: :func:`cell_medians` (index: group columns then the three factors).
        group: the grouping columns (``[]`` for one group).
        claims: the claims to compute.

    Returns:
        Columns ``*group, claim, outcome, effect, holds``.
    """
    keys = [()] if not group else list(dict.fromkeys(
        k if isinstance(k, tuple) else (k,) for k in medians.index.droplevel(list(FACTORS))))
    out = []
    for g in keys:
        sub = medians.loc[g] if group else medians
        for claim in claims:
            for outcome, sign in OUTCOMES.items():
                total = sum(coef * float(sub.loc[cell, outcome]) for cell, coef in claim.terms)
                effect = sign * SCALE[outcome] * total
                holds = effect > 0 if claim.kind == "direction" else effect < TOLERANCE[outcome]
                out.append({**dict(zip(group, g, strict=True)), "claim": claim.key,
                            "outcome": outcome, "effect": effect, "holds": bool(holds)})
    return pd.DataFrame(out)


def across_draws(per_draw: pd.DataFrame) -> pd.DataFrame:
    """Per claim and outcome: draws, share holding, share with no effect at all (a tie: e.g.
    every system integrated in both arms), median effect and its 10-90 % interval."""
    g = per_draw.assign(tied=per_draw["effect"] == 0).groupby(["claim", "outcome"], sort=False)
    out = pd.DataFrame({"draws": g.size(), "share_holding": g["holds"].mean(), "share_tied": g["tied"].mean(),
                        "median_effect": g["effect"].median(), "q10": g["effect"].quantile(0.1),
                        "q90": g["effect"].quantile(0.9)})
    return out.reset_index()


def bootstrap(rows: pd.DataFrame, claims: list[Claim], n: int, seed: int,
              lo: float = 0.05, hi: float = 0.95) -> pd.DataFrame:
    """Effects of one group's runs (:func:`effects`) with a percentile interval from ``n``
    resamples of the runs within each cell, reproducible from ``seed``.

    Each cell's runs are resampled with replacement (as many as it has), its medians taken
    again, and every claim's effect recomputed from them; ``lo`` and ``hi`` are quantiles of
    the resampled effects.
    """
    rng = np.random.default_rng(seed)
    point = effects(cell_medians(rows, []), [], claims)
    cells = {key: sub[list(OUTCOMES)].to_numpy(dtype=float)
             for key, sub in rows.groupby(list(FACTORS))}
    med = {key: np.median(v[rng.integers(0, len(v), (n, len(v)))], axis=1)  # (n, outcomes)
           for key, v in cells.items()}
    boots = []
    for claim in claims:
        total = sum(coef * med[cell] for cell, coef in claim.terms)  # (n, outcomes)
        for j, outcome in enumerate(OUTCOMES):
            boots.append(OUTCOMES[outcome] * SCALE[outcome] * total[:, j])
    b = np.array(boots)  # rows in the order of ``effects``: claim by claim, outcome by outcome
    return point.assign(lo=np.quantile(b, lo, axis=1), hi=np.quantile(b, hi, axis=1))


def verdict(row: pd.Series, kind: str) -> str:
    """``yes`` when the whole interval is on the claimed side, ``weakened`` when only the
    estimate is, ``no`` when the estimate is on the other side."""
    tol = TOLERANCE[row["outcome"]]
    if kind == "direction":
        return "yes" if row["lo"] > 0 else ("weakened" if row["effect"] > 0 else "no")
    return "yes" if row["hi"] < tol else ("weakened" if row["effect"] < tol else "no")
