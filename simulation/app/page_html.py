"""What the facilitator's and the presenter's page writes as text, built from a
:class:`~simulation.app.view.View`: where the round stands (the status line), the story with
the earlier runs it is compared with, the runs side by side, and the debrief.

Plain functions returning strings (HTML escaped here), so that ``page.py`` only lays out
components and the tests can read what a panel will show without a browser.
"""

from __future__ import annotations

import re
from html import escape

from .compare import KEEP, PAST_STYLES, difference, side_by_side
from .play_page import chosen_count, tally_text
from .view import View


def phase(view: View) -> list[str]:
    """Where the round stands, for the status line: the end, looking back, the room choosing
    (``14 of 20 chosen``) and what is queued for the next month."""
    if view.finished:
        return ["the run has ended"]
    out = [f"looking back at month {view.shown}"] if view.shown < view.step else []
    if view.players.seats:
        out.append(f"{'locked' if view.players.locked else 'choosing'} for month {view.players.month}: "
                   f"{chosen_count(view.players)}")
    if view.pending:
        out.append(f"{len(view.pending)} queued for month {view.step + 1}")
    return out


def compared_html(view: View) -> str:
    """Which earlier runs the charts draw beside the current one, and what differed in each."""
    if not view.past:
        return ""
    names = "; ".join(f'<span style="color:{style.hex}">{style.name}</span> = '
                      f"{escape(difference(p, view.seed, view.start_levers))}"
                      for p, style in zip(view.past[-KEEP:], PAST_STYLES, strict=False))
    return f'<div class="line compared" data-runs="{len(view.past[-KEEP:])}">Earlier runs: {names}</div>'


def story_html(view: View, limit: int = 60) -> str:
    tally = (f'<div class="line tally" data-testid="tally">{escape(tally_text(view.players))}</div>'
             if view.players.locked and not view.finished else "")
    return tally + _lines_html(view, limit)


def _lines_html(view: View, limit: int) -> str:
    if not view.story:
        return (compared_html(view)
                + '<div class="line">Nothing has happened yet. Run a month or press a button.</div>')
    story = [s for s in view.story if s.step <= view.shown]  # looking back: the story until then
    lines = [compared_html(view)] + [
        f'<div class="line{" facilitator" if s.facilitator else ""}" data-kind="{escape(s.kind)}">'
        f"{escape(s.text)}</div>" for s in story[:limit]]
    more = len(view.story) - limit
    return "".join(lines) + (f'<div class="line">... and {more} earlier lines (download the tables)</div>'
                             if more > 0 else "")


def runs_html(view: View, wide: bool = False) -> str:
    """The kept runs and the current one at this month: blocks for the side panel (the numbers
    never wrap one word a line), a table for the full-screen debrief."""
    table = side_by_side(view.past, view.seed, view.start_levers, view.result.national,
                         view.result.systems, view.step)
    cols = [c for c in table.columns if c != "run"]
    if wide:
        head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
        body = "".join("<tr><td>" + escape(str(r["run"])) + "</td>"
                       + "".join(f'<td class="num">{escape(str(r[c]))}</td>' for c in cols) + "</tr>"
                       for r in table.to_dict("records"))
        return f'<table class="db-wide"><tr>{head}</tr>{body}</table>'
    return "".join(f'<div class="db-run-row"><div>{escape(str(r["run"]))}</div><div class="db-run-values">'
                   + "".join(f"<span>{escape(c)} <b>{escape(str(r[c]))}</b></span>" for c in cols)
                   + "</div></div>" for r in table.to_dict("records"))


#: A debrief sentence that ranks numbered actions: its head and its list.
RANKED = re.compile(r"(.*?): (\[\d+\] month .*)", re.DOTALL)


def debrief_html(view: View) -> str:
    """The debrief, one paragraph a sentence; a ranking of numbered actions as a list."""
    out = []
    for line in view.debrief:
        ranked = RANKED.fullmatch(line)
        if ranked is None:
            out.append(f"<p>{escape(line)}</p>")
            continue
        items = re.split(r"; (?=\[\d+\] month )", ranked.group(2).removesuffix("."))
        out.append(f"<p>{escape(ranked.group(1))}:</p><ol>"
                   + "".join(f"<li>{escape(x)}</li>" for x in items) + "</ol>")
    return "".join(out)
