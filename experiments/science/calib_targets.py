"""The facts of England 2014-2022 that calibration fits, and the ones it holds out.

Each fact is a :class:`Target`: a summary statistic of one run (:func:`england_stats`), an
observed value, a scale (how far off counts as one unit of misfit) and the seed passage it
comes from. A *point* target has an observed value; where the seeds give only a qualitative
fact it is encoded as a *bound* (``at_least`` / ``at_most``): no misfit on the right side of
the bound, misfit growing by one per ``scale`` beyond it. The bound values that the seeds
do not state as numbers are this project's reading, and say so in their ``note``.

Fitted (:data:`FITTED`): the dated counts, the consolidation and drumbeat durations, and two
targets that tell peer contagion from outside push:

* ``commitment_clustering_2017_06`` -- how far commitment clusters within systems beyond
  chance: the variance between systems of the share of NHS members committed, divided by the
  variance a binomial would give with the same national share and the systems' sizes. An
  outside push that acts on each organisation independently gives about 1; contagion inside
  a system's network (peers "doing it for you", 000:640; decisions by consensus, 002:2899)
  makes a system's members commit together, so some systems are "advanced enough" while
  others are not (002:1443-1447).
* ``commitment_acceleration`` -- the monthly gain in commitment in the second and third year
  after the STPs over that in the first: "harder and less dynamic at the start, until you get
  a drumbeat going ... two or three years" (000:640; collaboration "takes time to develop",
  002:3129-3131). An outside hazard acts at once and slows as fewer are left (ratio below 1);
  a drumbeat accelerates (ratio at least 1).

Held out (:data:`HELD_OUT`, checked on posterior predictive runs, never fitted): every
system designated by April 2021 (003:4, 000:54); pooled control totals in shadow form in
2017/18 (002:3075-3087); most designated systems in the 2018/19 incentive scheme
(002:3088-3092); head-start systems first (002:1026, 004:288, 004:929).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import history as H

STP_DATE = H.month("stps")   # STP footprints announced: system working starts (002:1391)


@dataclass(frozen=True)
class Target:
    """One fact as a statistic: observed value or bound, scale, source, fitted or held out."""

    value: float
    scale: float
    fact: str
    kind: str = "point"          # "point", "at_least" or "at_most"
    fitted: bool = True
    note: str = ""

    def misfit(self, x: float) -> float:
        """Signed misfit in scale units (0 inside a bound; NaN counts as far off)."""
        return misfit(x, self.value, self.scale, self.kind)

    def holds(self, x: float) -> bool:
        """Whether ``x`` is consistent with the fact: within the bound, or one scale of a point."""
        return x is not None and not math.isnan(x) and abs(self.misfit(x)) <= (
            1.0 if self.kind == "point" else 0.0)

    def stated(self) -> str:
        """The observed value or bound in words (``>= 3``, ``10 +- 2``)."""
        if self.kind == "at_least":
            return f">= {self.value:g}"
        if self.kind == "at_most":
            return f"<= {self.value:g}"
        return f"{self.value:g} +- {self.scale:g}"


#: The misfit, in scale units, of a statistic that could not be computed (NaN).
NAN_MISFIT = 10.0


def misfit(x: float, value: float, scale: float, kind: str = "point") -> float:
    """``(x - value) / scale`` for a point; for a bound only the part beyond it (else 0)."""
    if x is None or math.isnan(x):
        return NAN_MISFIT
    d = x - value
    if kind == "at_least":
        d = min(d, 0.0)
    elif kind == "at_most":
        d = max(d, 0.0)
    return d / scale


TARGETS: dict[str, Target] = {
    "designated_2017_06": Target(H.count("first_wave"), 2, "systems designated in June 2017 "
                                 "(002:1444-1447)"),
    "designated_2018_05": Target(H.count("second_wave"), 2, "systems designated by May 2018 "
                                 "(002:1537-1539)"),
    "commissioners_2021_03": Target(H.count("ccgs_2021"), 25, "CCGs left in March 2021; "
                                    "'heading down closer to 80' (000:614)"),
    "months_to_single_ao": Target(18, 9, "median months from the STPs (Dec 2015) to a shared "
                                  "accountable officer, where CCGs consolidate (000:626)"),
    "months_to_drumbeat": Target(30, 9, "median months from the STPs (Dec 2015) to a system's "
                                 "shadow-ICS consensus, the drumbeat (000:640)"),
    "commitment_clustering_2017_06": Target(
        3.0, 1.0, "commitment clusters within systems, June 2017: between-system variance of "
        "the committed share over the binomial variance (000:640, 002:2899, 002:1443-1447)",
        kind="at_least",
        note="the seeds are qualitative; 1 is what independent adoption gives, 3 ('far beyond "
             "a binomial') is this project's bound"),
    "commitment_acceleration": Target(
        1.0, 0.5, "commitment accelerates: monthly gain in the 2nd-3rd year after the STPs "
        "over the 1st (000:640 'two or three years'; 002:3129-3131)", kind="at_least",
        note="qualitative: a drumbeat that takes two or three years means the gain does not "
             "fall after the first year; 1 is the bound"),
    "undesignated_2021_04": Target(
        0, 1, "every system designated by April 2021 (003:4, 000:54)", kind="at_most",
        fitted=False),
    "pools_2018_03": Target(
        2, 1, "'several' systems ran a control total in shadow form in 2017/18 (002:3075-3087)",
        kind="at_least", fitted=False, note="'several' read as at least 2"),
    "pooled_designated_2019_03": Target(
        0.5, 0.25, "most designated systems signed up to the 2018/19 system control total "
        "scheme (002:3088-3092)", kind="at_least", fitted=False,
        note="share of the systems designated by May 2018 with an active pool in March 2019; "
             "'most' read as at least half"),
    "head_start_months": Target(
        0, 6, "systems with prior collaboration (vanguards, devolution) designated first "
        "(002:1026, 004:288, 004:929)", kind="at_most", fitted=False,
        note="mean designation month of head-start systems minus the others' (undesignated: "
             "end of run + 12)"),
}
FITTED = tuple(k for k, t in TARGETS.items() if t.fitted)
HELD_OUT = tuple(k for k, t in TARGETS.items() if not t.fitted)
#: Imposed by a scenario event, so neither fitted nor a test: one CCG per system in July 2022.
IMPOSED = {"commissioners_2022_07": "one commissioner per system in July 2022, imposed by the "
                                    "statute event (001:1)"}
OBSERVED = {k: float(TARGETS[k].value) for k in FITTED}
SCALES = {k: float(TARGETS[k].scale) for k in FITTED}
KINDS = {k: TARGETS[k].kind for k in FITTED}
FACTS = {k: t.fact for k, t in TARGETS.items()}


# --- summary statistics --------------------------------------------------------------------
def _first_by_system(frame: pd.DataFrame, names: list[str], censor: float) -> np.ndarray:
    first = frame.groupby("system", sort=False)["step"].min()
    return np.array([float(first.get(n, censor)) for n in names])


def clustering(shares: np.ndarray, sizes: np.ndarray) -> float:
    """Between-system variance of committed shares over the binomial variance (1 = chance).

    ``shares``: each system's committed share; ``sizes``: its NHS members. NaN when the
    national share is 0 or 1 (no variance to compare).
    """
    ok = sizes > 0
    x, n = shares[ok], sizes[ok].astype(float)
    p = float(np.average(x, weights=n)) if ok.any() else math.nan
    if not 0.0 < p < 1.0:
        return math.nan
    return float(np.mean((x - p) ** 2) / np.mean(p * (1 - p) / n))


def _first(mask: np.ndarray, steps: np.ndarray, censor: float) -> np.ndarray:
    """Per column of ``mask`` (months x systems), the first step at which it holds, as a float
    (``censor`` if never)."""
    return np.where(mask.any(axis=0), steps[mask.argmax(axis=0)].astype(float), censor)


def england_stats(result, scenario) -> dict[str, float]:
    """Every statistic of :data:`TARGETS` from one historical run.

    Read from the run's records as arrays (``RunResult.national_column``, ``system_matrix``,
    ``events_of``), not its pandas tables: the same numbers, to the bit, as
    :func:`england_stats_tables`, in a fraction of the time (a calibration evaluates it once
    per particle).
    """
    names = result.system_names
    if len(set(names)) != len(names):
        return england_stats_tables(result, scenario)
    S = len(names)
    dates = result.national_column("date")
    steps = np.array(result.national_column("step"), dtype=np.int64)
    by_date = dict(zip(dates, range(len(dates)), strict=True))
    last = len(dates) - 1

    def at(col: str, date: str) -> float:
        return float(result.national_column(col)[by_date.get(date, last)])

    stp = scenario.step_of(STP_DATE)
    end = float(steps[-1])
    stage, designated = result.system_matrix("stage"), result.system_matrix("designated")
    pool_active = result.system_matrix("pool_active")
    shadow = _first(stage >= 1, steps, end + 12) - stp
    at0 = np.flatnonzero(steps == 0)
    multi = (np.flatnonzero(result.system_matrix("commissioners")[at0[0]] > 1) if at0.size
             else np.zeros(0, dtype=np.int64))
    first_ao: dict[int, int] = {}
    for t, s in zip(*result.events_of("ccg_consolidation"), strict=True):
        if 0 <= s < S and (s not in first_ao or t < first_ao[s]):
            first_ao[s] = t
    t_ao = np.array([float(first_ao.get(j, math.nan)) for j in multi.tolist()]) - stp
    t_ao = t_ao[~np.isnan(t_ao)]
    start = result.systems_at_start  # NHS members and prior collaboration, as the run began
    sizes, prior = start["nhs_members"].to_numpy(), start["prior_collab"].to_numpy()
    k_first = by_date.get(H.month("first_wave"))
    row = (np.full(S, math.nan) if k_first is None
           else result.system_matrix("committed_share")[k_first].astype(float))
    cs = lambda d: at("committed_share", d)  # noqa: E731
    y1 = cs(H.month("stps_first_year")) - cs(STP_DATE)
    y23 = (cs(H.month("stps_third_year")) - cs(H.month("stps_first_year"))) / 2.0
    desig = _first(designated > 0, steps, end + 12)
    head = prior > 0
    k_wave, k_scheme = by_date.get(H.month("second_wave")), by_date.get(H.month("incentive_scheme"))
    pooled = (pool_active[k_scheme][designated[k_wave] > 0].astype(bool)
              if k_wave is not None and k_scheme is not None else np.zeros(0, dtype=bool))
    early = [k for k, d in enumerate(dates) if d <= H.month("shadow_pools")]
    pools = float(np.count_nonzero(pool_active[early].astype(bool).any(axis=0))) if early else 0.0
    return {
        "designated_2017_06": at("systems_designated", H.month("first_wave")),
        "designated_2018_05": at("systems_designated", H.month("second_wave")),
        "commissioners_2021_03": at("commissioners", H.month("ccgs_2021")),
        "months_to_single_ao": float(np.median(t_ao)) if t_ao.size else end - stp + 12,
        "months_to_drumbeat": float(np.median(shadow)),
        "commitment_clustering_2017_06": clustering(row, sizes),
        "commitment_acceleration": (y23 + 0.01) / (max(y1, 0.0) + 0.01),
        "undesignated_2021_04": len(names) - at("systems_designated", H.month("all_designated")),
        "pools_2018_03": pools,
        "pooled_designated_2019_03": (int(np.count_nonzero(pooled)) / pooled.size if pooled.size
                                      else math.nan),
        "head_start_months": (float(desig[head].mean() - desig[~head].mean())
                              if head.any() and (~head).any() else math.nan),
    }


def england_stats_tables(result, scenario) -> dict[str, float]:
    """The statistics of :func:`england_stats` read from the run's pandas tables: the
    reference it is held to (tests/test_calibrate.py), and what systems sharing a name need
    (the tables group by name)."""
    nat = result.national
    by_date = dict(zip(nat["date"], range(len(nat)), strict=True))

    def at(col: str, date: str) -> float:
        return float(nat[col].iloc[by_date.get(date, len(nat) - 1)])

    stp = scenario.step_of(STP_DATE)
    end = float(nat["step"].iloc[-1])
    names = result.system_names
    sysdf = result.systems
    shadow = _first_by_system(sysdf[sysdf["stage"] >= 1], names, end + 12) - stp
    ev = result.events
    ccg0 = sysdf[sysdf["step"] == 0].set_index("system")["commissioners"]
    multi = [n for n in names if ccg0.get(n, 1) > 1]
    ao = ev[ev["kind"] == "ccg_consolidation"].copy()
    ao["system"] = [names[s] if 0 <= s < len(names) else "" for s in ao["system"]]
    t_ao = _first_by_system(ao, multi, math.nan) - stp
    t_ao = t_ao[~np.isnan(t_ao)]
    start = result.systems_at_start  # NHS members and prior collaboration, as the run began
    sizes, prior = start["nhs_members"].to_numpy(), start["prior_collab"].to_numpy()
    row = sysdf[sysdf["date"] == H.month("first_wave")].set_index("system").reindex(names)
    cs = lambda d: at("committed_share", d)  # noqa: E731
    y1 = cs(H.month("stps_first_year")) - cs(STP_DATE)
    y23 = (cs(H.month("stps_third_year")) - cs(H.month("stps_first_year"))) / 2.0
    desig = _first_by_system(sysdf[sysdf["designated"] > 0], names, end + 12)
    head = prior > 0
    wave = sysdf[(sysdf["date"] == H.month("second_wave")) & (sysdf["designated"] > 0)]["system"]
    pooled = sysdf[(sysdf["date"] == H.month("incentive_scheme"))
                   & sysdf["system"].isin(set(wave))]["pool_active"]
    pools = sysdf[sysdf["date"] <= H.month("shadow_pools")].groupby("system")["pool_active"].max()
    return {
        "designated_2017_06": at("systems_designated", H.month("first_wave")),
        "designated_2018_05": at("systems_designated", H.month("second_wave")),
        "commissioners_2021_03": at("commissioners", H.month("ccgs_2021")),
        "months_to_single_ao": float(np.median(t_ao)) if t_ao.size else end - stp + 12,
        "months_to_drumbeat": float(np.median(shadow)),
        "commitment_clustering_2017_06": clustering(row["committed_share"].to_numpy(float),
                                                    sizes),
        "commitment_acceleration": (y23 + 0.01) / (max(y1, 0.0) + 0.01),
        "undesignated_2021_04": len(names) - at("systems_designated", H.month("all_designated")),
        "pools_2018_03": float(pools.astype(bool).sum()),
        "pooled_designated_2019_03": float(pooled.astype(bool).mean()) if len(pooled) else math.nan,
        "head_start_months": (float(desig[head].mean() - desig[~head].mean())
                              if head.any() and (~head).any() else math.nan),
    }


def heldout_table(runs: list[dict]) -> pd.DataFrame:
    """Per held-out fact: the share of posterior draws consistent with it."""
    rows = []
    for key in HELD_OUT:
        t = TARGETS[key]
        x = np.array([r["stats"].get(key, math.nan) for r in runs], dtype=float)
        rows.append({"statistic": key, "fact": t.fact, "observed": t.stated(),
                     "median": float(np.nanmedian(x)) if np.isfinite(x).any() else math.nan,
                     "share_consistent": float(np.mean([t.holds(v) for v in x])),
                     "draws": len(x)})
    return pd.DataFrame(rows)


def targets_table(targets: dict[str, Target] | None = None) -> pd.DataFrame:
    """Every fact (of ``targets``, else :data:`TARGETS`): fitted or held out, the statistic,
    the observed value or bound, source."""
    return pd.DataFrame([{"statistic": k, "role": "fitted" if t.fitted else "held out",
                          "observed": t.stated(), "fact": t.fact, "note": t.note}
                         for k, t in (targets or TARGETS).items()]
                        + [{"statistic": k, "role": "imposed", "observed": "", "fact": v,
                            "note": "set by a scenario event"} for k, v in IMPOSED.items()])
