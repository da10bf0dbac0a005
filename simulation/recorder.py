"""What a run records: the national table, the per-system table, the event log, the summary.

Every column carries its unit in its name or here: trust and shares in [0, 1]; money in
GBP million (``_gbp_m``); time in months; counts are cumulative from the start of the run
unless named ``_month``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .eventlog import EventLog
from .index import STAGE_NAMES
from .state import State

NATIONAL_COLUMNS = (
    "step", "date", "share_integrated", "systems_designated", "share_shadow", "share_mature",
    "commissioners", "mean_trust", "min_trust", "pooled_share", "committed_share",
    "council_engagement", "mean_index", "money_moved_gbp_m", "leader_changes", "interventions",
    "service_changes_proposed", "service_changes_delivered", "service_changes_blocked",
    "service_changes_reversed", "reviews", "shared_ceos", "trust_mergers",
)


class Recorder:
    """Collects one row per step nationally and per system; builds tables at the end."""

    def __init__(self, st: State, date_of) -> None:
        self.st = st
        self.date_of = date_of
        self._date = functools.lru_cache(maxsize=None)(date_of)
        self.nat: list[tuple] = []
        #: Per system at the start of the run (the world's and the first month's facts).
        self.start = {"system": list(st.world.system_name),
                      "prior_collab": np.asarray(st.world.prior_collab, dtype=float).copy(),
                      "hostility": np.asarray(st.world.hostility, dtype=float).copy(),
                      "nhs_members": st.sys_count(st.active & st.is_pooled_kind)}
        self.flows: _Flows | None = None
        self.sys: dict[str, list[np.ndarray]] = {k: [] for k in (
            "integration_index", "stage", "mean_trust", "min_trust", "committed_share",
            "pooled_share", "pool_active", "pool_held", "money_moved_gbp_m", "commissioners",
            "council_engagement", "designated", "leader_changes", "interventions",
            "service_changes_proposed", "service_changes_delivered", "service_changes_blocked",
            "service_changes_reversed", "reviews")}

    def collect(self, comp: dict[str, np.ndarray]) -> None:
        st = self.st
        S = st.n_systems
        c, cum = st.counters, st.cum
        cum.table += c.table
        totals = cum.table.sum(axis=1)  # per count, over systems (whole numbers, exact)
        mean_t, min_t = st.sys_trust()
        a = st.tie_active()
        n_active = int(np.count_nonzero(a))
        n_ccg = st.sys_count(st.is_ccg)
        pooled = comp["pool"].copy()  # the index's pool component is the pooled share
        cols = self.sys
        cols["integration_index"].append(st.index.copy())
        cols["stage"].append(st.stage.copy())
        cols["mean_trust"].append(mean_t)
        cols["min_trust"].append(min_t)
        cols["committed_share"].append(comp["commit"].copy())
        cols["pooled_share"].append(pooled)
        cols["pool_active"].append(st.pool_active.copy())
        cols["pool_held"].append(st.pool_held & st.pool_active)
        cols["money_moved_gbp_m"].append(c.money_moved.copy())
        cols["commissioners"].append(n_ccg)
        cols["council_engagement"].append(comp["council"].copy())
        cols["designated"].append(st.designated.copy())
        cols["leader_changes"].append(cum.leader_changes.copy())
        cols["interventions"].append(cum.interventions.copy())
        cols["service_changes_proposed"].append(cum.sc_proposed.copy())
        cols["service_changes_delivered"].append(cum.sc_delivered.copy())
        cols["service_changes_blocked"].append(cum.sc_blocked.copy())
        cols["service_changes_reversed"].append(cum.sc_reversed.copy())
        cols["reviews"].append(cum.reviews.copy())
        if self.flows is not None:
            self.flows.count(st)
        nhs = st.active & st.is_pooled_kind
        n_nhs = max(np.count_nonzero(nhs), 1)
        councils = st.active & st.is_council
        n_councils = np.count_nonzero(councils)
        self.nat.append((
            st.step, self._date(st.step), np.count_nonzero(st.stage >= 2) / S,
            np.count_nonzero(st.designated), np.count_nonzero(st.stage >= 1) / S,
            np.count_nonzero(st.stage >= 3) / S, np.count_nonzero(st.active & st.is_ccg),
            float(np.sum(st.T, where=a) / n_active) if n_active else math.nan,
            float(np.fmin.reduce(min_t)) if n_active else math.nan,  # fmin skips NaN systems
            np.count_nonzero(st.in_pool & nhs) / n_nhs, np.count_nonzero(st.committed & nhs) / n_nhs,
            np.count_nonzero(st.committed & councils) / n_councils if n_councils else math.nan,
            float(np.add.reduce(st.index) / S), float(c.money_moved.sum()),
            int(totals[0]), int(totals[1]), int(totals[3]), int(totals[4]), int(totals[5]),
            int(totals[6]), int(totals[7]), int(totals[8]), int(totals[9]),
        ))

    def record_flows(self) -> None:
        """From now on, also count each month's commitments held and lost and pool sign-up
        (:attr:`RunResult.flows`). Off unless asked: most runs never read them."""
        if self.flows is None:
            self.flows = _Flows(self.st)

    def result(self, seed: int, scenario_name: str) -> RunResult:
        """The run so far. Its tables are built from a copy of what was recorded, when first
        read: the model may go on running, and a sweep that keeps only the summary and the
        national table never pays for the others."""
        st = self.st
        return RunResult(seed=seed, scenario=scenario_name, organisations=st.world.n_orgs,
                         system_names=list(st.world.system_name),
                         recorded=_Recorded(list(self.nat), {k: list(v) for k, v in self.sys.items()},
                                            st.log.snapshot(), self.date_of, self.start,
                                            None if self.flows is None else self.flows.totals()))


@dataclass(frozen=True)
class _Recorded:
    """What a recorder held when a result was taken (rows are never changed afterwards)."""

    nat: list[tuple]
    sys: dict[str, list[np.ndarray]]
    log: EventLog
    date_of: Callable[[int], str]
    start: dict[str, list | np.ndarray]
    flows: dict[str, int] | None

    def national(self) -> pd.DataFrame:
        return pd.DataFrame(self.nat, columns=list(NATIONAL_COLUMNS))

    def systems(self, national: pd.DataFrame, system_names: list[str]) -> pd.DataFrame:
        S, steps = len(system_names), len(self.nat)
        systems = pd.DataFrame({"step": np.repeat(self.steps(), S)}
                               | {k: np.concatenate(v) for k, v in self.sys.items()})
        # Repeated strings are converted once and repeated by position (pandas' string
        # conversion is most of the cost of building these tables).
        systems.insert(1, "system", _strings(system_names).take(np.tile(np.arange(S), steps)))
        systems.insert(2, "date", national["date"].array.take(np.repeat(np.arange(steps), S)))
        systems["stage_name"] = _strings(STAGE_NAMES).take(systems["stage"].to_numpy())
        for col in ("stage", "step"):
            systems[col] = systems[col].astype("int64")
        return systems

    def events(self, national: pd.DataFrame) -> pd.DataFrame:
        log = self.log.columns()
        events = pd.DataFrame({
            "step": np.array(log["step"], dtype=np.int64),
            "kind": _strings(log["kind"]),
            "where": _strings(log["where"]),
            "system": np.array(log["system"], dtype=np.int64),
            "org": np.array(log["org"], dtype=np.int64),
            "text": _strings(log["text"]),
        })
        date_at = dict(zip(national["step"], national["date"], strict=True))
        events.insert(1, "date", _strings([date_at.get(s) or self.date_of(int(s))
                                           for s in events["step"].tolist()]))
        return events

    def first_designated(self) -> np.ndarray:
        """Per system, the first recorded step at which it was designated (NaN if never)."""
        designated = np.vstack(self.sys["designated"])
        steps = self.steps().astype(float)
        return np.where(designated.any(axis=0), steps[designated.argmax(axis=0)], math.nan)

    def steps(self) -> np.ndarray:
        """The recorded steps, in order."""
        return np.array([row[0] for row in self.nat], dtype=np.int64)


class _Flows:
    """Month by month, from when it was asked for: commitments held at the start of a month and
    lost during it (of those still active), and pool sign-up among committed NHS bodies whose
    system's pool is active, apart for surplus and deficit plans."""

    def __init__(self, st: State) -> None:
        nhs = st.is_pooled_kind
        self.kinds = {"surplus": nhs & (st.world.plan > 0), "deficit": nhs & (st.world.plan < 0)}
        self.was = st.committed & st.active
        self.held = self.lost = 0
        self.offered = dict.fromkeys(self.kinds, 0)
        self.signed = dict.fromkeys(self.kinds, 0)

    def count(self, st: State) -> None:
        was = self.was
        self.held += int(np.count_nonzero(was))
        self.lost += int(np.count_nonzero(was & ~st.committed & st.active))
        offered = st.committed & st.active & st.pool_active[st.world.home]
        for key, mask in self.kinds.items():
            self.signed[key] += int(np.count_nonzero(offered & mask & st.in_pool))
            self.offered[key] += int(np.count_nonzero(offered & mask))
        self.was = st.committed & st.active

    def totals(self) -> dict[str, int]:
        return {"commitments_held": self.held, "commitments_lost": self.lost,
                **{f"pool_offered_{k}": v for k, v in self.offered.items()},
                **{f"pool_signed_{k}": v for k, v in self.signed.items()}}


def _strings(values) -> pd.api.extensions.ExtensionArray:
    """pandas' default string array of ``values``."""
    return pd.array(list(values), dtype="str")


def first_step(values: np.ndarray, steps: np.ndarray, threshold: float) -> float:
    """First step at which ``values >= threshold`` (NaN if never)."""
    hit = np.flatnonzero(np.asarray(values) >= threshold)
    return float(steps[hit[0]]) if hit.size else math.nan


class RunResult:
    """Tables and summary of one run. Plots take this, never a live model.

    Attributes:
        national, systems, events: the tables (built on first use, then kept).
        systems_at_start: each system's prior collaboration, hostility and NHS members.
        flows: commitments held and lost, pool sign-up (when the recorder was asked).
        seed, scenario, organisations, system_names: what was run.
    """

    def __init__(self, seed: int, scenario: str, organisations: int, system_names: list[str],
                 recorded: _Recorded) -> None:
        self.seed = seed
        self.scenario = scenario
        self.organisations = organisations
        self.system_names = system_names
        self._recorded = recorded

    def __repr__(self) -> str:
        """One line: what was run, over which months, and how far integration got."""
        nat = self._recorded.nat  # rows as recorded: no table is built for a repr
        share = [row[2] for row in nat]
        half = next((row[0] for row in nat if row[2] >= 0.5), None)
        when = f"half integrated after {half} months" if half is not None else (
            "half not integrated within the run")
        return (f"<RunResult {self.scenario!r}, seed {self.seed}: {self.organisations} "
                f"organisations in {len(self.system_names)} system{'s' * (len(self.system_names) != 1)}, "
                f"{nat[-1][0]} months "
                f"({nat[0][1]} to {nat[-1][1]}); {when}; {share[-1]:.0%} integrated at the end>")

    @functools.cached_property
    def national(self) -> pd.DataFrame:
        return self._recorded.national()

    @functools.cached_property
    def systems(self) -> pd.DataFrame:
        return self._recorded.systems(self.national, self.system_names)

    @functools.cached_property
    def events(self) -> pd.DataFrame:
        return self._recorded.events(self.national)

    def national_column(self, name: str) -> list:
        """One column of the national table as recorded (a list, one value per month), without
        building the table."""
        k = NATIONAL_COLUMNS.index(name)
        return [row[k] for row in self._recorded.nat]

    def system_matrix(self, name: str) -> np.ndarray:
        """One per-system column as a months x systems array (row ``i`` the ``i``-th recorded
        month, columns in ``system_names`` order; the values of the systems table), without
        building the table."""
        return np.vstack(self._recorded.sys[name])

    def events_of(self, kind: str) -> tuple[list[int], list[int]]:
        """Step and system number of each event of ``kind``, oldest first (the events table's
        ``step`` and ``system``), without building the table or writing its text."""
        return self._recorded.log.where_of(kind)

    @functools.cached_property
    def systems_at_start(self) -> pd.DataFrame:
        """One row per system as the run began: ``system``, ``prior_collab`` and ``hostility``
        (0-1, from the world) and ``nhs_members`` (active NHS bodies that can pool)."""
        return pd.DataFrame(self._recorded.start)

    @property
    def flows(self) -> dict[str, int] | None:
        """Totals over the months since :meth:`Recorder.record_flows` (None if never asked):
        ``commitments_held`` (committed active organisations at the start of a month, summed
        over months) and ``commitments_lost`` (of those, still active and no longer committed at
        its end); ``pool_offered_surplus`` / ``_deficit`` (committed active NHS bodies with a
        surplus or deficit plan whose system's pool is active, summed over months) and
        ``pool_signed_surplus`` / ``_deficit`` (of those, in the pool)."""
        return None if self._recorded.flows is None else dict(self._recorded.flows)

    def summary(self) -> dict[str, float | int | str]:
        """Flat dict of scalar outcomes. Times are months from the start of the run."""
        nat = self.national
        steps = nat["step"].to_numpy()
        last = nat.iloc[-1]
        out: dict[str, float | int | str] = {
            "seed": int(self.seed),
            "scenario": self.scenario,
            "organisations": int(self.organisations),
            "systems": len(self.system_names),
            "steps": int(steps[-1]),
            "months_to_first_designation": first_step(nat["systems_designated"].to_numpy(), steps, 1),  # noqa: E501
            "months_to_half_integrated": first_step(nat["share_integrated"].to_numpy(), steps, 0.5),  # noqa: E501
            "months_to_all_integrated": first_step(nat["share_integrated"].to_numpy(), steps, 1.0),  # noqa: E501
            "share_integrated_at_end": float(last["share_integrated"]),
            "share_mature_at_end": float(last["share_mature"]),
            "mean_index_at_end": float(last["mean_index"]),
            "peak_mean_index": float(nat["mean_index"].max()),
            "mean_trust_at_end": float(last["mean_trust"]),
            "pooled_share_at_end": float(last["pooled_share"]),
            "committed_share_at_end": float(last["committed_share"]),
            "commissioners_at_start": int(nat["commissioners"].iloc[0]),
            "commissioners_at_end": int(last["commissioners"]),
            "money_moved_total_gbp_m": float(nat["money_moved_gbp_m"].sum()),
            "leader_changes": int(last["leader_changes"]),
            "interventions": int(last["interventions"]),
            "service_changes_proposed": int(last["service_changes_proposed"]),
            "service_changes_delivered": int(last["service_changes_delivered"]),
            "service_changes_blocked": int(last["service_changes_blocked"]),
            "service_changes_reversed": int(last["service_changes_reversed"]),
        }
        first = self._recorded.first_designated()
        for name, step in zip(self.system_names, first.tolist(), strict=True):
            out[f"months_to_integration__{name}"] = math.nan if math.isnan(step) else step
        return out
