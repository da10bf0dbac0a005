"""The participatory mode's pages (Solara): a participant's phone and the facilitator's panel.

A participant opens ``/?room=NAME&join=CODE`` (the code is on the facilitator's screen),
gives a name and claims one organisation (a team may share one); the page then adds
``&me=TOKEN`` (a random token made here) to its address, so that a reload keeps their seat
(and the browser keeps it too, ``heal.py``). The seat card shows the seat's code; a participant
who lost their page rejoins the same seat with it, or with their name and organisation.
The page shows the organisation's card and where its votes stand, and offers the choices that
can come up in the month the facilitator runs next ("not chosen yet" apart from "rules
decide"; in a team the last choice counts, with who made it); everything goes through
``Room.apply`` as ``claim`` and ``choose`` actions, which the session checks (their own
organisation, that month only, valid answers; ``participants.py``) and the room rate-limits
(``limiter.py``).
The facilitator's panel lists who plays whom and what each has chosen, and releases a claim.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from html import escape
from urllib.parse import parse_qs, urlencode

import solara

from .joining import RoundTimer
from .participants import ANSWERS, CHOICES, MAX_SEATS, TITLES, Players, seat_code
from .phone import PhoneSeat, phone_data
from .rooms import Room
from .session import Action
from .view import View

#: Seconds a page waits for its room to change before looking again (it is woken at once).
WATCH = 2.0

PLAY_CSS = """
.db-play { box-sizing: border-box; max-width: 560px; margin: 0 auto; padding: 10px 12px;
  font-size: 17px; line-height: 1.35; }
.db-play .db-status { font-size: 19px; font-weight: bold; margin-bottom: 6px; }
.db-play .v-btn { text-transform: none; letter-spacing: normal; font-size: 16px; }
.db-choice { margin: 10px 0; padding-top: 6px; border-top: 1px solid #ddd; }
.db-choice .db-h { font-weight: bold; margin-bottom: 4px; }
.db-answers { display: flex; flex-wrap: wrap; gap: 6px; }
.db-answers .v-btn { flex: 1 1 auto; min-width: 0; height: auto !important; min-height: 40px; }
.db-answers .v-btn__content { white-space: normal; flex-shrink: 1; }
.db-note { font-size: 15px; color: #444; margin: 8px 0; }
.db-history { font-size: 15px; color: #333; }
.db-play .v-label { font-size: 15px !important; }
.db-play .v-label--active { transform: translateY(-20px) scale(1) !important; }
.db-card { font-size: 15px; background: #f6f6f6; border-radius: 4px; padding: 2px 8px; margin: 6px 0; }
.db-card p { margin: 4px 0; }
.db-now { font-size: 15px; margin: 2px 0 6px 0; }
.db-notyet { color: #8a5a00; font-style: italic; }
.db-rules { color: #333; font-weight: bold; }
.db-chosen { color: #0b4f9c; font-weight: bold; }
.db-timer { font-size: 19px; font-weight: bold; color: #0b4f9c; }
.db-timer.over { color: #b00020; }
.db-info { font-size: 15px; background: #e3f2fd; border-left: 4px solid #1976d2; padding: 6px 8px;
  margin: 6px 0; }
"""


def participant_query(search: str | None) -> tuple[str | None, str]:
    """(room code given, or None when this is not a participant's address; the participant's token)."""
    q = parse_qs(search or "")
    join = q.get("join")
    return (join[0] if join else None), (q.get("me") or [""])[0]


def kept_seat(search: str | None) -> bool:
    """Whether this browser put the seat back into the address (``&kept=1``, ``assets/custom.js``)."""
    return (parse_qs(search or "").get("kept") or [""])[0] == "1"


def use_room_version(room: Room) -> tuple[int, Callable[[int], None]]:
    """The room's version, kept current by a thread that waits on the room (a Solara hook)."""
    version, set_version = solara.use_state(room.version)

    def watch(cancel) -> None:
        seen = version
        while not cancel.is_set():
            now = room.wait(seen, WATCH)
            if now != seen:
                seen = now
                set_version(now)

    solara.use_thread(watch, dependencies=[room], intrusive_cancel=False)
    return version, set_version


@solara.component
def ParticipantPage(room: Room, code: str, me: str, client: str = "unknown"):
    """A participant's page: join with a name and an organisation (or rejoin a seat by its seat
    code, or by name and organisation), then choose for it each month."""
    router = solara.use_router()
    kept = kept_seat(router.search)
    version, set_version = use_room_version(room)
    message, set_message = solara.use_state("")
    view = solara.use_memo(room.view, [room, version])
    players = view.players
    mine = players.player_org.get(me, "") if me else ""
    status = f"Month {view.step} of {view.max_steps} ({view.date})" + (" - the run has ended"
                                                                       if view.finished else "")

    def act(action: Action) -> str:
        err = room.apply(action)
        set_message(err)
        set_version(room.version)
        return err

    with solara.Div(classes=["db-play"], attributes={"data-testid": "play", "data-org": mine,
                                                     "data-step": str(view.step)}):
        solara.HTML(tag="div", unsafe_innerHTML=f"Drumbeat · room {escape(room.name)}<br>{escape(status)}",
                    classes=["db-status"], attributes={"data-testid": "status", "data-step": str(view.step),
                                                       "data-room": room.name})
        RoundTimer(view.timer_ends)
        if not room.admits(code):
            solara.Error("That room code is not right: ask the facilitator for the code on their screen.")
            return
        def go(**extra: str) -> None:
            router.push("/?" + urlencode({"room": room.name, "join": code} | extra))

        if not mine:
            Join(view, act, lambda me: go(me=me), me, lambda **how: room.rejoin(client, **how))
        else:
            if kept:
                with solara.Div(classes=["db-note"], attributes={"data-testid": "kept"}):
                    solara.HTML(tag="span", unsafe_innerHTML=escape(
                        f"Welcome back, {players.player_name.get(me, '')}: this browser kept your seat. "))
                    solara.Button("Not you? Join as someone else", small=True, outlined=True,
                                  classes=["play-new"], on_click=lambda: go(new="1"))
            Choose(view, act, mine, me)
        if message:
            solara.Warning(message, dense=True, classes=["play-message"])


@solara.component
def Join(view: View, act, joined, me: str, rejoin):
    """The join form: a name and an organisation (a team may share one; the room seats 40). The
    name and organisation of a seat already taken rejoin that seat; so does a seat code."""
    players = view.players
    name, set_name = solara.use_state("")
    seat, set_seat = solara.use_state("")
    said, set_said = solara.use_state("")
    teams = {o: players.team(o) for o in view.org_names}
    fewest = min(view.org_names, key=lambda o: (len(teams[o]), view.org_names.index(o)))
    org, set_org = solara.use_state(fewest)

    token = solara.use_memo(lambda: me or secrets.token_urlsafe(12), [me])  # one per page: rate-limited

    def claim() -> None:
        back, _ = rejoin(name=name, org=org)  # the same name on the same organisation: that seat
        if back:
            joined(back)
        elif act(Action("claim", token, name, org)) == "":
            joined(token)

    def by_code() -> None:
        back, why = rejoin(code=seat)
        set_said(why)
        if back:
            joined(back)

    solara.HTML(tag="p", unsafe_innerHTML="Play one organisation's chief executive: each month you "
                "decide for it, and the model's rules decide for everyone else. Several people may play "
                "one organisation as a team: the last choice made before the month is run counts.")
    solara.InputText("Your name", value=name, on_value=set_name, continuous_update=True,
                     classes=["play-name"])
    solara.Select("Organisation", values=list(view.org_names), value=org, on_value=set_org,
                  classes=["play-org"])
    solara.Button("Play this organisation", on_click=claim, color="primary", classes=["play-claim"])
    if players.seats:
        solara.HTML(tag="div", classes=["db-note"], unsafe_innerHTML=escape(
            f"{len(players.seats)} of {MAX_SEATS} seats taken. Already played: " + "; ".join(
                f"{o} ({', '.join(who)})" for o, who in teams.items() if who)))
        with solara.Div(classes=["db-choice"], attributes={"data-testid": "rejoin"}):
            solara.HTML(tag="div", classes=["db-note"], unsafe_innerHTML=(
                "<b>Already playing?</b> Type the seat code from your seat card, or your name and "
                "organisation above and press Play: you are back in your seat."))
            solara.InputText("Seat code", value=seat, on_value=set_seat, continuous_update=True,
                             classes=["play-seat"])
            solara.Button("Rejoin my seat", on_click=by_code, outlined=True, classes=["play-rejoin"])
            if said:
                solara.Warning(said, dense=True, classes=["rejoin-message"])


@solara.component
def Choose(view: View, act, org: str, me: str):
    """The organisation's card and the choices that can come up in the month to be run next: one
    widget (``phone.py``), whose data a new month replaces."""
    data = solara.use_memo(lambda: phone_data(view, org, me), [view.version, org, me])

    def choose(picked: list) -> None:
        choice, answer, month = (list(picked) + ["", "", 0])[:3]
        act(Action("choose", me, {"month": month, "choice": choice, "answer": answer}, org))

    PhoneSeat(seat=data, event_choose=choose)


def _chosen_text(chosen: dict[str, str], by: dict[str, str], live: tuple[str, ...]) -> str:
    """A played organisation's choices for the next month, as the facilitator's table shows them."""
    parts = [f"{ANSWERS[chosen[c]]} ({by.get(c, '')})" if c in chosen else "not yet" for c in live]
    return ", ".join(parts) if parts else "nothing comes up"


def chosen_count(players: Players) -> str:
    """``14 of 20 chosen``: participants who have chosen something for the next month."""
    return f"{players.acted} of {len(players.seats)} chosen"


def tally_text(players: Players) -> str:
    """The room's locked choices, anonymous: per choice that can come up, how many played
    organisations answered each way and how many did not choose."""
    parts = []
    for choice in CHOICES:
        live = sum(choice in c for c in players.live.values())
        if not live:
            continue
        got = players.tally.get(choice, {})
        counts = [f"{ANSWERS[a]} {got[a]}" for a in CHOICES[choice] if got.get(a)]
        counts.append(f"not chosen {max(live - sum(got.values()), 0)}")
        parts.append(f"{TITLES[choice]} {', '.join(counts)}")
    head = f"Month {players.month}, choices locked"
    return (f"{head} (organisations, no names): " + "; ".join(parts) if parts
            else f"{head}: nothing comes up for the played organisations")


@solara.component
def Cast(players: Players, org_names: tuple[str, ...], join_shown: bool, act, room: Room):
    """The facilitator's list of who plays whom and what each team chose for the next month."""
    solara.HTML(tag="div", unsafe_innerHTML="Participants"
                + (f" ({escape(chosen_count(players))} for month {players.month})" if players.seats else ""),
                classes=["db-h"])
    solara.HTML(tag="div", classes=["db-help"], attributes={"data-testid": "join", "data-code": room.code},
                unsafe_innerHTML=f"Join from a phone: this address with <b>?room={escape(room.name)}&amp;"
                f"join={escape(room.code)}</b> (room code <b>{escape(room.code)}</b>); up to "
                f"{MAX_SEATS} people, teams may share an organisation")
    solara.Button("Hide the join address" if join_shown else "Show the join address on every screen",
                  on_click=lambda: act(Action("show_join", value=not join_shown)), small=True,
                  outlined=True, classes=["show-join"])
    teams = [(o, players.team(o)) for o in org_names if players.team(o)]
    state = {o: _chosen_text(players.chosen.get(o, {}), players.chosen_by.get(o, {}), players.live.get(o, ()))
             for o, _ in teams}
    codes = {o: ", ".join(f"{players.player_name.get(t, '')} {seat_code(t)}"  # to read out to someone
                          for t, x in players.player_org.items() if x == o)  # who lost their page
             for o, _ in teams}
    rows = "".join(f"<tr><td>{escape(o)}</td><td>{escape(', '.join(who))}</td>"
                   f"<td>{escape(state[o])}</td><td>{escape(codes[o])}</td></tr>" for o, who in teams)
    solara.HTML(tag="div", attributes={"data-testid": "cast", "data-seats": str(len(players.seats)),
                                       "data-acted": str(players.acted)},
                unsafe_innerHTML=(f'<table class="db-runs"><tr><th>organisation</th><th>played by</th><th>'
                                  f"month {players.month}</th><th>seat codes</th></tr>{rows}</table>" if rows
                                  else "Nobody plays yet: the model's rules decide for everyone."))
    for token, o in players.player_org.items():
        who = players.player_name.get(token, "")
        solara.Button(f"Release {who} ({o})", small=True, outlined=True, classes=["release"],
                      on_click=lambda t=token, o=o: act(Action("release", value=t, target=o)))
