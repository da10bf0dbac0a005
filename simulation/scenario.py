"""Scenarios: a TOML file validated into one object (parameters, world, dated events).

A scenario file has four parts::

    [scenario]   name, description, start (YYYY-MM), years
    [params]     any field of :class:`simulation.params.Params`
    [world]      how the organisations and systems are built (synthetic England or listed systems)
    [[system]]   (explicit worlds) one table per system, with its organisation counts
    [[event]]    dated events: policy announcements, shocks, resignations (see ``events.py``)

A file may begin with ``extends = "NAME"`` to take a shipped scenario's tables and change
only what it gives (``configs/scenarios/england_real.toml`` extends ``england_2014``).

:func:`load_scenario` reads and validates a file; every problem becomes a
:class:`~simulation.errors.ConfigError` naming the file, the key and the problem.
Overrides (``--set key=value``) address a parameter by its bare name (``reg_intensity``),
or any key by its dotted path (``scenario.years``, ``world.n_systems``).
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .configs import find_config, scenario_table
from .configs import read_toml as read_toml
from .errors import ConfigError, did_you_mean
from .params import FIXED, REMOVED, Params
from .providers import exact_trusts, fewest_trusts
from .strict import check_table as _check_table
from .strict import is_number as _is_number
from .strict import strict_value as strict_value

ORG_KINDS = (
    "acute", "acute_community", "community", "mental_health", "community_mh", "ambulance",
    "specialist", "ccg", "council", "district", "gp_federation", "other_provider",
)
EVENT_KINDS = (
    "designation_wave", "deadline", "statute", "one_ccg_per_system", "set", "resignation",
    "deficit_shock", "intervention", "council_party_change", "shared_data", "edict",
    "pressure",
)


#: Range of an event's ``value`` by kind (``set``: as its parameter; other kinds take none).
EVENT_VALUE_RANGE = {"deficit_shock": (0.0, 100.0), "pressure": (0.0, 1.0)}  # GBP m a month; share


def _month(value: str) -> tuple[int, int]:
    try:
        y, m = (int(x) for x in value.split("-"))
    except ValueError:
        raise ValueError(f"'{value}' is not a date of the form YYYY-MM") from None
    if not 1 <= m <= 12 or not 1900 <= y <= 2200:
        raise ValueError(f"'{value}' is not a date of the form YYYY-MM")
    return y, m


class Meta(BaseModel):
    """The ``[scenario]`` table."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field("unnamed", description="short name used in output files")
    description: str = Field("", description="one paragraph shown to users (e.g. in the teaching app)")
    start: str = Field("2014-04", description="calendar month of step 0 (YYYY-MM)")
    years: float = Field(10.0, gt=0, le=50, description="simulated years (12 steps a year)")

    @field_validator("start")
    @classmethod
    def _check_start(cls, v: str) -> str:
        _month(v)
        return v

    @field_validator("years")
    @classmethod
    def _a_month_at_least(cls, v: float) -> float:
        if round(v * 12) < 1:  # Scenario.steps
            raise ValueError(f"{v:g} years is less than a month (0 monthly steps); give at least 1/12")
        return v


class SystemSpec(BaseModel):
    """One system footprint (STP/ICS) of an explicit world."""

    model_config = ConfigDict(extra="forbid")
    name: str
    population: int = Field(800_000, ge=10_000, le=10_000_000, description="people served")
    lead: Literal["ccg", "acute", "council", "nhse"] = Field(
        "ccg", description="whose leader chairs the system (002:1581-1892)")
    prior_collaboration: float = Field(0.0, ge=0, le=1, description="vanguard/devolution head start (0-1). 002:1026")  # noqa: E501
    hostility: float = Field(0.0, ge=0, le=1, description="long-standing hostility between members (0-1). 000:660")  # noqa: E501
    orgs: dict[str, int] = Field(description="organisation counts by kind")
    names: dict[str, list[str]] = Field(default_factory=dict, description="optional display names by kind")  # noqa: E501
    footprint: str | None = Field(None, description="ONS code of its real footprint: population and acute trust and CCG names from the panel (configs/england)")  # noqa: E501
    members: list[str] | None = Field(None, description="with footprint: the ODS codes of its acute trusts and CCGs, for a system inside a footprint")  # noqa: E501

    @model_validator(mode="before")
    @classmethod
    def _from_panel(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("footprint") is not None:
            from .footprints import panel_system  # reads the panel: only when asked for

            return panel_system(data)
        if isinstance(data, dict) and data.get("members") is not None:
            raise ValueError("members needs footprint (the footprint they belong to)")
        return data

    @field_validator("orgs")
    @classmethod
    def _check_orgs(cls, v: dict[str, int]) -> dict[str, int]:
        for k, n in v.items():
            if k not in ORG_KINDS:
                raise ValueError(f"unknown organisation kind '{k}'; valid kinds: {', '.join(ORG_KINDS)}")  # noqa: E501
            if not 0 <= n <= 60:
                raise ValueError(f"count of '{k}' must be between 0 and 60, got {n}")
        if sum(v.values()) < 2:
            raise ValueError("a system needs at least two organisations")
        return v


class WorldSpec(BaseModel):
    """The ``[world]`` table: a synthetic England built from the seed, or the listed systems."""

    model_config = ConfigDict(extra="forbid")
    generator: Literal["england", "england_real", "explicit"] = Field("england", description="england: synthetic national world; england_real: the 44 real footprints of 2016 from the panel (configs/england); explicit: the [[system]] tables")  # noqa: E501
    n_systems: int = Field(42, ge=1, le=60, description="number of system footprints (44 STPs 2016, 42 ICSs 2021). 002:1399, 001:2")  # noqa: E501
    trusts: int = Field(238, ge=1, le=400, description="NHS provider trusts nationally (2016/17)")
    ccgs: int = Field(211, ge=1, le=300, description="CCGs nationally at the start (211 in 2013). 000:614, 003:28")  # noqa: E501
    councils: int = Field(152, ge=0, le=300, description="upper-tier councils nationally")
    districts: int = Field(150, ge=0, le=300, description="district councils included")
    straddle_share: float = Field(0.15, ge=0, le=1, description="share of upper-tier councils that sit in two systems. 000:396, 003:33")  # noqa: E501
    hostile_share: float = Field(0.1, ge=0, le=1, description="share of systems with long-standing hostility. 000:660")  # noqa: E501
    prior_collab_share: float = Field(0.25, ge=0, le=1, description="share of systems with a vanguard/devolution head start. 002:1026")  # noqa: E501
    regions: int = Field(7, ge=1, le=10, description="NHS England / Improvement regions. 000:480")

    @model_validator(mode="after")
    def _enough(self) -> WorldSpec:
        if self.generator == "england" and self.ccgs < self.n_systems:
            raise ValueError("world.ccgs must be at least world.n_systems (one commissioner per system)")  # noqa: E501
        if self.generator == "england" and not exact_trusts(self.trusts, self.n_systems):
            raise ValueError(f"world.trusts = {self.trusts} is too few for {self.n_systems} systems (an "
                             f"acute trust each, other kinds in proportion): give at least "
                             f"{fewest_trusts(self.n_systems)}")
        if self.generator == "england_real":
            from .footprints import check_real_world  # reads the panel: only when asked for

            check_real_world(self)
        return self



class EventSpec(BaseModel):
    """One dated event (see ``simulation.events`` for what each kind does)."""

    model_config = ConfigDict(extra="forbid")
    date: str | None = Field(None, description="calendar month YYYY-MM")
    month: int | None = Field(None, ge=0, description="step number, instead of date")
    kind: str
    target: str | None = Field(None, description="organisation or system name; empty means all")
    value: float | str | bool | None = Field(None, description="set: new value; deficit_shock: GBP m/month; pressure: share crowded out")  # noqa: E501
    param: str | None = Field(None, description="set: the parameter to change")
    due: str | None = Field(None, description="deadline: the month (YYYY-MM) by which every system is asked to be ready; its pull fades after it")  # noqa: E501
    months: int | None = Field(None, ge=1, le=120, description="duration in months (shocks, pressure)")
    note: str = Field("", description="why, in plain English, for the event log")

    @field_validator("kind")
    @classmethod
    def _check_kind(cls, v: str) -> str:
        if v not in EVENT_KINDS:
            raise ValueError(f"unknown event kind '{v}'; valid kinds: {', '.join(EVENT_KINDS)}")
        return v

    @field_validator("date", "due")
    @classmethod
    def _check_date(cls, v: str | None) -> str | None:
        if v is not None:
            _month(v)
        return v

    @model_validator(mode="after")
    def _when(self) -> EventSpec:
        if (self.date is None) == (self.month is None):
            raise ValueError("an event needs exactly one of 'date' or 'month'")
        if self.kind == "set":
            if self.param in REMOVED:
                raise ValueError(f"'set' event: '{self.param}' was {REMOVED[self.param]}")
            if self.param not in Params.model_fields:
                raise ValueError(f"'set' event: unknown param '{self.param}'"
                                 f"{did_you_mean(str(self.param), Params.model_fields)}; "
                                 f"valid: {', '.join(Params.model_fields)}")
            why = strict_value(Params.model_fields[self.param].annotation, self.value)
            if why:
                raise ValueError(f"'set' event of '{self.param}': value {why}")
            Params(**{self.param: self.value})  # type and range check now, not mid-run
        elif self.param is not None:
            raise ValueError(f"event '{self.kind}' takes no 'param' (only 'set' does)")
        self._check_value()
        return self

    def _check_value(self) -> None:
        """An event's value: the right type and range for its kind, before any run."""
        if self.kind == "set" or self.value is None:
            return
        if self.kind not in EVENT_VALUE_RANGE:
            raise ValueError(f"event '{self.kind}' takes no 'value' (got {self.value!r})")
        lo, hi = EVENT_VALUE_RANGE[self.kind]
        if not _is_number(self.value) or not math.isfinite(self.value):
            raise ValueError(f"event '{self.kind}': value must be a finite number, got {self.value!r}")
        if not lo <= self.value <= hi:
            raise ValueError(f"event '{self.kind}': value must be between {lo:g} and {hi:g}, "
                             f"got {self.value!r}")


class Scenario(BaseModel):
    """A validated scenario: everything one run needs except the seed."""

    model_config = ConfigDict(extra="forbid")
    scenario: Meta = Field(default_factory=Meta)
    params: Params = Field(default_factory=Params)
    world: WorldSpec = Field(default_factory=WorldSpec)
    system: list[SystemSpec] = Field(default_factory=list)
    event: list[EventSpec] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _strict_types(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        problems = _check_table(data.get("scenario"), Meta, "scenario")
        problems += _check_table(data.get("params"), Params, "params")
        problems += _check_table(data.get("world"), WorldSpec, "world")
        for i, system in enumerate(data.get("system") or []):
            problems += _check_table(system, SystemSpec, f"system.{i}")
        if problems:
            raise ValueError("; ".join(problems))
        return data

    @model_validator(mode="after")
    def _world_consistent(self) -> Scenario:
        if self.world.generator == "explicit" and not self.system:
            raise ValueError("world.generator = 'explicit' needs at least one [[system]] table")
        names = [s.name for s in self.system]
        if len(set(names)) != len(names):
            raise ValueError("system names must be unique")
        return self

    def __repr__(self) -> str:
        """One line: name, world, period, events and the parameters changed from defaults."""
        m, w = self.scenario, self.world
        world = {"england": f"synthetic England of {w.n_systems} systems",
                 "england_real": "Real England's 44 footprints of 2016"}.get(
            w.generator, f"{len(self.system)} listed system{'s' * (len(self.system) != 1)}")
        defaults = Params().model_dump()
        changed = [f"{k}={v!r}" for k, v in self.params.model_dump().items() if v != defaults[k]]
        shown = ", ".join(changed[:4]) + (f", +{len(changed) - 4} more" if len(changed) > 4 else "")
        return (f"<Scenario {m.name!r}: {world}, from {m.start} for {m.years:g} years, "
                f"{len(self.event)} dated event{'s' * (len(self.event) != 1)}, "
                f"parameters changed: {shown or 'none'}>")

    # --- convenience ------------------------------------------------------------------
    @property
    def steps(self) -> int:
        """Number of monthly steps in a run."""
        return int(round(self.scenario.years * 12))

    def step_of(self, date: str) -> int:
        """Step number of a calendar month (YYYY-MM) relative to the start."""
        y0, m0 = _month(self.scenario.start)
        y, m = _month(date)
        return (y - y0) * 12 + (m - m0)

    def date_of(self, step: int) -> str:
        """Calendar month (YYYY-MM) of a step."""
        y0, m0 = _month(self.scenario.start)
        k = y0 * 12 + (m0 - 1) + step
        return f"{k // 12:04d}-{k % 12 + 1:02d}"

    def with_overrides(self, overrides: dict[str, Any], source: str = "--set") -> Scenario:
        """A validated copy with some keys replaced (see module docstring for key names)."""
        data = self.model_dump(mode="python")
        for key, value in overrides.items():
            _assign(data, key, value, source)
        return _validate(data, source)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, TOML-serialisable (None values dropped)."""
        return _drop_none(self.model_dump(mode="json"))

    def to_toml(self) -> str:
        """The resolved scenario as TOML text; loading it gives an equal scenario."""
        return tomli_w.dumps(self.to_dict())

    def digest(self) -> str:
        """SHA-256 of the resolved scenario, for result provenance; the validation switches
        (``NULL_SWITCHES``) enter only when off, and the rules' constants (``params.FIXED``,
        declared after results were committed) only when moved from their defaults: at their
        defaults they change no run, so earlier experiments keep their hashes."""
        data = self.to_dict()
        params = data.get("params", {})
        for name in NULL_SWITCHES:
            if params.get(name) is True:
                del params[name]
        for name in FIXED:
            if name in params and params[name] == Params.model_fields[name].default:
                del params[name]
        return hashlib.sha256(tomli_w.dumps(data).encode()).hexdigest()


def _drop_none(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _drop_none(v) for k, v in x.items() if v is not None}
    if isinstance(x, list):
        return [_drop_none(v) for v in x]
    return x


_SECTIONS = ("scenario", "params", "world")
#: Switches of the validation alternatives (``params.py``); true is the model itself.
NULL_SWITCHES = ("peer_influence", "trust_memory", "leader_ties")


def _assign(data: dict[str, Any], key: str, value: Any, source: str) -> None:
    parts = key.split(".")
    if len(parts) == 1:
        if key in Params.model_fields:
            parts = ["params", key]
        elif key in Meta.model_fields:
            parts = ["scenario", key]
        elif key in WorldSpec.model_fields:
            parts = ["world", key]
        elif key in REMOVED:
            raise ConfigError(f"{source}: '{key}' was {REMOVED[key]}")
        else:
            valid = sorted(set(Params.model_fields) | set(Meta.model_fields) | set(WorldSpec.model_fields))  # noqa: E501
            raise ConfigError(f"{source}: unknown key '{key}'{did_you_mean(key, valid)}; "
                              f"valid keys: {', '.join(valid)}")
    if len(parts) != 2 or parts[0] not in _SECTIONS:
        raise ConfigError(f"{source}: cannot set '{key}'; use a parameter name or one of "
                          f"{', '.join(s + '.KEY' for s in _SECTIONS)}")
    data.setdefault(parts[0], {})[parts[1]] = value


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse ``key=value`` from the command line; the value is read as TOML, else as a string."""
    if "=" not in text:
        raise ConfigError(f"--set {text!r}: expected KEY=VALUE")
    key, raw = (s.strip() for s in text.split("=", 1))
    if not key:
        raise ConfigError(f"--set {text!r}: empty key")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def _format_validation(err: ValidationError, source: str) -> str:
    problems = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"] if not isinstance(p, int) or True)
        if e["type"] == "extra_forbidden" and str(e["loc"][-1]) in REMOVED:
            problems.append(f"'{loc}' was {REMOVED[str(e['loc'][-1])]}")
        elif e["type"] == "extra_forbidden":
            section = e["loc"][:-1]
            model = _model_at(section)
            names = list(model.model_fields) if model else []
            problems.append(f"unknown key '{loc}'{did_you_mean(loc, names)}"
                            + (f"; valid keys here: {', '.join(names)}" if names else ""))
        else:
            msg = e["msg"].removeprefix("Value error, ")
            problems.append(f"{loc or '(top level)'}: {msg} (got {e.get('input')!r})"
                            if e["type"] != "value_error" else f"{loc or '(top level)'}: {msg}")
    return f"{source}: " + "; ".join(problems)


def _model_at(loc: tuple) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Scenario
    for part in loc:
        if isinstance(part, int) or model is None:
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        ann = field.annotation
        inner = getattr(ann, "__args__", (ann,))[0] if getattr(ann, "__origin__", None) is list else ann  # noqa: E501
        model = inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None
    return model


def _validate(data: dict[str, Any], source: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_format_validation(err, source)) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, validate and optionally override a scenario file.

    Args:
        path: TOML file, or the name of a shipped scenario (``"baseline"``, ``"teaching/two_hospitals"``).
        overrides: ``{key: value}`` as for :meth:`Scenario.with_overrides`.

    Raises:
        ConfigError: the file is missing, is not valid TOML, or fails validation.
    """
    p = find_config(path, "scenarios")
    data = scenario_table(p)
    if not data:
        raise ConfigError(f"{p}: empty scenario file (a scenario needs at least a [scenario] table)")
    scn = _validate(data, str(p))
    if overrides:
        scn = scn.with_overrides(overrides, source=f"{p} (--set)")
    return scn
