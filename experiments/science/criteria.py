"""The validation criteria file (``configs/validation/patterns.toml``), read and checked.

The patterns, their arms and checks with every tolerance, the alternative model each should
reject and how a fair alternative is re-tuned are data, committed before the runs that judge
them; :func:`load` validates the file (one :class:`~simulation.ConfigError` naming the file
and the key for any mistake) and :func:`digest` gives the SHA-256 the scorecard records.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from simulation.configs import shipped
from simulation.errors import ConfigError, did_you_mean
from simulation.params import Params
from simulation.scenario import read_toml

CRITERIA = "configs/validation/patterns.toml"
BASELINE = "configs/scenarios/baseline.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sizes(_Strict):
    """Replicates per arm at CI size and at full size."""

    ci: int = Field(ge=2)
    full: int = Field(ge=2)


class ArmDef(_Strict):
    """A scenario file, parameter overrides and injected events."""

    scenario: str = BASELINE
    overrides: dict[str, Any] = Field(default_factory=dict)
    events: list[dict[str, Any]] = Field(default_factory=list)


class AlternativeDef(_Strict):
    """A rival model: overrides that switch a mechanism off, and its one free rate."""

    title: str
    description: str
    overrides: dict[str, Any]
    free_rate: str


class CheckDef(_Strict):
    """One statistical claim (see :mod:`experiments.science.judge`)."""

    kind: Literal["greater", "less", "band", "median"]
    metric: str
    arm: str
    text: str
    other_metric: str | None = None
    other_arm: str | None = None
    min_effect: float = 0.0
    lo: float = -math.inf
    hi: float = math.inf
    share: float = Field(0.8, gt=0.0, le=1.0)
    #: counted (emergent), held_out (a fact the calibration did not see: counted) or fitted
    #: (a fact the calibration was fitted to: shown, not counted)
    status: Literal["counted", "held_out", "fitted"] = "counted"


class PatternDef(_Strict):
    """One pattern: arms, checks, its alternative and the arm the alternative is tuned on."""

    id: int = Field(ge=1)
    title: str
    claim: str
    sources: str
    arms: list[str] = Field(min_length=1)
    alternative: str
    match: str
    match_metric: str | None = None   # default: [tuning] metric
    replicates: Sizes
    figure: str = ""
    verification: list[str] = Field(default_factory=list)
    check: list[CheckDef] = Field(min_length=1)

    @model_validator(mode="after")
    def _checks_use_own_arms(self) -> PatternDef:
        for c in self.check:
            for a in (c.arm, c.other_arm):
                if a is not None and a not in self.arms:
                    raise ValueError(f"pattern {self.id}: check '{c.text[:40]}' uses arm '{a}', "
                                     f"not one of its arms {self.arms}")
            if c.kind in ("greater", "less") and not (c.other_metric or c.other_arm):
                raise ValueError(f"pattern {self.id}: a '{c.kind}' check needs other_metric or "
                                 "other_arm")
        if not any(c.status != "fitted" for c in self.check):
            raise ValueError(f"pattern {self.id}: every check is fitted; nothing is left to judge")
        return self


class Tuning(_Strict):
    """How an alternative's free rate is re-tuned to the full model's final integrated share."""

    metric: str = "share_integrated_end"
    replicates: Sizes
    refine: int = Field(4, ge=0, le=20)
    tolerance: float = Field(gt=0.0, le=1.0)
    grid: dict[str, list[float]]


class Criteria(_Strict):
    """The whole file."""

    tuning: Tuning
    alternatives: dict[str, AlternativeDef]
    arms: dict[str, ArmDef]
    pattern: list[PatternDef] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> Criteria:
        params = set(Params.model_fields)
        ids = [p.id for p in self.pattern]
        if len(set(ids)) != len(ids):
            raise ValueError(f"pattern ids repeat: {ids}")
        for name, alt in self.alternatives.items():
            if alt.free_rate not in self.tuning.grid:
                raise ValueError(f"alternatives.{name}.free_rate: '{alt.free_rate}' has no grid "
                                 f"in [tuning.grid] (has {sorted(self.tuning.grid)})")
            bad = sorted(set(alt.overrides) - params)
            if bad:
                raise ValueError(f"alternatives.{name}.overrides: unknown parameter '{bad[0]}'"
                                 + did_you_mean(bad[0], params))
        for rate, values in self.tuning.grid.items():
            if rate not in params:
                raise ValueError(f"tuning.grid: unknown parameter '{rate}'" + did_you_mean(rate, params))
            if len(values) < 2 or sorted(values) != values:
                raise ValueError(f"tuning.grid.{rate}: needs two or more values in increasing order")
        for p in self.pattern:
            for a in [*p.arms, p.match]:
                if a not in self.arms:
                    raise ValueError(f"pattern {p.id}: unknown arm '{a}'" + did_you_mean(a, self.arms))
            if p.alternative not in self.alternatives:
                raise ValueError(f"pattern {p.id}: unknown alternative '{p.alternative}'"
                                 + did_you_mean(p.alternative, self.alternatives))
        return self


def path() -> Path:
    """The criteria file shipped with the project."""
    return shipped(CRITERIA)


def load(file: str | Path | None = None) -> Criteria:
    """Read and validate the criteria file (default: the shipped one).

    Raises:
        ConfigError: the file is missing, is not TOML, or breaks the schema (the message names
            the file and the key).
    """
    where = Path(file) if file is not None else path()
    raw = read_toml(where, "validation criteria")
    try:
        return Criteria.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(f"{where}: " + "; ".join(_problem(e) for e in err.errors())) from None


def _problem(e: dict[str, Any]) -> str:
    """One pydantic error as ``key: problem``, with a suggestion for an unknown key."""
    loc = ".".join(str(p) for p in e["loc"])
    if e["type"] == "extra_forbidden":
        return f"unknown key '{loc}'"
    msg = e["msg"].removeprefix("Value error, ")
    return f"{loc or '(top level)'}: {msg}" + (f" (got {e.get('input')!r})"
                                               if e["type"] != "value_error" else "")


def digest(file: str | Path | None = None) -> str:
    """SHA-256 of the criteria file's bytes (recorded in the scorecard)."""
    where = Path(file) if file is not None else path()
    return hashlib.sha256(where.read_bytes()).hexdigest()
