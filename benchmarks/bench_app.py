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

With ``--clients N`` it times the real server instead (issue 25): ``drumbeat teach`` in a
process of its own, a room in which N participants play (teams sharing the preset's
organisations), and N + 2 lightweight pages - a facilitator's, a projector's and one a
participant - each a websocket speaking Solara's kernel protocol (no browser, so the figure is
the server's, not browsers' contention for the cores). Every month each participant taps
*Withdraw* (the seat's ``choose`` event, ``simulation/app/phone.vue``; a button's click on a
checkout from before it), in month 6 the facilitator also presses three events and moves a lever, then
presses *Step*; it reports, for each month, the ms from that press until every page has the
new month and until the update's last frame has reached every page, and the 95th percentile
of the latter against the 300 ms target. With ``--against DIR`` (another checkout, e.g. ``git
archive`` of an earlier commit) its server and this one's are timed alternately in one run.

    .venv/bin/python benchmarks/bench_app.py [--repeats 3] [--preset fragmented]
    .venv/bin/python benchmarks/bench_app.py --clients 20 --months 12 --preset hostile_history
    .venv/bin/python benchmarks/bench_app.py --clients 20 --against /tmp/before --rounds 2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
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


# --- a month with 20 participants, through the real server and 22 websocket pages -------------
class WsPage:
    """A lightweight page of the real server: one websocket speaking Solara's kernel protocol
    (the control comm's ``run``, widget states, button clicks), no browser. It keeps every
    widget's state and the arrival time of each frame."""

    def __init__(self, base: str, path: str) -> None:
        self.base, self.path = base, path
        self.states: dict[str, dict] = {}
        self.frames: list[tuple[float, str]] = []  # (arrival, the frame's text)
        self.session = uuid.uuid4().hex

    async def open(self) -> None:
        from websockets.asyncio.client import connect

        kernel = uuid.uuid4().hex
        url = (self.base.replace("http://", "ws://")
               + f"jupyter/api/kernels/{kernel}/channels?session_id={self.session}")
        self.ws = await connect(url, origin=self.base.rstrip("/"), max_size=None)
        self.reader = asyncio.create_task(self._read())
        control = uuid.uuid4().hex
        await self._send("comm_open", {"comm_id": control, "target_name": "solara.control", "data": {}})
        await self._send("comm_msg", {"comm_id": control, "data": {"method": "run", "args": {
            "path": self.path, "appName": None}}})

    async def _send(self, kind: str, content: dict) -> None:
        header = {"msg_id": uuid.uuid4().hex, "username": "bench", "session": self.session,
                  "msg_type": kind, "version": "5.3", "date": ""}
        await self.ws.send(json.dumps({"header": header, "parent_header": {}, "metadata": {},
                                       "content": content, "channel": "shell", "buffers": []}))

    async def _read(self) -> None:
        from solara.server.kernel import deserialize_binary_message

        async for raw in self.ws:
            now = time.perf_counter()
            msg = deserialize_binary_message(raw) if isinstance(raw, bytes) else json.loads(raw)
            text = raw if isinstance(raw, str) else json.dumps(msg["content"])
            self.frames.append((now, text))
            content, kind = msg.get("content", {}), msg.get("header", {}).get("msg_type")
            data = content.get("data") or {}
            if kind == "comm_open" and "state" in data:
                self.states[content["comm_id"]] = dict(data["state"])
            elif kind == "comm_msg" and data.get("method") == "update":
                self.states.setdefault(content["comm_id"], {}).update(data.get("state", {}))
            elif kind == "comm_close":
                self.states.pop(content.get("comm_id"), None)

    def find(self, cls: str) -> str | None:
        """The comm of the widget whose classes include ``cls``."""
        return next((c for c, s in self.states.items() if cls in str(s.get("class_", "")).split()), None)

    def inside(self, attr: str, value: str, model: str) -> str | None:
        """The comm of the first ``model`` widget inside the one whose attributes have ``attr=value``."""
        top = next((c for c, s in self.states.items()
                    if (s.get("attributes") or {}).get(attr) == value), None)
        todo = [top] if top else []
        while todo:
            c = todo.pop(0)
            if self.states.get(c, {}).get("_model_name") == model:
                return c
            todo += [x.removeprefix("IPY_MODEL_") for x in self.states.get(c, {}).get("children") or []
                     if isinstance(x, str) and x.startswith("IPY_MODEL_")]
        return None

    async def click(self, cls: str) -> None:
        comm = await self.wait_for(lambda: self.find(cls))
        await self._send("comm_msg", {"comm_id": comm, "data": {"method": "custom", "content": {
            "event": "click", "data": {}}}})

    def live(self, choice: str) -> tuple[str, int] | None:
        """(the comm of the phone's seat, the month it shows) if ``choice`` comes up on it now
        (month -1: a page of before phone.vue, whose answers are buttons of their own)."""
        if (button := self.find(f"choice-{choice}-withdraw")) is not None:
            return button, -1
        for c, s in self.states.items():
            data = s.get("seat") if isinstance(s.get("seat"), dict) else {}
            if any(x.get("choice") == choice for x in data.get("choices") or ()):
                return c, int(data.get("month", 0))
        return None

    async def choose(self, choice: str, answer: str) -> None:
        """Tap ``answer`` of ``choice`` on the phone's seat (``simulation/app/phone.vue``)."""
        comm, month = await self.wait_for(lambda: self.live(choice))
        if month < 0:
            await self.click(f"choice-{choice}-{answer}")
            return
        await self._send("comm_msg", {"comm_id": comm, "data": {"method": "custom", "content": {
            "event": "choose", "data": [choice, answer, month]}}})

    async def set_value(self, comm: str, value) -> None:
        state = {"method": "update", "state": {"v_model": value}, "buffer_paths": []}
        await self._send("comm_msg", {"comm_id": comm, "data": state})

    async def wait_for(self, found, timeout: float = 60.0):
        end = time.perf_counter() + timeout
        while (got := found()) in (None, False):
            if time.perf_counter() > end:
                raise TimeoutError(f"{self.path}: nothing found in {timeout:.0f} s")
            await asyncio.sleep(0.01)
        return got

    def seen(self, text: str, since: float) -> float | None:
        """The arrival of the first frame after ``since`` that holds ``text``."""
        return next((t for t, f in self.frames if t >= since and text in f), None)

    async def wait_seen(self, text: str, since: float, timeout: float = 60.0) -> float:
        """The arrival of the first frame after ``since`` that holds ``text``, once it has come."""
        return await self.wait_for(lambda: self.seen(text, since), timeout)

    def last(self, since: float) -> float:
        return max((t for t, _ in self.frames if t >= since), default=since)


def clients_run(people: int, months: int, preset: str, root: Path | None = None) -> Timings:
    """``drumbeat teach`` on a free port with a room in which ``people`` participants play (teams
    on the preset's organisations), a facilitator's page, a projector's page and one page a
    participant, each a websocket. Every month each participant chooses, in month 6 the
    facilitator also presses three events and moves a lever, then presses Step: for each month,
    the ms from that press until every page has the new month, until the last frame of the
    update has reached every page, and whether it was the busy month."""
    from experiments.cli.teach import prepare_assets
    from simulation.app import ENV_ROOMS, ENV_SCENARIO
    from simulation.app.rooms import open_at_start

    prepare_assets()
    root = root or Path(__file__).resolve().parents[1]  # the checkout whose server is timed
    scenario = root / "configs" / "scenarios" / "teaching" / f"{preset}.toml"
    with tempfile.TemporaryDirectory() as tmp:
        env = {ENV_ROOMS: tmp, ENV_SCENARIO: str(scenario), "DRUMBEAT_TEACH_SEED": "1"}
        room = open_at_start("bench", env)
        room.limiter = Limiter(count=10**9)
        names = room.view().org_names
        tokens = [f"player-{k:04d}-bench" for k in range(people)]
        for k, token in enumerate(tokens):
            assert room.apply(Action("claim", token, f"P{k}", names[k % len(names)])) == ""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        cmd = [sys.executable, "-m", "experiments.cli", "teach", str(scenario), "--port", str(port),
               "--rooms", tmp]
        proc = subprocess.Popen(cmd, cwd=root, env=dict(os.environ, PYTHONPATH=str(root)),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            return asyncio.run(_drive(f"http://127.0.0.1:{port}/", room.code, tokens, months))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)


Timings = list[tuple[int, float, float, bool]]  # (month, to the month, to the last frame, busy?)


async def _drive(base: str, code: str, tokens: list[str], months: int) -> Timings:
    import urllib.request

    for _ in range(200):  # the server starting
        try:
            urllib.request.urlopen(base, timeout=1).read(10)
            break
        except OSError:
            await asyncio.sleep(0.3)
    facilitator = WsPage(base, "/?room=bench")
    projector = WsPage(base, "/?room=bench&view=presenter")
    players = [WsPage(base, f"/?room=bench&join={code}&me={t}") for t in tokens]
    pages = [facilitator, projector, *players]
    for pg in pages:
        await pg.open()
    await facilitator.wait_for(lambda: facilitator.find("run-1"))
    for pg in players:
        await pg.wait_for(lambda pg=pg: pg.live("stance"))
    out = []
    for month in range(1, months + 1):
        t_choose = time.perf_counter()
        choosing = [pg for pg in players if pg.live("stance")]  # if it comes up
        await asyncio.gather(*(pg.choose("stance", "withdraw") for pg in choosing))
        await facilitator.wait_seen(f'"data-acted": "{len(choosing)}"', t_choose)
        busy = month == 6
        if busy:
            for cls in ("event-resignation", "event-deficit_shock", "event-deadline"):
                await facilitator.click(cls)
            slider = facilitator.inside("data-lever", "reg_intensity", "SliderModel")
            assert slider is not None, "no slider for reg_intensity on the facilitator's page"
            await facilitator.set_value(slider, 0.9)
            await asyncio.sleep(0.5)
        t0 = time.perf_counter()
        await facilitator.click("run-1")
        step = f'"data-step": "{month}"'
        first = max([await pg.wait_seen(step, t0, 120) for pg in pages])
        while time.perf_counter() - max(pg.last(t0) for pg in pages) < 0.5:  # the update's last frames
            await asyncio.sleep(0.05)
        last = max(pg.last(t0) for pg in pages)
        out.append((month, 1000 * (first - t0), 1000 * (last - t0), busy))
    for pg in pages:
        await pg.ws.close()
    return out


def report_clients(people: int, months: int, preset: str, against: Path | None = None,
                   rounds: int = 1) -> None:
    """Print the months' timings; with ``against`` (another checkout, e.g. ``git archive`` of an
    earlier commit), its server and this one alternately, ``rounds`` times each, in one run."""
    runs = [(against, "against"), (None, "this checkout")] * rounds if against else [(None, "")]
    got: dict[str, Timings] = {}
    for root, label in runs:
        got.setdefault(label, []).extend(clients_run(people, months, preset, root))
    print(f"teaching app, real server, preset {preset}: {people} participants' pages, a facilitator's and "
          f"a projector's ({people + 2} websockets), {months} months, {rounds} round(s)")
    for label, times in got.items():
        if against:
            print(f"  {label}{f' ({against})' if label == 'against' else ''}:")
        for month, first, end, busy in times if not against else ():
            print(f"  month {month:2d}: every page has the month after {first:6.1f} ms, the update's last "
                  f"frame after {end:6.1f} ms" + ("  (three events and a lever change)" if busy else ""))
        last = sorted(x[2] for x in times)
        p95 = last[min(len(last) - 1, int(0.95 * len(last)))]
        print(f"  from Step to the last frame on every page: median {statistics.median(last):.1f} ms, "
              f"95th percentile {p95:.1f} ms, worst {last[-1]:.1f}; 95th percentile / "
              f"{EVENT_TARGET_MS:.0f} ms target: {p95 / EVENT_TARGET_MS:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--preset", default="fragmented")
    ap.add_argument("--clients", type=int, default=0, metavar="N",
                    help="instead: N participants' pages on the real server, each a websocket")
    ap.add_argument("--months", type=int, default=12, help="with --clients: months to run")
    ap.add_argument("--against", type=Path, default=None, metavar="DIR",
                    help="with --clients: also time the server of the checkout DIR, alternately")
    ap.add_argument("--rounds", type=int, default=1, help="with --against: runs of each")
    args = ap.parse_args()
    if args.clients:
        report_clients(args.clients, args.months, args.preset, args.against, args.rounds)
        return
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
