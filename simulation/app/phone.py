"""A participant's seat on their phone, as one Vue component (``phone.vue``).

Everything the seat shows after joining - who they play, the organisation's card, the seat
code, where the month stands, the choices that can come up with their answer buttons, and
what was decided - is one widget whose single property, :func:`phone_data`, a redraw
replaces (its ``seat``). A new month then costs the server one small update per phone instead of
re-rendering and diffing a couple of dozen widgets (twenty phones are most of a month's work,
``benchmarks/bench_app.py``). A tap on an answer comes back as ``choose`` with the choice, the
answer and the month the page showed, and goes through ``Room.apply`` like every action.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import solara

from .inspect_org import org_card
from .participants import ANSWERS, CHOICES, TITLES, seat_code
from .view import View


def status(choice: str, now: str, who: str) -> str:
    """Where a choice stands: not chosen yet, left to the rules by someone, or an answer."""
    if not now:
        return "Not chosen yet: if nobody chooses before the month is run, the model's rules decide."
    if now == "rules":
        return f"{who} chose to let the model's rules decide."
    return f"{who} chose: {ANSWERS[now]}."


def phone_data(view: View, org: str, me: str) -> dict:
    """What the seat of participant ``me``, who plays ``org``, shows now (JSON for ``phone.vue``)."""
    players = view.players
    month, team = players.month, players.team(org)
    i = view.org_names.index(org)
    others = ", ".join(w for w in team if w != players.player_name.get(me))
    code = seat_code(me)
    top = [f'<div data-testid="seat" data-committed="{int(view.network["committed"][i])}" '
           f'data-team="{len(team)}">You are the chief executive of <b>{escape(org)}</b>'
           + (f", with {escape(others)}" if len(team) > 1 else "") + ".</div>",
           '<div class="db-card" data-testid="card">' + "".join(
               f"<p>{escape(x)}</p>" for x in [*org_card(view, org)[:4], *players.notes.get(org, ())])
           + "</div>",
           f'<div class="db-note" data-testid="seat-code" data-code="{code}">Your seat code: <b>{code}</b> '
           "(on another device, open the join address and type it to come back to this seat)</div>"]
    live = () if view.finished else players.live.get(org, ())
    if view.finished:
        top.append('<div class="db-info play-ended">The run has ended: look at the projector for the '
                   "debrief.</div>")
    else:
        if players.locked:
            top.append(f'<div class="db-info play-locked">The choices for month {month} are locked: the '
                       "facilitator is about to run it.</div>")
        top.append(f'<div class="db-note">Your choices for <b>month {month}</b>, the month the facilitator '
                   "runs next. They count for that month only. "
                   + ("In a team the last choice made before the month is run counts, and everyone in the "
                      "team sees it here. " if len(team) > 1 else "")
                   + ("" if live else "Nothing comes up for your organisation this month: the month runs "
                      "without a choice from you.") + "</div>")
    chosen, by = players.chosen.get(org, {}), players.chosen_by.get(org, {})
    choices = []
    for choice in live:
        now = chosen.get(choice, "")
        choices.append({
            "choice": choice, "title": TITLES[choice], "answer": now,
            "now": status(choice, now, by.get(choice, "")),
            "state": "db-notyet" if not now else "db-rules" if now == "rules" else "db-chosen",
            "buttons": [{"answer": a, "label": ANSWERS[a],
                         "color": ("secondary" if a == "rules" else "primary") if a == now else None}
                        for a in CHOICES[choice]]})
    past = [text for o, text in players.history if o == org][:6]
    bottom = ('<div class="db-history">What was decided: ' + "; ".join(escape(t) for t in past) + "</div>"
              if past and not view.finished else "")
    return {"top": "".join(top), "choices": choices, "locked": players.locked, "month": month,
            "bottom": bottom}


@solara.component_vue("phone.vue", vuetify=True)
def PhoneSeat(seat: dict, event_choose: Callable[[list], None]):  # noqa: N802 - a component
    """The seat (``phone_data``); a tap on an answer calls ``event_choose([choice, answer, month])``."""
