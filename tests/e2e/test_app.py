"""The teaching app end to end, in a real headless Chromium driven by Playwright.

Starts ``drumbeat teach`` on a free local port, opens it, picks a preset, moves a slider,
runs some months, presses an event button, and checks that the charts, the network picture
and the event log changed as the model says. Screenshots go to ``test-artifacts/``.
Debian's ``chromium`` is used (installed by ``scripts/setup.sh --test``); Playwright never
downloads a browser of its own.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
TIMEOUT_MS = 20_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(rooms: Path, host: str = "127.0.0.1", log: list[str] | None = None, extra: tuple[str, ...] = (),
          port: int | None = None, procs: list | None = None):
    """``drumbeat teach --rooms ROOMS --host HOST [EXTRA...]`` of this checkout in its own process
    group, on ``port`` (default: a free one); yields its address (what it prints after its first
    line goes to ``log``; its process to ``procs``)."""
    from experiments.cli.teach import prepare_assets

    prepare_assets()  # the page's npm packages, so that the page loads without a CDN
    port = port or _free_port()
    # this checkout's code, whatever an editable install elsewhere points at
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "experiments.cli", "teach", "--port", str(port),
                             "--rooms", str(rooms), "--host", host, *extra],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    log = [] if log is None else log
    if procs is not None:
        procs.append(proc)
    try:
        first = proc.stdout.readline()
        assert first.startswith(f"Drumbeat teaching app: http://{host}:{port}/"), first
        # keep draining the server's output so that a full pipe can never block it
        threading.Thread(target=lambda: log.extend(proc.stdout), daemon=True).start()
        url = f"http://{host}:{port}/"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read(100)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"teaching app did not start: {''.join(log)}") from None
                time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # only the group this fixture started
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def rooms(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("rooms")


@pytest.fixture(scope="module")
def server(rooms):
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (scripts/setup.sh --test installs it)")
    with serve(rooms) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def _open_page(browser, url: str, width: int = 1600, height: int = 1200):
    pg = browser.new_page(viewport={"width": width, "height": height})
    pg.set_default_timeout(TIMEOUT_MS)
    pg.goto(url)
    return pg


def _open(browser, url: str, width: int = 1600, height: int = 1200):
    pg = _open_page(browser, url, width, height)
    pg.locator("[data-testid=status]").wait_for()
    return pg


@pytest.fixture(scope="module")
def page(browser, server):
    pg = _open(browser, server + "?room=session")
    yield pg
    pg.close()


def _status(page, key: str) -> str:
    return page.get_attribute("[data-testid=status]", f"data-{key}")


def _wait_status(page, key: str, value: str) -> None:
    page.wait_for_function(
        f"document.querySelector('[data-testid=status]')?.dataset['{key}'] === '{value}'",
        timeout=TIMEOUT_MS)


def _wait_attr(page, selector: str, key: str, value: str) -> None:
    """Wait until ``selector``'s ``data-KEY`` is ``value`` (each widget's DOM updates on its own)."""
    page.wait_for_function(
        f"document.querySelector('{selector}')?.dataset['{key}'] === '{value}'", timeout=TIMEOUT_MS)


def _run(page, button: str, month: int) -> None:
    """Press a run button and wait until the status, the charts and the network show ``month``."""
    page.locator(button).click()
    _wait_status(page, "step", str(month))
    _wait_attr(page, ".drumbeat-charts", "step", str(month))
    _wait_attr(page, ".drumbeat-network", "step", str(month))


def _pick(page, select: str, option: str) -> None:
    page.locator(select).click()
    page.get_by_role("option", name=option).click()


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"teaching_{name}.png"), full_page=True)


def test_facilitator_session_in_the_browser(page):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    # 1. the app opens on the default preset at month 0
    assert _status(page, "step") == "0"
    assert _status(page, "preset") == "two_hospitals"
    _shot(page, "01_open")

    # 2. pick a preset: the description and the network change to that system
    assert _status(page, "room") == "session"
    _pick(page, ".preset-select", "A system with a hostile history")
    _wait_status(page, "preset", "hostile_history")
    # each widget's DOM updates on its own: wait for the description too
    expect(page.locator("[data-testid=description]")).to_contain_text("hostile history")
    page.wait_for_selector('.drumbeat-network g.org[data-org="Westhill Hospital"]')

    # 3. move a slider: regulatory intensity 0.50 -> 0.70 (four steps of 0.05), still month 0
    lever = page.locator("[data-lever=reg_intensity]")
    assert lever.get_attribute("data-value") == "0.5"
    lever.locator(".v-slider-thumb").first.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "document.querySelector('[data-lever=reg_intensity]').dataset.value === '0.7'", timeout=TIMEOUT_MS)
    assert "How hard the regulators push: 0.70" in lever.inner_text()
    assert _status(page, "step") == "0"
    charts_before = page.locator("[data-testid=charts]").inner_html()
    assert page.get_attribute(".drumbeat-charts", "data-points") == "1"

    # 4. run six months: the charts grow by six points
    _run(page, ".run-6", 6)
    assert page.get_attribute(".drumbeat-charts", "data-points") == "7"
    assert page.locator("[data-testid=charts]").inner_html() != charts_before
    assert page.get_attribute(".drumbeat-network", "data-step") == "6"
    story_lines = int(page.get_attribute("[data-testid=story]", "data-lines"))
    _shot(page, "02_six_months")

    # 5. a chief executive resigns: queued, then at month 7 a marker, a red ring and a story line
    _pick(page, ".target-org", "Westhill Hospital")
    page.locator(".event-resignation").click()
    page.get_by_text("Queued for next month: A chief executive resigns (Westhill Hospital)").wait_for()
    assert page.get_attribute(".drumbeat-charts", "data-markers") == "0"
    _run(page, ".run-1", 7)
    assert page.get_attribute(".drumbeat-charts", "data-markers") == "1"
    assert page.locator(".drumbeat-charts g.marker").count() == 4  # one per chart
    ringed = page.get_attribute(".drumbeat-network", "data-new-leaders").split("|")
    assert "Westhill Hospital" in ringed
    node = page.locator('.drumbeat-network g.org[data-org="Westhill Hospital"]')
    assert node.get_attribute("data-new-leader") == "1"
    expect(page.locator("[data-testid=story] .facilitator").first).to_contain_text("Westhill Hospital")
    first = page.locator("[data-testid=story] .facilitator").first.inner_text()
    assert re.match(r"\[1\] Month 7 \(2016-11\): the chief executive of Westhill Hospital left"
                    r"(; the successor was appointed on the change agenda)?; compared with the same months "
                    r"without it: in month 7, .+; by month 13, ", first), first
    assert int(page.get_attribute("[data-testid=story]", "data-lines")) > story_lines
    _shot(page, "03_resignation")

    # 6. play; while it runs move a slider five notches and land a deficit; then pause
    _pick(page, ".target-org", "Riverside Hospital")
    page.locator(".run-play").click()
    _wait_status(page, "playing", "1")
    page.locator("[data-lever=reg_focus] .v-slider-thumb").first.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    page.locator(".event-deficit_shock").click()
    expect(page.locator("[data-testid=story]")).to_contain_text("Riverside Hospital found a deficit")
    page.locator(".run-play").click()
    _wait_status(page, "playing", "0")
    step = _status(page, "step")
    _wait_attr(page, ".drumbeat-charts", "step", step)
    assert int(step) > 7
    assert page.get_attribute("[data-lever=reg_focus]", "data-value") == "0.55"
    expect(page.locator("[data-testid=story]")).to_contain_text("from 0.30 to 0.55")
    assert int(page.get_attribute(".drumbeat-charts", "data-markers")) >= 3
    _shot(page, "04_played")

    # 7. run to the end: the debrief names what the facilitator did
    page.locator(".run-end").click()
    _wait_status(page, "finished", "1")
    debrief = page.locator("[data-testid=debrief]")
    expect(debrief).to_contain_text("After 72 months: Riverside & Westhill is a")
    expect(debrief).to_contain_text("[1] month 7 resigns: Westhill Hospital")
    page.locator(".debrief-open").click()  # the debrief on a screen of its own
    screen = page.locator("[data-testid=debrief-screen]")
    expect(screen).to_contain_text("Debrief: A system with a hostile history, 72 months")
    box = screen.bounding_box()
    assert box["width"] >= 1500 and box["height"] >= 1100, box  # the whole window
    _shot(page, "05_debrief")
    page.locator(".debrief-close").click()
    screen.wait_for(state="detached")

    # 8. the downloads: the session's tables as CSV in a zip, the charts as PNG
    with page.expect_download() as dl:
        page.get_by_text("Tables, choices and debrief (CSV, zip)").click()
    with zipfile.ZipFile(dl.value.path()) as z:
        national = z.read("national.csv").decode().splitlines()
        story = z.read("story.csv").decode()
        assert {"actions.csv", "choices.csv", "decisions.csv", "debrief.txt", "room.jsonl"} <= set(
            z.namelist())
    assert len(national) == 1 + 73  # header and months 0-72
    assert "the chief executive of Westhill Hospital left" in story
    with page.expect_download() as dl:
        page.get_by_text("Charts (PNG)").click()
    assert Path(dl.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # 9. reset: the run just finished stays on every chart in a colour of its own, named by what
    # differed, over the months the new run spans; the side-by-side numbers never wrap
    page.locator(".run-reset").click()
    _wait_status(page, "step", "0")
    _wait_attr(page, ".drumbeat-charts", "step", "0")
    assert page.locator(".drumbeat-charts g.past").count() == 4
    assert page.get_attribute(".drumbeat-charts", "data-span") == "12"
    expect(page.locator("[data-testid=story]")).to_contain_text(
        "Earlier runs: purple dotted = run 1: what the regulators look at 0.30; [1] month 7 resigns: "
        "Westhill")
    expect(page.locator("[data-testid=runs]")).to_contain_text("the run on the screen")
    wrapped = page.evaluate("() => Array.from(document.querySelectorAll('[data-testid=runs] span'))"
                            ".filter(s => s.getBoundingClientRect().height > 2 * parseFloat("
                            "getComputedStyle(s).fontSize)).map(s => s.innerText)")
    assert wrapped == [], wrapped  # each number with its name on one line
    _shot(page, "06_reset_compare")


# --- the room: the projector, the laptop and a reload see one run ------------------------------
def test_reload_and_a_second_browser_see_the_same_room_and_month(browser, server):
    from playwright.sync_api import expect

    laptop = _open(browser, server + "?room=shared")
    projector_context = browser.new_context(viewport={"width": 1280, "height": 720})
    projector = projector_context.new_page()
    projector.set_default_timeout(TIMEOUT_MS)
    projector.goto(server + "?room=shared&view=presenter")
    projector.locator("[data-testid=status]").wait_for()
    try:
        assert _status(laptop, "step") == _status(projector, "step") == "0"
        _run(laptop, ".run-6", 6)
        _wait_status(projector, "step", "6")  # the other browser follows without a click
        _wait_attr(projector, ".drumbeat-charts", "step", "6")
        laptop.reload()
        laptop.locator("[data-testid=status]").wait_for()
        assert _status(laptop, "step") == "6" and _status(laptop, "room") == "shared"
        # look back two months on the laptop: the projector shows month 4 too; a step returns both
        laptop.locator(".db-look .v-slider-thumb").first.focus()
        for _ in range(2):
            laptop.keyboard.press("ArrowLeft")
        _wait_status(projector, "shown", "4")
        _wait_attr(projector, ".drumbeat-network", "step", "4")
        assert _status(projector, "step") == "6"
        _run(laptop, ".run-1", 7)
        _wait_status(projector, "shown", "7")
        # at the end of the run the projector shows the debrief on a screen of its own
        laptop.locator(".run-end").click()
        _wait_status(projector, "finished", "1")
        screen = projector.locator("[data-testid=debrief-screen]")
        expect(screen).to_contain_text("After 60 months: Northmoor is a")
        _shot(projector, "10_projector_debrief")
        other = _open(browser, server + "?room=elsewhere")  # another room is another run
        assert _status(other, "step") == "0"
        other.close()
    finally:
        laptop.close()
        projector_context.close()


def test_a_room_survives_a_server_restart(browser, tmp_path):
    rooms = tmp_path / "rooms"
    with serve(rooms) as url:
        pg = _open(browser, url + "?room=restart")
        _pick(pg, ".preset-select", "A system with a hostile history")
        _wait_status(pg, "preset", "hostile_history")
        _run(pg, ".run-6", 6)
        _pick(pg, ".target-org", "Westhill Hospital")
        pg.locator(".event-resignation").click()
        pg.get_by_text("Queued for next month").wait_for()
        _run(pg, ".run-1", 7)
        # each widget's DOM updates on its own: wait for the story's month-7 line too
        pg.locator("[data-testid=story] .facilitator").get_by_text("[1] Month 7").wait_for()
        story = pg.locator("[data-testid=story]").inner_text()
        index = pg.get_attribute(".drumbeat-charts", "data-index")
        pg.close()
    assert (rooms / "restart.jsonl").is_file()
    with serve(rooms) as url:  # a new server process: the room is replayed from its file
        pg = _open(browser, url + "?room=restart")
        assert (_status(pg, "step"), _status(pg, "preset")) == ("7", "hostile_history")
        _wait_attr(pg, ".drumbeat-charts", "step", "7")
        assert pg.get_attribute(".drumbeat-charts", "data-index") == index
        assert pg.locator("[data-testid=story]").inner_text() == story
        pg.close()


# --- the projector: everything in view, nothing too small, nothing overprinted -----------------
_MEASURE = """() => {
  const out = {fonts: {}, boxes: {}, overlaps: []};
  for (const sel of ['.drumbeat-network', '.drumbeat-charts']) {
    const svg = document.querySelector(sel);
    const scale = svg.getScreenCTM().a;  // SVG units to screen pixels
    let min = 1e9;
    for (const t of svg.querySelectorAll('text')) {
      if (t.textContent.trim()) min = Math.min(min, parseFloat(getComputedStyle(t).fontSize) * scale);
    }
    out.fonts[sel] = min;
  }
  const essential = ['[data-testid=status]', '.drumbeat-network', '.drumbeat-charts',
                     '[data-testid=story] .line',
                     '.run-1', '.run-6', '.run-12', '.run-end', '.run-play', '.run-reset',
                     '.event-resignation', '.event-deficit_shock', '.event-deadline', '.event-intervention',
                     '.event-council_party_change', '.event-shared_data'];
  for (const sel of essential) {
    const el = document.querySelector(sel);
    out.boxes[sel] = el ? el.getBoundingClientRect().toJSON() : null;
  }
  const groups = [Array.from(document.querySelectorAll('.drumbeat-network text.name'))];
  for (const g of document.querySelectorAll('.drumbeat-charts')) {
    groups.push(Array.from(g.querySelectorAll('g.marker text')));
  }
  for (const texts of groups) {
    const r = texts.map(t => t.getBoundingClientRect());
    for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) {
      const a = r[i], b = r[j];
      if (a.left < b.right - 0.5 && b.left < a.right - 0.5
          && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
        out.overlaps.push([texts[i].textContent, texts[j].textContent]);
    }
  }
  out.scroll = [document.scrollingElement.scrollHeight, document.scrollingElement.scrollWidth];
  out.labels = Array.from(document.querySelectorAll('.v-label')).filter(l => l.offsetParent !== null)
    .map(l => [l.textContent, parseFloat(getComputedStyle(l).fontSize)
               * new DOMMatrix(getComputedStyle(l).transform).a]);
  return out;
}"""


@pytest.fixture(scope="module")
def busy_room(browser, server):
    """A 25-organisation room with two events in one month and markers in neighbouring months."""
    pg = _open(browser, server + "?room=layout")
    _pick(pg, ".preset-select", "A big fragmented system of 25 organisations")
    _wait_status(pg, "preset", "fragmented")
    _run(pg, ".run-6", 6)
    for month, event in ((7, "resignation"), (8, "deadline")):
        pg.locator(f".event-{event}").click()
        if month == 7:
            pg.locator(".event-deficit_shock").click()
        pg.get_by_text("Queued for next month").wait_for()
        _run(pg, ".run-1", month)
    pg.close()
    return server + "?room=layout"


@pytest.mark.parametrize("size", [(1280, 720), (1024, 768)], ids=["1280x720", "1024x768"])
@pytest.mark.parametrize("view", ["facilitator", "presenter"])
def test_projector_layout(browser, busy_room, size, view):
    width, height = size
    pg = _open(browser, busy_room + ("&view=presenter" if view == "presenter" else ""), width, height)
    try:
        _wait_attr(pg, ".drumbeat-charts", "markers", "3")
        got = pg.evaluate(_MEASURE)
        _shot(pg, f"layout_{view}_{width}x{height}")
    finally:
        pg.close()
    assert got["scroll"][0] <= height and got["scroll"][1] <= width, got["scroll"]  # no scroll bar
    smallest = 16 if view == "presenter" else 14
    for sel, px in got["fonts"].items():
        assert px >= smallest, (sel, px)
    for sel, box in got["boxes"].items():
        if view == "presenter" and (sel.startswith(".run") or sel.startswith(".event")):
            assert box is None, f"{sel}: controls are hidden on the projector"
            continue
        assert box is not None, sel
        assert box["top"] >= 0 and box["left"] >= 0, (sel, box)
        assert box["bottom"] <= height + 0.5 and box["right"] <= width + 0.5, (sel, box)  # above the fold
    assert got["overlaps"] == []
    assert [(label, px) for label, px in got["labels"] if px < 14] == []  # form labels: 14 px or more


def test_click_an_organisation_to_inspect_it(browser, busy_room):
    from playwright.sync_api import expect

    pg = _open(browser, busy_room, 1280, 720)
    try:
        node = pg.locator(".drumbeat-network g.org").nth(5)
        name = node.get_attribute("data-org")
        node.click()
        _wait_attr(pg, ".drumbeat-network", "selected", name)
        card = pg.locator("[data-testid=inspect]")
        expect(card).to_contain_text(f"{name} (")
        expect(card).to_contain_text("Chief executive:")
        expect(card).to_contain_text("Trust with partners")
        _shot(pg, "07_inspect")
        pg.locator(".inspect-close").click()
        pg.locator("[data-testid=story]").wait_for()
        _wait_attr(pg, ".drumbeat-network", "selected", "")
    finally:
        pg.close()



def test_beyond_this_machine_only_the_facilitators_key_shows_the_controls(browser, tmp_path):
    log: list[str] = []
    with serve(tmp_path / "rooms", host="127.0.0.2", log=log) as url:  # not one of the local names
        key = next(re.search(r"key=([\w-]+)", line).group(1) for line in log if "key=" in line)
        projector = next(line.split()[1] for line in log if line.strip().startswith("projector:"))
        assert "key=" not in projector
        nobody = _open_page(browser, url + "?room=open", 1280, 720)  # no key: no new room
        nobody.get_by_text("there is no room 'open' on this server").wait_for()
        nobody.close()
        facilitator = _open(browser, url + f"?room=open&key={key}", 1280, 720)
        assert facilitator.get_attribute("[data-testid=app]", "data-view") == "facilitator"
        assert key not in facilitator.get_attribute(".switch-view", "href")
        for address in (url + "?room=open", url + "?room=open&key=wrong"):
            watcher = _open(browser, address, 1280, 720)
            assert watcher.get_attribute("[data-testid=app]", "data-view") == "presenter"
            assert watcher.locator(".run-1").count() == 0 and watcher.locator(".event-deadline").count() == 0
            watcher.close()
        watcher = _open(browser, url + f"?room=open&key={key}&view=presenter", 1280, 720)  # an old link
        try:
            watcher.wait_for_url(re.compile(r"\?room=open&view=presenter$"))
            assert key not in watcher.content() and key not in watcher.url
            _run(facilitator, ".run-1", 1)
            _wait_status(watcher, "step", "1")
        finally:
            watcher.close()
            facilitator.close()
        # wrong keys from one address: one above, nine more here; then even the right key is refused
        for k in range(9):
            _open(browser, url + f"?room=open&key=guess{k}", 1280, 720).close()
        late = _open(browser, url + f"?room=open&key={key}", 1280, 720)
        try:
            late.locator(".key-refused").get_by_text("more than 10 wrong facilitator keys").wait_for()
            assert late.get_attribute("[data-testid=app]", "data-view") == "presenter"
        finally:
            late.close()


# --- the participatory mode: a facilitator and three participants, one on a phone --------------
def _participant(browser, url: str, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=width < 500)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.goto(url)
    pg.locator("[data-testid=status]").wait_for()
    return context, pg


def _claim(pg, name: str, org: str) -> None:
    pg.locator(".play-name input").fill(name)
    _pick(pg, ".play-org", org)
    pg.locator(".play-claim").click()


def _choose(pg, choice: str, answer: str) -> None:
    pg.locator(f".choice-{choice}-{answer}").click()
    _wait_attr(pg, f"[data-choice={choice}]", "answer", answer)  # the server has it


def test_a_participatory_session_with_three_participants(browser, server):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    facilitator = _open(browser, server + "?room=party", 1280, 720)
    code = facilitator.locator("[data-testid=code]").inner_text()
    join = server + f"?room=party&join={code}"
    contexts = []
    try:
        _, wrong = _participant(browser, server + "?room=party&join=WRONG1", 390, 844)
        expect(wrong.locator("[data-testid=play]")).to_contain_text("room code is not right")
        wrong.context.close()
        people = []
        for width, height in ((390, 844), (1024, 768), (1280, 720)):  # a phone and two laptops
            context, pg = _participant(browser, join, width, height)
            contexts.append(context)
            people.append(pg)
        phone, bob, cat = people
        _claim(phone, "Ann", "Northgate Hospital")
        _wait_attr(phone, "[data-testid=play]", "org", "Northgate Hospital")
        assert "me=" in phone.url
        _claim(bob, "Bob", "Northmoor CCG")
        _wait_attr(bob, "[data-testid=play]", "org", "Northmoor CCG")
        _claim(cat, "Cat", "Northgate Hospital")  # a team: Cat plays Northgate Hospital with Ann
        _wait_attr(cat, "[data-testid=play]", "org", "Northgate Hospital")
        _wait_attr(facilitator, "[data-testid=cast]", "seats", "3")
        _wait_attr(phone, "[data-testid=seat]", "team", "2")
        expect(phone.locator("[data-testid=card]")).to_contain_text("Trust with partners")
        # the phone: nothing wider than the screen, every answer button of every choice on offer
        got = phone.evaluate("""() => {
            const buttons = Array.from(document.querySelectorAll('.db-answers .v-btn'));
            return {width: document.scrollingElement.scrollWidth, count: buttons.length,
                    choices: document.querySelectorAll('[data-choice]').length,
                    right: Math.max(...buttons.map(b => b.getBoundingClientRect().right)),
                    cut: buttons.filter(b => b.scrollWidth > b.clientWidth + 1).map(b => b.innerText)};
        }""")
        assert got["width"] <= 390 and got["right"] <= 390 and got["cut"] == [], got
        assert got["choices"] >= 1 and got["count"] == 3 * got["choices"], got
        expect(phone.locator("[data-choice=stance] .db-now")).to_contain_text("Not chosen yet")
        _shot(phone, "08_participant_phone")
        # six months: Ann's team never commits, Bob leaves it to the rules (said so)
        for month in range(1, 7):
            _choose(phone, "stance", "withdraw")
            _wait_attr(cat, "[data-choice=stance]", "answer", "withdraw")  # the team sees it
            expect(cat.locator("[data-choice=stance] .db-now")).to_contain_text("Ann chose: Withdraw")
            _choose(bob, "stance", "rules")
            expect(bob.locator("[data-choice=stance] .db-now")).to_contain_text("Bob chose to let the model")
            _wait_attr(facilitator, "[data-testid=cast]", "acted", "2")
            expect(facilitator.locator("[data-testid=cast]")).to_contain_text("Withdraw (Ann)")
            _run(facilitator, ".run-1", month)
            for pg in people:
                _wait_attr(pg, "[data-testid=play]", "step", str(month))
            assert phone.get_attribute("[data-testid=seat]", "data-committed") == "0"
            assert phone.get_attribute("[data-choice=stance]", "data-answer") == ""  # one month only
        debrief = facilitator.locator("[data-testid=debrief]")
        expect(debrief).to_contain_text("The room played 2 organisations")
        expect(debrief).to_contain_text("Who chose what: Ann for Northgate Hospital")
        expect(phone.locator(".db-history")).to_contain_text("month 6, commit: Ann chose no")
        _shot(facilitator, "09_participants_facilitator")
        phone.reload()  # a reload keeps the seat
        phone.locator("[data-testid=status]").wait_for()
        _wait_attr(phone, "[data-testid=play]", "org", "Northgate Hospital")
        facilitator.get_by_text("Release Cat (Northgate Hospital)").click()
        cat.locator(".play-claim").wait_for()  # Cat is back at the join form
        _wait_attr(facilitator, "[data-testid=cast]", "seats", "2")
    finally:
        for context in contexts:
            context.close()
        facilitator.close()
