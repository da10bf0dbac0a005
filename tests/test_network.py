"""The Mesa network: every working tie, and each regulator over its organisations."""

from __future__ import annotations

import networkx as nx
import numpy as np

from simulation import DrumbeatModel, load_scenario
from simulation.model import graph


def reference_graph(n_nodes: int, u: np.ndarray, v: np.ndarray) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(range(n_nodes))
    g.add_edges_from(zip(u.tolist(), v.tolist(), strict=True))
    return g


def test_graph_is_what_add_edges_from_builds_with_the_same_neighbour_order():
    rng = np.random.default_rng(5)
    u, v = rng.integers(0, 30, 200), rng.integers(0, 30, 200)  # repeats and self-loops too
    g, ref = graph(32, u, v), reference_graph(32, u, v)
    assert nx.utils.graphs_equal(g, ref)
    assert all(list(g.adj[n]) == list(ref.adj[n]) for n in ref)
    assert g.number_of_edges() == ref.number_of_edges()


def test_every_organisation_is_a_mesa_agent_on_its_ties_and_under_its_regulator(root):
    model = DrumbeatModel(load_scenario(root / "configs/scenarios/baseline.toml", {"years": 1}), 4)
    st, w = model.state, model.state.world
    assert model.grid.G.number_of_nodes() == w.n_orgs + 1 + w.n_regions
    assert model.grid.G.number_of_edges() == len(w.edges) + w.n_regions + w.n_orgs
    for agent in model.org_agents[::37]:
        partners = set(st.dst[st.out_ties(agent.idx)].tolist())
        regulator = w.n_orgs + 1 + int(w.region[agent.idx])
        assert {c.coordinate for c in agent.cell.neighborhood} == partners | {regulator}
    national = model.regulators[0].cell
    regional = set(range(w.n_orgs + 1, w.n_orgs + 1 + w.n_regions))
    assert {c.coordinate for c in national.neighborhood} == regional
