"""Judging a pattern's checks over replicate samples of run metrics.

A :class:`Check` is one statistical claim; :func:`judge` gives its :class:`Verdict`:


* ``greater`` / ``less``: metric ``x`` of arm ``a`` exceeds (or falls short of) metric ``y``
  of arm ``b``. The effect is the difference in medians (x - y), with a 95% percentile
  bootstrap interval (2,000 resamples, fixed seed; paired differences when both samples come
  from the same runs) and a Mann-Whitney (or Wilcoxon signed-rank, paired) p-value. The check
  passes when the interval excludes zero in the stated direction *and* the point effect is at
  least the stated tolerance ``min_effect``.
* ``band``: the share of replicates whose metric lies in ``[lo, hi]`` is at least ``share``.
  The effect is that share, with a Wilson 95% interval.
* ``median``: the whole 95% bootstrap interval of the median of the metric lies in
  ``[lo, hi]``. The effect is the median.

Times are months; rank-based statistics are unaffected by the value at which censored runs
are set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

BOOTSTRAP = 2000           # bootstrap resamples of every interval (fixed seed)

# --- checks ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    """One statistical claim about replicate samples (see the module docstring)."""

    kind: str                       # "greater", "less", "band" or "median"
    metric: str
    arm: str
    text: str
    other_metric: str | None = None  # greater/less: the metric compared against
    other_arm: str | None = None     # greater/less: its arm (default: the same runs, paired)
    min_effect: float = 0.0          # greater/less: smallest difference in medians that passes
    lo: float = -math.inf            # band
    hi: float = math.inf
    share: float = 0.8               # band: required share of replicates inside [lo, hi]
    status: str = "counted"          # counted, held_out (both judged) or fitted (shown only)

    @property
    def counted(self) -> bool:
        """Whether the check counts towards its pattern's verdict (a fitted fact does not)."""
        return self.status != "fitted"


@dataclass
class Verdict:
    """The outcome of one check."""

    check: Check
    passed: bool
    effect: float
    interval: tuple[float, float]
    p_value: float
    n: tuple[int, int]
    medians: tuple[float, float] = (math.nan, math.nan)

    def as_dict(self) -> dict[str, Any]:
        c = self.check
        return {"kind": c.kind, "claim": c.text, "metric": c.metric, "arm": c.arm,
                "other_metric": c.other_metric, "other_arm": c.other_arm,
                "min_effect": c.min_effect, "band": [c.lo, c.hi], "required_share": c.share,
                "passed": bool(self.passed), "effect": self.effect,
                "interval": list(self.interval), "p_value": self.p_value, "n": list(self.n),
                "medians": list(self.medians), "status": c.status}


def _bootstrap_median_diff(x: np.ndarray, y: np.ndarray, paired: bool,
                           rng: np.random.Generator) -> tuple[float, float]:
    if paired:
        d = x - y
        idx = rng.integers(0, d.size, (BOOTSTRAP, d.size))
        boots = np.median(d[idx], axis=1)
    else:
        bx = np.median(x[rng.integers(0, x.size, (BOOTSTRAP, x.size))], axis=1)
        by = np.median(y[rng.integers(0, y.size, (BOOTSTRAP, y.size))], axis=1)
        boots = bx - by
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return float(lo), float(hi)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial share ``k/n``."""
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, centre - half), min(1.0, centre + half))


def judge(check: Check, samples: dict[str, list[dict[str, float]]]) -> Verdict:
    """Judge ``check`` on replicate metrics ``samples[arm] = [metrics of each run]``."""
    rows = samples[check.arm]
    if check.kind == "band":
        x = np.array([r.get(check.metric, math.nan) for r in rows], dtype=float)
        x = x[~np.isnan(x)]
        k = int(((x >= check.lo) & (x <= check.hi)).sum())
        share = k / x.size if x.size else math.nan
        med = float(np.median(x)) if x.size else math.nan
        return Verdict(check, bool(x.size and share >= check.share), share, wilson(k, x.size),
                       math.nan, (int(x.size), 0), (med, math.nan))
    if check.kind == "median":
        x = np.array([r.get(check.metric, math.nan) for r in rows], dtype=float)
        x = x[~np.isnan(x)]
        if x.size < 3:
            return Verdict(check, False, math.nan, (math.nan, math.nan), math.nan, (int(x.size), 0))
        rng = np.random.default_rng(20140)
        boots = np.median(x[rng.integers(0, x.size, (BOOTSTRAP, x.size))], axis=1)
        lo, hi = (float(v) for v in np.percentile(boots, [2.5, 97.5]))
        med = float(np.median(x))
        return Verdict(check, bool(lo >= check.lo and hi <= check.hi), med, (lo, hi), math.nan,
                       (int(x.size), 0), (med, math.nan))
    other_arm = check.other_arm or check.arm
    paired = other_arm == check.arm
    other_metric = check.other_metric or check.metric
    x = np.array([r.get(check.metric, math.nan) for r in rows], dtype=float)
    y = np.array([r.get(other_metric, math.nan) for r in samples[other_arm]], dtype=float)
    if paired:
        ok = ~np.isnan(x) & ~np.isnan(y)
        x, y = x[ok], y[ok]
    else:
        x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    if x.size < 3 or y.size < 3:
        return Verdict(check, False, math.nan, (math.nan, math.nan), math.nan,
                       (int(x.size), int(y.size)))
    rng = np.random.default_rng(20140)
    effect = float(np.median(x - y)) if paired else float(np.median(x) - np.median(y))
    lo, hi = _bootstrap_median_diff(x, y, paired, rng)
    alt = "greater" if check.kind == "greater" else "less"
    if paired:
        p = float(stats.wilcoxon(x, y, alternative=alt).pvalue) if np.any(x != y) else 1.0
    else:
        p = float(stats.mannwhitneyu(x, y, alternative=alt).pvalue)
    if check.kind == "greater":
        passed = lo > 0 and effect >= check.min_effect
    else:
        passed = hi < 0 and effect <= -check.min_effect
    return Verdict(check, bool(passed), effect, (lo, hi), p, (int(x.size), int(y.size)),
                   (float(np.median(x)), float(np.median(y))))
