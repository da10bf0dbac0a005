"""Benchmark: a 10-year baseline run against Mesa's own virus_on_network example.

Both are built and run in this one process, alternately, several times: Drumbeat on
``configs/scenarios/baseline.toml`` for 120 monthly steps, and ``VirusOnNetwork`` with the
same number of network nodes (organisations plus regulators) for the same number of steps,
with the network layout turned off. Prints medians and the ratio Drumbeat / virus
(target: at most 1.5).

    .venv/bin/python benchmarks/bench_core.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import mesa.discrete_space.network as mesa_network
from mesa.examples.basic.virus_on_network.model import VirusOnNetwork

from simulation import DrumbeatModel, load_scenario

ROOT = Path(__file__).resolve().parents[1]


def time_drumbeat(scn, seed: int) -> tuple[float, int]:
    t0 = time.perf_counter()
    model = DrumbeatModel(scn, seed)
    model.run()
    return time.perf_counter() - t0, model.grid.G.number_of_nodes()


def time_virus(nodes: int, steps: int, seed: int) -> float:
    t0 = time.perf_counter()
    model = VirusOnNetwork(num_nodes=nodes, rng=seed)
    for _ in range(steps):
        model.step()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    scn = load_scenario(ROOT / "configs/scenarios/baseline.toml", {"years": 10})
    steps = scn.steps
    # The example builds its Network with the default spring layout; turn layout off so
    # both models pay only for their own dynamics (Drumbeat uses layout=None).
    original = mesa_network.Network.__init__

    def no_layout(self, G, capacity=None, random=None, cell_klass=mesa_network.Cell, layout=None):  # noqa: N803
        original(self, G, capacity=capacity, random=random, cell_klass=cell_klass, layout=None)

    mesa_network.Network.__init__ = no_layout
    import mesa.examples.basic.virus_on_network.model as vmod
    vmod.Network = mesa_network.Network
    _, nodes = time_drumbeat(scn, 0)  # warm-up, and the node count
    time_virus(nodes, steps, 0)
    d, v = [], []
    for r in range(args.repeats):
        d.append(time_drumbeat(scn, r + 1)[0])
        v.append(time_virus(nodes, steps, r + 1))
    ratios = [a / b for a, b in zip(d, v, strict=True)]
    print(f"nodes {nodes}, steps {steps}, repeats {args.repeats}")
    print(f"drumbeat baseline   median {statistics.median(d):.3f} s  (min {min(d):.3f}, max {max(d):.3f})")
    print(f"mesa virus_on_network median {statistics.median(v):.3f} s  (min {min(v):.3f}, max {max(v):.3f})")
    print(f"ratio drumbeat/virus median {statistics.median(ratios):.2f}  (target <= 1.5)")


if __name__ == "__main__":
    main()
