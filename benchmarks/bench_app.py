"""Benchmark: the teaching app steps and redraws a 25-organisation system in under 250 ms a step,
and a month with three facilitator events and their counterfactual story in under 300 ms.

Drives a room (:class:`~simulation.app.rooms.Room`, saving its actions to a temporary
folder) on the ``fragmented`` teaching preset (25 organisations) exactly as the app does for
each month: one ``step`` action through the room and the session's lock, a :class:`View`
copied under it (with the counterfactual effects of that month's events, over the month and
the next six, computed on first use), then the network picture and the four charts drawn as
SVG. Three participants play an organisation each and choose for it every month (withdraw,
refuse the control total, oppose service changes), so that months in which they chose unlike
the rules also run the month again with the rules deciding (``participants.py``). In month 12
of each run three events and a lever change are applied as well, as in a class, and that
month is reported on its own. Prints the median and the worst ms per step over the
whole run, the event month, and their ratios to the targets. The PNG export (Matplotlib;
only on a download) is timed separately for information.

    .venv/bin/python benchmarks/bench_app.py [--repeats 3] [--preset fragmented]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from simulation.app.figures import charts_figure, network_figure, png
from simulation.app.participants import Limiter
from simulation.app.rooms import Rooms
from simulation.app.session import Action, Session
from simulation.app.svg import network_svg
from simulation.app.svgcharts import charts_svg

TARGET_MS = 250.0
EVENT_TARGET_MS = 300.0


def one_run(preset: str, seed: int, folder: Path) -> tuple[list[float], float]:
    """Milliseconds for each month of one full run (step + view + both pictures), and for
    the month in which three events and a lever change happen."""
    room = Rooms(folder, lambda: Session(preset, seed)).get(f"bench-{seed}")
    names = room.view().org_names
    room.limiter = Limiter(count=10**9)  # a benchmark acts faster than any participant may
    players = [(f"player-{k:04d}-bench", names[k]) for k in (1, 2, 3)]
    for player, org in players:
        room.apply(Action("claim", player, player[:10], org))
    times, event_month = [], 0.0
    while not room.view().finished:
        month = room.session.model.state.step + 1
        for (player, org), (choice, answer) in zip(players, (("stance", "withdraw"), ("sign", "refuse"),
                                                                 ("service", "oppose")), strict=True):
            room.apply(Action("choose", player, {"month": month, "choice": choice, "answer": answer}, org))
        busy = room.session.model.state.step == 12
        if busy:
            room.apply(Action("event", "resignation", target=names[0]))
            room.apply(Action("event", "deficit_shock", target=names[5]))
            room.apply(Action("event", "deadline"))
            room.apply(Action("lever", "reg_intensity", 0.9))
        t0 = time.perf_counter()
        room.apply(Action("step", value=1))
        view = room.view()
        network_svg(view)
        charts_svg(view)
        times.append(1000 * (time.perf_counter() - t0))
        if busy:
            event_month = times[-1]
    return times, event_month


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--preset", default="fragmented")
    args = ap.parse_args()
    per_step: list[float] = []
    busy: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        one_run(args.preset, 0, Path(tmp))  # warm-up
        for r in range(args.repeats):
            times, event_month = one_run(args.preset, r + 1, Path(tmp))
            per_step += times
            busy.append(event_month)
    s = Session(args.preset, 1)
    orgs = s.model.state.world.n_orgs
    med = statistics.median(per_step)
    worst = max(per_step)
    print(f"teaching app, preset {args.preset}: {orgs} organisations, {len(per_step)} steps timed")
    print(f"  step + redraw: median {med:.1f} ms/step, mean {statistics.mean(per_step):.1f}, "
          f"95th percentile {sorted(per_step)[int(0.95 * len(per_step))]:.1f}, worst {worst:.1f}")
    print(f"  ratio median / {TARGET_MS:.0f} ms target: {med / TARGET_MS:.3f} "
          f"({'within' if med < TARGET_MS else 'OVER'} target); worst / target: {worst / TARGET_MS:.3f}")
    print(f"  month with three participants, three events, a lever change and their counterfactual story: "
          f"{', '.join(f'{b:.1f}' for b in busy)} ms; worst / {EVENT_TARGET_MS:.0f} ms target: "
          f"{max(busy) / EVENT_TARGET_MS:.3f}")
    s.apply(Action("step", value=36))
    t0 = time.perf_counter()
    view = s.view()
    png(charts_figure(view))
    png(network_figure(view))
    print(f"  PNG export of both pictures (on download only): {1000 * (time.perf_counter() - t0):.0f} ms")


if __name__ == "__main__":
    main()
