"""Benchmark: a run of Real England against a run of the synthetic England, per organisation-month.

Issue 23 asks that a run of ``england_real`` (the 44 real footprints, built from the panel)
cost no more per organisation-month than ``england_2014``'s (the same history on a synthetic
England). Both are built and run in this one process, alternately, each pair from the same
seed; the first pair is a warm-up (compiled kernels, the panel read once). Prints the
interpreter, each scenario's median seconds and organisations, and the median ratio of the
per-organisation-month costs, pair by pair (goal: at most 1).

    .venv/bin/python benchmarks/bench_real.py [--repeats 15]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

from simulation import DrumbeatModel, load_scenario


def timed(scn, seed: int) -> tuple[float, int]:
    """Seconds to build and run ``scn`` at ``seed``, and its number of organisations."""
    t0 = time.perf_counter()
    model = DrumbeatModel(scn, seed)
    model.run()
    return time.perf_counter() - t0, model.state.world.n_orgs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    real, synthetic = load_scenario("england_real"), load_scenario("england_2014")
    timed(real, 0), timed(synthetic, 0)  # warm-up
    rows = []
    for seed in range(1, args.repeats + 1):
        (t_real, n_real), (t_syn, n_syn) = timed(real, seed), timed(synthetic, seed)
        months = real.steps
        rows.append((t_real, t_syn, (t_real / n_real / months) / (t_syn / n_syn / months), n_real, n_syn))
    med = [statistics.median(r[k] for r in rows) for k in range(5)]
    print(f"python {platform.python_version()} ({platform.python_implementation()}), {args.repeats} pairs")
    print(f"england_real : median {med[0] * 1000:7.1f} ms, {med[3]:.0f} organisations")
    print(f"england_2014 : median {med[1] * 1000:7.1f} ms, {med[4]:.0f} organisations")
    print(f"per organisation-month, real / synthetic: median {med[2]:.2f} (goal: at most 1)")


if __name__ == "__main__":
    main()
