"""The nine patterns of Brief section 6 as statistical checks over replicate runs.

One definition serves both the CI-sized tests in ``tests/patterns/`` and the full-size
scorecard of ``drumbeat validate`` (``experiments/science/validate.py``). A :class:`Pattern` has
*arms* (a scenario plus overrides and injected events), *checks* and two replicate counts
(``ci`` and ``full``). Every run of an arm is reduced by :func:`observe` to a flat dict of
outcome *metrics*; a :class:`~experiments.science.judge.Check` then judges the replicate
samples (``judge.py`` states the statistics).

Times are months; runs that never reach a milestone are censored at the run length plus 12
months (rank-based statistics are unaffected by the censoring value).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from simulation.configs import shipped

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
    for date, key in (("2017-06", "designated_2017_06"), ("2018-05", "designated_2018_05"),
                      ("2018-06", "designated_2018_06"), ("2021-04", "designated_2021_04")):
        if date in by_date:
            out[key] = float(nat["systems_designated"].iloc[by_date[date]])
    for date, key in (("2019-06", "commissioners_2019_06"), ("2021-03", "commissioners_2021_03"),
                      ("2022-07", "commissioners_2022_07")):
        if date in by_date:
            out[key] = float(nat["commissioners"].iloc[by_date[date]])
    out["commissioners_start"] = float(nat["commissioners"].iloc[0])
    return out


def _system_metrics(model, res, steps: int) -> dict[str, float]:
    """Per-system outcomes: variation, head starts, hostility."""
    w = model.state.world
    sysdf = res.systems
    censor = float(steps + 12)
    first = sysdf[sysdf["designated"]].groupby("system", sort=False)["step"].min()
    t_int = np.array([float(first.get(n, censor)) for n in w.system_name])
    integrated = model.state.stage >= 2
    q75, q25 = np.percentile(t_int, [75, 25])
    prior = w.prior_collab > 0
    hostile = w.hostility > 0
    idx = sysdf.pivot(index="step", columns="system", values="integration_index")
    early = idx.loc[min(EARLY_WINDOW, steps)].reindex(w.system_name).to_numpy()
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


class _Tracker:
    """Quantities only visible while stepping: lost commitments, pool sign-up, service changes."""

    def __init__(self, st) -> None:
        self.lost = self.held = 0.0
        nhs = st.is_pooled_kind
        self.surplus = nhs & (st.world.plan > 0)
        self.deficit = nhs & (st.world.plan < 0)
        self.pool = {"surplus": [0.0, 0.0], "deficit": [0.0, 0.0]}
        self.delays: list[int] = []
        self.seen: set[int] = set()

    def before(self, st) -> np.ndarray:
        return (st.committed & st.active).copy()

    def after(self, st, was: np.ndarray) -> None:
        self.held += was.sum()
        self.lost += (was & ~st.committed & st.active).sum()
        offered = st.committed & st.active & st.pool_active[st.world.home]
        for key, mask in (("surplus", self.surplus), ("deficit", self.deficit)):
            self.pool[key][0] += (offered & mask & st.in_pool).sum()
            self.pool[key][1] += (offered & mask).sum()
        for prop in st.sc_pending:
            if id(prop) not in self.seen:
                self.seen.add(id(prop))
                self.delays.append(prop["due"] - prop["proposed"])

    def metrics(self) -> dict[str, float]:
        def ratio(a: float, b: float) -> float:
            return float(a / b) if b > 0 else math.nan

        return {
            "commitment_loss_rate": ratio(self.lost, self.held),
            "pool_signed_surplus": ratio(*self.pool["surplus"]),
            "pool_signed_deficit": ratio(*self.pool["deficit"]),
            "change_months_mean": float(np.mean(self.delays)) if self.delays else math.nan,
        }


def observe(arm_: Arm, seed: int) -> dict[str, float]:
    """Run ``arm_`` from ``seed`` and reduce it to the metrics every check draws on."""
    from simulation import DrumbeatModel

    spec = arm_.build()
    model = DrumbeatModel(spec, seed)
    st = model.state
    track = _Tracker(st)
    for _ in range(spec.steps):
        was = track.before(st)
        model.step()
        track.after(st, was)
    res = model.result()
    steps = spec.steps
    out = _national_metrics(res.national, steps, st.n_systems)
    out.update(_dated_metrics(res.national, spec))
    out.update(_system_metrics(model, res, steps))
    out.update(track.metrics())
    last = res.national.iloc[-1]
    years = steps / 12.0
    proposed = float(last["service_changes_proposed"])
    decided = float(last["service_changes_delivered"] + last["service_changes_blocked"])
    out["changes_per_system_year"] = proposed / (st.n_systems * years)
    out["changes_blocked_share"] = float(last["service_changes_blocked"]) / decided if decided else math.nan
    out["systems"] = float(st.n_systems)
    return out


def _observe_item(item: tuple[Arm, int]) -> tuple[Arm, int, dict[str, float]]:
    """Executor task: (arm, seed) -> (arm, seed, metrics). Top level, so it pickles."""
    a, seed = item
    return a, seed, observe(a, seed)


# --- the nine patterns -------------------------------------------------------------------------
@dataclass(frozen=True)
class Pattern:
    """One pattern of Brief section 6: its arms, checks and replicate counts per arm."""

    number: int
    title: str
    claim: str
    sources: str
    arms: tuple[Arm, ...]
    checks: tuple[Check, ...]
    ci: int
    full: int
    figure: str = ""                # metric shown in the scorecard figure
    notes: str = field(default="")

    def seeds(self, size: str) -> range:
        """Replicate seeds per arm for ``size`` ("ci" or "full")."""
        return range(self.ci if size == "ci" else self.full)


BASE = arm("baseline")
DEADLINE = arm("deadline", events=[{"kind": "deadline", "month": DEADLINE_MONTH,
                                    "due": "2020-10", "note": "pattern 4 deadline"}])

PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        1, "Slow start, then the drumbeat",
        "An S-shaped spread with a lag of about two to three years before the drumbeat.",
        "000:622-640, 002:3130", (BASE,),
        (Check("median", "months_to_onset", "baseline", lo=18, hi=54,
               text="median months until 10% of systems are integrated within 18-54 (95% "
                    "interval): two to three years, less 6 or plus 18 months because the "
                    "national 10% comes after the first systems' drumbeat"),
         Check("median", "acceleration", "baseline", lo=1.5,
               text="median ratio of monthly growth over months 24-60 to that over months 0-24 "
                    ">= 1.5 (95% interval)")),
        ci=20, full=60, figure="months_to_onset"),
    Pattern(
        2, "Persistent variation; head starts persist",
        "Systems differ widely in when they integrate, and those with a head start stay ahead.",
        "000:124, 002:1026", (BASE,),
        (Check("band", "system_iqr_months", "baseline", lo=12, share=0.8,
               text="inter-quartile range of months to integration across systems >= 12"),
         Check("less", "months_to_integration_prior", "baseline",
               other_metric="months_to_integration_no_prior", min_effect=6,
               text="systems with prior collaboration integrate >= 6 months earlier"),
         Check("band", "rank_persistence", "baseline", lo=0.3, share=0.8,
               text="Spearman correlation of index at 2 years with earliness of integration >= 0.3")),
        ci=20, full=60, figure="system_iqr_months"),
    Pattern(
        3, "Leader turnover slows integration and makes it fragile",
        "Higher leader turnover (shorter tenure) slows integration and makes it more fragile.",
        "000:194, 004:276, 002:2613",
        (arm("tenure_6y", leader_tenure_years=6.0), arm("tenure_1.5y", leader_tenure_years=1.5)),
        (Check("greater", "months_to_half", "tenure_1.5y", other_arm="tenure_6y", min_effect=6,
               text="half of systems integrated >= 6 months later with 1.5-year than 6-year tenure"),
         Check("greater", "commitment_loss_rate", "tenure_1.5y", other_arm="tenure_6y",
               min_effect=0.0, text="a larger monthly share of commitments is lost")),
        ci=20, full=50, figure="months_to_half"),
    Pattern(
        4, "Organisation-focused pressure slows; a deadline speeds within months",
        "Organisation-focused regulatory pressure slows integration; a deadline speeds it "
        "within months.", "004:870, 000:322",
        (arm("org_focus", reg_intensity=0.8, reg_focus=0.0),
         arm("system_focus", reg_intensity=0.8, reg_focus=1.0), BASE, DEADLINE),
        (Check("greater", "months_to_half", "org_focus", other_arm="system_focus", min_effect=6,
               text="at intensity 0.8, organisation focus delays half-integration >= 6 months"),
         Check("greater", "committed_gain_after_deadline", "deadline", other_arm="baseline",
               min_effect=0.05,
               text=f"committed share gains >= 5 points more in the {DEADLINE_WINDOW} months "
                    f"after a deadline announced at month {DEADLINE_MONTH}")),
        ci=20, full=50, figure="months_to_half"),
    Pattern(
        5, "Surplus organisations resist pooling; all-or-nothing deters sign-up",
        "Surplus organisations resist pooling; an all-or-nothing incentive deters sign-up more "
        "than a proportional one.", "004:710, 002:3473-3479",
        (arm("proportional", incentive="proportional"),
         arm("all_or_nothing", incentive="all_or_nothing")),
        (Check("less", "pool_signed_surplus", "proportional", other_metric="pool_signed_deficit",
               min_effect=0.05,
               text="committed surplus bodies sign the system control total less than deficit ones"),
         Check("greater", "pooled_share_mean", "proportional", other_arm="all_or_nothing",
               min_effect=0.0, text="more NHS bodies pool under the proportional design")),
        ci=20, full=50, figure="pooled_share_mean"),
    Pattern(
        6, "Bigger, more fragmented systems are slower",
        "With the same national totals, 25 big systems integrate later than 60 small ones.",
        "004:846, 000:342",
        (arm("60_systems", n_systems=60), arm("25_systems", n_systems=25)),
        (Check("greater", "months_to_half", "25_systems", other_arm="60_systems", min_effect=6,
               text="half-integration >= 6 months later with 25 big systems than 60 small"),),
        ci=20, full=50, figure="months_to_half"),
    Pattern(
        7, "Long-standing hostility: failure to integrate",
        "Systems with long-standing hostility fail to integrate.", "000:660",
        (arm("hostile_30pct", hostile_share=0.3),),
        (Check("band", "integrated_hostile", "hostile_30pct", lo=0.0, hi=0.25, share=0.8,
               text="at most a quarter of hostile systems integrated after 10 years"),
         Check("less", "integrated_hostile", "hostile_30pct",
               other_metric="integrated_not_hostile", min_effect=0.3,
               text="hostile systems' integrated share >= 30 points below the rest")),
        ci=20, full=50, figure="integrated_hostile"),
    Pattern(
        8, "Reconfigurations are rare, slow and often blocked",
        "Service changes are rare, slow and often blocked.", "000:650, 002:3352-3376", (BASE,),
        (Check("band", "changes_per_system_year", "baseline", lo=0.0, hi=0.5, share=0.8,
               text="at most one proposal every two years per system"),
         Check("band", "change_months_mean", "baseline", lo=18, share=0.8,
               text="mean of 18 months or more from proposal to decision"),
         Check("band", "changes_blocked_share", "baseline", lo=0.3, hi=1.0, share=0.8,
               text="at least 30% of decided changes blocked")),
        ci=20, full=60, figure="changes_blocked_share"),
    Pattern(
        9, "History of England 2014-2022",
        "10 systems designated in mid-2017, 14 by mid-2018, all by April 2021; commissioners "
        "fall from about 210 toward one per system.", "002:1444-1447, 002:1537-1539, 003:4, "
        "000:614, 001:1", (arm("england", CALIBRATED),),
        (Check("band", "designated_2017_06", "england", lo=8, hi=10, share=0.7,
               text="8-10 systems designated in June 2017 (observed 10)"),
         Check("band", "designated_2018_05", "england", lo=12, hi=14, share=0.7,
               text="12-14 systems designated by May 2018 (observed 14)"),
         Check("band", "designated_2021_04", "england", lo=44, hi=44, share=1.0,
               text="every system designated by April 2021"),
         Check("band", "commissioners_start", "england", lo=205, hi=215, share=1.0,
               text="about 210 commissioners at the start"),
         Check("band", "commissioners_2021_03", "england", lo=50, hi=150, share=0.7,
               text="commissioners down to 50-150 by March 2021 ('heading down closer to 80')"),
         Check("band", "commissioners_2022_07", "england", lo=44, hi=44, share=1.0,
               text="one commissioner per system by July 2022")),
        ci=10, full=40, figure="commissioners_2021_03"),
    Pattern(
        10, "The first wave got there early",
        "The eight first-wave systems of 2017, with their real compositions, mostly reach "
        "designation by mid-2018 (issue 7's first-wave pattern).",
        "002:1444-1447, 002:1537-1539, 002:1581-1892",
        (arm("first_wave_together", FIRST_WAVE_TOGETHER),),
        (Check("band", "designated_2018_06", "first_wave_together", lo=6, hi=8, share=0.5,
               text="at least 6 of the 8 first-wave systems designated by June 2018 (from April "
                    "2016, default parameters) in at least half the runs"),),
        ci=10, full=40, figure="designated_2018_06"),
)


def by_number(numbers: Iterable[int] | None = None) -> list[Pattern]:
    """The patterns with these numbers (all when None)."""
    wanted = set(numbers) if numbers is not None else None
    return [p for p in PATTERNS if wanted is None or p.number in wanted]


# --- running -------------------------------------------------------------------------------
_CACHE: dict[tuple[Arm, int], dict[str, float]] = {}


def collect(patterns: Iterable[Pattern], size: str, workers: int = 1,
            scheduler: str | None = None,
            progress: Callable[[int, int], None] | None = None) -> dict[str, list[dict[str, float]]]:
    """Run every (arm, seed) the patterns need once; return metrics per arm name.

    Runs are cached in this process by (arm, seed), so patterns sharing an arm share runs.
    """
    wanted: dict[tuple[Arm, int], None] = {}
    for p in patterns:
        for a in p.arms:
            for s in p.seeds(size):
                wanted[(a, s)] = None
    todo = [k for k in wanted if k not in _CACHE]
    if todo:
        from experiments.sweeps.executors import make_executor

        with make_executor(workers, scheduler) as ex:
            for done, (a, s, m) in enumerate(ex.map_unordered(_observe_item, todo), 1):
                _CACHE[(a, s)] = m
                if progress:
                    progress(done, len(todo))
    out: dict[str, list[dict[str, float]]] = {}
    for a, s in sorted(wanted, key=lambda k: (k[0].name, k[1])):
        out.setdefault(a.name, []).append(_CACHE[(a, s)])
    return out


def evaluate(pattern: Pattern, samples: dict[str, list[dict[str, float]]]) -> list[Verdict]:
    """Judge every check of ``pattern``."""
    return [judge(c, samples) for c in pattern.checks]
