"""The dynamic state of one run, held as NumPy arrays over organisations, ties and systems.

Mechanism modules read and write these arrays; Mesa agents (``agents.py``) are views onto
one row of them. Units: money in GBP million, time in months, trust in [0, 1].

Every attribute of a state is declared below, grouped by what it describes (the run, the
calendar and the centre, organisations, ties, systems, pools, caches), and made by
:meth:`State.initial`; the class has ``__slots__``, so no module can add one. The sums and
lookups over these arrays are :class:`~simulation.aggregates.Aggregates`, mixed in.

Trust aggregates (per system, per organisation) are cached until ``T`` changes: code that
writes ``T`` in place must call :meth:`State.changed` afterwards. ``active`` is read-only and
changes only through :meth:`State.deactivate`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import decisions
from .aggregates import Aggregates
from .counters import Counters
from .eventlog import EventLog
from .params import Params
from .rng import Streams
from .sums import SumRows
from .sums import clip as clip  # re-exported: the mechanisms take them from here
from .sums import fill_nan as fill_nan
from .sums import summing_matrix as summing_matrix
from .world import ACUTE_KINDS, COUNCIL_KINDS, KIND, NHS_POOLED_KINDS, World


def _codes(kinds: tuple[str, ...]) -> list[int]:
    return [KIND[k] for k in kinds]


@dataclass(init=False, repr=False, eq=False, slots=True)
class State(Aggregates):
    """Arrays of one run (n organisations, 2E directed ties, S systems). Created by
    :meth:`State.initial`; the dataclass declares the fields (and ``__slots__``), nothing
    else."""

    # --- the run -------------------------------------------------------------------------
    world: World  # the fixed world built from the seed (world.py)
    params: Params  # this run's parameters (a lever event or the teaching app may move them)
    streams: Streams  # the run's random streams: set-up, and per decision and month (rng.py)
    log: EventLog  # what happened, in words
    policy: decisions.Policy | None  # the decision hook; None: the model's own rules
    counters: Counters  # this month's counts per system
    cum: Counters  # counts per system since the start

    # --- the calendar and the centre ------------------------------------------------------
    step: int  # months since the start
    month_of_year: int  # 1-12
    mays: int  # Mays so far (council election cycles)
    deadline_step: int  # step a national deadline was announced, -1 if none (centre.py)
    due_step: int  # step it falls due, -1 if none
    invited_step: int  # step of the first invitation to apply for designation, -1 if none
    review_now: bool  # an invitation this month: the centre reviews readiness now
    merge_push: float  # multiplier on the commissioners' merging hazard (events)

    # --- organisations: what they are (fixed for the run) ---------------------------------
    is_ccg: np.ndarray  # bool[n]
    is_council: np.ndarray  # bool[n] upper-tier and district councils
    is_acute: np.ndarray  # bool[n]
    is_pooled_kind: np.ndarray  # bool[n] NHS bodies that may pool money
    is_nhs: np.ndarray  # bool[n] the bodies NHS regulators oversee
    party: np.ndarray  # int[n] a council's political party
    election_offset: np.ndarray  # int[n] where a council is in its election cycle
    active: np.ndarray  # bool[n] read-only; changed only by deactivate (mergers)

    # --- organisations: leaders and commitment ---------------------------------------------
    committed: np.ndarray  # bool[n] committed to system working
    mandated: np.ndarray  # bool[n] committed while a deadline was live
    orientation: np.ndarray  # float[n] the leader's system orientation, 0-1
    threshold: np.ndarray  # float[n] own adoption threshold
    tenure: np.ndarray  # float[n] the leader's months in post
    vacancy: np.ndarray  # float[n] months left with an interim leader
    shared_ce: np.ndarray  # int[n] the trust whose chief executive it shares, or -1

    # --- organisations: money, performance, regulation, shocks -----------------------------
    plan: np.ndarray  # float[n] planned monthly result, GBP m (moved by service changes)
    result: np.ndarray  # float[n] this month's result, GBP m
    ytd: np.ndarray  # float[n] financial year to date, GBP m
    year_result: np.ndarray  # float[n] this financial year's results before incentives
    year_months: int  # months of this financial year so far
    position: np.ndarray  # float[n] last year's mean monthly result (incentives)
    position_version: int  # bumped when ``position`` changes (memo key)
    perf_base: np.ndarray  # float[n] own level of performance against targets
    perf: np.ndarray  # float[n] this month's performance against targets, 0-1
    under_int: np.ndarray  # float[n] months left under statutory intervention
    autonomy: np.ndarray  # float[n] months of earned autonomy left
    shock_left: np.ndarray  # float[n] months left of a deficit shock
    shock_size: np.ndarray  # float[n] its monthly loss, GBP m

    # --- pools (system control totals) ------------------------------------------------------
    in_pool: np.ndarray  # bool[n] signed its system's control total
    pool_active: np.ndarray  # bool[S] a system control total in force
    pool_held: np.ndarray  # bool[S] this month's pool total was met
    transfers: np.ndarray  # float[n] this month's transfers inside the pool, GBP m
    incentive_paid: np.ndarray  # float[n] this month's sustainability money, GBP m
    overspent: np.ndarray  # bool[n] overspent badly inside the pool this month

    # --- ties (two directed entries per undirected tie; T[e] is src's trust in dst) ----------
    src: np.ndarray  # int64[2E]
    dst: np.ndarray  # int64[2E]
    tsys: np.ndarray  # int64[2E] the tie's system
    rev: np.ndarray  # int64[2E] the reverse direction's index
    T: np.ndarray  # float[2E] trust, 0-1
    pending_bad: np.ndarray  # float[2E] bad experiences carried into next month's trust step
    out_order: np.ndarray  # int64[2E] ties sorted by ``src`` (stable): each organisation's ...
    out_start: np.ndarray  # int64[n+1] ... outgoing ties are out_order[out_start[i]:out_start[i+1]]
    in_order: np.ndarray  # int64[2E] ties sorted by ``dst`` (stable), likewise incoming
    in_start: np.ndarray  # int64[n+1]
    out_degree: np.ndarray  # int64[n] ties from each organisation
    _out_bounds: list[int]  # out_start as a list (a few organisations' slices)
    _in_bounds: list[int]  # in_start as a list
    _sys_order: np.ndarray  # int64[2E] ties sorted by system (stable)
    _mem_order: np.ndarray  # membership rows sorted by system (stable)

    # --- systems ---------------------------------------------------------------------------
    n_members: np.ndarray  # float[S] membership rows
    designated: np.ndarray  # bool[S] designated an integrated care system
    designated_step: np.ndarray  # int[S] when, -1 if not
    designated_by_mandate: np.ndarray  # bool[S] by the statute rather than readiness
    ready_months: np.ndarray  # int64[S] consecutive months judged ready
    stage: np.ndarray  # int64[S] the integration stage (index.py)
    index: np.ndarray  # float[S] the integration index, 0-1
    ccg_stage: np.ndarray  # int64[S] commissioners' consolidation, 0-3
    pressure: np.ndarray  # float[S] this month's crowd-out of contacts
    pressure_left: np.ndarray  # float[S] months left of a pressure event
    event_pressure: np.ndarray  # float[S] a pressure event's share while it lasts
    shared_data: np.ndarray  # bool[S] a shared data set is live
    sc_pending: list[dict]  # service changes proposed, awaiting decision
    sc_delivered_list: list[dict]  # service changes delivered (reversible)
    reviewed: list[np.ndarray]  # per region: the bodies its regulator reviewed last month

    # --- caches (owned by State and Aggregates: emptied by changed and deactivate) -----------
    _cache: dict  # trust aggregates until ``T`` changes
    _memo: dict  # values derived from fixed inputs (memo)
    _month_draws: dict  # decision -> (step, key, draws): this month's draws (month_draws)
    _member_cache: dict  # membership rows per kind mask while ``active`` is unchanged
    _act: tuple | None  # (active ties, per system, per organisation) while ``active`` is unchanged
    _sys_total: SumRows | None  # sums a per-tie array over each system's active ties
    _org_total: SumRows | None  # ... over each organisation's active outgoing ties
    _sys_active_order: np.ndarray | None  # active ties sorted by system
    _sys_active_has: np.ndarray | None  # bool[S] systems with an active tie
    _sys_active_start: np.ndarray | None  # where each such system's ties start

    def __init__(self, world: World, params: Params, streams: Streams,
                 month_of_year: int = 4) -> None:
        """The run's inputs; :meth:`initial` makes everything else."""
        self.world, self.params, self.streams = world, params, streams
        self.step = 0
        self.month_of_year = month_of_year
        self.log = EventLog()

    @classmethod
    def initial(cls, world: World, params: Params, streams: Streams, start_month: int,
                trust_base: np.ndarray | None = None) -> State:
        """The state at step 0; ``trust_base`` is each system's mean starting tie trust
        (``mechanisms/geography.py``; ``initial_trust`` everywhere when not given)."""
        st = cls(world, params, streams, month_of_year=start_month)
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
        st.transfers = np.zeros(n)  # this month's pool transfers (pooling.step)
        st.incentive_paid = np.zeros(n)  # this month's sustainability money (pooling.step)
        # Ties: two directed entries per undirected tie; T[e] is src's trust in dst.
        u, v, s = world.edges.T if len(world.edges) else (np.zeros(0, int),) * 3
        st.src = np.concatenate([u, v]).astype(np.int64)
        st.dst = np.concatenate([v, u]).astype(np.int64)
        st.tsys = np.concatenate([s, s]).astype(np.int64)
        E = len(u)
        st.rev = np.concatenate([np.arange(E, 2 * E), np.arange(E)])
        st.out_order = np.argsort(st.src, kind="stable")
        st.out_start = np.searchsorted(st.src[st.out_order], np.arange(n + 1))
        st.in_order = np.argsort(st.dst, kind="stable")
        st.in_start = np.searchsorted(st.dst[st.in_order], np.arange(n + 1))
        st._out_bounds, st._in_bounds = st.out_start.tolist(), st.in_start.tolist()
        st.out_degree = np.diff(st.out_start)
        st._sys_order = np.argsort(st.tsys, kind="stable")  # each system's ties in their order
        st._mem_order = np.argsort(world.mem_sys, kind="stable")  # each system's members
        st._cache = {}
        st._memo = {}
        st._month_draws = {}
        st._member_cache = {}
        st._sys_total = st._org_total = None  # made with the activity cache (Aggregates)
        st._sys_active_order = st._sys_active_has = st._sys_active_start = None
        base = np.full(S, params.initial_trust) if trust_base is None else trust_base
        st.T = np.clip(base[st.tsys] + rng.normal(0, 0.08, 2 * E), 0.02, 0.98)
        st.pending_bad = np.zeros(2 * E)  # bad experiences carried into next month's trust step
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
        st.event_pressure = np.zeros(S)
        st.shared_data = np.full(S, bool(params.shared_data))
        st.sc_pending = []
        st.sc_delivered_list = []
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

    def __getstate__(self) -> dict:
        return {name: getattr(self, name) for name in self.__slots__ if hasattr(self, name)}

    def __setstate__(self, state: dict) -> None:
        """A copied or unpickled state (the teaching app copies models) keeps ``active``
        read-only, as :meth:`deactivate` leaves it (NumPy's copies are writeable)."""
        for name, value in state.items():
            setattr(self, name, value)
        self.active.flags.writeable = False

    # --- values derived from fixed inputs --------------------------------------------------
    def memo(self, key: tuple, make):
        """``make()``, computed once per run for each ``key`` (which must name everything the
        value depends on that can change: the parameters, since the teaching app moves them)."""
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = make()
        return found

    # --- changes that empty the caches ------------------------------------------------
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

    def draws(self, decision: str) -> np.random.Generator:
        """This month's generator for ``decision`` (``rng.DECISIONS``): its numbers depend on
        the seed, the decision and the month only (``rng.py``)."""
        return self.streams.at(decision, self.step)

    def month_draws(self, decision: str, key: tuple, make):
        """``make(self.draws(decision))``, drawn once a month for ``decision`` and ``key`` (the
        parameters ``make`` reads): for draws every organisation needs at most once a month
        that cost more than a lookup (the successor draws)."""
        found = self._month_draws.get(decision)
        if found is None or found[0] != self.step or found[1] != key:
            found = self._month_draws[decision] = (self.step, key, make(self.draws(decision)))
        return found[2]

    def decide(self, kind: str, orgs: np.ndarray, default: np.ndarray) -> np.ndarray:
        """The run's decision policy's answer for ``orgs`` (the rules' ``default`` when none)."""
        if self.policy is None:
            return default
        return decisions.ask(self.policy, kind, self.step, orgs, default)

    def record(self, kind: str, where: str, text: str, system: int = -1, org: int = -1) -> None:
        """Append one line to the event log (what, where, why: readable by a person)."""
        self.log.add(self.step, kind, where, system, org, text)
