"""Bare worlds for checking one mechanism on its own: one system, a given graph, no history.

The model's own ``World`` and ``State`` are built directly from an edge list, so that a
mechanism's real step function (``trust.step``, ``contagion.step``, ...) runs on a network
whose theory is known (complete graphs, Erdos-Renyi graphs).
"""

from __future__ import annotations

import numpy as np

from simulation.mechanisms import geography
from simulation.params import Params
from simulation.rng import Streams
from simulation.state import State
from simulation.world import KIND, World


def world_from_edges(n: int, edges: np.ndarray, kind: str = "community") -> World:
    """``n`` organisations of one ``kind`` in a single system, tied by ``edges`` (pairs u < v)."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    return World(
        org_name=[f"org {i}" for i in range(n)], org_kind=np.full(n, KIND[kind]),
        foundation=np.zeros(n, dtype=bool), home=np.zeros(n, dtype=np.int64),
        region=np.zeros(n, dtype=np.int64), plan=np.zeros(n), system_name=["test system"],
        population=np.array([500_000]), prior_collab=np.zeros(1), hostility=np.zeros(1),
        lead=["ccg"], mem_org=np.arange(n), mem_sys=np.zeros(n, dtype=np.int64),
        edges=np.column_stack([edges, np.zeros(len(edges), dtype=np.int64)]), n_regions=1)


def complete_edges(n: int) -> np.ndarray:
    """Every pair (u, v), u < v, of ``n`` nodes."""
    u, v = np.triu_indices(n, 1)
    return np.column_stack([u, v])


def bare_state(world: World, seed: int, trust: float | None = None, **params) -> State:
    """The model's initial state on ``world``, optionally with every tie's trust set equal."""
    pars = Params(**params)
    st = State.initial(world, pars, Streams(seed), start_month=4,
                       trust_base=geography.starting_trust(pars, world))
    if trust is not None:
        st.T[:] = trust
        st.changed()
    return st
