"""The patterns of Brief section 6 and the first wave as statistical checks over replicate runs.

The definitions - arms, checks with their tolerances, and the alternative model each pattern
should reject - are data, in ``configs/validation/patterns.toml`` (read and checked by
:mod:`experiments.science.criteria`, built into :class:`Pattern` objects here). One definition
serves both the CI-sized tests in ``tests/patterns/`` and the full-size scorecard of
``drumbeat validate`` (``experiments/science/validate.py``). A :class:`Pattern` has *arms* (a
scenario plus overrides and injected events), *checks*, two replicate counts (``ci`` and
``full``) and an :class:`Alternative`. Every run of an arm is reduced by :func:`observe` to a
flat dict of outcome *metrics*; a :class:`~experiments.science.judge.Check` then judges the
replicate samples (``judge.py`` states the statistics).

Times are months; runs that never reach a milestone are censored at the run length plus 12
months (rank-based statistics are unaffected by the censoring value).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from simulation.configs import shipped

from . import history as H
from .judge import Check, Verdict, judge

BASELINE = "configs/scenarios/baseline.toml"
ENGLAND = "configs/scenarios/england_2014.toml"
CALIBRATED = "configs/calibrated/england_2014.toml"
FIRST_WAVE_TOGETHER = "configs/scenarios/first_wave_together.toml"
DEADLINE_MONTH = 36        # pattern 4: a deadline announced three years in
DEADLINE_WINDOW = 6        # ... speeds integration within this many months
ONSET_SHARE = 0.10         # pattern 1: the drumbeat is under way once 10% of systems integrate
EARLY_WINDOW, LATE_WINDOW = 24, 60   # pattern 1: months of the slow start, end of the comparison


# --- arms ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Arm:
    """One experimental condition: a scenario file, overrides and injected events."""

    name: str
    scenario: str = BASELINE
    overrides: tuple[tuple[str, Any], ...] = ()
    events: tuple[tuple[tuple[str, Any], ...], ...] = ()

    def build(self):
        """The validated :class:`~simulation.Scenario` of this arm."""
        from simulation import load_scenario
        from simulation.scenario import EventSpec

        path = shipped(self.scenario)
        if self.scenario == CALIBRATED and not path.is_file():
            path = shipped(ENGLAND)
        scn = load_scenario(path, dict(self.overrides))
        if self.events:
            scn = scn.model_copy(deep=True)
            scn.event.extend(EventSpec(**dict(e)) for e in self.events)
        return scn


def arm(name: str, scenario: str = BASELINE, events: Iterable[dict] = (), **overrides) -> Arm:
    """Shorthand for an :class:`Arm` (overrides as keyword arguments)."""
    return Arm(name, scenario, tuple(sorted(overrides.items())),
               tuple(tuple(sorted(e.items())) for e in events))


# --- observing one run -------------------------------------------------------------------------
def _first(values: np.ndarray, threshold: float, censor: float) -> float:
    hit = np.flatnonzero(np.asarray(values) >= threshold)
    return float(hit[0]) if hit.size else censor


def _national_metrics(nat, steps: int, n_systems: int) -> dict[str, float]:
    share = nat["share_integrated"].to_numpy()
    committed = nat["committed_share"].to_numpy()
    censor = float(steps + 12)
    onset = _first(share, ONSET_SHARE, censor)
    out = {
        "months_to_half": _first(share, 0.5, censor),
        "months_to_onset": onset,
        "share_integrated_end": float(share[-1]),
        "share_integrated_24": float(share[min(EARLY_WINDOW, steps)]),
        "pooled_share_mean": float(nat["pooled_share"].mean()),
    }
    # Acceleration: mean monthly growth over months 24-60 against that over the first 24
    # (floored at one system in 24 months, so a run with no early integration stays finite).
    if steps >= LATE_WINDOW:
        before = max(share[EARLY_WINDOW], 1.0 / n_systems) / EARLY_WINDOW
        after = (share[LATE_WINDOW] - share[EARLY_WINDOW]) / (LATE_WINDOW - EARLY_WINDOW)
        out["acceleration"] = float(after / before)
    m = DEADLINE_MONTH
    if steps >= m + DEADLINE_WINDOW:
        out["committed_gain_after_deadline"] = float(committed[m + DEADLINE_WINDOW] - committed[m])
    return out


def _dated_metrics(nat, spec) -> dict[str, float]:
    """Pattern 9: the dated facts of the historical scenario (only for runs that span them)."""
    out: dict[str, float] = {}
    by_date = dict(zip(nat["date"], nat.index, strict=True))
    for date, key in ((H.month("first_wave"), "designated_2017_06"),
                      (H.month("second_wave"), "designated_2018_05"),
                      (H.month("first_wave_mid_2018"), "designated_2018_06"),
                      (H.month("all_designated"), "designated_2021_04")):
        if date in by_date:
            out[key] = float(nat["systems_designated"].iloc[by_date[date]])
    before = H.month("before_statute")
    if before in by_date:  # the last month before the statute makes every system an ICS
        out["share_integrated_2022_06"] = float(nat["share_integrated"].iloc[by_date[before]])
    for date, key in ((H.month("ccgs_mid_2019"), "commissioners_2019_06"),
                      (H.month("ccgs_2021"), "commissioners_2021_03"),
                      (H.month("statute"), "commissioners_2022_07")):
        if date in by_date:
            out[key] = float(nat["commissioners"].iloc[by_date[date]])
    out["commissioners_start"] = float(nat["commissioners"].iloc[0])
    return out


def _system_metrics(res, steps: int) -> dict[str, float]:
    """Per-system outcomes: variation, head starts, hostility."""
    start = res.systems_at_start
    sysdf = res.systems
    censor = float(steps + 12)
    first = sysdf[sysdf["designated"]].groupby("system", sort=False)["step"].min()
    t_int = np.array([float(first.get(n, censor)) for n in res.system_names])
    integrated = sysdf["stage"].to_numpy()[sysdf["step"].to_numpy() == sysdf["step"].iloc[-1]] >= 2
    q75, q25 = np.percentile(t_int, [75, 25])
    prior = start["prior_collab"].to_numpy() > 0
    hostile = start["hostility"].to_numpy() > 0
    idx = sysdf.pivot(index="step", columns="system", values="integration_index")
    early = idx.loc[min(EARLY_WINDOW, steps)].reindex(res.system_names).to_numpy()
    rho = stats.spearmanr(early, -t_int).statistic if np.ptp(t_int) > 0 else math.nan

    def med(mask: np.ndarray) -> float:
        return float(np.median(t_int[mask])) if mask.any() else math.nan

    def share(mask: np.ndarray) -> float:
        return float(integrated[mask].mean()) if mask.any() else math.nan

    return {
        "system_iqr_months": float(q75 - q25),
        "months_to_integration_prior": med(prior),
        "months_to_integration_no_prior": med(~prior),
        "rank_persistence": float(rho),
        "integrated_hostile": share(hostile),
        "integrated_not_hostile": share(~hostile),
    }


def _real_metrics(res) -> dict[str, float]:
    """Patterns 11 and 12, for a run of Real England only (its 44 footprints of 2016 under their
    names; a run of any other world gives none of these): how many of the model's first 8 and
    12 footprints designated are the real ones (``real_targets``: fitted), how many of the 8
    footprints of June 2017 are designated by June 2018, and the Spearman correlation, over
    the footprints the July 2017 progress ratings name (a test target, never an input), of
    the model's integration index in July 2017 with the rating."""
    from simulation.footprints import real_footprints

    fp = real_footprints()
    if list(res.system_names) != fp.names:
        return {}
    from simulation.panel import load_test_targets

    from .real_forecast import RATING_DATE, RATING_SCORE
    from .real_targets import REAL_TARGETS, designation_months, first_k_hits, real_waves

    month = designation_months(res)
    waves = real_waves()
    out: dict[str, float] = {}
    for key, wave in (("real_in_first_8", "first"), ("real_in_first_12", "second")):
        real = np.array([c in waves[wave] for c in fp.codes])
        out[key] = first_k_hits(month, real, REAL_TARGETS[key].value)
    dates = list(res.national_column("date"))
    steps = res.national_column("step")
    first = np.array([c in waves["first"] for c in fp.codes])
    mid_2018 = H.month("first_wave_mid_2018")
    if mid_2018 in dates:
        by = steps[dates.index(mid_2018)]
        out["first_wave_real_designated_2018_06"] = float(np.count_nonzero(first & (month <= by)))
    if RATING_DATE in dates:
        column = {c: i for i, c in enumerate(fp.codes)}
        rated = [(column[r["footprint"]], RATING_SCORE[r["rating"]]) for r in load_test_targets()]
        index = res.system_matrix("integration_index")[dates.index(RATING_DATE)]
        x = np.array([index[i] for i, _ in rated])
        y = np.array([score for _, score in rated], dtype=float)
        out["ratings_spearman_2017_07"] = (float(stats.spearmanr(x, y).statistic)
                                           if np.ptp(x) > 0 else math.nan)
    return out


def _flow_metrics(flows: dict[str, int]) -> dict[str, float]:
    """Lost commitments and pool sign-up, from the recorder's monthly counts."""
    def ratio(a: float, b: float) -> float:
        return float(a / b) if b > 0 else math.nan

    return {
        "commitment_loss_rate": ratio(flows["commitments_lost"], flows["commitments_held"]),
        "pool_signed_surplus": ratio(flows["pool_signed_surplus"], flows["pool_offered_surplus"]),
        "pool_signed_deficit": ratio(flows["pool_signed_deficit"], flows["pool_offered_deficit"]),
    }


def observe(arm_: Arm, seed: int) -> dict[str, float]:
    """Run ``arm_`` from ``seed`` and reduce its result to the metrics every check draws on."""
    from simulation import DrumbeatModel

    spec = arm_.build()
    model = DrumbeatModel(spec, seed)
    model.recorder.record_flows()  # lost commitments and pool sign-up, only visible while stepping
    res = model.run(spec.steps)
    steps = spec.steps
    n_systems = len(res.system_names)
    out = _national_metrics(res.national, steps, n_systems)
    out.update(_dated_metrics(res.national, spec))
    out.update(_system_metrics(res, steps))
    out.update(_flow_metrics(res.flows))
    out.update(_real_metrics(res))
    last = res.national.iloc[-1]
    years = steps / 12.0
    proposed = float(last["service_changes_proposed"])
    decided = float(last["service_changes_delivered"] + last["service_changes_blocked"])
    out["changes_per_system_year"] = proposed / (n_systems * years)
    out["changes_blocked_share"] = float(last["service_changes_blocked"]) / decided if decided else math.nan
    out["systems"] = float(n_systems)
    return out


def _observe_item(item: tuple[Arm, int]) -> tuple[Arm, int, dict[str, float]]:
    """Executor task: (arm, seed) -> (arm, seed, metrics). Top level, so it pickles."""
    a, seed = item
    return a, seed, observe(a, seed)


# --- the patterns, read from the criteria file --------------------------------------------------
@dataclass(frozen=True)
class Alternative:
    """A rival model a pattern should reject: overrides, and the free rate re-tuned for it."""

    name: str
    title: str
    description: str
    overrides: tuple[tuple[str, Any], ...]
    free_rate: str

    def applied(self, a: Arm, rate: float) -> Arm:
        """Arm ``a`` under this alternative with its free rate at ``rate``."""
        over = dict(a.overrides) | dict(self.overrides) | {self.free_rate: float(rate)}
        return Arm(a.name, a.scenario, tuple(sorted(over.items())), a.events)


@dataclass(frozen=True)
class Pattern:
    """One pattern of Brief section 6: arms, checks, replicates, and its alternative."""

    number: int
    title: str
    claim: str
    sources: str
    arms: tuple[Arm, ...]
    checks: tuple[Check, ...]
    ci: int
    full: int
    alternative: Alternative
    match: Arm                      # the arm on which the alternative matches the full model
    match_metric: str = "share_integrated_end"  # ... in this metric's median
    figure: str = ""                # metric shown in the scorecard figure
    verification: tuple[str, ...] = field(default=())

    def seeds(self, size: str) -> range:
        """Replicate seeds per arm for ``size`` ("ci" or "full")."""
        return range(self.ci if size == "ci" else self.full)


def _build(crit) -> tuple[Pattern, ...]:
    arms = {name: arm(name, d.scenario, d.events, **d.overrides) for name, d in crit.arms.items()}
    alts = {name: Alternative(name, d.title, d.description, tuple(sorted(d.overrides.items())),
                              d.free_rate) for name, d in crit.alternatives.items()}
    out = []
    for d in crit.pattern:
        checks = tuple(Check(c.kind, c.metric, c.arm, c.text, c.other_metric, c.other_arm,
                             c.min_effect, c.lo, c.hi, c.share, c.status) for c in d.check)
        out.append(Pattern(d.id, d.title, d.claim, d.sources, tuple(arms[a] for a in d.arms),
                           checks, d.replicates.ci, d.replicates.full, alts[d.alternative],
                           arms[d.match], d.match_metric or crit.tuning.metric, d.figure,
                           tuple(d.verification)))
    return tuple(sorted(out, key=lambda p: p.number))


@functools.cache
def patterns() -> tuple[Pattern, ...]:
    """Every pattern of the shipped criteria file (``configs/validation/patterns.toml``)."""
    from . import criteria

    return _build(criteria.load())


def __getattr__(name: str) -> Any:  # ``PATTERNS``: read from the criteria file when first used
    if name == "PATTERNS":
        return patterns()
    raise AttributeError(name)


def by_number(numbers: Iterable[int] | None = None) -> list[Pattern]:
    """The patterns with these numbers (all when None)."""
    wanted = set(numbers) if numbers is not None else None
    return [p for p in patterns() if wanted is None or p.number in wanted]


# --- judging ---------------------------------------------------------------------------------
def evaluate(pattern: Pattern, samples: dict[str, list[dict[str, float]]]) -> list[Verdict]:
    """Judge every check of ``pattern``."""
    return [judge(c, samples) for c in pattern.checks]


def passes(verdicts: list[Verdict]) -> bool:
    """Whether a pattern passes: every counted check does (fitted facts are shown only)."""
    return all(v.passed for v in verdicts if v.check.counted)
