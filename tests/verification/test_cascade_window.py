"""Brief section 8: Watts's (2002) cascade window for the fractional-threshold rule.

On an Erdos-Renyi graph with mean degree z where every node adopts once a fraction phi of its
neighbours has adopted, a single seed triggers *global* cascades only inside a window of z:
below z ~ 1 there is no giant component; above the upper edge too few nodes are vulnerable
(degree k <= 1/phi). The window is where ``sum_{k <= 1/phi} k (k - 1) P(k) > z`` for Poisson
P(k) (Watts 2002, eq. 5). With phi = 0.18 that is about 1 < z < 5.8.

Checked with the repository's ``rules.threshold_cascade`` on networkx
``fast_gnp_random_graph(n=2000, seed=...)``: a cascade is *global* when it reaches more than
half the nodes. Inside the window (z = 2, 4) at least 40% of 30 single-seed trials are
global (Watts's Fig. 1 and our runs give 75-80%); well outside it (z = 0.5, 12) none is.
The model's own ``contagion.step`` gives exactly the same cascade as the pure rule.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from scipy.stats import poisson

from simulation.mechanisms import contagion

from . import rules
from .worlds import bare_state, world_from_edges

PHI = 0.18
N = 2000
TRIALS = 30


def cascade_condition(z: float, phi: float) -> float:
    """Watts's condition, normalised: > 1 inside the cascade window (Poisson degrees)."""
    k = np.arange(int(np.floor(1 / phi)) + 1)
    return float((k * (k - 1) * poisson.pmf(k, z)).sum() / z)


def er_edges(n: int, z: float, seed: int) -> np.ndarray:
    g = nx.fast_gnp_random_graph(n, z / (n - 1), seed=seed)
    return np.array(sorted(g.edges()), dtype=np.int64).reshape(-1, 2)


def directed(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate([edges[:, 0], edges[:, 1]]), np.concatenate([edges[:, 1], edges[:, 0]])


def global_share(z: float) -> float:
    """Share of single-seed trials that reach more than half the nodes."""
    hits = 0
    for trial in range(TRIALS):
        src, dst = directed(er_edges(N, z, seed=1000 + trial))
        seeds = np.zeros(N, dtype=bool)
        seeds[np.random.default_rng(trial).integers(N)] = True
        hits += rules.threshold_cascade(src, dst, np.full(N, PHI), seeds).mean() > 0.5
    return hits / TRIALS


@pytest.mark.parametrize("z, inside", [(0.5, False), (2.0, True), (4.0, True), (12.0, False)])
def test_analytic_window(z, inside):
    assert (cascade_condition(z, PHI) > 1) is inside


@pytest.mark.parametrize("z", [2.0, 4.0])
def test_global_cascades_inside_the_window(z):
    assert global_share(z) >= 0.4


@pytest.mark.parametrize("z", [0.5, 12.0])
def test_no_global_cascades_well_outside_the_window(z):
    assert global_share(z) == 0.0


def test_threshold_rule_never_unadopts():
    committed = np.array([True, False, False])
    out = rules.threshold_step(committed, np.array([0.0, 0.5, 0.1]), np.full(3, 0.3))
    np.testing.assert_array_equal(out, [True, True, False])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_model_step_is_the_same_cascade(seed):
    """contagion.step with no Bass hazard and equal trust = threshold_cascade, node for node."""
    n = 400
    edges = er_edges(n, 4.0, seed)
    s = bare_state(world_from_edges(n, edges), seed=seed, trust=0.5, peer_push=0.0)
    rng = np.random.default_rng(seed)
    start = np.zeros(n, dtype=bool)
    start[rng.choice(n, 3, replace=False)] = True
    s.committed[:] = start
    theta = np.full(n, PHI)
    for month in range(n):
        before = s.committed.copy()
        s.step = month + 1  # a new month: new draws (rng.py)
        contagion.step(s, theta, np.zeros(n), mandate=False)
        if (s.committed == before).all():
            break
    src, dst = directed(edges)
    np.testing.assert_array_equal(s.committed, rules.threshold_cascade(src, dst, theta, start))
