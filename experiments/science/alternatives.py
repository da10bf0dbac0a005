"""Fair rivals: each alternative model re-tuned to the full model's overall adoption.

A pattern is worth what it rejects, but only against a rival that is not a strawman. An
alternative (``configs/validation/patterns.toml``) switches one mechanism off; its one free
rate is then re-tuned so that the share of systems integrated at the end of the pattern's
``match`` arm is the full model's (medians over replicates). The rate is read off a grid:
each grid value is run ``tuning.replicates`` times, the medians are made monotone in the rate
(isotonic regression, in the direction the data show: ``scipy.optimize.isotonic_regression``)
and the rate at which that curve crosses the target is interpolated linearly; then ``refine`` more
rates inside the grid interval where it crossed are run, and the crossing is read again from
all of them. A target
outside the curve's range cannot be matched: the nearer end of the grid is used and the
scorecard says so (``matched`` false: the median at the tuned rate is further than the stated
``tolerance`` from the target), rather than pretending to a fair rival.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import isotonic_regression

from . import patterns as P


@dataclass
class Tuned:
    """An alternative's free rate, tuned on one arm."""

    alternative: P.Alternative
    match: P.Arm
    metric: str
    grid: list[float]
    grid_medians: list[float]
    target: float
    rate: float
    inside: bool                        # whether the target lies inside the grid's range
    achieved: float = math.nan          # median at the tuned rate (filled once it is run)
    tolerance: float = 0.05
    seeds: range = field(default=range(0))

    @property
    def matched(self) -> bool:
        """Whether the tuned alternative reaches the target within the stated tolerance."""
        return bool(abs(self.achieved - self.target) <= self.tolerance)

    def as_dict(self) -> dict:
        return {"name": self.alternative.free_rate, "value": self.rate, "matched": self.matched,
                "tolerance": self.tolerance, "target_inside_grid": self.inside,
                "metric": self.metric, "arm": self.match.name, "target": self.target,
                "achieved": self.achieved, "grid": self.grid, "grid_medians": self.grid_medians}


def crossing(grid: list[float], medians: list[float], target: float) -> tuple[float, bool]:
    """The rate at which the monotone fit of ``medians`` over ``grid`` reaches ``target``.

    Returns:
        (rate, matched): ``matched`` is false when the target lies outside the fitted range;
        the rate is then the grid end nearer to it.
    """
    x = np.asarray(grid, dtype=float)
    y = np.asarray(medians, dtype=float)
    up = bool(np.corrcoef(x, y)[0, 1] >= 0) if np.ptp(y) > 0 else True
    fit = isotonic_regression(y, increasing=up).x
    lo_end, hi_end = (0, -1) if up else (-1, 0)  # where the fit is lowest and highest
    for end, beyond in ((lo_end, target <= fit[lo_end]), (hi_end, target >= fit[hi_end])):
        if beyond:
            if not math.isclose(target, fit[end], abs_tol=1e-12):
                return float(x[end]), False
            # on a plateau at the target: the rate nearest the rest of the curve that reaches it
            # (the least extreme rival, not the grid's end)
            at = np.flatnonzero(np.isclose(fit, fit[end], rtol=0.0, atol=1e-12))
            return float(x[at.min() if end == -1 else at.max()]), True
    for i in range(len(x) - 1):
        a, b = fit[i], fit[i + 1]
        if min(a, b) <= target <= max(a, b):
            if a == b:
                return float((x[i] + x[i + 1]) / 2), True
            return float(x[i] + (target - a) / (b - a) * (x[i + 1] - x[i])), True
    raise AssertionError("unreachable: the target lies inside a monotone fit's range")


def refinement(grid: list[float], rate: float, inside: bool, n: int) -> list[float]:
    """``n`` more rates evenly inside the grid interval around ``rate`` - the interval that
    brackets it, or both intervals beside it when it is a grid point - none when the target
    was out of reach: a second, finer look where the curve reaches the target."""
    if not inside or n <= 0:
        return []
    lo = max((g for g in grid if g < rate), default=rate)
    hi = min((g for g in grid if g > rate), default=rate)
    if hi <= lo:
        return []
    return [float(x) for x in np.linspace(lo, hi, n + 2)[1:-1]
            if not any(math.isclose(x, g, abs_tol=1e-12) for g in grid)]


def match_median(p: P.Pattern, rate: float, runs: dict, seeds: range) -> float:
    """Median of ``p``'s match metric on its match arm under its alternative at ``rate``."""
    arm = p.alternative.applied(p.match, rate)
    return float(np.nanmedian([runs[(arm, s)].get(p.match_metric, math.nan) for s in seeds]))


def grid_arms(p: P.Pattern, grid: list[float], reps: int) -> list[tuple[P.Arm, int]]:
    """(arm, seed) of the tuning runs of ``p``'s alternative on its match arm."""
    return [(p.alternative.applied(p.match, v), s) for v in grid for s in range(reps)]


def tune(p: P.Pattern, grid: list[float], reps: int, runs: dict, seeds: range,
         tolerance: float) -> Tuned:
    """Tune ``p``'s alternative from stored ``runs`` (tuning grid and the full model's match)."""
    def med(a: P.Arm, ss: range) -> float:
        x = np.array([runs[(a, s)].get(p.match_metric, math.nan) for s in ss], dtype=float)
        return float(np.nanmedian(x)) if np.isfinite(x).any() else math.nan

    target = med(p.match, seeds)
    medians = [med(p.alternative.applied(p.match, v), range(reps)) for v in grid]
    rate, inside = crossing(grid, medians, target)
    return Tuned(p.alternative, p.match, p.match_metric, list(grid), medians, target, rate,
                 inside, tolerance=tolerance, seeds=seeds)
