"""Benchmark: the teaching app steps and redraws a 25-organisation system in under 250 ms a step.

Drives a :class:`~simulation.app.session.Session` on the ``fragmented`` teaching preset
(25 organisations, 185 ties) exactly as the app does for each month: one ``step`` action
through the session's lock, a :class:`View` copied under it, then the network picture and
the six charts drawn as SVG. A facilitator event and a lever change are applied on the way,
as in a class. Prints the median and the worst ms per step over the whole run, and the ratio
of the median to the 250 ms target. The PNG export (Matplotlib; only on a download) is timed
separately for information.

    .venv/bin/python benchmarks/bench_app.py [--repeats 3] [--preset fragmented]
"""

from __future__ import annotations

import argparse
import statistics
import time

from simulation.app.figures import charts_figure, network_figure, png
from simulation.app.session import Action, Session
from simulation.app.svg import charts_svg, network_svg

TARGET_MS = 250.0


def one_run(preset: str, seed: int) -> list[float]:
    """Milliseconds for each month of one full run: step + view + both pictures."""
    s = Session(preset, seed)
    org = s.view().org_names[0]
    times = []
    while not s.view().finished:
        if s.model.state.step == 12:
            s.apply(Action("event", "resignation", target=org))
            s.apply(Action("lever", "reg_intensity", 0.9))
        t0 = time.perf_counter()
        s.apply(Action("step", value=1))
        view = s.view()
        network_svg(view)
        charts_svg(view)
        times.append(1000 * (time.perf_counter() - t0))
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--preset", default="fragmented")
    args = ap.parse_args()
    one_run(args.preset, 0)  # warm-up
    per_step: list[float] = []
    for r in range(args.repeats):
        per_step += one_run(args.preset, r + 1)
    s = Session(args.preset, 1)
    orgs = s.model.state.world.n_orgs
    med = statistics.median(per_step)
    worst = max(per_step)
    print(f"teaching app, preset {args.preset}: {orgs} organisations, {len(per_step)} steps timed")
    print(f"  step + redraw: median {med:.1f} ms/step, mean {statistics.mean(per_step):.1f}, "
          f"95th percentile {sorted(per_step)[int(0.95 * len(per_step))]:.1f}, worst {worst:.1f}")
    print(f"  ratio median / {TARGET_MS:.0f} ms target: {med / TARGET_MS:.3f} "
          f"({'within' if med < TARGET_MS else 'OVER'} target); worst / target: {worst / TARGET_MS:.3f}")
    s.apply(Action("step", value=36))
    t0 = time.perf_counter()
    view = s.view()
    png(charts_figure(view))
    png(network_figure(view))
    print(f"  PNG export of both pictures (on download only): {1000 * (time.perf_counter() - t0):.0f} ms")


if __name__ == "__main__":
    main()
