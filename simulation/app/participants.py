"""The participatory mode: people in the room each play one organisation's chief executive.

A participant joins a room with its short code, *claims* one organisation (one participant
per organisation, one organisation per participant; the facilitator can release a claim) and
*chooses* for it for the month the facilitator runs next. Claims and choices are room
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
==========  ==========  ===========================================================

A choice that does not arise this month (signing when no control total is proposed) is
simply the standing intention for that month and changes nothing.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..decisions import Choice, Overrides
from ..errors import ConfigError
from .effects import Effect, listed

#: The participant's choices: name -> (answers, in the order shown, with the model's kinds each
#: answer fixes: kind -> the boolean answered).
CHOICES: dict[str, dict[str, dict[str, bool]]] = {
    "stance": {"commit": {"commit": True, "withdraw": False},
               "withdraw": {"commit": False, "withdraw": True}},
    "sign": {"sign": {"sign_control_total": True}, "refuse": {"sign_control_total": False}},
    "service": {"back": {"back_service_change": True}, "oppose": {"back_service_change": False}},
}
#: The page's heading of each choice, and the button of each answer.
TITLES = {"stance": "Work as a system?", "sign": "The system control total",
          "service": "A service change that moves care away from you"}
ANSWERS = {"commit": "Commit", "withdraw": "Withdraw", "sign": "Sign", "refuse": "Refuse",
           "back": "Back it", "oppose": "Oppose it"}
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


@dataclass(frozen=True)
class Decision:
    """One choice put to a played organisation: what the rules chose and what was answered."""

    step: int
    org: int
    kind: str
    default: bool
    answer: bool
    by_player: bool  # the participant had chosen (else the rules decided for them)


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
                self.log.append(Decision(choice.step, org, choice.kind, bool(choice.default[k]),
                                         bool(out[k]), (org, choice.kind) in self.choices))


@dataclass(frozen=True)
class Seat:
    """Who plays an organisation."""

    player: str  # the participant's token
    name: str  # what they called themselves


@dataclass(frozen=True)
class Players:
    """What the screens show of the participants (a copy, taken under the session's lock)."""

    seats: tuple[tuple[str, str], ...]  # (organisation, participant's name), in world order
    month: int  # the month the next choices are for
    chosen: dict[str, dict[str, str]]  # organisation -> choice -> answer, this month
    player_org: dict[str, str]  # participant token -> organisation
    history: tuple[tuple[str, str], ...]  # (organisation, a sentence), newest first


class Participants:
    """Claims, this month's choices and what participants decided, for one session."""

    def __init__(self) -> None:
        self.seats: dict[int, Seat] = {}
        self.new_run()

    def new_run(self) -> None:
        """A run starts again (reset, new seed, new preset): choices and records go, claims stay."""
        self.chosen: dict[int, dict[str, str]] = {}
        self.decisions: list[Decision] = []
        self.effects: list[Effect] = []  # months in which a participant chose unlike the rules

    def apply(self, op: str, player: str, value: Any, target: str | None, names: list[str],
              month: int) -> None:
        """Do a participant's action, or raise ConfigError (nothing changed) saying why."""
        org = _org(target, names)
        if op == "release":  # the facilitator's (no player) or the participant's own
            seat = self.seats.get(org)
            if seat is None or (player and seat.player != player):
                raise ConfigError(f"{names[org]} is not played by you")
            del self.seats[org]
            self.chosen.pop(org, None)
            return
        _check_player(player)
        if op == "claim":
            name = _check_name(value)
            if org in self.seats:
                raise ConfigError(f"{names[org]} is already played by {self.seats[org].name}")
            if any(s.player == player for s in self.seats.values()):
                raise ConfigError("you already play an organisation")
            self.seats[org] = Seat(player, name)
            return
        if op != "choose":
            raise ConfigError(f"unknown participant action '{op}'")
        seat = self.seats.get(org)
        if seat is None or seat.player != player:
            raise ConfigError(f"you do not play {names[org]}: you can only choose for your own organisation")
        if not isinstance(value, dict) or set(value) != {"month", "choice", "answer"}:
            raise ConfigError("a choice needs a month, a choice and an answer")
        if value["month"] != month or isinstance(value["month"], bool):
            raise ConfigError(f"month {value['month']!r} is not the month being chosen for ({month})")
        choice, answer = value["choice"], value["answer"]
        answers = CHOICES.get(choice) if isinstance(choice, str) else None
        if answers is None or not isinstance(answer, str) or not (answer in answers or answer == ""):
            raise ConfigError(f"choice {value['choice']!r}: {value['answer']!r} is not an answer")
        mine = self.chosen.setdefault(org, {})
        if answer:
            mine[choice] = answer
        else:
            mine.pop(choice, None)  # back to the model's rules

    def policy(self, month: int) -> MonthPolicy | None:
        """The policy for ``month`` (None, the plain rules, while nobody plays)."""
        if not self.seats:
            return None
        fixed = {(org, kind): flag for org, mine in self.chosen.items()
                 for choice, answer in mine.items() for kind, flag in CHOICES[choice][answer].items()}
        return MonthPolicy(choices=fixed, month=month, played=frozenset(self.seats))

    def stepped(self, policy: MonthPolicy | None) -> list[Decision]:
        """After a month: keep what was decided, clear the choices; the month's decisions."""
        self.chosen = {}
        got = list(policy.log) if policy is not None else []
        self.decisions.extend(got)
        return got

    def snapshot(self, names: list[str], month: int) -> Players:
        """What the screens show."""
        history = [(names[d.org], _told(d)) for d in reversed(self.decisions[-200:])]
        return Players(tuple((names[o], s.name) for o, s in sorted(self.seats.items())), month,
                       {names[o]: dict(c) for o, c in self.chosen.items()},
                       {s.player: names[o] for o, s in self.seats.items()}, tuple(history))


    def debrief(self, names: list[str]) -> list[str]:
        """How often the room chose unlike the model's rules, and what that changed."""
        if not self.decisions:
            return []
        own = [d for d in self.decisions if d.by_player]
        diff = differed(own)
        kinds = [k for k in KIND_WORDS if any(d.kind == k for d in own)]
        counts = ", ".join(f"{KIND_WORDS[k]}: {sum(d.kind == k for d in diff)} of "
                           f"{sum(d.kind == k for d in own)}" for k in kinds)
        played = len({d.org for d in self.decisions})
        out = [f"The room played {played} organisation{'s' if played != 1 else ''}: participants "
               f"answered {len(own)} of the {len(self.decisions)} choices put to them (the rules "
               f"answered the rest) and chose unlike the model's rules {len(diff)} time"
               f"{'s' if len(diff) != 1 else ''}" + (f" ({counts})." if counts else ".")]
        if self.effects:
            ranked = sorted(self.effects, key=lambda e: (tuple(-x for x in e.size()), e.step))
            out.append("What the room's own choices changed, compared with the same months with the "
                       "model's rules deciding: " + "; ".join(
                           f"month {e.step}: by month {e.horizon_step}, {listed(e.later(), '')}"
                           for e in ranked[:5]) + ".")
        return out


def room_sentence(decided: list[Decision], names: list[str], effect: Effect) -> str:
    """The participants' answers of a month that differed from the rules, and what that changed."""
    return "the room chose unlike the model's rules: " + "; ".join(
        f"{names[d.org]} {DID[d.kind][0 if d.answer else 1]} (the rules: "
        f"{'yes' if d.default else 'no'})" for d in differed(decided)) + (
        f"; compared with the same month with the model's rules deciding: {listed(effect.month, '')}")


def _told(d: Decision) -> str:
    who = "you chose" if d.by_player else "the rules chose (you had not)"
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


class Limiter:
    """At most ``count`` actions per participant in any ``seconds`` (the server's, not replayed)."""

    def __init__(self, count: int = 12, seconds: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.count, self.seconds, self.clock = count, seconds, clock
        self._seen: dict[str, deque[float]] = {}

    def allow(self, player: str) -> bool:
        """Whether ``player`` may act now (and count it if so)."""
        if self.full(player):
            return False
        self._seen[str(player)].append(self.clock())
        return True

    def full(self, player: str) -> bool:
        """Whether ``player`` has used every action of the window (counts nothing)."""
        now = self.clock()
        seen = self._seen.setdefault(str(player), deque())
        while seen and now - seen[0] >= self.seconds:
            seen.popleft()
        return len(seen) >= self.count
