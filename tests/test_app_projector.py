"""What the room sees, without a browser: the round's phase and "N of M chosen" in the status,
charts that span the months run so far, earlier runs in colours of their own beside the
current one, the debrief on a screen of its own, and a comparison that does not wrap a word a line."""

from __future__ import annotations

import re

from simulation.app import ENV_KEY, page_html, rooms
from simulation.app.compare import PAST_STYLES
from simulation.app.page_style import PAGE_CSS
from simulation.app.session import Action, Session
from simulation.app.svgcharts import charts_svg, span
from tests.test_app_safety import _render

ANN, BOB = "ann-0123456789", "bob-0123456789"


def test_the_charts_span_the_months_run_so_far():
    assert [span(k, 60) for k in (0, 1, 8, 12, 13, 18, 19, 59, 60)] == [12, 12, 12, 12, 18, 18, 24, 60, 60]
    assert span(3, 6) == 6  # never beyond the run
    s = Session("two_hospitals", 3)
    s.step(8)
    svg = charts_svg(s.view())
    assert 'data-span="12"' in svg  # month 8 is two thirds of each chart, not 8/60 of it
    ticks = re.findall(r'text-anchor="middle" font-size="\d+">(\d+)</text>', svg)
    assert ticks[:5] == ["0", "3", "6", "9", "12"]
    s.step(11)
    assert 'data-span="24"' in charts_svg(s.view())
    s.apply(Action("look", value=5))  # looking back: the span of that month
    assert 'data-span="12"' in charts_svg(s.view())


def test_earlier_runs_are_drawn_in_their_own_colours_over_the_same_months():
    s = Session("two_hospitals", 3)
    s.step(30)
    s.reset()
    s.step(10)
    s.set_seed(4)  # a second kept run, of 10 months
    s.step(7)
    svg = charts_svg(s.view())
    groups = re.findall(r'<g class="past" data-run="(\d)" data-style="([a-z -]+)">(.*?)</g>', svg)
    assert [(n, style) for n, style, _ in groups[:2]] == [("1", "purple dotted"), ("2", "pink dashed")]
    assert len(groups) == 4 * 2
    first = groups[0][2]
    assert f'stroke="{PAST_STYLES[0].hex}"' in first and "opacity" not in first and "#888" not in svg
    assert ">run 1</text>" in first
    points = re.search(r'points="([^"]+)"', first).group(1).split()
    assert len(points) == 13  # months 0-12 of a 30-month run: the months the current run spans
    assert len(re.search(r'points="([^"]+)"', groups[1][2]).group(1).split()) == 11  # all of run 2
    story = page_html.compared_html(s.view())
    assert "Earlier runs: " in story and f'color:{PAST_STYLES[0].hex}">purple dotted</span> = run 1:' in story


def test_the_comparison_keeps_each_number_on_one_line():
    s = Session("two_hospitals", 3)
    s.step(6)
    s.reset()
    s.step(6)
    side = page_html.runs_html(s.view())
    assert "<table" not in side and side.count('class="db-run-row"') == 2
    assert "<span>mean trust <b>" in side and "<span>integration index <b>" in side
    assert ".db-run-values span, .db-wide td.num, .db-wide th { white-space: nowrap; }" in PAGE_CSS
    wide = page_html.runs_html(s.view(), wide=True)
    assert wide.startswith('<table class="db-wide">') and wide.count('<td class="num">') == 2 * 6


def test_form_labels_are_at_least_14_pixels():
    from simulation.app.play_page import PLAY_CSS

    for css, scope in ((PAGE_CSS, ".db-app"), (PLAY_CSS, ".db-play")):
        assert f"{scope} .v-label {{ font-size: 15px !important; }}" in css
        assert f"{scope} .v-label--active {{ transform: translateY(-20px) scale(1) !important; }}" in css


def _room(tmp_path, monkeypatch, steps: int = 0):
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.setattr(rooms, "_REGISTRY", rooms.Rooms(tmp_path, lambda: Session("two_hospitals", 3)))
    room = rooms.registry().get("show")
    if steps:
        room.apply(Action("step", value=steps))
    return room


def test_the_status_says_where_the_round_stands(tmp_path, monkeypatch):
    room = _room(tmp_path, monkeypatch, 2)
    org = room.session.model.state.world.org_name
    room.apply(Action("claim", ANN, "Ann", org[0]))
    room.apply(Action("claim", BOB, "Bob", org[1]))
    room.apply(Action("choose", ANN, {"month": 3, "choice": "stance", "answer": "commit"}, org[0]))
    room.apply(Action("event", "deadline"))
    text, _ = _render("room=show&view=presenter")
    assert "Month 2 of 60 (2016-06) - choosing for month 3: 1 of 2 chosen - 1 queued for month 3" in text
    assert "choices locked" not in text  # the tally is shown only once the facilitator locks
    room.apply(Action("lock", value=True))
    text, _ = _render("room=show&view=presenter")
    assert "Month 2 of 60 (2016-06) - locked for month 3: 1 of 2 chosen - 1 queued for month 3" in text
    assert ("Month 3, choices locked (organisations, no names): Work as a system? Commit 1, "
            "not chosen 1") in text


def test_the_debrief_has_a_screen_of_its_own_at_the_end(tmp_path, monkeypatch):
    room = _room(tmp_path, monkeypatch, 7)
    room.apply(Action("event", "resignation", target=room.session.model.state.world.org_name[0]))
    room.apply(Action("event", "deadline"))
    room.apply(Action("step", value=100))
    projector, _ = _render("room=show&view=presenter")
    assert "debrief-screen" in projector and "Debrief: Two hospitals, a commissioner and a council, " \
        "60 months" in projector
    ranked = re.search(r"<ol>(.*?)</ol>", projector).group(1)
    assert ranked.count("<li>") == 2 and ranked.startswith("<li>[")  # each ranked action on its own line
    facilitator, _ = _render("room=show")
    assert "Debrief (full screen)" in facilitator and "debrief-screen" not in facilitator  # on request


def test_the_network_marks_who_plays_whom():
    from simulation.app.svg import network_svg

    s = Session("two_hospitals", 3)
    org = s.model.state.world.org_name
    for player, name, o in ((ANN, "Ann", org[0]), (BOB, "Bob", org[0]), ("cat-0123456789", "Cat", org[2])):
        s.apply(Action("claim", player, name, o))
    svg = network_svg(s.view())
    played = dict(re.findall(r'data-org="([^"]+)" data-committed="\d" data-played="(\d+)"', svg))
    assert played == {org[0]: "2", org[1]: "0", org[2]: "1", org[3]: "0"}
    assert f"<title>{org[0]} - played by Ann, Bob</title>" in svg
    assert svg.count('fill="#0b4f9c"/>') == 2  # one badge per played organisation
