"""A session on a real system, in a real headless Chromium (Playwright), as docs/teaching.md plans it.

The facilitator searches the 44 footprints of 2016 and opens Dorset; the projector shows the join
address; four participants join on laptops and play Dorset's real organisations by name (two of
them as a team); the facilitator runs a round (chosen, locked, the tally on the projector), breaks
something, runs to the end, and the projector shows the debrief; then the replay. Every picture
is taken at projector size (1280x720) into ``test-artifacts/``; with ``DRUMBEAT_DOCS_IMAGES=1`` the
same pictures are written to ``docs/images/`` for docs/teaching.md.
"""

from __future__ import annotations

import os

import pytest

from simulation.app.real_page import NO_MATCH
from tests.e2e import test_app as app
from tests.e2e.test_heal import browser  # noqa: F401 - the module's headless Chromium (a fixture)

pytestmark = pytest.mark.browser

W, H = 1280, 720
POOLE, CCG, DCH = ("Poole Hospital NHS Foundation Trust", "NHS Dorset CCG",
                   "Dorset County Hospital NHS Foundation Trust")
DOCS = app.ROOT / "docs" / "images"


def _picture(pg, name: str) -> None:
    """The window as the room sees it (1280x720), into test-artifacts (and docs/images if asked)."""
    pg.wait_for_timeout(400)  # let the last redraw settle
    pg.screenshot(path=str(app.ARTIFACTS / f"real_{name}.png"))
    if os.environ.get("DRUMBEAT_DOCS_IMAGES") == "1":
        DOCS.mkdir(exist_ok=True)
        pg.screenshot(path=str(DOCS / f"session_{name}.png"))


def test_a_session_on_a_real_system(browser, tmp_path):  # noqa: F811 - the fixture
    from playwright.sync_api import expect

    expect.set_options(timeout=app.TIMEOUT_MS)
    contexts = []
    with app.serve(tmp_path / "rooms") as url:
        facilitator = app._open(browser, url + "?room=dorset", W, H)
        # setting up: search the 44 footprints; a search that matches none says so
        box = facilitator.locator(".real-select input")
        box.scroll_into_view_if_needed()
        box.click()
        box.press_sequentially("Atlantis")
        expect(facilitator.get_by_text(NO_MATCH)).to_be_visible()
        box.fill("")
        box.press_sequentially("Dors")
        expect(facilitator.get_by_role("option", name="Dorset (E54000041)")).to_be_visible()
        _picture(facilitator, "01_pick_real_system")
        facilitator.get_by_role("option", name="Dorset (E54000041)").click()
        app._wait_status(facilitator, "preset", "real_E54000041")
        expect(facilitator.locator("[data-testid=description]")).to_contain_text(
            "Real names, from the Real England panel: 3 acute trusts")
        code = facilitator.locator("[data-testid=code]").inner_text()
        projector = app._open(browser, url + "?room=dorset&view=presenter", W, H)
        app._wait_status(projector, "preset", "real_E54000041")
        facilitator.locator(".show-join").click()
        expect(projector.locator(".join-address")).to_contain_text(f"join={code}")
        _picture(projector, "02_projector_join")
        # participants play Dorset's real organisations by name; Ann and Dev share Poole
        join = url + f"?room=dorset&join={code}"
        people = {}
        for who, org in (("Ann", POOLE), ("Bob", CCG), ("Cat", DCH), ("Dev", POOLE)):
            context, pg = app._participant(browser, join, W, H)
            contexts.append(context)
            app._claim(pg, who, org)
            app._wait_attr(pg, "[data-testid=play]", "org", org)
            people[who] = pg
        app._wait_attr(facilitator, "[data-testid=cast]", "seats", "4")
        facilitator.locator(".show-join").click()  # hide the address again
        network = projector.locator("[data-testid=network]")
        for name in ("Poole", "Dorset CCG", "Dorset County"):
            expect(network).to_contain_text(name)
        # a round: choose, lock, the tally on every screen, then the month
        app._choose(people["Ann"], "stance", "commit")
        app._choose(people["Bob"], "stance", "commit")
        app._wait_attr(facilitator, "[data-testid=status]", "acted", "2")
        _picture(people["Ann"], "03_participant")
        _picture(facilitator, "04_facilitator_round")
        app._choose(people["Cat"], "stance", "rules")
        app._choose(people["Dev"], "stance", "withdraw")  # the team's last choice before the lock counts
        facilitator.locator(".lock-choices").click()
        expect(projector.locator("[data-testid=story]")).to_contain_text("choices locked")
        _picture(projector, "05_projector_tally")
        app._run(facilitator, ".run-1", 1)
        # break something: Poole's chief executive resigns; the story tells what it changed
        app._pick(facilitator, ".target-org", POOLE)
        facilitator.locator(".event-resignation").click()
        app._run(facilitator, ".run-1", 2)
        app._run(facilitator, ".run-6", 8)
        app._wait_status(projector, "step", "8")
        expect(projector.locator("[data-testid=story]")).to_contain_text("compared with the same months")
        _picture(projector, "06_projector_story")
        # the end: the projector's debrief on a screen of its own
        facilitator.locator(".run-end").click()
        app._wait_status(facilitator, "finished", "1")
        projector.locator("[data-testid=debrief-screen]").wait_for()
        expect(projector.locator("[data-testid=debrief-full]")).to_contain_text("Who chose what")
        _picture(projector, "07_projector_debrief")
        # after: the replay, month by month
        facilitator.locator(".debrief-open").wait_for()
        more = facilitator.locator(".replay-open")
        more.scroll_into_view_if_needed()
        more.click()
        app._wait_attr(facilitator, "[data-testid=replay]", "month", "0")
        facilitator.locator(".replay-next").click()
        app._wait_attr(facilitator, "[data-testid=replay]", "month", "1")
        expect(facilitator.locator("[data-testid=replay-choices]")).to_contain_text("Dev")
        _picture(facilitator, "08_replay")
        for context in contexts:
            context.close()
