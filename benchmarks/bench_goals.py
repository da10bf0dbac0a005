"""Benchmark: the speed and memory goals of the speed-and-shape work, measured in one process run.

Alternately, ``--repeats`` times, in this one process: a ten-year ``baseline.toml`` run (built
and run; then its three tables built), one calibration particle (a run of ``england_2014.toml``
at the posterior medians from a fresh seed, then its summary statistics, as
``experiments.science.calibrate.ScenarioModel`` evaluates it for pyabc), and Mesa's
``virus_on_network`` with the same nodes and steps, layout off. Then, in fresh interpreters:
``import simulation`` (warm: the second of two imports in one machine's file cache), and the
peak memory of a process that runs one ten-year baseline run (what a sweep worker holds).

Prints the interpreter, the libraries, every figure with its goal and floor, as ratios to the
virus example where the goal is one, and in seconds or MB otherwise. Nothing is asserted: a
missed goal is a figure to report, with where the time goes (``--profile``).

    .venv/bin/python benchmarks/bench_goals.py [--repeats 15] [--profile]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_core import time_drumbeat, time_virus  # noqa: E402

#: (label, goal, floor): ratios to virus_on_network, or seconds / MB.
GOALS = {
    "run": ("ratio", 0.5, 0.8),
    "run + tables": ("ratio", 0.7, None),
    "particle": ("seconds", 0.045, 0.090),
    "import simulation (warm)": ("seconds", 1.0, None),
    "worker peak memory": ("MB", 200, None),
}


def particle_timer():
    """A callable timing one calibration particle (run + summary statistics)."""
    from experiments.science import calibrate as C
    from experiments.science.abc_sampler import seed_global_numpy

    cal = C.Calibration(scenario=C.ENGLAND, params=C.DEFAULT_PARAMS)
    model = cal.model()
    pars = {p: float((lo + hi) / 2) for p, (lo, hi) in _bounds(cal).items()}
    seed_global_numpy(0)

    def once() -> float:
        t0 = time.perf_counter()
        model(pars)
        return time.perf_counter() - t0
    return once


def _bounds(cal) -> dict[str, tuple[float, float]]:
    from simulation.params import param_bounds

    b = param_bounds()
    return {p: b[p] for p in cal.params}


def fresh(code: str) -> str:
    """Run ``code`` in a fresh interpreter of this environment; return what it prints."""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def import_seconds(times: int = 5) -> list[float]:
    code = "import time; t = time.perf_counter(); import simulation; print(time.perf_counter() - t)"
    fresh(code)  # warms the file cache
    return [float(fresh(code)) for _ in range(times)]


def worker_mb() -> float:
    code = ("import resource; from simulation import DrumbeatModel, load_scenario; "
            "DrumbeatModel(load_scenario('baseline'), 1).run(); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    return float(fresh(code))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15, help="rounds of the alternating runs (default 15)")
    ap.add_argument("--profile", action="store_true", help="also profile ten baseline runs")
    args = ap.parse_args()
    import mesa.discrete_space.network as mesa_network

    from simulation import load_scenario

    original = mesa_network.Network.__init__

    def no_layout(self, G, capacity=None, random=None, cell_klass=mesa_network.Cell, layout=None):  # noqa: N803
        original(self, G, capacity=capacity, random=random, cell_klass=cell_klass, layout=None)

    mesa_network.Network.__init__ = no_layout
    import mesa.examples.basic.virus_on_network.model as vmod
    vmod.Network = mesa_network.Network

    scn = load_scenario(ROOT / "configs/scenarios/baseline.toml", {"years": 10})
    particle = particle_timer()
    *_, nodes = time_drumbeat(scn, 0)  # warm-ups
    time_virus(nodes, scn.steps, 0)
    particle()
    runs, tables, parts, virus = [], [], [], []
    for r in range(args.repeats):
        a, b, _ = time_drumbeat(scn, r + 1)
        runs.append(a)
        tables.append(b)
        parts.append(particle())
        virus.append(time_virus(nodes, scn.steps, r + 1))
    figures = {
        "run": [x / v for x, v in zip(runs, virus, strict=True)],
        "run + tables": [x / v for x, v in zip(tables, virus, strict=True)],
        "particle": parts,
        "import simulation (warm)": import_seconds(),
        "worker peak memory": [worker_mb()],
    }
    print(f"Python {platform.python_version()} ({sys.executable}); mesa {version('mesa')}, "
          f"numpy {version('numpy')}, numba {version('numba')}")
    print(f"nodes {nodes}, steps {scn.steps}, rounds {args.repeats} (alternating, one process); "
          f"virus_on_network median {statistics.median(virus):.3f} s, drumbeat run median "
          f"{statistics.median(runs):.3f} s")
    for label, values in figures.items():
        unit, goal, floor = GOALS[label]
        med = statistics.median(values)
        verdict = "goal met" if med <= goal else ("floor met" if floor is not None and med <= floor
                                                  else "missed")
        shown = f"{med:.3f}" if unit != "MB" else f"{med:.0f}"
        print(f"{label:26s} {unit:7s} median {shown:>7s}  (min {min(values):.3f}, max {max(values):.3f})"
              f"  goal {goal}{f', floor {floor}' if floor else ''}: {verdict}")
    if args.profile:
        import cProfile
        import pstats

        from simulation import DrumbeatModel

        prof = cProfile.Profile()
        prof.enable()
        for s in range(10):
            DrumbeatModel(scn, s).run()
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
