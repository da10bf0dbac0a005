"""What the teaching app offers: scenario presets, levers and facilitator events.

Plain data, no user interface. The labels and help texts are what the room reads; the
names are the real :class:`~simulation.params.Params` fields and event kinds
(``simulation/events.py``), so everything the app does goes through the model's own
parameters and event mechanism.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..configs import config_dir
from ..errors import ConfigError
from ..params import Params, param_bounds
from .real import code_of, real_presets

#: Ready-made teaching systems shipped with the project.
PRESET_DIR = config_dir() / "scenarios" / "teaching"


@dataclass(frozen=True)
class Preset:
    """A scenario file the facilitator can pick, with the paragraph the app shows."""

    key: str
    title: str
    description: str
    path: Path


def read_preset(path: Path) -> Preset:
    """The title and description of a scenario file (validated later, when it is loaded)."""
    try:
        meta = tomllib.loads(path.read_text(encoding="utf-8")).get("scenario", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read scenario: {exc}") from None
    name = str(meta.get("name", path.stem))
    desc = str(meta.get("description", ""))
    title = desc.split(".")[0] if desc else name.replace("_", " ")
    return Preset(key=path.stem, title=title, description=desc, path=path)


def presets(folder: Path = PRESET_DIR, extra: Path | None = None, real: bool = True) -> dict[str, Preset]:
    """The teaching presets by key (file stem), sorted; ``extra`` adds one more file first; with
    ``real``, the 44 real systems of 2016 follow (keys ``real_`` and the footprint code, ``real.py``)."""
    out: dict[str, Preset] = {}
    if extra is not None:
        extra = Path(extra)
        if not extra.is_file():
            raise ConfigError(f"{extra}: scenario file not found")
        out[extra.stem] = read_preset(extra)
    for p in sorted(folder.glob("*.toml")):
        out.setdefault(p.stem, read_preset(p))
    if not out:
        raise ConfigError(f"{folder}: no teaching scenarios (*.toml) found")
    if real:
        for key, (title, description, path) in real_presets().items():
            out.setdefault(key, Preset(key=key, title=title, description=description, path=path))
    return out


def is_real(preset: Preset) -> bool:
    """Whether ``preset`` is one of the real systems (a footprint of 2016)."""
    return code_of(preset.key) is not None


@dataclass(frozen=True)
class Lever:
    """One policy lever: a :class:`Params` field with a plain-English label.

    ``setup`` levers only matter when the world is built (starting trust); changing one after
    the first month restarts the run. Every other lever takes effect at the next month
    through a ``set`` event.
    """

    name: str
    label: str
    help: str
    choices: tuple[tuple[Any, str], ...] = ()
    step: float = 0.05
    setup: bool = False

    @property
    def kind(self) -> str:
        """``float``, ``bool`` or ``choice``."""
        ann = Params.model_fields[self.name].annotation
        if ann is bool:
            return "bool"
        return "choice" if self.choices else "float"

    @property
    def bounds(self) -> tuple[float, float]:
        """(low, high) of a numeric lever, read from the parameter's own constraints."""
        return param_bounds()[self.name]

    def check(self, value: Any) -> Any:
        """The value, validated as the model would; ConfigError if it is not allowed."""
        try:
            return getattr(Params(**{self.name: value}), self.name)
        except ValueError as exc:
            first = str(exc).splitlines()
            raise ConfigError(f"lever '{self.name}': {value!r} is not allowed "
                              f"({first[-1].strip() if first else 'invalid'})") from None


LEVERS: tuple[Lever, ...] = (
    Lever("reg_intensity", "How hard the regulators push",
          "0 is a light touch; 1 is intensive oversight. Pushing hard on organisations makes "
          "leaders guard their own books and makes interventions in failing bodies likelier; "
          "pushing hard on systems speeds commitment."),
    Lever("reg_focus", "What the regulators look at",
          "0: each organisation's own finances and targets. 1: how the system performs as a "
          "whole. Organisation-focused regulation pulls leaders back into their silos."),
    Lever("leader_tenure_years", "How long chief executives stay (years)",
          "Average years in post. Short tenures mean frequent departures; each successor keeps "
          "only part of the predecessor's relationships and may put commitments under review.",
          step=0.5),
    Lever("incentive", "How the sustainability money is paid",
          "Money for hitting a shared system control total. Proportional: each member gets "
          "its share for what it delivers. All or nothing: everyone loses it if anyone misses.",
          choices=(("proportional", "in proportion"), ("all_or_nothing", "all or nothing"))),
    Lever("payment", "How hospitals are paid",
          "Payment by results pays hospitals per patient treated, so moving care out of "
          "hospital costs them money. A block contract pays a fixed sum; blended is between.",
          choices=(("pbr", "payment by results"), ("blended", "blended"), ("block", "block contract"))),
    Lever("shared_data", "A shared data platform across the system",
          "One data set for everyone: the facts speak for themselves, contact is easier and "
          "peer pressure works faster."),
    Lever("initial_trust", "Starting trust between organisations",
          "Mean trust on every working tie at month 0 (0 none, 1 complete), before history "
          "(hostility or prior collaboration) is applied. Changing it restarts the run.",
          setup=True),
)
LEVER_BY_NAME = {lv.name: lv for lv in LEVERS}


@dataclass(frozen=True)
class EventButton:
    """One facilitator button and the model event it queues for the next month.

    ``target`` says what the facilitator picks: an organisation (``org``), a council
    (``council``), the system (``system``) or nothing (``none``).
    """

    kind: str
    label: str
    help: str
    target: str
    short: str


EVENT_BUTTONS: tuple[EventButton, ...] = (
    EventButton("resignation", "A chief executive resigns",
                "The chosen organisation's chief executive leaves next month. The successor "
                "inherits only part of the relationships and may review the commitment.",
                "org", "resigns"),
    EventButton("deficit_shock", "A deficit lands",
                "The chosen organisation finds a deficit for six months: its books look worse, "
                "and a deficit inside a shared control total strains trust.", "org", "deficit"),
    EventButton("deadline", "The centre announces a deadline",
                "Every system must be integrated within two years. Resisters become constructive "
                "within months - but commitments made under a deadline are more fragile.",
                "none", "deadline"),
    EventButton("intervention", "A regulator intervenes",
                "The regulator puts the chosen organisation under statutory intervention: it "
                "leaves the shared arrangements and may lose its chief executive.",
                "org", "intervention"),
    EventButton("council_party_change", "A council changes party",
                "The chosen council changes political control: the new administration withdraws "
                "from the partnership while it reviews it, under a new leader.",
                "council", "new party"),
    EventButton("shared_data", "A shared data platform goes live",
                "A single shared data set goes live across the system from next month.",
                "system", "shared data"),
)
EVENT_BY_KIND = {ev.kind: ev for ev in EVENT_BUTTONS}
