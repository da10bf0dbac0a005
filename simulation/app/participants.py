"""The participatory mode: people in the room each play one organisation's chief executive.

A participant joins a room with its short code, *claims* one organisation (one organisation
per participant; a team of several may share one, up to :data:`MAX_SEATS` people a room; the
facilitator can release a participant; a seat has a short code, :func:`seat_code`, with which
its participant rejoins it, :meth:`Participants.rejoin`) and *chooses* for it for the month the facilitator
runs next. In a team the last choice made before the month is run counts, and every member's
page shows who made it. Claims and choices are room
actions like any other (``claim``, ``release``, ``choose``), so they are saved and replayed
after a restart. They reach the model through the decision hook (``simulation/decisions.py``):
before each month the session installs a :class:`MonthPolicy` that answers for claimed
organisations whose participant chose, and leaves every other answer - organisations nobody
plays, participants who have not chosen - to the model's rules.

What each choice means (``docs/teaching.md`` says the same to facilitators):

==========  ==========  ===========================================================
choice      answer      the model's choices it answers this month
==========  ==========  ===========================================================
``stance``  ``commit``  commit if not yet committed; do not withdraw if committed
``stance``  ``withdraw``  withdraw if committed; do not commit if not
``sign``    ``sign``    sign the system control total, if one is being proposed
``sign``    ``refuse``  refuse to sign it
``service``  ``back``   consent to a service change that moves activity away from you
``service``  ``oppose``  oppose it
any         ``rules``   the model's rules decide (said so; not choosing leaves it to them too)
==========  ==========  ===========================================================

A choice that does not arise this month (signing when no control total is proposed) is
simply the standing intention for that month and changes nothing; the participant's page
offers only the choices that can arise (:func:`~simulation.app.arising.live_choices`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..decisions import Choice, Overrides
from ..errors import ConfigError
from ..state import State
from .arising import live_choices
from .effects import Effect, listed
from .limiter import Limiter as Limiter  # re-exported: benchmarks/bench_app.py imports it from here

#: The participant's choices: name -> (answers, in the order shown, with the model's kinds each
#: answer fixes: kind -> the boolean answered).
CHOICES: dict[str, dict[str, dict[str, bool]]] = {
    "stance": {"commit": {"commit": True, "withdraw": False},
               "withdraw": {"commit": False, "withdraw": True}, "rules": {}},
    "sign": {"sign": {"sign_control_total": True}, "refuse": {"sign_control_total": False}, "rules": {}},
    "service": {"back": {"back_service_change": True}, "oppose": {"back_service_change": False},
                "rules": {}},
}
#: The page's heading of each choice, and the button of each answer.
TITLES = {"stance": "Work as a system?", "sign": "The system control total",
          "service": "A service change that moves care away from you"}
ANSWERS = {"commit": "Commit", "withdraw": "Withdraw", "sign": "Sign", "refuse": "Refuse",
           "back": "Back it", "oppose": "Oppose it", "rules": "Rules decide"}
#: The model's kinds of choice in words (debrief).
KIND_WORDS = {"commit": "commit", "withdraw": "withdraw", "sign_control_total": "sign the control total",
              "back_service_change": "back a service change"}
#: What an organisation did, by kind of choice: (yes, no).
DID = {"commit": ("committed", "did not commit"), "withdraw": ("withdrew", "did not withdraw"),
       "sign_control_total": ("signed the control total", "did not sign the control total"),
       "back_service_change": ("backed a service change", "opposed a service change")}
#: A participant's identity: a random token the page makes on joining (never shown to others).
PLAYER_ID = re.compile(r"[A-Za-z0-9_-]{8,40}")
NAME_MAX = 30
#: Actions only participants (and the facilitator's release) take.
OPS = ("claim", "release", "choose")
#: The most participants a room seats (teams share an organisation).
MAX_SEATS = 40
#: Letters of the codes people type (room codes, seat codes): no 0/O, 1/I/L to misread.
CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
#: Letters of a seat code, shown on the participant's seat card (to rejoin on another device).
SEAT_CODE_LENGTH = 5


def seat_code(token: str) -> str:
    """The short code of the seat whose token is ``token``: the same after a restart (it is made
    from the token, which the room file keeps), and it does not give the token away."""
    n = int.from_bytes(hashlib.sha256(f"drumbeat-seat:{token}".encode()).digest()[:8], "big")
    out = []
    for _ in range(SEAT_CODE_LENGTH):
        n, k = divmod(n, len(CODE_LETTERS))
        out.append(CODE_LETTERS[k])
    return "".join(out)


@dataclass(frozen=True)
class Decision:
    """One choice put to a played organisation: what the rules chose and what was answered."""

    step: int
    org: int
    kind: str
    default: bool
    answer: bool
    by_player: bool  # the participant had chosen (else the rules decided for them)
    who: str = ""  # the name of the participant whose choice it was


@dataclass
class MonthPolicy(Overrides):
    """The room's policy for one month: participants' answers, the rules for everything else.

    Months other than ``month`` are left to the rules, so that a copy of the model advanced
    beyond the month (the counterfactual story's horizon) is not steered by it. Every choice
    put to a played organisation is logged (``log``) for the debrief. The logger is a method,
    so a deep copy of the model logs into its own copy.
    """

    month: int = 0
    played: frozenset[int] = frozenset()
    by: dict[tuple[int, str], str] = field(default_factory=dict)  # (org, kind) -> who chose
    log: list[Decision] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.on_choice = self._record

    def decide(self, choice: Choice) -> np.ndarray:
        if choice.step != self.month:
            return choice.default.copy()
        return super().decide(choice)

    def _record(self, choice: Choice, out: np.ndarray) -> None:
        for k, org in enumerate(choice.orgs.tolist()):
            if org in self.played:
                mine = (org, choice.kind) in self.choices
                self.log.append(Decision(choice.step, org, choice.kind, bool(choice.default[k]),
                                         bool(out[k]), mine, self.by.get((org, choice.kind), "")))


@dataclass(frozen=True)
class Seat:
    """Whom a participant plays."""

    org: int  # the organisation
    name: str  # what they called themselves


@dataclass(frozen=True)
class Players:
    """What the screens show of the participants (a copy, taken under the session's lock)."""

    seats: tuple[tuple[str, str], ...]  # (organisation, participant's name), in world and join order
    month: int  # the month the next choices are for
    chosen: dict[str, dict[str, str]]  # organisation -> choice -> answer ("rules" too), this month
    player_org: dict[str, str]  # participant token -> organisation
    history: tuple[tuple[str, str], ...]  # (organisation, a sentence), newest first
    chosen_by: dict[str, dict[str, str]] = field(default_factory=dict)  # org -> choice -> who
    live: dict[str, tuple[str, ...]] = field(default_factory=dict)  # org -> choices that can arise
    notes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # org -> where its votes stand
    acted: int = 0  # participants who have chosen something for this month
    locked: bool = False  # this month's choices are locked (and the tally shown)
    tally: dict[str, dict[str, int]] = field(default_factory=dict)  # choice -> answer -> organisations
    player_name: dict[str, str] = field(default_factory=dict)  # participant token -> name

    def team(self, org: str) -> list[str]:
        """The names of the participants who play ``org``."""
        return [who for o, who in self.seats if o == org]


class Participants:
    """Claims, this month's choices and what participants decided, for one session."""

    def __init__(self) -> None:
        self.seats: dict[str, Seat] = {}  # participant token -> seat, in the order they joined
        self.new_run()

    def new_run(self) -> None:
        """A run starts again (reset, new seed, new preset): choices and records go, claims stay."""
        self.chosen: dict[int, dict[str, tuple[str, str]]] = {}  # org -> choice -> (answer, who)
        self.acted: set[str] = set()  # who has chosen for this month
        self.locked = False  # the facilitator locked this month's choices (and revealed the tally)
        self.decisions: list[Decision] = []
        self.effects: list[Effect] = []  # months in which a participant chose unlike the rules

    def apply(self, op: str, player: str, value: Any, target: str | None, names: list[str],
              month: int) -> None:
        """Do a participant's action, or raise ConfigError (nothing changed) saying why."""
        org = _org(target, names)
        if op == "release":  # the participant's own, or the facilitator's (one participant or all)
            gone = [p for p, seat in self.seats.items() if seat.org == org
                    and (p == player if player else value in (None, p))]
            if not gone:
                raise ConfigError(f"{names[org]} is not played by you" if player
                                  else f"nobody plays {names[org]} by that seat")
            for p in gone:
                del self.seats[p]
                self.acted.discard(p)
            if not any(seat.org == org for seat in self.seats.values()):
                self.chosen.pop(org, None)
            return
        _check_player(player)
        if op == "claim":
            name = _check_name(value)
            if player in self.seats:
                raise ConfigError(f"you already play {names[self.seats[player].org]}")
            if len(self.seats) >= MAX_SEATS:
                raise ConfigError(f"the room is full: {MAX_SEATS} people play already (teams may "
                                  "share an organisation: ask the facilitator)")
            self.seats[player] = Seat(org, name)
            return
        if op != "choose":
            raise ConfigError(f"unknown participant action '{op}'")
        seat = self.seats.get(player)
        if seat is None or seat.org != org:
            raise ConfigError(f"you do not play {names[org]}: you can only choose for your own organisation")
        if self.locked:
            raise ConfigError(f"the choices for month {month} are locked: the facilitator is about to run it")
        if not isinstance(value, dict) or set(value) != {"month", "choice", "answer"}:
            raise ConfigError("a choice needs a month, a choice and an answer")
        if value["month"] != month or isinstance(value["month"], bool):
            raise ConfigError(f"month {value['month']!r} is not the month being chosen for ({month})")
        choice, answer = value["choice"], value["answer"]
        answers = CHOICES.get(choice) if isinstance(choice, str) else None
        if answers is None or not isinstance(answer, str) or not (answer in answers or answer == ""):
            raise ConfigError(f"choice {value['choice']!r}: {value['answer']!r} is not an answer")
        mine = self.chosen.setdefault(org, {})
        if answer:  # the team's last choice before the month is run counts
            mine[choice] = (answer, seat.name)
        else:
            mine.pop(choice, None)  # not chosen (yet)
        self.acted.add(player)

    def rejoin(self, code: str | None = None, name: str | None = None, org: str | None = None,
               names: list[str] | None = None) -> str:
        """The token of the seat with seat ``code`` (any case, spaces and dashes ignored), or else
        of the first seat (in join order) whose participant is called ``name`` (any case) and
        plays ``org``; "" if there is none. Nothing changes: the page that asks takes the seat's
        token, so that a rejoin is the same seat, with its choices and its place in a team."""
        if code is not None:
            given = "".join(str(code).replace("-", " ").split()).upper()
            return next((p for p in self.seats if seat_code(p) == given), "")
        wanted = " ".join(str(name or "").split()).casefold()
        index = names.index(org) if names is not None and org in names else -1
        return next((p for p, s in self.seats.items() if s.org == index and s.name.casefold() == wanted
                     and wanted), "")

    def lock(self, on: Any) -> None:
        """Lock (or unlock) this month's choices: nobody may change them until the month is run."""
        if not isinstance(on, bool):
            raise ConfigError(f"lock: {on!r} is not true or false")
        self.locked = on

    def tally(self) -> dict[str, dict[str, int]]:
        """The room's choices for this month, anonymous: per choice, how many played
        organisations answered each way (a team counts once)."""
        out: dict[str, dict[str, int]] = {}
        for mine in self.chosen.values():
            for choice, (answer, _) in mine.items():
                out.setdefault(choice, {}).setdefault(answer, 0)
                out[choice][answer] += 1
        return out

    def policy(self, month: int) -> MonthPolicy | None:
        """The policy for ``month`` (None, the plain rules, while nobody plays)."""
        if not self.seats:
            return None
        fixed, by = {}, {}
        for org, mine in self.chosen.items():
            for choice, (answer, who) in mine.items():
                for kind, flag in CHOICES[choice][answer].items():
                    fixed[org, kind], by[org, kind] = flag, who
        return MonthPolicy(choices=fixed, month=month, played=frozenset(s.org for s in self.seats.values()),
                           by=by)

    def stepped(self, policy: MonthPolicy | None) -> list[Decision]:
        """After a month: keep what was decided, clear the choices; the month's decisions."""
        self.chosen = {}
        self.acted = set()
        self.locked = False
        got = list(policy.log) if policy is not None else []
        self.decisions.extend(got)
        return got

    def snapshot(self, names: list[str], month: int, st: State | None = None) -> Players:
        """What the screens show (with ``st``, the model's state: what can come up for each
        played organisation, :func:`live_choices`)."""
        live, notes = live_choices(st, sorted({s.org for s in self.seats.values()})) if st else ({}, {})
        history = [(names[d.org], _told(d)) for d in reversed(self.decisions[-200:])]
        order = sorted(self.seats.values(), key=lambda s: s.org)  # stable: join order in a team
        chosen = {names[o]: mine for o, mine in self.chosen.items()}
        return Players(tuple((names[s.org], s.name) for s in order), month,
                       {o: {c: a for c, (a, _) in mine.items()} for o, mine in chosen.items()},
                       {p: names[s.org] for p, s in self.seats.items()}, tuple(history),
                       {o: {c: who for c, (_, who) in mine.items()} for o, mine in chosen.items()},
                       {names[o]: c for o, c in live.items()}, {names[o]: n for o, n in notes.items()},
                       len(self.acted), self.locked, self.tally(), {p: s.name for p, s in self.seats.items()})


    def debrief(self, names: list[str]) -> list[str]:
        """How often the room chose unlike the model's rules, who chose what, and what that changed."""
        if not self.decisions:
            return []
        own = [d for d in self.decisions if d.by_player]
        diff = differed(own)
        teams: dict[tuple[str, int], list[Decision]] = {}
        for d in own:
            teams.setdefault((d.who, d.org), []).append(d)
        kinds = [k for k in KIND_WORDS if any(d.kind == k for d in own)]
        counts = ", ".join(f"{KIND_WORDS[k]}: {sum(d.kind == k for d in diff)} of "
                           f"{sum(d.kind == k for d in own)}" for k in kinds)
        played = len({d.org for d in self.decisions})
        out = [f"The room played {played} organisation{'s' if played != 1 else ''}: participants "
               f"answered {len(own)} of the {len(self.decisions)} choices put to them (the rules "
               f"answered the rest) and chose unlike the model's rules {len(diff)} time"
               f"{'s' if len(diff) != 1 else ''}" + (f" ({counts})." if counts else ".")]
        if teams:
            out.append("Who chose what: " + "; ".join(
                f"{who} for {names[org]}: {len(ds)} choice{'s' if len(ds) != 1 else ''}, "
                f"{len(differed(ds))} unlike the rules" for (who, org), ds in teams.items()) + ".")
        if self.effects:
            ranked = sorted(self.effects, key=lambda e: (tuple(-x for x in e.size()), e.step))
            out.append("What the room's own choices changed, compared with the same months with the "
                       "model's rules deciding: " + "; ".join(
                           f"month {e.step} ({_whose(diff, e.step, names)}): by month {e.horizon_step}, "
                           f"{listed(e.later(), '')}" for e in ranked[:5]) + ".")
        return out


def _whose(decisions: list[Decision], step: int, names: list[str]) -> str:
    """``Ann for Northgate Hospital withdrew, ...``: the participants' choices of month ``step``."""
    return ", ".join(f"{d.who} for {names[d.org]} {DID[d.kind][0 if d.answer else 1]}"
                     for d in decisions if d.step == step)


def room_sentence(decided: list[Decision], names: list[str], effect: Effect) -> str:
    """The participants' answers of a month that differed from the rules, and what that changed."""
    return "the room chose unlike the model's rules: " + "; ".join(
        f"{names[d.org]} {DID[d.kind][0 if d.answer else 1]}, chosen by {d.who} (the rules: "
        f"{'yes' if d.default else 'no'})" for d in differed(decided)) + (
        f"; compared with the same month with the model's rules deciding: {listed(effect.month, '')}")


def attributed(entry: dict, decided: list[Decision], names: list[str], home: np.ndarray) -> str:
    """The model's sentence for a log ``entry`` of the month, with the participants' own choices
    in it said to be theirs: a withdrawal a participant chose is theirs, not the rules' reason."""
    text, org, kind = entry["text"], entry["org"], entry["kind"]
    own = [d for d in decided if d.by_player]
    if kind == "withdrawal":
        d = next((d for d in own if d.kind == "withdraw" and d.org == org and d.answer), None)
        if d is not None:
            return (f"{names[org]} withdrew from system working: {d.who}, playing it, chose to withdraw "
                    + ("(as the model's rules would have)" if d.default else "(the model's rules would "
                       "have stayed in)"))
    elif kind == "pool_formed":
        signs = [d for d in own if d.kind == "sign_control_total" and home[d.org] == entry["system"]]
        if signs:
            return text + "; " + ", ".join(f"{d.who} for {names[d.org]} chose to "
                                           f"{'sign' if d.answer else 'refuse'}" for d in signs)
    elif kind in ("service_change_delivered", "service_change_blocked"):
        d = next((d for d in own if d.kind == "back_service_change" and d.org == org), None)
        if d is not None:
            return text + f" - {d.who}, playing {names[org]}, chose to {'back' if d.answer else 'oppose'} it"
    return text


def commitments(decided: list[Decision], names: list[str]) -> list[str]:
    """The month's commitments the participants chose (the model's log has no line for one)."""
    return [f"{names[d.org]} committed to working as a system: {d.who}, playing it, chose to commit "
            + ("(as the model's rules would have)" if d.default else "(the model's rules would have waited)")
            for d in decided if d.by_player and d.kind == "commit" and d.answer]


def _told(d: Decision) -> str:
    who = f"{d.who} chose" if d.by_player else "the rules chose (nobody had)"
    verdict = "yes" if d.answer else "no"
    rules = "" if not d.by_player else (" - as the rules would have" if d.answer == d.default
                                        else " - the rules would have said " + ("yes" if d.default else "no"))
    return f"month {d.step}, {KIND_WORDS[d.kind]}: {who} {verdict}{rules}"


def differed(decisions: list[Decision]) -> list[Decision]:
    """The participants' own answers that differed from the rules' default."""
    return [d for d in decisions if d.by_player and d.answer != d.default]


def _org(target: str | None, names: list[str]) -> int:
    if target not in names:
        raise ConfigError(f"no organisation called {target!r} in this system")
    return names.index(target)


def _check_player(player: str) -> None:
    if not isinstance(player, str) or not PLAYER_ID.fullmatch(player):
        raise ConfigError("not a participant of this room: join with the room code")


def _check_name(value: Any) -> str:
    name = " ".join(str(value or "").split())
    if not name or len(name) > NAME_MAX or not name.isprintable():
        raise ConfigError(f"your name: 1-{NAME_MAX} letters, please")
    return name
