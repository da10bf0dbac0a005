"""Scenario discovery over a finished sweep: under which factors does an outcome happen?

``drumbeat discover results/discovery`` (or :func:`write_discovery` from Python) reads a sweep
folder's summary rows (:class:`experiments.sweeps.store.Store`), makes every run a case of
interest or not by a threshold on one result column (``months_to_half_integrated <= 60``: half
the systems integrated within five years; a run that never gets there is not a case), and asks
which ranges of the sweep's factors hold the cases:

- **PRIM boxes** (the patient rule induction method, Friedman and Fisher 1999; as used for
  scenario discovery by Bryant and Lempert 2010): up to ``boxes`` boxes, each with its peeling
  trajectory (coverage, density, mass and restricted dimensions of every step), the step chosen
  (the densest that still holds ``min_coverage`` of the cases left when its search began), its
  limits with quasi-p values, and its coverage and density on a **held-out** share of the runs
  (a fixed split seeded by the spec's ``root_seed``; the boxes are fitted on the rest);
- **feature scores** of every factor (extra trees), for the case of interest and for the result
  column itself.

The threshold is part of the question, so it is fixed before the sweep: a spec's ``[analysis]``
table pre-registers it (``discover = { outcome = "...", op = "<=", value = 60 }``). Another one
is refused unless given explicitly (``--threshold``), and the report then says that it was
not pre-registered.

Which PRIM: EMA Workbench 3's (``ema_workbench.analysis.prim`` and ``.feature_scoring``), the
implementation the scenario-discovery literature uses and maintains (TU Delft, released on
PyPI, tested, with quasi-p values, categorical factors and feature scoring in the same
package). The standalone ``PRIM`` package has no feature scoring, and a hand-written PRIM
would be one more thing to verify. EMA Workbench is an optional extra (``pip install
drumbeat[discover]``); it is imported only when discovery runs, with matplotlib's settings
and the warning filters restored afterwards (importing its analysis package sets a seaborn
palette). This module analyses and writes nothing; the files (``discovery_*.csv``,
``figures/discovery_*.png|svg``, ``discovery.md``, published into the sweep folder under the
output rule) are :func:`experiments.analysis.discovery_report.write_discovery`'s.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.errors import ConfigError, did_you_mean

from ..sweeps.extras import MissingExtra, install_hint
from ..sweeps.indices import censored, is_time
from ..sweeps.spec import Discover
from ..sweeps.store import Store

OPS = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less}
#: PRIM's settings (EMA Workbench's defaults), recorded in the report.
PRIM_SETTINGS = {"peel_alpha": 0.05, "paste_alpha": 0.05, "mass_min": 0.05, "objective": "lenient1"}
TREES = 250  # extra trees of the feature scores


@dataclass(frozen=True)
class Outcome:
    """The case of interest: runs where ``column op value`` holds."""

    column: str
    op: str
    value: float
    registered: bool  # the spec's [analysis] discover, fixed before the sweep

    @property
    def label(self) -> str:
        return f"{self.column} {self.op} {self.value:g}"

    def cases(self, rows: pd.DataFrame) -> np.ndarray:
        """True for the runs that are cases. A time never reached in a run (NaN in a
        ``months_to_...`` column) counts as later than any threshold."""
        y = pd.to_numeric(rows[self.column], errors="coerce").to_numpy(dtype=float)
        if is_time(self.column):
            y = np.where(np.isnan(y), np.inf, y)
        return np.asarray(OPS[self.op](y, self.value), dtype=bool)


@dataclass(frozen=True)
class Limit:
    """One restricted factor of a box: a numeric range (open where PRIM did not cut) or levels."""

    factor: str
    low: float = -math.inf
    high: float = math.inf
    levels: tuple[str, ...] | None = None
    qp_low: float = math.nan
    qp_high: float = math.nan
    dropped: tuple[str, ...] = ()  # a categorical factor's levels outside the box

    def holds(self, col: pd.Series) -> np.ndarray:
        if self.levels is not None:
            return col.astype(str).isin(self.levels).to_numpy()
        v = col.to_numpy(dtype=float)
        return (v >= self.low) & (v <= self.high)


@dataclass
class Discovery:
    """What :func:`analyse` found, and (after :func:`write_discovery`) where it was written."""

    outcome: Outcome
    factors: list[str]
    runs: int
    cases: int
    seed: int
    train: np.ndarray  # row positions the boxes were fitted on
    test: np.ndarray   # the held-out rows
    boxes: list[list[Limit]]
    limits: pd.DataFrame      # one row per box and restricted factor
    coverage: pd.DataFrame    # per box (and all boxes together), train and test
    trajectory: pd.DataFrame  # every peeling step of every box
    features: pd.DataFrame    # feature scores of every factor
    settings: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None
    files: list[str] = field(default_factory=list)


def ema() -> tuple[Any, Any, Any]:
    """EMA Workbench's ``prim`` and ``feature_scoring`` modules and ``RuleInductionType``,
    imported without leaving global side effects (rcParams and warning filters restored).

    Raises:
        MissingExtra: EMA Workbench (or one of its dependencies) is not installed.
    """
    import matplotlib

    try:
        with matplotlib.rc_context(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "ipyparallel not installed" and the like
            from ema_workbench.analysis import feature_scoring, prim
            from ema_workbench.analysis.scenario_discovery_util import RuleInductionType
    except ImportError as exc:
        raise MissingExtra(f"scenario discovery needs the [discover] extra (EMA Workbench 3; "
                           f"{exc.name or 'ema_workbench'} is not installed): "
                           f"{install_hint('discover')}") from None
    return prim, feature_scoring, RuleInductionType


# --- the outcome -------------------------------------------------------------------------
def parse_outcome(text: str) -> tuple[str, str | None, float | None]:
    """``"COLUMN"``, ``"COLUMN OP"`` or ``"COLUMN OP VALUE"`` (OP one of >=, <=, >, <)."""
    m = re.fullmatch(r"\s*(.*?)\s*(?:(>=|<=|==|=|!=|>|<)\s*(\S*)\s*)?", text)
    column, op, value = (m.group(1), m.group(2), m.group(3)) if m else (text.strip(), None, None)
    if not column:
        raise ConfigError(f"--outcome '{text}': no result column; e.g. 'months_to_half_integrated <= 60'")
    if op is not None and op not in OPS:
        raise ConfigError(f"--outcome '{text}': comparison '{op}' is not one of {', '.join(OPS)}")
    number = None
    if value:
        try:
            number = float(value)
        except ValueError:
            raise ConfigError(f"--outcome '{text}': threshold '{value}' is not a number") from None
    return column, op, number


def resolve_outcome(text: str | None, threshold: float | None, registered: Discover | None,
                    source: str) -> Outcome:
    """The outcome asked for, held against the one the spec pre-registered.

    Without ``text`` the pre-registered outcome is used. A column, comparison or value other
    than the pre-registered ones (or any, when none was) needs an explicit ``threshold``.
    """
    column, op, value = parse_outcome(text) if text else (None, None, None)
    reg = registered
    where = f"{source} [analysis] discover"
    if column is None:
        if reg is None:
            raise ConfigError(f"no outcome: {where} is missing (nothing pre-registered); give --outcome "
                              "'COLUMN OP' and --threshold VALUE (the report then says it was not "
                              "pre-registered)")
        column = reg.outcome
    same = reg is not None and reg.outcome == column
    if op is None:
        if not same:
            raise ConfigError(f"--outcome '{column}': give the comparison too, e.g. '{column} >= 0.5' "
                              f"(the pre-registered outcome: {_reg(reg)})")
        op = reg.op
    if threshold is not None:
        if value is not None and value != threshold:
            raise ConfigError(f"--outcome says {value:g} but --threshold says {threshold:g}; give one")
        value = float(threshold)
    elif value is None:
        if not (same and reg.op == op):
            raise ConfigError(f"no threshold for '{column} {op}': none pre-registered ({_reg(reg)}); "
                              "give --threshold VALUE (the report then says it was not pre-registered)")
        value = reg.value
    ok = reg is not None and (reg.outcome, reg.op, reg.value) == (column, op, value)
    out = Outcome(column, op, float(value), ok)
    if not ok and threshold is None:
        why = (f"is not the pre-registered outcome ({_reg(reg)})" if reg is not None
               else f"was not pre-registered ({where} is missing)")
        raise ConfigError(f"'{out.label}' {why}; give --threshold {value:g} to run it anyway (the "
                          "report will say it was not pre-registered)")
    return out


def _reg(reg: Discover | None) -> str:
    return "none in the spec" if reg is None else f"'{reg.outcome} {reg.op} {reg.value:g}'"


# --- the sweep's rows ----------------------------------------------------------------------
def sweep_rows(folder: Path) -> tuple[dict[str, Any], pd.DataFrame, list[str], Discover | None]:
    """The sweep's metadata, its first stage's rows (by position), factors and registration."""
    store = Store(folder)
    meta = store.metadata()
    if meta is None:
        raise ConfigError(f"{folder}: no metadata.json; not a sweep folder (run drumbeat sweep first)")
    rows = store.read("summary")
    if rows.empty:
        raise ConfigError(f"{folder}: holds no finished runs")
    if "stage" in rows:
        rows = rows[rows["stage"] == "main"]
    rows = rows.sort_values("position", kind="stable").reset_index(drop=True) if "position" in rows else rows
    stage = meta["stages"][0] if meta["stages"] and isinstance(meta["stages"][0], dict) else {}
    names = stage.get("factors")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"{folder}/metadata.json: stages[0].factors is not a list of names")
    names = [*names, *(c for c in ("variant", "scenario_file") if c in rows and rows[c].nunique() > 1)]
    factors = [n for n in names if n in rows and rows[n].nunique(dropna=False) > 1]
    an = (meta.get("spec") or {}).get("analysis") or {}
    raw = an.get("discover") if isinstance(an, dict) else None
    if raw is not None and not isinstance(raw, dict):
        raise ConfigError(f"{folder}/metadata.json: spec.analysis.discover is not a table")
    registered = Discover(**raw) if raw is not None else None
    return meta, rows, factors, registered


def check_outcome(rows: pd.DataFrame, outcome: Outcome, factors: list[str], folder: Path) -> np.ndarray:
    """The cases of interest; ConfigError for a column that is no numeric result of the runs,
    or a threshold that makes every run (or none) a case."""
    col = outcome.column
    if col not in rows or col in factors:
        results = [c for c in rows.columns if c not in factors and pd.api.types.is_numeric_dtype(rows[c])]
        what = "is a factor, not a result" if col in factors else "is not a result column"
        raise ConfigError(f"{folder}: '{col}' {what}{did_you_mean(col, results)}; results include "
                          f"{', '.join(c for c in results if not c.startswith('months_to_integration__'))}")
    y = pd.to_numeric(rows[col], errors="coerce")
    missing = int(y.isna().sum()) if not is_time(col) else 0
    if not pd.api.types.is_numeric_dtype(rows[col]) or missing:
        raise ConfigError(f"{folder}: '{col}' is not a number in {missing or len(rows)} runs")
    cases = outcome.cases(rows)
    if cases.all() or not cases.any():
        raise ConfigError(f"{folder}: {'every' if cases.all() else 'no'} run of {len(rows)} has "
                          f"{outcome.label}; PRIM has nothing to tell apart (choose another threshold)")
    return cases


# --- the analysis --------------------------------------------------------------------------
def holdout_split(n: int, seed: int, share: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Row positions (train, test): ``round(share * n)`` rows held out, chosen by a permutation
    from ``numpy.random.default_rng(seed)``; both sorted, disjoint, together every row."""
    order = np.random.default_rng(seed).permutation(n)
    k = round(share * n)
    return np.sort(order[k:]), np.sort(order[:k])


def factor_frame(rows: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    """The factors as PRIM reads them: numbers as floats, everything else as text categories."""
    x = pd.DataFrame(index=rows.index)
    for f in factors:
        col = rows[f]
        numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        x[f] = col.astype(float) if numeric else col.astype(str)
    return x.reset_index(drop=True)


def in_boxes(x: pd.DataFrame, boxes: list[list[Limit]]) -> list[np.ndarray]:
    """Per box, the rows it holds that no earlier box holds (PRIM's boxes are sequential)."""
    taken = np.zeros(len(x), dtype=bool)
    out = []
    for box in boxes:
        inside = ~taken
        for lim in box:
            inside &= lim.holds(x[lim.factor])
        out.append(inside)
        taken |= inside
    return out


def box_stats(x: pd.DataFrame, y: np.ndarray, boxes: list[list[Limit]], split: str) -> list[dict[str, Any]]:
    """Coverage (cases in the box / all cases) and density (cases in the box / runs in it) of each
    box on the rows ``x``, and of all boxes together."""
    total = int(y.sum())
    masks = in_boxes(x, boxes)
    union = np.logical_or.reduce(masks) if masks else np.zeros(len(x), dtype=bool)
    out = []
    for name, m in [*((str(i), m) for i, m in enumerate(masks, 1)), ("all", union)]:
        n, k = int(m.sum()), int(y[m].sum())
        out.append({"box": name, "split": split, "runs": len(x), "cases": total, "runs_in_box": n,
                    "cases_in_box": k, "coverage": k / total if total else math.nan,
                    "density": k / n if n else math.nan, "mass": n / len(x)})
    return out


def _limits(lims: pd.DataFrame, init: pd.DataFrame, qp: dict[str, list[float]]) -> list[Limit]:
    """A box's restricted factors from EMA Workbench's box limits (2 rows: lower, upper)."""
    out = []
    for f in lims.columns:
        lo, hi = lims[f].iloc[0], lims[f].iloc[1]
        q = [(math.nan if v is None or v < 0 else float(v)) for v in qp.get(f, [-1, -1])]
        if isinstance(lo, set | frozenset):
            if set(lo) != set(init[f].iloc[0]):
                out.append(Limit(f, levels=tuple(sorted(map(str, lo))), qp_low=q[0], qp_high=q[1],
                                 dropped=tuple(sorted(map(str, set(init[f].iloc[0]) - set(lo))))))
        elif lo > init[f].iloc[0] or hi < init[f].iloc[1]:
            out.append(Limit(f, float(lo) if lo > init[f].iloc[0] else -math.inf,
                             float(hi) if hi < init[f].iloc[1] else math.inf, None, q[0], q[-1]))
    return out


def find_boxes(x: pd.DataFrame, y: np.ndarray, max_boxes: int, min_coverage: float
               ) -> tuple[list[list[Limit]], pd.DataFrame]:
    """PRIM boxes on ``x``/``y`` and every box's peeling trajectory (EMA Workbench's Prim).

    Each box is the step of its trajectory with the highest density among those that hold at
    least ``min_coverage`` of the cases left when its search began (ties: fewer restricted
    factors); the search stops after ``max_boxes`` boxes, or at a box that restricts nothing or
    is no denser than all the runs together (it is not kept).
    """
    prim_mod, _, _ = ema()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prim = prim_mod.Prim(x, y.astype(int), peel_alpha=PRIM_SETTINGS["peel_alpha"],
                             paste_alpha=PRIM_SETTINGS["paste_alpha"], mass_min=PRIM_SETTINGS["mass_min"])
        boxes, steps = [], []
        for b in range(1, max_boxes + 1):
            box = prim.find_box()
            if box is None:
                break
            traj = box.peeling_trajectory.reset_index(drop=True)
            left = float(traj.loc[0, "k"])
            if not left:  # no case left outside the boxes found
                break
            share = traj["k"].astype(float) / left
            ok = traj[share >= min_coverage - 1e-12]
            best = int(ok.sort_values(["density", "res_dim"], ascending=[False, True],
                                      kind="stable").index[0])
            steps.append(pd.DataFrame({
                "box": b, "step": traj.index, "coverage": traj["coverage"].astype(float),
                "coverage_of_remaining": share, "density": traj["density"].astype(float),
                "mass": traj["mass"].astype(float), "res_dim": traj["res_dim"].astype(int),
                "runs_in_box": traj["n"].astype(int), "cases_in_box": traj["k"].astype(int),
                "chosen": traj.index == best}))
            if int(traj.loc[best, "res_dim"]) == 0 or traj.loc[best, "density"] <= y.mean():
                steps[-1]["chosen"] = False
                break
            box.select(best)
            boxes.append(_limits(box.box_lims[best], prim.box_init, box.p_values[best]))
    return boxes, pd.concat(steps, ignore_index=True) if steps else pd.DataFrame()


def feature_scores(x: pd.DataFrame, cases: np.ndarray, rows: pd.DataFrame, outcome: Outcome,
                   seed: int) -> pd.DataFrame:
    """Extra-trees feature scores of every factor, for the case of interest (classification)
    and for the result column itself (regression; a time never reached at the run length)."""
    _, fs, kind = ema()
    value, _ = censored(rows, outcome.column)
    state = seed % 2**32
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, _ = fs.get_ex_feature_scores(x, cases.astype(int), mode=kind.CLASSIFICATION,
                                        nr_trees=TREES, random_state=state)
        b, _ = fs.get_ex_feature_scores(x, value, mode=kind.REGRESSION, nr_trees=TREES, random_state=state)
    out = pd.DataFrame({"factor": x.columns})
    out["score_case"] = out["factor"].map(a.iloc[:, 0]).astype(float)
    out[f"score_{outcome.column}"] = out["factor"].map(b.iloc[:, 0]).astype(float)
    out = out.sort_values("score_case", ascending=False, kind="stable").reset_index(drop=True)
    out.insert(1, "rank", range(1, len(out) + 1))
    return out


def limits_table(found: list[list[Limit]], x: pd.DataFrame) -> pd.DataFrame:
    """One row per box and restricted factor: its limits (or levels) and quasi-p values."""
    rows = []
    for i, box in enumerate(found, 1):
        for lim in box:
            num = lim.levels is None
            rows.append({"box": i, "factor": lim.factor, "low": lim.low if num else math.nan,
                         "high": lim.high if num else math.nan, "levels": "|".join(lim.levels or ()),
                         "dropped": "|".join(lim.dropped),
                         "range_low": x[lim.factor].min() if num else math.nan,
                         "range_high": x[lim.factor].max() if num else math.nan,
                         "qp_low": lim.qp_low, "qp_high": lim.qp_high})
    return pd.DataFrame(rows, columns=["box", "factor", "low", "high", "levels", "dropped", "range_low",
                                       "range_high", "qp_low", "qp_high"])


def analyse(rows: pd.DataFrame, factors: list[str], outcome: Outcome, seed: int, *, boxes: int = 3,
            min_coverage: float = 0.5, holdout: float = 0.3) -> Discovery:
    """PRIM boxes fitted on the rows not held out, their coverage and density on both parts,
    and feature scores over all rows (nothing is written)."""
    if not 1 <= boxes <= 20 or not 0 < min_coverage <= 1 or not 0 < holdout < 1:
        raise ConfigError(f"discover: boxes {boxes} (1-20), min_coverage {min_coverage} (0-1], "
                          f"holdout {holdout} (0-1): out of range")
    cases = outcome.cases(rows)
    train, test = holdout_split(len(rows), seed, holdout)
    for part, idx in (("fitted", train), ("held-out", test)):
        if len(idx) == 0 or not cases[idx].any():
            raise ConfigError(f"discover: the {part} runs ({len(idx)}) hold no case of {outcome.label}; "
                              "the sweep is too small to hold runs out")
    x = factor_frame(rows, factors)
    found, trajectory = find_boxes(x.iloc[train].reset_index(drop=True), cases[train], boxes, min_coverage)
    coverage = pd.DataFrame(box_stats(x.iloc[train].reset_index(drop=True), cases[train], found, "fitted")
                            + box_stats(x.iloc[test].reset_index(drop=True), cases[test], found, "held-out"))
    limits = limits_table(found, x)
    settings = {**PRIM_SETTINGS, "boxes": boxes, "min_coverage": min_coverage, "holdout": holdout,
                "seed": seed, "trees": TREES}
    return Discovery(outcome, factors, len(rows), int(cases.sum()), seed, train, test, found, limits,
                     coverage, trajectory, feature_scores(x, cases, rows, outcome, seed), settings)
