"""One facilitator's teaching session: a live model, its levers, queued events and its story.

This is the whole logic of the teaching app, without any user interface, so that it can be
tested directly. Every change goes through one path, :meth:`Session.apply`, which takes an
:class:`Action`, holds the session's lock while it works, and appends the action to
``Session.actions`` once done (a refused action changes nothing and is not kept). Replaying
that list on a fresh session (:meth:`Session.replay`) gives the same model, tables and story:
whatever the buttons and sliders did, the session always shows a state the model produced.
What it shows is a :class:`~simulation.app.view.View` (``view.py``) copied under the lock.

Rules (documented for facilitators in ``docs/teaching.md``):

* A lever moved before the first month rebuilds the model from the preset, the seed and the
  levers (nothing has happened yet, so nothing is lost). A lever moved later is held until
  the next step and then applied through the model's own ``set`` event, once, with its
  latest value (rapid slider moves coalesce into one change). *Setup* levers (starting
  trust) only matter when the world is built, so moving one after month 0 restarts the run.
* A facilitator event is queued in the model at once with ``DrumbeatModel.inject`` and takes
  effect at the start of the next step; its story line compares the month (and the months
  after it) with the same months without that event (``effects.py``).
* Reset builds a fresh model from the preset, the seed and the levers as they now stand.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..model import DrumbeatModel
from ..scenario import EventSpec, Scenario, load_scenario
from .catalog import EVENT_BY_KIND, LEVER_BY_NAME, LEVERS, Preset, presets
from .compare import Past, keep
from .effects import Effect, branch, measure, without_choices
from .netlayout import layout
from .participants import (
    OPS,
    Decision,
    Participants,
    attributed,
    commitments,
    differed,
    room_sentence,
)
from .story import (
    LOG_KIND,
    Marker,
    StoryLine,
    counterpart,
    debrief,
    month_label,
    org_sentence,
    system_sentence,
)
from .view import View

#: Months between pressing "deadline" and the date by which every system must be integrated.
DEADLINE_MONTHS = 24


@dataclass(frozen=True)
class Action:
    """One thing the facilitator did: ``load`` (name=preset, value=seed), ``seed``, ``lever``
    (name, value), ``event`` (name=kind, target), ``step`` (value=months), ``reset`` or
    ``look`` (value=a recorded month to show; the run itself does not change); participants'
    ``claim``, ``choose`` and ``release`` (``participants.py``) and the facilitator's ``lock``
    (value=True/False: this month's choices locked, and their tally shown), ``timer`` (value=when
    the round's timer runs out, seconds since 1970; 0 for none; a month run ends it) and ``show_join``
    (value=True/False: the join address shown on every view of the room)."""

    op: str
    name: str = ""
    value: Any = None
    target: str | None = None


@dataclass(frozen=True)
class Pending:
    """A facilitator event queued in the model for the next step."""

    kind: str
    target: str | None
    org: int
    spec: EventSpec  # the model's queued event (its counterfactual branch leaves it out)


class Session:
    """A teaching session. Create with a preset key and a seed; change it only via ``apply``."""

    def __init__(self, preset: str | None = None, seed: int = 1,
                 catalogue: dict[str, Preset] | None = None) -> None:
        self._empty(catalogue)
        err = self.apply(Action("load", preset or next(iter(self.presets)), int(seed)))
        if err:
            raise ConfigError(err)

    def _empty(self, catalogue: dict[str, Preset] | None) -> None:
        self._lock = threading.RLock()
        self.presets = catalogue if catalogue is not None else presets()
        self.actions: list[Action] = []
        self.past: list[Past] = []
        self.version = 0
        self.error = ""
        self.cast = Participants()  # the participants (participants.py)
        self.join_shown = False
        self.timer_ends = 0  # the round's timer: when it runs out (seconds since 1970), 0 for none

    @classmethod
    def replay(cls, actions: list[Action], catalogue: dict[str, Preset] | None = None) -> Session:
        """A fresh session that has had ``actions`` applied in order."""
        s = cls.__new__(cls)
        s._empty(catalogue)
        for a in actions:
            s.apply(a)
        return s

    # --- the single update path ---------------------------------------------------------
    def apply(self, action: Action) -> str:
        """Do ``action``; returns "" or the one-line reason it was refused (state unchanged)."""
        with self._lock:
            self.version += 1  # a refusal too: the facilitator's pages show it
            try:
                self._do(action)
                self.error = ""
            except ConfigError as exc:
                if action.op in OPS:  # a participant's refusal is shown to them, not to the room
                    return str(exc)
                self.error = str(exc)
                return self.error
            self.actions.append(action)  # what was refused changed nothing and is not kept
            return ""

    def _do(self, a: Action) -> None:
        if a.op != "load" and getattr(self, "model", None) is None:  # a replay whose preset is gone
            raise ConfigError(self.error or f"'{a.op}' before any preset was loaded")  # the load's reason
        if a.op == "load":
            self._load(a.name, _whole(a.value, "seed", 0, 2**32 - 1))
        elif a.op == "seed":
            self.seed = _whole(a.value, "seed", 0, 2**32 - 1)
            self._rebuild()
        elif a.op == "lever":
            self._set_lever(a.name, a.value)
        elif a.op == "event":
            self._press(a.name, a.target)
        elif a.op == "step":
            for _ in range(_whole(a.value, "months", 0, 10_000)):
                if self.model.state.step >= self.model.max_steps:
                    break
                self._one_step()
                self.timer_ends = 0  # the round is over
        elif a.op == "reset":
            self._rebuild()
            self.timer_ends = 0
        elif a.op == "timer":  # the page gives the end's clock time, so that a replay keeps it
            self.timer_ends = _whole(a.value, "timer", 0, 2**40)
        elif a.op in OPS:  # a participant's claim or choice for the month to be run next
            self.cast.apply(a.op, a.name, a.value, a.target, self.model.state.world.org_name,
                            self.model.state.step + 1)
        elif a.op == "lock":  # the facilitator locks (or unlocks) this month's choices
            self.cast.lock(a.value)
        elif a.op == "show_join":  # the join address on every view of the room, the projector's too
            if not isinstance(a.value, bool):
                raise ConfigError(f"show_join: {a.value!r} is not true or false")
            self.join_shown = a.value
        elif a.op == "look":
            k = _whole(a.value, "month", 0, self.model.state.step)
            self.looking = None if k == self.model.state.step else k
        else:
            raise ConfigError(f"unknown action '{a.op}'")

    # --- convenience wrappers -----------------------------------------------------------
    def load(self, preset: str, seed: int | None = None) -> str:
        return self.apply(Action("load", preset, self.seed if seed is None else int(seed)))

    def set_seed(self, seed: int) -> str:
        return self.apply(Action("seed", value=int(seed)))

    def set_lever(self, name: str, value: Any) -> str:
        return self.apply(Action("lever", name, value))

    def press(self, kind: str, target: str | None = None) -> str:
        return self.apply(Action("event", kind, target=target))

    def step(self, months: int = 1) -> str:
        return self.apply(Action("step", value=int(months)))

    def reset(self) -> str:
        return self.apply(Action("reset"))

    # --- what actions do ----------------------------------------------------------------
    def _load(self, key: str, seed: int) -> None:
        if key not in self.presets:
            raise ConfigError(f"unknown preset '{key}'; presets: {', '.join(self.presets)}")
        base = load_scenario(self.presets[key].path)
        self.preset, self.base, self.seed = self.presets[key], base, seed
        self.levers = {lv.name: getattr(base.params, lv.name) for lv in LEVERS}
        self.past = []  # another system: nothing to compare with
        self.cast = Participants()  # nor anyone to play its organisations
        self._rebuild(keep_run=False)

    def _scenario(self) -> Scenario:
        return self.base.with_overrides(dict(self.levers), source=f"{self.preset.path} (levers)")

    def _rebuild(self, keep_pending: bool = False, keep_run: bool = True) -> None:
        pending = self.pending_events if keep_pending else []
        if keep_run and getattr(self, "model", None) is not None and self.model.state.step > 0:
            r = self.model.result()
            number = self.past[-1].number + 1 if self.past else 1
            self.past.append(keep(number, self.model.seed, self.start_levers, self.markers, r.national,
                                  r.systems))
        self.start_levers = dict(self.levers)
        self.model = DrumbeatModel(self._scenario(), self.seed)
        self.positions = layout(self.model, self.seed)
        self.story: list[StoryLine] = []
        self.retold: dict[tuple[int, int, str], str] = {}
        self.markers: list[Marker] = []
        self.pending_levers: dict[str, Any] = {}
        self.pending_events: list[Pending] = []
        self.frames = [self._network_arrays()]  # the network as it was at each month, to look back
        self.looking: int | None = None
        self.cast.new_run()
        for p in pending:
            self._press(p.kind, p.target)

    def _set_lever(self, name: str, value: Any) -> None:
        lever = LEVER_BY_NAME.get(name)
        if lever is None:
            raise ConfigError(f"unknown lever '{name}'; levers: {', '.join(LEVER_BY_NAME)}")
        value = lever.check(value)
        self.levers[name] = value
        if self.model.state.step == 0:
            self._rebuild(keep_pending=True)
        elif lever.setup:
            self._rebuild()
        else:
            self.pending_levers[name] = value

    def _press(self, kind: str, target: str | None) -> None:
        button = EVENT_BY_KIND.get(kind)
        if button is None:
            raise ConfigError(f"unknown event '{kind}'; events: {', '.join(EVENT_BY_KIND)}")
        st = self.model.state
        if st.step >= self.model.max_steps:
            raise ConfigError("the run has ended: press Reset to start again")
        fields: dict[str, Any] = {"note": "the facilitator's doing"}
        if button.target in ("org", "council"):
            fields["target"] = target
        elif button.target == "system":
            fields["target"] = target or None
        if kind == "deadline":
            fields["due"] = self.model.spec.date_of(st.step + 1 + DEADLINE_MONTHS)
        spec = self.model.inject(kind, **fields)
        org = st.world.org_name.index(target) if target in st.world.org_name else -1
        self.pending_events.append(Pending(kind, fields.get("target"), org, spec))

    def _one_step(self) -> None:
        m = self.model
        st = m.state
        sets = []
        for name, value in self.pending_levers.items():
            old = getattr(m.params, name)
            if old != value:
                spec = m.inject("set", param=name, value=value, note="the facilitator's doing")
                sets.append((name, old, value, spec))
        self.pending_levers = {}
        pending, self.pending_events = self.pending_events, []
        acts = [p.spec for p in pending] + [x[3] for x in sets]
        queued = m._scheduled.get(st.step + 1, [])
        positions = [next(k for k, ev in enumerate(queued) if ev is spec) for spec in acts]
        targets = [(p.org, counterpart(st, p.org)[1]) if p.org >= 0 else (-1, np.zeros(0, int))
                   for p in pending] + [(-1, np.zeros(0, int))] * len(sets)
        whom = [counterpart(st, p.org)[0] if p.org >= 0 else "" for p in pending]
        policy = st.policy = self.cast.policy(st.step + 1)  # None while nobody plays
        chose = policy is not None and bool(policy.choices)
        before = branch(m) if acts or chose else None
        n0 = len(st.log)
        m.step()
        self.frames.append(self._network_arrays())
        self.looking = None
        decided = self.cast.stepped(policy)
        room = (without_choices(branch(before) if acts else before, m)
                if chose and differed(decided) else None)  # only if a participant changed a choice
        found = measure(before, m, positions, targets) if acts else []
        self._tell(st.log[n0:], sets, pending, found, whom, decided)
        if room is not None:
            self.cast.effects.append(room)
            date = m.spec.date_of(st.step)
            self.story.append(StoryLine(st.step, date, "room", f"{month_label(st.step, date)}: "
                                        f"{room_sentence(decided, st.world.org_name, room)}."))

    def _tell(self, entries: list[dict], sets: list[tuple], pending: list[Pending],
              found: list[Effect], whom: list[str], decided: list[Decision]) -> None:
        """The month's story: the facilitator's actions with what each changed, then the model's
        log, where a participant's own choice is told as theirs (not as the rules' reason)."""
        st = self.model.state
        head = month_label(st.step, self.model.spec.date_of(st.step))
        used: set[int] = set()

        def take(kind: str, org: int = -1, prefix: str = "") -> str:
            for k, e in enumerate(entries):
                if k in used or e["kind"] != kind or (org >= 0 and e["org"] != org):
                    continue
                if prefix and not e["text"].startswith(prefix):
                    continue
                used.add(k)
                return e["text"]
            return ""

        for p, eff, who in zip(pending, found, whom, strict=False):
            text = take(LOG_KIND[p.kind], p.org)
            if p.org >= 0:
                sentence = org_sentence(st, p.kind, p.org, text)
            else:
                sentence = system_sentence(p.kind, p.target, text)
            label = f"{EVENT_BY_KIND[p.kind].short}" + (f": {p.target}" if p.target else "")
            self._mark(p.kind, label, f"{head}: {sentence}", eff, who)
        for (name, old, new, _), eff in zip(sets, found[len(pending):], strict=True):
            take("lever", prefix=f"{name} changed")
            lever = LEVER_BY_NAME[name]
            self._mark("lever", f"{lever.label.lower()} -> {_fmt(lever, new)}",
                       f"{head}: you changed '{lever.label.lower()}' from {_fmt(lever, old)} to "
                       f"{_fmt(lever, new)}", eff)
        names, date = st.world.org_name, self.model.spec.date_of(st.step)
        for k, e in enumerate(entries):
            if k not in used:
                text = attributed(e, decided, names, st.world.home)
                if text != e["text"]:
                    self.retold[st.step, e["org"], e["kind"]] = text
                self.story.append(StoryLine(st.step, date, e["kind"], f"{head}: {text}."))
        self.story += [StoryLine(st.step, date, "commitment", f"{head}: {c}.")
                       for c in commitments(decided, names)]

    def _mark(self, kind: str, label: str, text: str, effect: Effect, who: str = "") -> None:
        st = self.model.state
        n = len(self.markers) + 1
        self.markers.append(Marker(n, st.step, kind, label))
        change = effect.month["pair" if who else "trust"]
        self.story.append(StoryLine(st.step, self.model.spec.date_of(st.step), kind, f"[{n}] {text}",
                                    facilitator=True, marker=n, effect=effect, who=who,
                                    trust_change=change if np.isfinite(change) else 0.0))

    # --- reading ------------------------------------------------------------------------
    def view(self) -> View:
        """Everything the interface shows, copied consistently under the lock."""
        with self._lock:
            m, st = self.model, self.model.state
            w = st.world
            result = m.result()
            return View(
                version=self.version, preset=self.preset, seed=self.seed, step=st.step,
                shown=st.step if self.looking is None else self.looking,
                max_steps=m.max_steps, date=m.spec.date_of(st.step), levers=dict(self.levers),
                start_levers=dict(self.start_levers), past=tuple(self.past),
                pending=tuple(self._pending_text()), result=result,
                story=tuple(s.told() for s in reversed(self.story)), markers=tuple(self.markers),
                debrief=tuple(debrief(st, result.national, result.systems, self.story, self.markers)
                              + self.cast.debrief(w.org_name)),
                players=self.cast.snapshot(w.org_name, st.step + 1, st), join_shown=self.join_shown,
                timer_ends=self.timer_ends,
                retold=dict(self.retold),
                org_names=tuple(w.org_name), org_kinds=tuple(w.kind_of(i) for i in range(w.n_orgs)),
                council_names=tuple(w.org_name[i] for i in np.flatnonzero(st.is_council)),
                system_names=tuple(w.system_name),
                network=self.frames[st.step if self.looking is None else self.looking], error=self.error)

    def _pending_text(self) -> list[str]:
        out = [f"{EVENT_BY_KIND[p.kind].label}" + (f" ({p.target})" if p.target else "")
               for p in self.pending_events]
        out += [f"{LEVER_BY_NAME[k].label}: {_fmt(LEVER_BY_NAME[k], v)}"
                for k, v in self.pending_levers.items()]
        return out

    def _network_arrays(self) -> dict[str, np.ndarray]:
        st = self.model.state
        return {"pos": self.positions, "kind": st.world.org_kind.copy(), "src": st.src.copy(),
                "dst": st.dst.copy(), "T": st.T.copy(), "rev": st.rev.copy(),
                "active": st.active.copy(), "committed": st.committed.copy(),
                "new_leader": (st.tenure < 3) & (st.step > 0), "interim": st.vacancy > 0,
                "intervention": st.under_int > 0, "tenure": st.tenure.copy(), "vacancy": st.vacancy.copy(),
                "orientation": st.orientation.copy(), "ytd": st.ytd.copy()}


def _whole(value: Any, what: str, lo: int, hi: int) -> int:
    """``value`` as a whole number in [lo, hi], or ConfigError (checked before anything changes)."""
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{what}: {value!r} is not a whole number") from None
    if not lo <= n <= hi or n != value:
        raise ConfigError(f"{what}: {value!r} must be a whole number from {lo} to {hi}")
    return n


def _fmt(lever, value: Any) -> str:
    if lever.choices:
        return dict(lever.choices).get(value, str(value))
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{float(value):.2f}"
