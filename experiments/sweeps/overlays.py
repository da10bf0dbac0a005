"""Overlays: every design point crossed with posterior draws (``[posterior]``) or variants
(``[variants]``), so one experiment asks its question again over parameter uncertainty or
with one rule after another switched off.

* ``[posterior]`` (``file``, ``draws`` = K, ``seed``): K parameter sets are drawn with
  replacement from the weighted particles of a calibration's ``posterior.csv`` (a ``weight``
  column and one column per parameter, as ``drumbeat calibrate`` writes it), with
  ``numpy.random.default_rng(seed)`` (``seed`` defaults to the spec's ``root_seed``): the
  same spec and file give the same draws on every machine. Each draw's parameters override
  the scenario's (and the spec's ``fixed``); a posterior parameter may not be a factor.
* ``[variants]``: named tables of overrides, e.g. ``no_outside_push = { external_push = 0.0 }``
  (``default = {}`` for the model as it is); each design point is run once under each.

The crossed design is variant by variant, then draw by draw, then the design's own points
(the slowest first), so an interrupted sweep holds whole draws and whole variants first.
A run's row records its labels (``variant``; ``posterior_draw`` and ``posterior_particle``,
the row of the file drawn) beside the values it ran with. The drawn values enter the spec
hash, so a changed posterior file is a different experiment (refused in the old folder
unless ``--force``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.errors import ConfigError, did_you_mean
from simulation.params import param_bounds
from simulation.scenario import Scenario

from .designs import Design
from .runner import ID_COLUMNS
from .spec import Posterior, Spec, Value

WEIGHT = "weight"
LABELS = ("variant", "posterior_draw", "posterior_particle")


@dataclass(frozen=True)
class Overlay:
    """What one crossing adds to every design point: labels (recorded) and overrides (applied)."""

    labels: dict[str, Value]
    overrides: dict[str, Value]


def draw_indices(weights: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """``k`` particle indices drawn with replacement, each with probability its weight's share."""
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=k, p=w / w.sum())


def read_posterior(path: Path, source: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The particles (one column per parameter) and weights of a posterior CSV.

    Raises:
        ConfigError: no such file, not a CSV, no ``weight`` column, no parameter column, a
            column that is no parameter, a value that is not a finite number, a negative
            weight or weights summing to zero.
    """
    where = f"{source}: posterior.file"
    if not path.is_file():
        raise ConfigError(f"{where}: '{path}' not found (paths are relative to the spec file)")
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: '{path}' is not a readable CSV ({type(exc).__name__})") from None
    if WEIGHT not in df.columns:
        raise ConfigError(f"{where}: '{path}' has no '{WEIGHT}' column (columns: "
                          f"{', '.join(map(str, df.columns)) or 'none'})")
    params = [c for c in df.columns if c != WEIGHT]
    bounds = param_bounds()
    unknown = [c for c in params if c not in bounds]
    if unknown:
        c = unknown[0]
        raise ConfigError(f"{where}: '{path}': column '{c}' is not a model parameter"
                          f"{did_you_mean(str(c), bounds)}")
    if not params or df.empty:
        raise ConfigError(f"{where}: '{path}' holds no parameter column or no particle")
    values = df.apply(pd.to_numeric, errors="coerce")
    if not np.isfinite(values.to_numpy(dtype=float)).all():
        raise ConfigError(f"{where}: '{path}': every value must be a finite number")
    w = values[WEIGHT].to_numpy(dtype=float)
    if (w < 0).any() or w.sum() <= 0:
        raise ConfigError(f"{where}: '{path}': weights must be non-negative with a positive sum")
    return values[params].reset_index(drop=True), w


def posterior_overlays(post: Posterior, base: Path, root_seed: int, source: str) -> list[Overlay]:
    """K draws from the posterior file, reproducibly from the spec's seed."""
    particles, w = read_posterior(base / post.file, source)
    rng = np.random.default_rng(post.seed if post.seed is not None else root_seed)
    out = []
    for k, i in enumerate(draw_indices(w, post.draws, rng).tolist()):
        row = {c: float(particles[c].iloc[i]) for c in particles.columns}
        out.append(Overlay({"posterior_draw": k, "posterior_particle": int(i)}, row))
    return out


def spec_overlays(spec: Spec, base: Path, source: str) -> list[Overlay]:
    """Every crossing of a spec (variants outer, draws inner); ``[]`` when it has neither."""
    draws = (posterior_overlays(spec.posterior, base, spec.root_seed, source)
             if spec.posterior is not None else [])
    variants = [Overlay({"variant": name}, dict(o)) for name, o in (spec.variants or {}).items()]
    if not variants:
        return draws
    if not draws:
        return variants
    return [Overlay({**v.labels, **d.labels}, {**d.overrides, **v.overrides})  # the variant wins
            for v in variants for d in draws]


def check_overlays(spec: Spec, overlays: list[Overlay], scenarios: dict[str, Scenario],
                   source: str) -> None:
    """Refuse overrides that clash with a factor (or, for the posterior, a fixed key) and
    values the scenarios cannot take."""
    clash = set(spec.factors) & set(LABELS) | set(spec.factors) & set(ID_COLUMNS)
    if clash:
        raise ConfigError(f"{source}: factors.{sorted(clash)[0]}: name clashes with a result column")
    posterior_keys = {k for o in overlays if "posterior_draw" in o.labels for k in o.overrides}
    for key in sorted(posterior_keys & (set(spec.fixed) | set(spec.factors))):
        what = "a factor" if key in spec.factors else "in fixed"
        raise ConfigError(f"{source}: posterior: parameter '{key}' is also {what}; "
                          "a draw would override it")
    for name, table in (spec.variants or {}).items():
        for key in table:
            if key in spec.factors:
                raise ConfigError(f"{source}: variants.{name}.{key}: is also a factor; "
                                  "a variant may not override the design")
    seen: set[tuple] = set()
    for o in overlays:
        items = tuple(sorted(o.overrides.items()))
        if not items or items in seen:
            continue
        seen.add(items)
        what = (f"variants.{o.labels['variant']}" if "variant" in o.labels
                else f"posterior draw {o.labels.get('posterior_draw')}")
        for scn in scenarios.values():
            try:
                scn.with_overrides(o.overrides, source=f"{source}: {what}")
            except ConfigError as exc:
                raise ConfigError(str(exc)) from None


def cross(design: Design, overlays: list[Overlay]) -> Design:
    """The design with every point run under every overlay (overlays slowest)."""
    if not overlays:
        return design
    points = [{**p, **o.overrides} for o in overlays for p in design.points]
    labels = [dict(o.labels) for o in overlays for _ in design.points]
    options = {**design.options, "base_points": len(design.points), "overlays": len(overlays)}
    return Design(design.stage, design.kind, design.names, points, design.problem, design.X,
                  options, labels)
