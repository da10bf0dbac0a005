"""Experiment specs: a TOML file that says which runs a sweep makes (format: configs/experiments/README.md).

A spec names one scenario file or several (a categorical factor), the factors that vary
(explicit values or ranges, by default the parameter's own bounds), the design that samples
them (factorial, lhs, sobol, morris), replicates, the root seed, a years override, fixed
overrides, the outputs to keep, an optional follow-up stage (Sobol on the factors a Morris
screen ranks highest), what the report draws, and a ``[quick]`` table for a small version.

:func:`load_spec` validates everything before a single run starts; every problem is a
:class:`~simulation.errors.ConfigError` naming the file, the key and the problem.
"""

from __future__ import annotations

import glob
import re
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.functional_validators import BeforeValidator

from simulation.configs import find_config
from simulation.errors import ConfigError, did_you_mean
from simulation.params import param_bounds
from simulation.scenario import Scenario, load_scenario, read_toml

from .custom import Custom
from .unions import plain_scalars, untangle

Value = bool | int | float | str
#: ``[low, high]``: TOML's array read as a pair (in strict models only tuples are tuples).
Pair = Annotated[tuple[float, float], BeforeValidator(lambda v: tuple(v) if isinstance(v, list) else v)]
DESIGNS = ("factorial", "lhs", "sobol", "morris")
#: How deep in building specs' tables this thread is (``_Checked.__init__``).
_BUILDING: ContextVar[int] = ContextVar("spec_building", default=0)
OUTPUTS = ("national", "systems", "events")


class _Checked(BaseModel):
    """A model that, built in code (``Spec(...)``), reports bad arguments as a file's keys are
    reported: one ConfigError naming the key and the problem (not pydantic's ValidationError).
    Strict: a key takes its own type only (``replicates = "3"`` and ``root_seed = true`` are
    refused, not read as 3 and 1); a whole number is still a number where one is asked for."""

    model_config = ConfigDict(strict=True)
    _plain = model_validator(mode="before")(plain_scalars)

    def __init__(self, **data: Any) -> None:
        # Pydantic builds a nested table (or a file's whole spec, read_spec) through this
        # __init__ too: there its errors go on, keeping their keys' place, to be told once.
        depth = _BUILDING.set(_BUILDING.get() + 1)
        try:
            super().__init__(**data)
        except ValidationError as err:
            if _BUILDING.get() > 1:
                raise
            raise ConfigError(_format(err, type(self).__name__, type(self))) from None
        finally:
            _BUILDING.reset(depth)


class Factor(_Checked):
    """One varying key: explicit ``values``, or a ``range`` (with ``levels`` for factorial)."""

    model_config = ConfigDict(extra="forbid")
    values: list[Value] | None = Field(None, min_length=1, description="explicit values")
    range: Pair | None = Field(None, description="[low, high] for sampled designs")
    levels: int | None = Field(None, ge=2, le=50, description="factorial: evenly spaced values in range")

    @model_validator(mode="after")
    def _one_kind(self) -> Factor:
        if self.values is not None and (self.range is not None or self.levels is not None):
            raise ValueError("give either 'values' or 'range' (with optional 'levels'), not both")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"range must be [low, high] with low < high, got {list(self.range)}")
        return self


class FollowUp(_Checked):
    """A second stage: a design over the ``top`` factors of the first stage, ranked by Morris mu*."""

    model_config = ConfigDict(extra="forbid")
    design: Literal["sobol", "lhs", "morris"] = "sobol"
    samples: int = Field(64, ge=1, le=100_000, description="base samples N (sobol: a power of two)")
    top: int = Field(10, ge=1, le=100, description="how many of the first stage's factors to keep")
    outcome: str = Field("months_to_half_integrated", description="summary column that ranks factors")
    second_order: bool = Field(True, description="sobol: also sample second-order indices")
    replicates: int = Field(1, ge=1, le=1000)


class Posterior(_Checked):
    """The ``[posterior]`` table: cross every design point with ``draws`` parameter sets
    resampled (by weight, reproducibly from ``seed``) from a calibration's ``posterior.csv``;
    a draw's parameters override the scenario's (``experiments/sweeps/overlays.py``)."""

    model_config = ConfigDict(extra="forbid")
    file: str = Field(description="posterior CSV (a 'weight' column and one per parameter), "
                                  "relative to the spec file")
    draws: int = Field(ge=1, le=10_000, description="parameter sets drawn from the posterior")
    seed: int | None = Field(None, ge=0, lt=2**63, description="seed of the draws (default: root_seed)")


class Discover(_Checked):
    """``[analysis] discover``: the case of interest of ``drumbeat discover`` (scenario discovery),
    fixed before the sweep runs: a run is a case where ``outcome op value`` holds."""

    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(description="summary column, e.g. months_to_half_integrated")
    op: Literal[">=", "<=", ">", "<"] = Field(description="how the column is held against value")
    value: float = Field(strict=True, description="the threshold (a number), pre-registered")


class Analysis(_Checked):
    """What ``drumbeat report`` draws (all optional; defaults follow the factors)."""

    model_config = ConfigDict(extra="forbid")
    outcome: str = Field("months_to_half_integrated", description="main summary outcome")
    also: list[str] = Field(default_factory=list,
                            description="further outcomes for the sensitivity indices (Morris, Sobol')")
    heatmap: list[str] | None = Field(None, min_length=2, max_length=3,
                                      description="[x, y] or [x, y, facet] factor names")
    spread_by: str | None = Field(None, description="factor (or 'scenario') whose levels get a spread curve")
    spread_where: dict[str, Value] = Field(default_factory=dict,
                                           description="spread curves: only runs with these factor values")
    group_by: list[str] | None = Field(None, description="factors that define the findings table rows")
    note: str = Field("", description="a paragraph printed under the findings (caveats, reading guide)")
    discover: Discover | None = Field(None, description="drumbeat discover's pre-registered outcome")


class Quick(_Checked):
    """The ``[quick]`` table: a small version of the same experiment (``--quick``)."""

    model_config = ConfigDict(extra="forbid")
    replicates: int | None = Field(None, ge=1, le=1000)
    years: float | None = Field(None, gt=0, le=50)
    samples: int | None = Field(None, ge=1, le=100_000)
    levels: int | None = Field(None, ge=1, le=50, description="most values kept per factorial factor")
    scenarios: int | None = Field(None, ge=1, description="keep the first N scenarios")
    followup_samples: int | None = Field(None, ge=1, le=100_000)
    followup_top: int | None = Field(None, ge=1, le=100)
    fixed: dict[str, Value] = Field(default_factory=dict, description="extra overrides, e.g. a smaller world")
    posterior_draws: int | None = Field(None, ge=1, le=10_000, description="draws of [posterior] kept")
    variants: int | None = Field(None, ge=1, description="keep the first N [variants]")


class Spec(_Checked):
    """A validated experiment spec (as written; see :func:`resolve` for the effective one)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="short name; default output folder")
    description: str = ""
    scenario: str | None = Field(None, description="one scenario file, relative to the spec file")
    scenarios: list[str] | None = Field(None, min_length=1, description="several scenario files (or globs)")
    design: Literal["factorial", "lhs", "sobol", "morris"] = "factorial"
    samples: int | None = Field(None, ge=1, le=100_000,
                                description="lhs: points; sobol: base samples N; morris: trajectories r")
    levels: int = Field(4, ge=2, le=50,
                        description="morris: grid levels; factorial: default levels of a range")
    second_order: bool = Field(True, description="sobol: sample for second-order indices too")
    replicates: int = Field(1, ge=1, le=10_000)
    root_seed: int = Field(1, ge=0, lt=2**63)
    years: float | None = Field(None, gt=0, le=50, description="override of every scenario's years")
    outputs: list[Literal["national", "systems", "events"]] = Field(default_factory=lambda: ["national"])
    all_params: bool = Field(False, description="every swept parameter of simulation.params is a factor")
    exclude: list[str] = Field(default_factory=list, description="with all_params: parameters left out")
    fixed: dict[str, Value] = Field(default_factory=dict, description="overrides applied to every run")
    factors: dict[str, Factor | list[Value]] = Field(default_factory=dict)
    followup: FollowUp | None = None
    posterior: Posterior | None = Field(None, description="cross the design with posterior draws")
    variants: dict[str, dict[str, Value]] | None = Field(
        None, description="named sets of overrides; every design point is run once under each")
    analysis: Analysis = Field(default_factory=Analysis)
    quick: Quick = Field(default_factory=Quick)
    custom: Custom | None = Field(None, description="the sweep's own outcomes, policy, model")

    @field_validator("factors")
    @classmethod
    def _normalise(cls, v: dict[str, Factor | list[Value]]) -> dict[str, Factor]:
        out = {}
        for k, f in v.items():
            if isinstance(f, list):
                if not f:
                    raise ValueError(f"factor '{k}': empty list of values")
                f = Factor(values=f)
            out[k] = f
        return out

    @model_validator(mode="after")
    def _coherent(self) -> Spec:
        if (self.scenario is None) == (self.scenarios is None):
            raise ValueError("give exactly one of 'scenario' (a file) or 'scenarios' (a list of files)")
        if not self.factors and not self.all_params:
            raise ValueError("no factors: add a [factors] table or set all_params = true")
        if self.design != "factorial" and self.samples is None:
            raise ValueError(f"design '{self.design}' needs 'samples'")
        if self.design == "factorial" and self.all_params:
            raise ValueError("all_params needs a sampled design (lhs, sobol or morris), not factorial")
        if self.followup is not None and self.design != "morris":
            raise ValueError("[followup] ranks factors by Morris mu*: it needs design = 'morris'")
        for n in (self.samples, self.quick.samples):
            if self.design == "sobol" and n is not None and n & (n - 1):
                raise ValueError(f"sobol 'samples' must be a power of two (Saltelli/Sobol'), got {n}")
        for n in (self.followup.samples if self.followup else None, self.quick.followup_samples):
            if self.followup and self.followup.design == "sobol" and n is not None and n & (n - 1):
                raise ValueError(f"followup sobol 'samples' must be a power of two, got {n}")
        if self.followup is not None and (self.posterior is not None or self.variants is not None):
            raise ValueError("[followup] cannot be combined with [posterior] or [variants]")
        if self.design in ("sobol", "morris") and (self.posterior is not None or self.variants is not None):
            raise ValueError(f"design '{self.design}' cannot be crossed with [posterior] or "
                             "[variants] (its indices need its own points); use factorial or lhs")
        if self.variants is not None:
            if not self.variants:
                raise ValueError("variants: empty table; name at least one variant")
            for name in self.variants:
                if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
                    raise ValueError(f"variants: name '{name}' may hold only letters, digits, _ . -")
        return self


def _format(err: ValidationError, source: str, top: type[BaseModel] | None = None) -> str:
    """One line: ``source: key: problem; key: problem`` (each problem once)."""
    problems = []
    for e in untangle(err.errors()):
        loc = ".".join(str(p) for p in e["loc"])
        if e["type"] == "extra_forbidden":
            model = {"followup": FollowUp, "analysis": Analysis, "quick": Quick,
                     "posterior": Posterior, "custom": Custom}.get(str(e["loc"][0]), Spec)
            if top is not None and top is not Spec:  # a part built on its own: its own keys
                model = top
            elif tuple(map(str, e["loc"][:2])) == ("analysis", "discover"):
                model = Discover
            elif str(e["loc"][0]) == "factors":
                model = Factor
            problems.append(f"unknown key '{loc}'{did_you_mean(loc, model.model_fields)}; "
                            f"valid keys here: {', '.join(model.model_fields)}")
        elif e["type"] in ("value_error", "assertion_error"):
            problems.append(f"{loc or '(top level)'}: {e['msg'].removeprefix('Value error, ')}")
        else:
            problems.append(f"{loc or '(top level)'}: {e['msg']} (got {e.get('input')!r})")
    return f"{source}: " + "; ".join(dict.fromkeys(problems))


def read_spec(path: str | Path) -> Spec:
    """Read and validate the spec file itself (not yet its scenarios and factor keys)."""
    p = Path(path)
    data = read_toml(p, "experiment spec")
    return validate_spec(data, str(p))


def validate_spec(data: dict[str, Any], source: str) -> Spec:
    """A Spec from a file's (or a variant's) data; every problem in one ConfigError naming
    ``source`` and the keys, each problem once."""
    depth = _BUILDING.set(_BUILDING.get() + 1)
    try:
        return Spec.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_format(err, source)) from None
    finally:
        _BUILDING.reset(depth)


def scenario_files(spec: Spec, base: Path, source: str) -> list[str]:
    """The spec's scenario files as written (globs expanded, sorted), relative to ``base``."""
    out: list[str] = []
    for entry in ([spec.scenario] if spec.scenario is not None else spec.scenarios or []):
        if any(c in entry for c in "*?["):
            hits = sorted(glob.glob(entry, root_dir=base))
            if not hits:
                raise ConfigError(f"{source}: scenarios: pattern '{entry}' matches no file")
            out.extend(hits)
        else:
            out.append(entry)
    if len(set(out)) != len(out):
        raise ConfigError(f"{source}: scenarios: a file is listed twice")
    return out


def factor_values(name: str, f: Factor, default_levels: int) -> list[Value]:
    """Values of a factorial factor: explicit, or evenly spaced over its range."""
    if f.values is not None:
        return list(f.values)
    lo, hi = f.range if f.range is not None else param_bounds()[name]
    n = f.levels or default_levels
    return [lo + (hi - lo) * i / (n - 1) for i in range(n)]


def thin(values: list[Value], keep: int) -> list[Value]:
    """At most ``keep`` of ``values``, evenly spaced, ends first (quick factorial designs)."""
    if keep >= len(values):
        return values
    if keep == 1:
        return [values[len(values) // 2]]
    idx = sorted({round(i * (len(values) - 1) / (keep - 1)) for i in range(keep)})
    return [values[i] for i in idx]


def _check_key(scn: Scenario, key: str, value: Any, source: str) -> None:
    try:
        scn.with_overrides({key: value}, source=source)
    except ConfigError as exc:
        raise ConfigError(str(exc)) from None


def with_run_overrides(spec: Spec, scenarios: dict[str, Scenario], source: str) -> dict[str, Scenario]:
    """``scenarios`` as every run of ``spec`` takes them: its fixed keys and years applied at
    once, as ``drumbeat run --set`` applies its keys (``Scenario.with_overrides``), so keys
    that hold only together (``{n_systems = 6, ccgs = 30}``) are taken together.

    Raises:
        ConfigError: the overrides refused, naming ``source: fixed``.
    """
    overrides = {**spec.fixed, **({"years": spec.years} if spec.years is not None else {})}
    if not overrides:
        return dict(scenarios)
    return {k: s.with_overrides(overrides, source=f"{source}: fixed") for k, s in scenarios.items()}


def is_world_key(key: str) -> bool:
    """Whether a design key changes the world the model builds (see Scenario.with_overrides)."""
    from simulation.params import Params
    from simulation.scenario import Meta, WorldSpec

    if "." in key:
        return key.startswith("world.")
    return key in WorldSpec.model_fields and key not in Params.model_fields and key not in Meta.model_fields


def check_against(spec: Spec, scenarios: dict[str, Scenario], source: str) -> None:
    """Refuse factor, fixed and exclude keys the scenarios cannot take, or values out of range:
    the fixed keys (and years) together, the full spec's and the ``[quick]`` one's, then each
    factor's values on the scenarios as the runs take them."""
    bounds = param_bounds()
    fixed = with_run_overrides(spec, scenarios, source)
    if spec.quick.fixed or spec.quick.years is not None:
        quick = spec.model_copy(update={"fixed": {**spec.fixed, **spec.quick.fixed},
                                        "years": spec.quick.years or spec.years})
        with_run_overrides(quick, scenarios, f"{source}: quick")
    any_scn = next(iter(fixed.values()))
    for k in spec.exclude:
        if k not in bounds:
            raise ConfigError(f"{source}: exclude: '{k}' is not a swept parameter"
                              f"{did_you_mean(k, bounds)}; valid: {', '.join(bounds)}")
    coupled = sum(map(is_world_key, spec.factors)) > 1  # world keys that may hold only together
    for name, f in spec.factors.items():
        where = f"{source}: factors.{name}"
        if f.values is None and f.range is None and name not in bounds:
            raise ConfigError(f"{where}: has no default range (not a swept numeric parameter); "
                              "give 'values' or 'range'")
        if spec.design != "factorial" and f.values is not None:
            raise ConfigError(f"{where}: design '{spec.design}' samples ranges; give 'range' "
                              "(or nothing, for the parameter's bounds), not 'values'")
        for v in [] if coupled and is_world_key(name) else _probes(spec, name, f, bounds):
            _check_key(any_scn, name, v, where)  # (coupled ones: at every design point, preflight)
    _check_analysis(spec, source)


def _probes(spec: Spec, name: str, f: Factor, bounds: dict[str, tuple[float, float]]) -> list[Value]:
    """Values to try a factor with before any run: every value a factorial design will use;
    for a sampled range its ends and its middle too (a whole-number key given a range then
    fails here, not in the middle of the sweep)."""
    if f.values is not None:
        return list(f.values)
    if spec.design == "factorial":
        return factor_values(name, f, spec.levels)
    lo, hi = f.range or bounds[name]
    return [lo, hi, (lo + hi) / 2]


def _check_analysis(spec: Spec, source: str) -> None:
    """The ``[analysis]`` table may name only factors (and ``scenario``)."""
    names = set(spec.factors) | (set(param_bounds()) if spec.all_params else set())
    an = spec.analysis
    used = {"heatmap": an.heatmap or [], "spread_by": [an.spread_by] if an.spread_by else [],
            "spread_where": list(an.spread_where), "group_by": an.group_by or []}
    for key, items in used.items():
        for name in items:
            if name not in names and not (name == "scenario" and key in ("spread_by", "group_by")):
                raise ConfigError(f"{source}: analysis.{key}: '{name}' is not a factor of this "
                                  f"spec{did_you_mean(name, names)}; "
                                  f"factors: {', '.join(spec.factors) or '(all parameters)'}")


def load_spec(path: str | Path) -> tuple[Spec, dict[str, Scenario]]:
    """Read a spec (a file, or the name of a shipped one) and its scenarios; check every key
    and value against them.

    Returns:
        The spec and ``{file as written: Scenario}`` in spec order (before overrides).

    Raises:
        ConfigError: anything wrong, naming the spec file, the key and the problem.
    """
    p = find_config(path, "experiments")
    spec = read_spec(p)
    return spec, spec_scenarios(spec, p.parent, str(p))


def spec_scenarios(spec: Spec, base: Path, source: str) -> dict[str, Scenario]:
    """The scenarios of a validated spec, checked against its factors and fixed keys.

    Args:
        spec: the spec (read from a file, or built in code).
        base: the folder scenario paths are relative to (the spec file's; the current
            folder for a spec built in code). A name such as ``"baseline"`` that is no file
            there is a shipped scenario.
        source: how messages name the spec.
    """
    scenarios: dict[str, Scenario] = {}
    for entry in scenario_files(spec, base, source):
        file = base / entry
        if not file.is_file():
            file = find_config(entry, "scenarios")
        if not file.is_file():
            raise ConfigError(f"{source}: scenario{'s' if spec.scenarios else ''}: file '{entry}' not found "
                              f"(paths are relative to the spec file)")
        scenarios[entry] = load_scenario(file)
    check_against(spec, scenarios, source)
    return scenarios
