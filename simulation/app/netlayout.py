"""Fixed positions of the organisations in the network picture, from the seed."""

from __future__ import annotations

import networkx as nx
import numpy as np

from ..model import DrumbeatModel

#: Above this many organisations the picture groups them by home system instead of a spring layout.
SPRING_MAX_ORGS = 150


def layout(model: DrumbeatModel, seed: int) -> np.ndarray:
    """Fixed positions (n, 2) of the organisations for the network picture, from the seed."""
    w = model.state.world
    if w.n_orgs > SPRING_MAX_ORGS:
        return grouped_layout(w.home, w.n_systems)
    g = nx.Graph()
    g.add_nodes_from(range(w.n_orgs))
    g.add_edges_from((int(u), int(v)) for u, v, _ in w.edges)
    pos = nx.spring_layout(g, seed=int(seed), k=1.6 / max(np.sqrt(w.n_orgs), 1), iterations=80)
    return np.array([pos[i] for i in range(w.n_orgs)])


def grouped_layout(home: np.ndarray, n_systems: int) -> np.ndarray:
    """Systems on a grid, each system's organisations on a small circle (large worlds)."""
    cols = int(np.ceil(np.sqrt(n_systems)))
    pos = np.zeros((len(home), 2))
    for s in range(n_systems):
        members = np.flatnonzero(home == s)
        angle = 2 * np.pi * np.arange(len(members)) / max(len(members), 1)
        pos[members, 0] = s % cols + 0.35 * np.cos(angle)
        pos[members, 1] = s // cols + 0.35 * np.sin(angle)
    return pos
