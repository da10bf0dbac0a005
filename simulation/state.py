"""The dynamic state of one run, held as NumPy arrays over organisations, ties and systems.

Mechanism modules read and write these arrays; Mesa agents (``agents.py``) are views onto
one row of them. Units: money in GBP million, time in months, trust in [0, 1].

Trust aggregates (per system, per organisation) are cached until ``T`` changes: code that
writes ``T`` in place must call :meth:`State.changed` afterwards. ``active`` is read-only and
changes only through :meth:`State.deactivate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import decisions
from .counters import Counters
from .eventlog import EventLog
from .params import Params
from .rng import Streams
from .sums import SumRows, matvec, summing_rows
from .sums import clip as clip  # re-exported: the mechanisms take them from here
from .sums import fill_nan as fill_nan
from .sums import summing_matrix as summing_matrix
from .world import ACUTE_KINDS, COUNCIL_KINDS, KIND, NHS_POOLED_KINDS, World

# Organisation masks that never change during a run (``State._members`` caches on them).
_KIND_MASKS = ("is_pooled_kind", "is_ccg", "is_council", "is_nhs")


def _codes(kinds: tuple[str, ...]) -> list[int]:
    return [KIND[k] for k in kinds]


@dataclass
class State:
    """Arrays of one run. Created by :meth:`State.initial`."""

    world: World
    params: Params
    streams: Streams
    step: int = 0
    month_of_year: int = 4
    log: EventLog = field(default_factory=EventLog)

    @classmethod
    def initial(cls, world: World, params: Params, streams: Streams, start_month: int,
                trust_base: np.ndarray | None = None) -> State:
        """The state at step 0; ``trust_base`` is each system's mean starting tie trust
        (``mechanisms/geography.py``; ``initial_trust`` everywhere when not given)."""
        st = cls(world=world, params=params, streams=streams, month_of_year=start_month)
        rng = streams["init"]
        n, S = world.n_orgs, world.n_systems
        kind = world.org_kind
        st.is_ccg = kind == KIND["ccg"]
        st.is_council = np.isin(kind, _codes(COUNCIL_KINDS))
        st.is_acute = np.isin(kind, _codes(ACUTE_KINDS))
        st.is_pooled_kind = np.isin(kind, _codes(NHS_POOLED_KINDS))
        st.is_nhs = ~st.is_council  # the bodies NHS regulators oversee
        st.active = np.ones(n, dtype=bool)
        st.active.flags.writeable = False  # changed only through ``deactivate``
        st._act = None
        st.committed = np.zeros(n, dtype=bool)
        st.mandated = np.zeros(n, dtype=bool)
        st.orientation = np.clip(rng.beta(4, 4, n), 0, 1)
        st.threshold = np.clip(rng.normal(params.threshold_mean, params.threshold_sd, n), 0, 1)
        st.tenure = rng.integers(0, 60, n).astype(float)
        st.vacancy = np.zeros(n)
        st.under_int = np.zeros(n)
        st.in_pool = np.zeros(n, dtype=bool)
        st.ytd = np.zeros(n)
        st.result = np.zeros(n)
        st.shock_left = np.zeros(n)
        st.shock_size = np.zeros(n)
        st.party = rng.integers(0, 3, n)
        st.overspent = np.zeros(n, dtype=bool)
        # Ties: two directed entries per undirected tie; T[e] is src's trust in dst.
        u, v, s = world.edges.T if len(world.edges) else (np.zeros(0, int),) * 3
        st.src = np.concatenate([u, v]).astype(np.int64)
        st.dst = np.concatenate([v, u]).astype(np.int64)
        st.tsys = np.concatenate([s, s]).astype(np.int64)
        E = len(u)
        st.rev = np.concatenate([np.arange(E, 2 * E), np.arange(E)])
        st._out_order = np.argsort(st.src, kind="stable")
        st._out_start = np.searchsorted(st.src[st._out_order], np.arange(n + 1))
        st._in_order = np.argsort(st.dst, kind="stable")
        st._in_start = np.searchsorted(st.dst[st._in_order], np.arange(n + 1))
        st._out_bounds, st._in_bounds = st._out_start.tolist(), st._in_start.tolist()
        st.out_degree = np.diff(st._out_start)
        st._sys_order = np.argsort(st.tsys, kind="stable")  # each system's ties in their order
        st._mem_order = np.argsort(world.mem_sys, kind="stable")  # each system's members
        st._cache = {}
        st._memo = {}
        st._member_cache = {}
        base = np.full(S, params.initial_trust) if trust_base is None else trust_base
        st.T = np.clip(base[st.tsys] + rng.normal(0, 0.08, 2 * E), 0.02, 0.98)
        # Performance against targets (share met) and money (GBP m per month)
        st.perf_base = rng.beta(8.0, 2.0, n)
        st.perf = st.perf_base.copy()
        st.autonomy = np.zeros(n)
        st.shared_ce = np.full(n, -1)  # the trust whose chief executive it shares, or -1
        st.plan = world.plan.astype(float).copy()  # moved by delivered service changes
        st.position = st.plan.copy()  # last financial year's mean monthly result (incentives)
        st.position_version = 0
        st.year_result = np.zeros(n)
        st.year_months = 0
        # councils: the year of their four-yearly cycle in which they hold elections
        st.election_offset = rng.integers(0, 1_000_000, n)
        st.mays = 0
        st.policy = None  # the decision hook: None is the model's own rules (decisions.py)
        # Systems
        st.designated = np.zeros(S, dtype=bool)
        st.designated_step = np.full(S, -1)
        st.designated_by_mandate = np.zeros(S, dtype=bool)
        st.stage = np.zeros(S, dtype=np.int64)
        st.index = np.zeros(S)
        st.pool_active = np.zeros(S, dtype=bool)
        st.pool_held = np.zeros(S, dtype=bool)
        st.ccg_stage = np.zeros(S, dtype=np.int64)
        st.pressure = np.zeros(S)
        st.pressure_left = np.zeros(S)
        st.shared_data = np.full(S, bool(params.shared_data))
        st.sc_pending: list[dict] = []
        st.sc_delivered_list: list[dict] = []
        st.deadline_step = -1
        st.due_step = -1
        st.ready_months = np.zeros(S, dtype=np.int64)
        # the bodies each regional regulator reviewed in the latest month (regulation.step)
        st.reviewed = [np.zeros(0, dtype=np.int64) for _ in range(world.n_regions)]
        st.invited_step = -1
        st.review_now = False
        st.merge_push = 1.0
        st.counters = Counters.zeros(S)
        st.cum = Counters.zeros(S)
        # Membership helpers
        st.n_members = np.bincount(world.mem_sys, minlength=S).astype(float)
        return st

    def __setstate__(self, state: dict) -> None:
        """A copied or unpickled state (the teaching app copies models) keeps ``active``
        read-only, as :meth:`deactivate` leaves it (NumPy's copies are writeable)."""
        self.__dict__.update(state)
        self.active.flags.writeable = False

    # --- values derived from fixed inputs --------------------------------------------------
    def memo(self, key: tuple, make):
        """``make()``, computed once per run for each ``key`` (which must name everything the
        value depends on that can change: the parameters, since the teaching app moves them)."""
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = make()
        return found

    # --- aggregation helpers ----------------------------------------------------------
    @property
    def n_systems(self) -> int:
        return self.world.n_systems

    def sys_mean(self, values: np.ndarray, mask: np.ndarray | None = None,
                 empty: float = np.nan) -> np.ndarray:
        """Mean of an organisation-level array over each system's (active, masked) members."""
        parts = self._kept_mean_parts(mask) if values.dtype == np.float64 else None
        if parts is not None:  # a kept summing matrix: the same sums (``summing_rows``)
            total, has, den = parts
            return np.where(has, matvec(total, values) / den, empty)
        sys_k, org_k, den = self._members(mask)
        num = np.bincount(sys_k, weights=values[org_k], minlength=self.n_systems)
        return np.where(den > 0, num / np.maximum(den, 1), empty)

    def mean_parts(self, mask: np.ndarray | None) -> tuple[np.ndarray, ...]:
        """:meth:`sys_mean`'s parts, as a kernel takes them: the row pointers and columns of
        the matrix that sums a per-organisation array over each system's active members
        passing ``mask`` (all of them for None) in membership order, whether a system has
        any, and their count (at least 1). Kept across steps for the kind masks and None."""
        total, has, den = self._kept_mean_parts(mask) or self._make_mean_parts(mask)
        return total.indptr, total.indices, has, den

    def _kept_mean_parts(self, mask: np.ndarray | None) -> tuple | None:
        """:meth:`mean_parts` for a kept mask (see :meth:`_members`); None for any other."""
        key = self._mask_key(mask)
        if key is None:
            return None
        self._activity()  # empties the cache when ``active`` has changed
        hit = self._member_cache.get(("mean", key))
        if hit is None:
            hit = self._member_cache["mean", key] = self._make_mean_parts(mask)
        return hit

    def _make_mean_parts(self, mask: np.ndarray | None) -> tuple:
        w = self.world
        keep = (self.active if mask is None else (self.active & mask))[w.mem_org]
        den = self._members(mask)[2]
        return (summing_rows(w.mem_sys, w.mem_org, keep, (self.n_systems, w.n_orgs),
                             self._mem_order), den > 0, np.maximum(den, 1))

    def _mask_key(self, mask: np.ndarray | None) -> str | None:
        """The name under which results for ``mask`` are kept (None: not kept). A kind mask
        is known by identity, so that a copied state (the teaching app copies models) keeps
        its own."""
        if mask is None:
            return "all"
        for name in _KIND_MASKS:
            if getattr(self, name) is mask:
                return name
        return None

    def sys_count(self, mask: np.ndarray) -> np.ndarray:
        """Active members of each system that pass ``mask``."""
        return self._members(mask)[2].copy()

    def _members(self, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(system, organisation) of the membership rows whose organisation is active and
        passes ``mask``, in membership order; and how many rows each system keeps.

        (Summing over the kept rows gives the same sums, to the bit, as summing over all rows
        with zeros for the others.) Kept across steps for the fixed kind masks and for no mask
        while ``active`` is unchanged; found afresh for any other mask.
        """
        key = self._mask_key(mask)
        if key is not None:
            self._activity()  # empties the cache when ``active`` has changed
            hit = self._member_cache.get(key)
            if hit is not None:
                return hit
        w = self.world
        keep = (self.active if mask is None else (self.active & mask))[w.mem_org]
        found = (w.mem_sys[keep], w.mem_org[keep],
                 np.bincount(w.mem_sys, weights=keep, minlength=self.n_systems))
        if key is not None:
            self._member_cache[key] = found
        return found

    def systems_of(self, org: int) -> np.ndarray:
        """Systems that organisation ``org`` belongs to (its membership rows, in order)."""
        w = self.world
        start = w.org_start
        stop = start[org + 1] if org + 1 < w.n_orgs else w.mem_sys.size
        return w.mem_sys[start[org]:stop]

    # --- ties ---------------------------------------------------------------------------
    def changed(self) -> None:
        """Forget cached trust aggregates: call after writing ``T`` in place."""
        self._cache.clear()

    def deactivate(self, orgs: np.ndarray | int) -> None:
        """Take organisations out of the run (mergers); the only way ``active`` changes."""
        active = self.active.copy()
        active[orgs] = False
        active.flags.writeable = False
        self.active = active
        self._act = None
        self._cache.clear()

    def out_ties(self, orgs: np.ndarray | int) -> np.ndarray:
        """Indices of the directed ties from ``orgs`` (their trust in partners)."""
        return self._csr(self._out_order, self._out_start, orgs, self._out_bounds)

    def in_ties(self, orgs: np.ndarray | int) -> np.ndarray:
        """Indices of the directed ties towards ``orgs`` (partners' trust in them)."""
        return self._csr(self._in_order, self._in_start, orgs, self._in_bounds)

    @staticmethod
    def _csr(order: np.ndarray, start: np.ndarray, orgs: np.ndarray | int,
             bounds: list[int]) -> np.ndarray:
        orgs = np.atleast_1d(orgs)
        if orgs.size == 1:
            i = int(orgs[0])
            return order[start[i]:start[i + 1]]
        if 1 < orgs.size <= 64:  # a few: their slices, joined (``bounds``: ``start`` as a list)
            return np.concatenate([order[bounds[i]:bounds[i + 1]] for i in orgs.tolist()])
        lo, hi = start[orgs], start[orgs + 1]
        lens = hi - lo
        # positions lo[k] .. hi[k]-1 for every k, in order, without a Python loop
        offsets = np.repeat(lo - np.cumsum(lens) + lens, lens)
        return order[offsets + np.arange(lens.sum())]

    def tie_active(self) -> np.ndarray:
        """Whether both ends of each directed tie are active organisations."""
        return self._activity()[0]

    def _activity(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(active ties, active ties per system, active ties per organisation).

        These depend on ``active`` only, which changes rarely (mergers, through
        :meth:`deactivate`), so they are kept across steps, with the matrices that sum a
        per-tie array over each system's and each organisation's active ties.
        """
        c = self._act
        if c is None:
            a = self.active[self.src] & self.active[self.dst]
            ties = np.arange(len(a))
            self._sys_total = summing_rows(self.tsys, ties, a, (self.n_systems, len(a)),
                                             self._sys_order)
            self._org_total = summing_rows(self.src, ties, a, (self.world.n_orgs, len(a)),
                                             self._out_order)
            # active ties per system and per organisation: the matrices' row lengths
            per_sys = np.diff(self._sys_total.indptr).astype(float)
            per_org = np.diff(self._org_total.indptr).astype(float)
            c = self._act = (a, per_sys, per_org)
            self._sys_active_order = self._sys_order[a[self._sys_order]]
            self._sys_active_has = per_sys > 0
            self._sys_active_start = self._sys_total.indptr[:-1][self._sys_active_has]
            self._member_cache = {}
        return c

    def out_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum of a per-tie array over each organisation's active outgoing ties."""
        return matvec(self.org_ties(), values)

    def org_ties(self) -> SumRows:
        """The matrix that sums a per-tie array over each organisation's active outgoing
        ties (rows: organisations; each row's ties in their order)."""
        self._activity()
        return self._org_total

    def keep_out_trust(self, values: np.ndarray) -> None:
        """Keep ``values``, computed elsewhere as :meth:`out_trust` computes it, as this
        month's :meth:`out_trust` (until ``T`` changes)."""
        self._cache.setdefault("out_trust", values)

    def sys_trust(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean, minimum) trust over each system's active ties; NaN where a system has none."""
        return self.sys_trust_mean(), self.sys_trust_min()

    def sys_trust_mean(self) -> np.ndarray:
        """Mean trust over each system's active ties (NaN where a system has none)."""
        c = self._cache.get("sys_trust_mean")
        if c is None:
            _, den, _ = self._activity()
            num = matvec(self._sys_total, self.T)
            c = self._cache["sys_trust_mean"] = np.where(den > 0, num / np.maximum(den, 1), np.nan)
        return c

    def sys_trust_min(self) -> np.ndarray:
        """Minimum trust over each system's active ties (NaN where a system has none)."""
        c = self._cache.get("sys_trust_min")
        if c is None:
            c = self._cache["sys_trust_min"] = self._sys_trust_min()
        return c

    def _sys_trust_min(self) -> np.ndarray:
        self._activity()
        mn = np.full(self.n_systems, np.nan)
        if self._sys_active_order.size:  # one reduceat over the active ties sorted by system
            mn[self._sys_active_has] = np.minimum.reduceat(self.T[self._sys_active_order],
                                                           self._sys_active_start)
        return mn

    def org_trust(self) -> np.ndarray:
        """Mean trust each organisation places in its active partners (NaN if none)."""
        c = self._cache.get("org_trust")
        if c is None:
            c = self._cache["org_trust"] = self._org_trust()
        return c

    def org_trust_of(self, org: int) -> float:
        """``org_trust()[org]`` (the same number: the same additions in the same order),
        without summing every organisation's ties."""
        c = self._cache.get("org_trust")
        if c is not None:
            return c[org]
        _, _, den = self._activity()
        if den[org] <= 0:
            return np.nan
        m = self._org_total
        ties = m.indices[m.indptr[org]:m.indptr[org + 1]]
        total = np.bincount(np.zeros(ties.size, dtype=np.int64), weights=self.T[ties], minlength=1)
        return total[0] / max(den[org], 1)

    def _org_trust(self) -> np.ndarray:
        _, _, den = self._activity()
        return np.where(den > 0, self.out_trust() / np.maximum(den, 1), np.nan)

    def out_trust(self) -> np.ndarray:
        """Each organisation's summed trust over its active outgoing ties."""
        c = self._cache.get("out_trust")
        if c is None:
            c = self._cache["out_trust"] = self.out_sum(self.T)
        return c

    def decide(self, kind: str, orgs: np.ndarray, default: np.ndarray) -> np.ndarray:
        """The run's decision policy's answer for ``orgs`` (the rules' ``default`` when none)."""
        if self.policy is None:
            return default
        return decisions.ask(self.policy, kind, self.step, orgs, default)

    def record(self, kind: str, where: str, text: str, system: int = -1, org: int = -1) -> None:
        """Append one line to the event log (what, where, why: readable by a person)."""
        self.log.add(self.step, kind, where, system, org, text)
