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


def resolve(scenario: Scenario | str | Path | MesaScenario, seed: int | None,
            params: dict[str, Any]) -> tuple[Scenario, int]:
    """The Drumbeat scenario and seed of a model from its constructor's arguments.

    Args:
        scenario: a Scenario; a shipped scenario's name or a file; or the Mesa scenario
            SolaraViz passes when it rebuilds a model.
        seed: the seed; None keeps a rebuilt model's seed (0 otherwise).
        params: keyword overrides (``Scenario.with_overrides`` keys).

    Raises:
        ConfigError: an unknown name or file, an unknown key or a value out of range.
    """
    default_seed = 0
    if isinstance(scenario, MesaScenario):
        default_seed = getattr(scenario, "drumbeat_seed", 0)
        scenario = getattr(scenario, "drumbeat", None) or "baseline"
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    if params:
        scenario = scenario.with_overrides(params, source="DrumbeatModel keywords")
    return scenario, int(default_seed if seed is None else seed)
