"""The teaching app end to end, in a real headless Chromium driven by Playwright.

Starts ``drumbeat teach`` on a free local port, opens it, picks a preset, moves a slider,
runs some months, presses an event button, and checks that the charts, the network picture
and the event log changed as the model says. Screenshots go to ``test-artifacts/``.
Debian's ``chromium`` is used (installed by ``scripts/setup.sh --test``); Playwright never
downloads a browser of its own.
"""

from __future__ import annotations

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


@pytest.fixture(scope="module")
def server():
    """``drumbeat teach`` in its own process group on a free port; yields its address."""
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (scripts/setup.sh --test installs it)")
    from experiments.cli.teach import prepare_assets

    prepare_assets()  # the page's npm packages, so that the page loads without a CDN
    port = _free_port()
    env = dict(os.environ, MPLBACKEND="Agg")
    proc = subprocess.Popen([sys.executable, "-m", "experiments.cli", "teach", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    log: list[str] = []
    try:
        first = proc.stdout.readline()
        assert first.startswith(f"Drumbeat teaching app: http://127.0.0.1:{port}/"), first
        # keep draining the server's output so that a full pipe can never block it
        threading.Thread(target=lambda: log.extend(proc.stdout), daemon=True).start()
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 40
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
def page(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        pg = browser.new_page(viewport={"width": 1600, "height": 1200})
        pg.set_default_timeout(TIMEOUT_MS)
        pg.goto(server)
        pg.locator("[data-testid=status]").wait_for()
        yield pg
        browser.close()


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
    _pick(page, ".preset-select", "hostile_history")
    _wait_status(page, "preset", "hostile_history")
    assert "hostile history" in page.locator("[data-testid=description]").inner_text()
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
    assert page.locator(".drumbeat-charts g.marker").count() == 6  # one per chart
    ringed = page.get_attribute(".drumbeat-network", "data-new-leaders").split("|")
    assert "Westhill Hospital" in ringed
    node = page.locator('.drumbeat-network g.org[data-org="Westhill Hospital"]')
    assert node.get_attribute("data-new-leader") == "1"
    expect(page.locator("[data-testid=story] .facilitator").first).to_contain_text("Westhill Hospital")
    first = page.locator("[data-testid=story] .facilitator").first.inner_text()
    assert re.match(r"\[1\] Month 7 \(2016-11\): the chief executive of Westhill Hospital left; trust with "
                    r"the commissioners ((rose|fell) from \d\.\d\d to|stayed at) \d\.\d\d", first), first
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
    _shot(page, "05_debrief")

    # 8. the downloads: the session's tables as CSV in a zip, the charts as PNG
    with page.expect_download() as dl:
        page.get_by_text("Tables (CSV, zip)").click()
    with zipfile.ZipFile(dl.value.path()) as z:
        national = z.read("national.csv").decode().splitlines()
        story = z.read("story.csv").decode()
    assert len(national) == 1 + 73  # header and months 0-72
    assert "the chief executive of Westhill Hospital left" in story
    with page.expect_download() as dl:
        page.get_by_text("Charts (PNG)").click()
    assert Path(dl.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
