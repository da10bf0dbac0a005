"""Pages that heal, and the session afterwards, in a real headless Chromium (Playwright).

A facilitator, a projector and two participants (one on a phone); the server is stopped in the
middle of the session and started again on the same port. No page is reloaded by the test:
each must say that its connection is lost, come back by itself in its room and seat, and carry
on. Then participants who lost their address rejoin (by seat code, by the seat this browser
kept, by name and organisation), and the facilitator replays the session month by month and
downloads its export.
"""

from __future__ import annotations

import io
import os
import zipfile

import pandas as pd
import pytest

from tests.e2e.test_app import (
    ARTIFACTS,
    CHROMIUM,
    TIMEOUT_MS,
    _claim,
    _free_port,
    _open,
    _participant,
    _pick,
    _run,
    _wait_attr,
    _wait_status,
    serve,
)

pytestmark = pytest.mark.browser

#: Long enough for a server to stop, start again (imports, the room replayed) and pages to reload.
BACK_MS = 60_000
#: Participants: Ann (a phone) and Bob (a laptop), and more with DRUMBEAT_E2E_PARTICIPANTS=N (every
#: fourth on a phone; the others play the two organisations Ann and Bob do not, choosing "rules").
PARTICIPANTS = max(2, int(os.environ.get("DRUMBEAT_E2E_PARTICIPANTS", "2")))
OTHERS = ("Southmoor Hospital", "Northmoor County Council")


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (scripts/setup.sh --test installs it)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def _lost(pg) -> None:
    pg.wait_for_function("document.querySelector('[data-testid=connection]')?.dataset.state === 'lost'",
                         timeout=10_000)
    assert "Connection lost - reconnecting" in pg.locator("[data-testid=connection]").inner_text()


def _back(pg, selector: str, key: str, value: str) -> None:
    """The page came back by itself: ``selector``'s data-KEY is ``value`` again, the banner gone."""
    pg.wait_for_function(f"document.querySelector('{selector}')?.dataset['{key}'] === '{value}' && "
                         "window.drumbeatHeal && window.drumbeatHeal.state === 'ok'", timeout=BACK_MS)
    assert not pg.locator("[data-testid=connection]").is_visible()


def test_pages_heal_after_a_server_restart_and_the_session_replays(browser, tmp_path):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    rooms, port = tmp_path / "rooms", _free_port()
    contexts = []
    try:
        with serve(rooms, port=port) as url:
            facilitator = _open(browser, url + "?room=heal", 1280, 720)
            projector = _open(browser, url + "?room=heal&view=presenter", 1280, 720)
            code = facilitator.locator("[data-testid=code]").inner_text()
            join = url + f"?room=heal&join={code}"
            phone_context, phone = _participant(browser, join, 390, 844)
            laptop_context, laptop = _participant(browser, join, 1024, 768)
            contexts += [phone_context, laptop_context]
            _claim(phone, "Ann", "Northgate Hospital")
            _wait_attr(phone, "[data-testid=play]", "org", "Northgate Hospital")
            _claim(laptop, "Bob", "Northmoor CCG")
            _wait_attr(laptop, "[data-testid=play]", "org", "Northmoor CCG")
            others = []
            for k in range(2, PARTICIPANTS):
                size = (390, 844) if k % 4 == 0 else (1024, 768)
                context, pg = _participant(browser, join, *size)
                contexts.append(context)
                _claim(pg, f"P{k + 1}", OTHERS[k % 2])
                others.append((pg, OTHERS[k % 2]))
            for pg, org in others:
                _wait_attr(pg, "[data-testid=play]", "org", org)
            bob_code = laptop.get_attribute("[data-testid=seat-code]", "data-code")
            assert len(bob_code) == 5 and bob_code in laptop.locator("[data-testid=seat-code]").inner_text()
            expect(facilitator.locator("[data-testid=cast]")).to_contain_text(f"Bob {bob_code}")
            # a blip (the socket dropped, the server still up): Solara rides it out, no reload
            laptop.evaluate("window.dbMarker = 1; solara.debug.dropConnection()")
            phone.locator(".choice-stance-withdraw").click()
            _wait_attr(phone, "[data-choice=stance]", "answer", "withdraw")
            for pg, _ in others:  # a team's page shows a teammate's choice: count them on the cast
                pg.locator(".choice-stance-rules").click()
            _wait_attr(facilitator, "[data-testid=cast]", "acted", str(PARTICIPANTS - 1))
            _run(facilitator, ".run-1", 1)
            pages = (facilitator, projector, phone, laptop, *(pg for pg, _ in others))
            for pg in pages[1:]:
                _wait_status(pg, "step", "1")
            assert laptop.evaluate("[window.dbMarker, window.drumbeatHeal.state]") == [1, "ok"]
        # the server is gone: every page says so within seconds
        for pg in pages:
            _lost(pg)
        phone.screenshot(path=str(ARTIFACTS / "teaching_11_phone_connection_lost.png"))
        with serve(rooms, port=port) as url:  # a new server process on the same address
            for pg in (facilitator, projector):
                _back(pg, "[data-testid=status]", "step", "1")
            _back(phone, "[data-testid=play]", "org", "Northgate Hospital")
            _back(laptop, "[data-testid=play]", "org", "Northmoor CCG")
            assert laptop.evaluate("window.dbMarker") is None  # this time it was loaded again
            for pg, org in others:
                _back(pg, "[data-testid=play]", "org", org)
            assert phone.get_attribute("[data-testid=seat]", "data-committed") == "0"
            # and they carry on: a choice for month 2 reaches the facilitator, a month reaches everyone
            phone.locator(".choice-stance-commit").click()
            _wait_attr(phone, "[data-choice=stance]", "answer", "commit")
            expect(facilitator.locator("[data-testid=cast]")).to_contain_text("Commit (Ann)")
            for pg, _ in others:
                pg.locator(".choice-stance-rules").click()
            _wait_attr(facilitator, "[data-testid=cast]", "acted", str(PARTICIPANTS - 1))
            _run(facilitator, ".run-1", 2)
            for pg in pages[1:]:
                _wait_status(pg, "step", "2")
            _wait_attr(facilitator, "[data-testid=cast]", "seats", str(PARTICIPANTS))
            # Bob lost the address, on a device with nothing kept: the seat code brings him back
            other, lost = _participant(browser, join, 390, 844)
            contexts.append(other)
            lost.locator(".play-seat input").fill("wrong")
            lost.locator(".play-rejoin").click()
            expect(lost.locator(".rejoin-message")).to_contain_text("no seat of this room has that seat code")
            lost.locator(".play-seat input").fill(bob_code.lower())
            lost.locator(".play-rejoin").click()
            _wait_attr(lost, "[data-testid=play]", "org", "Northmoor CCG")
            assert lost.get_attribute("[data-testid=seat-code]", "data-code") == bob_code
            # Ann opens the join link again on her phone: the browser kept her seat
            again = phone_context.new_page()
            again.goto(join)
            _wait_attr(again, "[data-testid=play]", "org", "Northgate Hospital")
            expect(again.locator("[data-testid=kept]")).to_contain_text("Welcome back, Ann")
            assert "me=" in again.url
            # by name and organisation, on yet another device: the same seat, not a new one
            third, by_name = _participant(browser, join, 1024, 768)
            contexts.append(third)
            _claim(by_name, " ann ", "Northgate Hospital")
            _wait_attr(by_name, "[data-testid=play]", "org", "Northgate Hospital")
            _wait_attr(facilitator, "[data-testid=cast]", "seats", str(PARTICIPANTS))
            # after the session: the replay, month by month, and the export
            facilitator.locator(".replay-open").click()
            replay = facilitator.locator("[data-testid=replay]")
            _wait_attr(facilitator, "[data-testid=replay]", "month", "0")
            assert replay.get_attribute("data-stops") == "3"
            facilitator.locator(".replay-next").click()
            _wait_attr(facilitator, "[data-testid=replay]", "month", "1")
            expect(facilitator.locator("[data-testid=replay-choices]")).to_contain_text("Ann")
            expect(facilitator.locator("[data-testid=replay-choices]")).to_contain_text("Withdraw")
            facilitator.locator(".replay-next").click()
            _wait_attr(facilitator, "[data-testid=replay]", "month", "2")
            expect(facilitator.locator("[data-testid=replay-decided]")).to_contain_text("Ann")
            facilitator.screenshot(path=str(ARTIFACTS / "teaching_12_replay.png"))
            facilitator.locator(".replay-close").click()
            with facilitator.expect_download() as got:
                facilitator.get_by_text("Tables, choices and debrief").click()
            z = zipfile.ZipFile(io.BytesIO(open(got.value.path(), "rb").read()))
            choices = pd.read_csv(z.open("choices.csv"), keep_default_na=False)
            rest = [f"P{k + 1}" for k in range(2, PARTICIPANTS)]  # their clicks reach the server in any order
            got = sorted((int(m), who, answer) for m, who, answer in zip(
                choices["for_month"], choices["who"], choices["answer"], strict=True))
            assert got == sorted([(1, "Ann", "withdraw"), *((1, p, "rules") for p in rest),
                                  (2, "Ann", "commit"), *((2, p, "rules") for p in rest)])
            assert "room.jsonl" in z.namelist() and "debrief.txt" in z.namelist()
            _pick(facilitator, ".preset-select", "A system with a hostile history")  # still driving
            _wait_status(facilitator, "preset", "hostile_history")
    finally:
        for context in contexts:
            context.close()


def test_a_page_notices_a_frozen_server_by_its_heartbeat_and_carries_on_when_it_answers(browser, tmp_path):
    """The server stops answering without closing any socket (its process stopped: as a network
    that drops without a word looks to the page): the heartbeat's missing answers say so within
    seconds; once it answers again the page carries on without being loaded again."""
    import signal

    procs: list = []
    with serve(tmp_path / "rooms", procs=procs) as url:
        facilitator = _open(browser, url + "?room=frozen", 1280, 720)
        projector = _open(browser, url + "?room=frozen&view=presenter", 1280, 720)
        try:
            for pg in (facilitator, projector):
                pg.wait_for_function("window.drumbeatHeal && window.drumbeatHeal.state === 'ok' && "
                                     "window.drumbeatHeal.beats > 0", timeout=BACK_MS)
                pg.evaluate("window.dbMarker = 1")
            os.killpg(procs[0].pid, signal.SIGSTOP)  # this test's own server, frozen
            try:
                for pg in (facilitator, projector):
                    _lost(pg)  # within 10 seconds, the socket still open
                    assert pg.evaluate("solara.debug.kernel().connectionStatus") == "connected"
            finally:
                os.killpg(procs[0].pid, signal.SIGCONT)
            for pg in (facilitator, projector):
                _back(pg, "[data-testid=status]", "step", "0")
                assert pg.evaluate("window.dbMarker") == 1  # carried on, not loaded again
            _run(facilitator, ".run-1", 1)
            _wait_status(projector, "step", "1")
        finally:
            facilitator.close()
            projector.close()
