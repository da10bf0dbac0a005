"""How ``DrumbeatModel``'s arguments are read, so that Mesa's own tools can build the model.

``DrumbeatModel(scenario, seed)`` takes a :class:`~simulation.scenario.Scenario`; it also
takes a shipped scenario's name or a file, and any parameter or key as a keyword
(``DrumbeatModel(scenario="baseline", seed=1, reg_focus=0.8)``), which is how Mesa's
``SolaraViz`` sliders and ``mesa.batch_run`` set parameters.

Mesa 3.5 has a ``scenario`` of its own (``mesa.experimental.scenarios.Scenario``, on
``model.scenario``): when SolaraViz rebuilds a model (its Reset button) it passes a fresh
instance of the model's Mesa scenario class as ``scenario=`` with the sliders' values as
keywords. So every model carries a Mesa scenario of a class made for its Drumbeat scenario
(:func:`carrier`), whose defaults are that scenario and seed; the rebuilt model reads them
back from it (:func:`resolve`) and applies the sliders' values on top.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from mesa.experimental.scenarios import Scenario as MesaScenario

from .scenario import Scenario, load_scenario


def carrier(scenario: Scenario, seed: int) -> MesaScenario:
    """Mesa's scenario object for a model of ``scenario`` and ``seed`` (its ``rng`` is the seed)."""
    cls = type("DrumbeatMesaScenario", (MesaScenario,), {
        "__annotations__": {"drumbeat": Scenario, "drumbeat_seed": int},
        "drumbeat": scenario, "drumbeat_seed": seed})
    # A given id keeps Mesa's per-class id counter (a dict that would hold every class made
    # here, and so every run's scenario, for the life of a sweep's worker) out of it.
    return cls(rng=seed, _scenario_id=0)


#: The random streams keep a seed's low 48 bits (``rng.py``; ``drumbeat run --seed`` takes
#: seeds below 2**48): a drawn seed fits them, so the seed recorded is the one the run used.
SEED_BITS = 48


def fresh_seed() -> int:
    """A new seed from the operating system's entropy (below 2**SEED_BITS), as Mesa draws one
    when a model is given no seed; the model records it as ``model.seed``."""
    return int(np.random.SeedSequence().entropy) % 2**SEED_BITS


def resolve(scenario: Scenario | str | Path | MesaScenario, seed: int | None,
            params: dict[str, Any]) -> tuple[Scenario, int]:
    """The Drumbeat scenario and seed of a model from its constructor's arguments.

    Args:
        scenario: a Scenario; a shipped scenario's name or a file; or the Mesa scenario
            SolaraViz passes when it rebuilds a model.
        seed: the seed; None keeps a rebuilt model's seed, else draws a fresh one
            (:func:`fresh_seed`), Mesa's convention: three models built with None are three
            different runs, each recording the seed it drew.
        params: keyword overrides (``Scenario.with_overrides`` keys).

    Raises:
        ConfigError: an unknown name or file, an unknown key or a value out of range.
    """
    default_seed = None
    if isinstance(scenario, MesaScenario):
        default_seed = getattr(scenario, "drumbeat_seed", None)
        scenario = getattr(scenario, "drumbeat", None) or "baseline"
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if params:
        scenario = scenario.with_overrides(params, source="DrumbeatModel keywords")
    if seed is None:
        seed = fresh_seed() if default_seed is None else default_seed
    return scenario, int(seed)
