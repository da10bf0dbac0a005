"""Benchmark: a 10-year baseline run against Mesa's own virus_on_network example.

Both are built and run in this one process, alternately, several times: Drumbeat on
``configs/scenarios/baseline.toml`` for 120 monthly steps, and ``VirusOnNetwork`` with the
same number of network nodes (organisations plus regulators) for the same number of steps,
with the network layout turned off. Prints the interpreter and library versions, medians and
the ratio Drumbeat / virus pair by pair (target: at most 1.5). The first run of each model is
a warm-up, not counted: it also loads Drumbeat's compiled kernels from their cache.

    .venv/bin/python benchmarks/bench_core.py [--repeats 30]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from importlib.metadata import version
from pathlib import Path

import mesa.discrete_space.network as mesa_network
from mesa.examples.basic.virus_on_network.model import VirusOnNetwork

from simulation import DrumbeatModel, load_scenario

ROOT = Path(__file__).resolve().parents[1]


def time_drumbeat(scn, seed: int) -> tuple[float, float, int]:
    """(build and run, then also build the three tables), seconds; and the node count."""
    t0 = time.perf_counter()
    model = DrumbeatModel(scn, seed)
    result = model.run()
    t1 = time.perf_counter()
    result.national, result.systems, result.events  # noqa: B018 - built on first read
    return t1 - t0, time.perf_counter() - t0, model.grid.G.number_of_nodes()


def time_virus(nodes: int, steps: int, seed: int) -> float:
    t0 = time.perf_counter()
    model = VirusOnNetwork(num_nodes=nodes, rng=seed)
    for _ in range(steps):
        model.step()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=30, help="pairs of runs (default 30)")
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
    *_, nodes = time_drumbeat(scn, 0)  # warm-up, and the node count
    time_virus(nodes, steps, 0)
    d, dt, v = [], [], []
    for r in range(args.repeats):
        run, with_tables, _ = time_drumbeat(scn, r + 1)
        d.append(run)
        dt.append(with_tables)
        v.append(time_virus(nodes, steps, r + 1))
    print(f"Python {platform.python_version()} ({sys.executable}); mesa {version('mesa')}, "
          f"numpy {version('numpy')}, numba {version('numba')}")
    print(f"nodes {nodes}, steps {steps}, repeats {args.repeats} (alternating, one process)")
    show("drumbeat baseline, run", d)
    show("drumbeat baseline, run + tables", dt)
    show("mesa virus_on_network", v)
    # Each model records its outcomes every step (Drumbeat's recorder, the example's
    # DataCollector); neither turns them into data frames unless asked. The second ratio adds
    # building Drumbeat's three tables (national, per system, event log).
    for label, times in (("run", d), ("run + tables", dt)):
        ratios = [a / b for a, b in zip(times, v, strict=True)]
        print(f"ratio drumbeat ({label}) / virus: median {statistics.median(ratios):.2f} "
              f"(pair by pair; min {min(ratios):.2f}, max {max(ratios):.2f})  target <= 1.5")


def show(label: str, times: list[float]) -> None:
    print(f"{label:34s} median {statistics.median(times):.3f} s  "
          f"(min {min(times):.3f}, max {max(times):.3f})")


if __name__ == "__main__":
    main()
