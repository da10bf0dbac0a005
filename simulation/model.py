"""The Drumbeat model: one run of a scenario from a seed, a month a step.

Schedule of a step (the mechanisms are modules of ``simulation/mechanisms/``; its package
docstring lists them with the Brief's numbers):

1. events due this month (``simulation/events.py``: dated in the scenario or injected);
2. shocks: winter and workforce pressure, deficit shocks (``shocks``);
3. leadership turnover (``leadership``);
4. regulation: silo pull or system assurance, interventions (``regulation``);
5. money: results, system control totals, transfers, incentives (``pooling``);
6. contacts and trust (``trust``), with bad experiences carried from 4-5 and last month;
7. commitment: threshold contagion with incentives, size and history, deadline and spread
   (``contagion``, ``incentives``, ``geography``, ``centre``, ``spread``), then withdrawals
   (``durability``);
8. commissioner consolidation (``consolidation``) and service changes (``service_change``);
9. integration index (``simulation/index.py``, an output), the centre's designation
   (``centre``), stage; record (``simulation/recorder.py``).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import Network

from . import construct, events, index
from .agents import Organisation, Regulator, agent_class
from .decisions import Policy
from .errors import ConfigError
from .mechanisms import (
    centre,
    consolidation,
    contagion,
    durability,
    geography,
    incentives,
    leadership,
    pooling,
    regulation,
    service_change,
    shocks,
    spread,
    trust,
)
from .recorder import Recorder, RunResult
from .rng import Streams
from .scenario import EventSpec, Scenario
from .state import State
from .world import build_world


def graph(n_nodes: int, u: np.ndarray, v: np.ndarray) -> nx.Graph:
    """The undirected graph on nodes ``0 .. n_nodes-1`` with edges ``(u[k], v[k])``.

    The same graph as ``Graph.add_edges_from`` builds (a test checks it), written straight
    into networkx's adjacency dicts: ``add_edges_from`` inspects every edge's form and
    attributes, which takes longer than the rest of building the Mesa network.
    """
    g = nx.Graph()
    g.add_nodes_from(range(n_nodes))
    adj = g._adj
    for a, b in zip(u.tolist(), v.tolist(), strict=True):
        data = adj[a].get(b)
        if data is None:
            data = {}
        adj[a][b] = data
        adj[b][a] = data
    nx._clear_cache(g)
    return g


class _Network(Network):
    """Mesa's ``Network``, wired in one pass per cell.

    ``Cell.connect`` empties the cell's neighbourhood caches on every connection; while the
    space is being built nothing is cached yet, so each cell takes all its connections at
    once and empties its caches once (a third of the time to build the model).
    """

    def _connect_single_cell(self, cell) -> None:
        neighbours = self.G._adj[cell.coordinate]  # G.neighbors' dict: the same order
        cell.connections.update(zip(neighbours, map(self._cells.__getitem__, neighbours), strict=True))
        cell._clear_cache()


class DrumbeatModel(mesa.Model):
    """One run of ``scenario`` seeded with ``seed``.

    Attributes:
        state: the run's arrays (organisations, ties, systems).
        grid: a Mesa ``Network`` of organisations and regulators (no layout).
        org_agents: the organisation agents, indexed like the state arrays.
        regulators: national regulator first, then one per region (they decide: reviews,
            interventions, designation).
        policy: the decision hook's policy (``decisions.py``); None is the model's own rules.
    """

    def __init__(self, scenario: Scenario | str = "baseline", seed: int | None = None,
                 policy: Policy | None = None, **params: Any) -> None:
        """Build the run: ``scenario`` (a Scenario, a shipped name or a file) from ``seed``, with
        ``params`` overriding its keys, e.g. ``reg_focus=0.8`` (construct.py).

        A ``seed`` of None draws a fresh seed from the operating system's entropy, as Mesa
        does (``construct.fresh_seed``; a model rebuilt from a Mesa scenario keeps that
        scenario's seed instead); the seed used is ``self.seed``, and the datacollector's
        ``seed`` column, so such a run can be repeated."""
        scenario, seed = construct.resolve(scenario, seed, params)
        super().__init__(rng=seed, scenario=construct.carrier(scenario, seed))
        self.seed = seed
        self.spec = scenario
        self.params = scenario.params.model_copy(deep=True)
        streams = Streams(self.seed)
        world = build_world(scenario, streams["world"])
        start_month = int(scenario.scenario.start.split("-")[1])
        st = self.state = State.initial(world, self.params, streams, start_month,
                                        geography.starting_trust(self.params, world))
        st.policy = policy
        self._build_network()
        # Organisations already committed to system working when the run starts
        rng = streams["init"]
        st.committed[:] = rng.random(world.n_orgs) < self.params.initial_commitment
        self._scheduled: dict[int, list[EventSpec]] = defaultdict(list)
        for ev in scenario.event:
            self._schedule(ev)
        self.recorder = Recorder(st, scenario.date_of)
        comp = index.update(st)
        index.restage(st, comp)
        self.recorder.collect(comp)
        self.max_steps = scenario.steps

    # --- construction --------------------------------------------------------------------
    def _build_network(self) -> None:
        w = self.state.world
        national = w.n_orgs
        regions = national + 1 + np.arange(w.n_regions)
        g = graph(national + 1 + w.n_regions,
                  # working ties; the national regulator to the regional ones; each region's
                  # regulator to the organisations in its region
                  np.concatenate([w.edges[:, 0], np.full(w.n_regions, national), regions[w.region]]),
                  np.concatenate([w.edges[:, 1], regions, np.arange(w.n_orgs)]))
        self.grid = _Network(g, capacity=1, random=self.random, layout=None)
        cells = self.grid._cells
        self.org_agents: list[Organisation] = [
            agent_class(w.kind_of(i))(self, i, cells[i]) for i in range(w.n_orgs)]
        self.regulators = [Regulator(self, None, cells[national])] + [
            Regulator(self, r, cells[national + 1 + r]) for r in range(w.n_regions)]
        self.national_regulator = self.regulators[0]
        self.regional_regulators = self.regulators[1:]


    @functools.cached_property
    def tie_index(self) -> dict[tuple[int, int], int]:
        """Directed tie number of each (from, to) pair of organisations (built on first use)."""
        st = self.state
        return dict(zip(zip(st.src.tolist(), st.dst.tolist(), strict=True), range(len(st.src)), strict=True))

    def _schedule(self, ev: EventSpec) -> None:
        """Queue ``ev`` for its step.

        Raises:
            ConfigError: an event dated before the first step (a scenario's mistake: moving
                it to month 1 would run another history without a word), or aimed at a name
                two organisations share (which of them is meant cannot be told).
        """
        step = ev.month if ev.month is not None else self.spec.step_of(ev.date)
        if step < 1:
            when = f"month {ev.month}" if ev.month is not None else ev.date
            raise ConfigError(
                f"event '{ev.kind}' ({when}{', ' + ev.target if ev.target else ''}) is before the "
                f"run's first step ({self.spec.date_of(1)}); date it in the run or drop it")
        w = self.state.world
        if ev.target and ev.target not in w.system_name and w.org_name.count(ev.target) > 1:
            both = [f"{w.kind_of(i)} in {', '.join(w.system_name[s] for s in w.mem_sys[w.mem_org == i])}"
                    for i, n in enumerate(w.org_name) if n == ev.target]
            raise ConfigError(f"event '{ev.kind}': {len(both)} organisations are named "
                              f"'{ev.target}' ({'; '.join(both)}); give them different names")
        events.validate(self.state, ev)
        self._scheduled[step].append(ev)

    # --- public API ---------------------------------------------------------------------
    def inject(self, kind: str, **fields) -> EventSpec:
        """Queue an event for the start of the next step (teaching app, experiments).

        Raises:
            ConfigError: unknown kind, bad fields, or a target not in this world.
        """
        from pydantic import ValidationError

        try:
            ev = EventSpec(kind=kind, month=self.state.step + 1, **fields)
        except ValidationError as err:
            msg = "; ".join(e["msg"].removeprefix("Value error, ") for e in err.errors())
            raise ConfigError(f"event '{kind}': {msg}") from None
        self._schedule(ev)
        return ev

    def step(self) -> None:
        """Advance one month."""
        st = self.state
        st.step += 1
        st.month_of_year = st.month_of_year % 12 + 1
        st.counters = type(st.counters).zeros(st.n_systems)
        bad = st.pending_bad
        for ev in self._scheduled.pop(st.step, []):
            due = self.spec.step_of(ev.due) if ev.due else None
            events.apply(st, ev, due)
        shocks.step(st)
        leadership.step(st)
        regulation.step(st, bad)
        pooling.step(st, bad)
        trust.step(st, bad)
        st.pending_bad = np.zeros(len(st.T))
        p = self.params
        shift = st.memo(("threshold shift", p.payment, p.pbr_penalty, p.own_books_weight,
                         p.loss_aversion, st.position_version),
                        lambda: incentives.threshold_shift(st.is_acute, st.position, p.payment,
                                                           p.pbr_penalty, p.own_books_weight,
                                                           p.loss_aversion))
        theta = contagion.effective_threshold(st, shift, centre.deadline_effect(st))
        push = p.external_push + (spread.push(st) if p.peer_influence else 0.0)
        support = contagion.step(st, theta, push, centre.mandate_live(st))
        durability.step(st, support, theta)
        consolidation.step(st)
        service_change.step(st, st.pending_bad)
        comp = index.update(st)
        self.national_regulator.oversee_centre()
        index.restage(st, comp)
        self.recorder.collect(comp)
        if st.step >= self.max_steps:
            self.running = False

    def run(self, steps: int | None = None) -> RunResult:
        """Run to the scenario's end (or ``steps`` more months) and return the result."""
        n = self.max_steps - self.state.step if steps is None else steps
        for _ in range(n):
            self.step()
        return self.result()

    def result(self) -> RunResult:
        """Tables and summary of the run so far."""
        return self.recorder.result(self.seed, self.spec.scenario.name)

    @functools.cached_property
    def datacollector(self):  # returns simulation.datacollector.DataCollector
        """Mesa's ``DataCollector`` interface, read from the recorder (``datacollector.py``):
        made on first use and the same object after, reading the run's records as they grow."""
        from .datacollector import DataCollector  # here, so model.py's imports stay as they are

        return DataCollector(self)
