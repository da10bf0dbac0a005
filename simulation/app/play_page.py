"""The participatory mode's pages (Solara): a participant's phone and the facilitator's panel.

A participant opens ``/?room=NAME&join=CODE`` (the code is on the facilitator's screen),
gives a name and claims one organisation; the page then adds ``&me=TOKEN`` (a random token
made here) to its address, so that a reload keeps their seat. They choose for their
organisation for the month the facilitator runs next; everything goes through
``Room.apply`` as ``claim`` and ``choose`` actions, which the session checks (their own
organisation, that month only, valid answers) and the room rate-limits (``participants.py``).
The facilitator's panel lists who plays whom and what each has chosen, and releases a claim.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from html import escape
from urllib.parse import parse_qs, urlencode

import solara

from .participants import ANSWERS, CHOICES, TITLES
from .rooms import Room
from .session import Action, View

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
"""


def participant_query(search: str | None) -> tuple[str | None, str]:
    """(room code given, or None when this is not a participant's address; the participant's token)."""
    q = parse_qs(search or "")
    join = q.get("join")
    return (join[0] if join else None), (q.get("me") or [""])[0]


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
def ParticipantPage(room: Room, code: str, me: str):
    """A participant's page: join with a name and an organisation, then choose for it each month."""
    router = solara.use_router()
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
        if not room.admits(code):
            solara.Error("That room code is not right: ask the facilitator for the code on their screen.")
            return
        if not mine:
            Join(view, act, lambda me: router.push("/?" + urlencode({"room": room.name, "join": code,
                                                                     "me": me})), me)
        else:
            Choose(view, act, mine, me)
        if message:
            solara.Warning(message, dense=True, classes=["play-message"])


@solara.component
def Join(view: View, act, joined, me: str):
    """The join form: a name and an organisation (one participant per organisation)."""
    played = dict(view.players.seats)
    name, set_name = solara.use_state("")
    free = [o for o in view.org_names if o not in played]
    org, set_org = solara.use_state(free[0] if free else view.org_names[0])

    token = solara.use_memo(lambda: me or secrets.token_urlsafe(12), [me])  # one per page: rate-limited

    def claim() -> None:
        if act(Action("claim", token, name, org)) == "":
            joined(token)

    solara.HTML(tag="p", unsafe_innerHTML="Play one organisation's chief executive: each month you "
                "decide for it, and the model's rules decide for everyone else.")
    solara.InputText("Your name", value=name, on_value=set_name, continuous_update=True,
                     classes=["play-name"])
    solara.Select("Organisation", values=list(view.org_names), value=org, on_value=set_org,
                  classes=["play-org"])
    solara.Button("Play this organisation", on_click=claim, color="primary", classes=["play-claim"])
    if played:
        solara.HTML(tag="div", classes=["db-note"], unsafe_innerHTML="Already played: " + escape(
            "; ".join(f"{o} ({who})" for o, who in played.items())))


@solara.component
def Choose(view: View, act, org: str, me: str):
    """The three choices for the month to be run next, and what the participant decided before."""
    i = view.org_names.index(org)
    net = view.network
    chosen = view.players.chosen.get(org, {})
    month = view.players.month
    solara.HTML(tag="div", unsafe_innerHTML=(
        f"You are the chief executive of <b>{escape(org)}</b> ({escape(view.org_kinds[i])}). "
        f"Committed to working as a system: <b>{'yes' if net['committed'][i] else 'no'}</b>."),
        attributes={"data-testid": "seat", "data-committed": str(int(net["committed"][i]))})
    if view.finished:
        solara.Info("The run has ended: look at the projector for the debrief.")
        return
    solara.HTML(tag="div", classes=["db-note"], unsafe_innerHTML=(
        f"Your choices for <b>month {month}</b>, the month the facilitator runs next. They count for "
        "that month only, and only if the choice comes up. If you have not chosen when the month is "
        "run, the model's rules decide for you, as they do for every organisation nobody plays."))
    for choice, answers in CHOICES.items():
        now = chosen.get(choice, "")
        with solara.Div(classes=["db-choice"], attributes={"data-choice": choice, "data-answer": now}):
            solara.HTML(tag="div", unsafe_innerHTML=escape(TITLES[choice]), classes=["db-h"])
            with solara.Div(classes=["db-answers"]):
                for answer in (*answers, ""):
                    solara.Button(ANSWERS[answer] if answer else "Rules decide",
                                  color="primary" if answer == now else None, outlined=answer != now,
                                  classes=[f"choice-{choice}-{answer or 'rules'}"],
                                  on_click=lambda c=choice, a=answer: act(Action(
                                      "choose", me, {"month": month, "choice": c, "answer": a}, org)))
    past = [text for o, text in view.players.history if o == org][:6]
    if past:
        solara.HTML(tag="div", classes=["db-history"], unsafe_innerHTML="What you decided: " + "; ".join(
            escape(t) for t in past))


def _chosen_text(chosen: dict[str, str]) -> str:
    return ", ".join(ANSWERS[a] for a in chosen.values()) if chosen else "the rules"


@solara.component
def Cast(view: View, act, room: Room):
    """The facilitator's list of who plays whom and what each chose for the next month."""
    players = view.players
    solara.HTML(tag="div", unsafe_innerHTML="Participants", classes=["db-h"])
    solara.HTML(tag="div", classes=["db-help"], attributes={"data-testid": "join", "data-code": room.code},
                unsafe_innerHTML=f"Join from a phone: this address with <b>?room={escape(room.name)}&amp;"
                f"join={escape(room.code)}</b> (room code <b>{escape(room.code)}</b>)")
    rows = "".join(f"<tr><td>{escape(o)}</td><td>{escape(who)}</td>"
                   f"<td>{escape(_chosen_text(players.chosen.get(o, {})))}</td></tr>"
                   for o, who in players.seats)
    solara.HTML(tag="div", attributes={"data-testid": "cast", "data-seats": str(len(players.seats))},
                unsafe_innerHTML=(f'<table class="db-runs"><tr><th>organisation</th><th>played by</th>'
                                  f"<th>month {players.month}</th></tr>{rows}</table>" if rows
                                  else "Nobody plays yet: the model's rules decide for everyone."))
    for o, who in players.seats:
        solara.Button(f"Release {o} ({who})", small=True, outlined=True, classes=["release"],
                      on_click=lambda o=o: act(Action("release", target=o)))
