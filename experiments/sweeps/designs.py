"""Designs: the points (factor values) a spec's stage runs, from SALib and scipy's samplers.

- ``factorial``: every combination of each factor's values (``itertools.product``).
- ``lhs``: Latin hypercube, ``scipy.stats.qmc.LatinHypercube``, ``samples`` points.
- ``sobol``: Saltelli/Sobol' sequence, ``SALib.sample.sobol``: N*(2k+2) points with
  second-order indices, N*(k+2) without.
- ``morris``: ``SALib.sample.morris``, r trajectories of k+1 points: r*(k+1) points.

A design's point order is fixed by the spec and the root seed, so run positions (and with
them run seeds) are the same on every machine.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from scipy.stats import qmc

from simulation.params import param_bounds

from .spec import Factor, Spec, Value, factor_values, thin, validate_spec


@dataclass
class Design:
    """The points of one stage of an experiment."""

    stage: str
    kind: str
    names: list[str]
    points: list[dict[str, Value]]
    problem: dict[str, Any] | None = None  # SALib problem (sampled designs)
    X: np.ndarray | None = None  # points as a matrix (sampled designs)
    options: dict[str, Any] = field(default_factory=dict)
    labels: list[dict[str, Value]] = field(default_factory=list)  # per point, recorded not applied

    def __len__(self) -> int:
        return len(self.points)


def apply_quick(spec: Spec) -> Spec:
    """The small version of ``spec`` that ``--quick`` runs (the ``[quick]`` table applied)."""
    q = spec.quick
    data = spec.model_dump(mode="python")
    for key in ("replicates", "years", "samples"):
        if getattr(q, key) is not None:
            data[key] = getattr(q, key)
    if q.levels is not None:
        for name, f in spec.factors.items():
            vals = factor_values(name, f, spec.levels) if spec.design == "factorial" else None
            if vals is not None:
                data["factors"][name] = {"values": thin(vals, q.levels)}
    data["fixed"] = {**spec.fixed, **q.fixed}
    if spec.posterior is not None and q.posterior_draws is not None:
        data["posterior"]["draws"] = min(q.posterior_draws, spec.posterior.draws)
    if spec.variants is not None and q.variants is not None:
        data["variants"] = dict(list(spec.variants.items())[: q.variants])
    if spec.followup is not None:
        if q.followup_samples is not None:
            data["followup"]["samples"] = q.followup_samples
        if q.followup_top is not None:
            data["followup"]["top"] = q.followup_top
    data["quick"] = {}
    return validate_spec(data, f"{spec.name} ([quick] applied)")


def factor_table(spec: Spec) -> dict[str, Factor]:
    """The factors of the main stage, with ``all_params`` expanded (bounds order)."""
    out: dict[str, Factor] = {}
    if spec.all_params:
        skip = set(spec.exclude) | set(spec.fixed)
        for name, (lo, hi) in param_bounds().items():
            if name not in skip and lo < hi:
                out[name] = Factor(range=(lo, hi))
    for name, f in spec.factors.items():
        out[name] = f
    return out


def _ranges(factors: dict[str, Factor]) -> dict[str, tuple[float, float]]:
    bounds = param_bounds()
    return {n: tuple(f.range) if f.range is not None else bounds[n] for n, f in factors.items()}


def sampled(stage: str, kind: str, ranges: dict[str, tuple[float, float]], samples: int, seed: int,
            levels: int = 4, second_order: bool = True) -> Design:
    """A Latin hypercube, Sobol' or Morris design over ``ranges``."""
    names = list(ranges)
    problem = {"num_vars": len(names), "names": names, "bounds": [list(ranges[n]) for n in names]}
    if kind == "lhs":
        unit = qmc.LatinHypercube(d=len(names), rng=np.random.default_rng(seed)).random(samples)
        lo, hi = np.array([ranges[n] for n in names]).T
        X = qmc.scale(unit, lo, hi)
    elif kind == "sobol":
        X = sobol_sample.sample(problem, samples, calc_second_order=second_order, seed=seed)
    elif kind == "morris":
        X = morris_sample.sample(problem, samples, num_levels=levels, seed=seed)
    else:
        raise ValueError(f"not a sampled design: {kind}")
    points = [{n: float(v) for n, v in zip(names, row, strict=True)} for row in X]
    options = {"samples": samples, "levels": levels, "second_order": second_order}
    return Design(stage, kind, names, points, problem, X, options)


def factorial(stage: str, factors: dict[str, Factor], default_levels: int) -> Design:
    """Every combination of the factors' values, first factor slowest."""
    names = list(factors)
    grids = [factor_values(n, factors[n], default_levels) for n in names]
    points = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*grids)]
    return Design(stage, "factorial", names, points, options={"levels": {n: g for n, g in zip(names, grids, strict=True)}})  # noqa: E501


def main_design(spec: Spec) -> Design:
    """The first (often only) stage of an effective spec."""
    factors = factor_table(spec)
    if spec.design == "factorial":
        return factorial("main", factors, spec.levels)
    return sampled("main", spec.design, _ranges(factors), int(spec.samples or 1), spec.root_seed,
                   spec.levels, spec.second_order)


def followup_design(spec: Spec, ranked: list[str]) -> Design:
    """The follow-up stage over the ``top`` of ``ranked`` (most influential first)."""
    fu = spec.followup
    assert fu is not None
    keep = ranked[: fu.top]
    ranges = _ranges(factor_table(spec))
    return sampled("followup", fu.design, {n: ranges[n] for n in keep}, fu.samples, spec.root_seed + 1,
                   spec.levels, fu.second_order)


def expected_size(kind: str, k: int, samples: int, second_order: bool = True) -> int:
    """Number of points of a sampled design with ``k`` factors (for checks and docs)."""
    return {"lhs": samples, "morris": samples * (k + 1),
            "sobol": samples * (2 * k + 2 if second_order else k + 2)}[kind]
