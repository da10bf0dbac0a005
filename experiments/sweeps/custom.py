"""A sweep's own code: outcomes, a decision policy and a model subclass (a spec's ``[custom]``).

In a spec file each is an import path, ``"package.module:name"``::

    [custom]
    outcomes = { trust_gap = "mymodels.outcomes:trust_gap" }  # f(model) -> a number or text
    policy = "mymodels.policies:Cautious"   # called once per run: a Policy (simulation/decisions.py)
    model = "mymodels.models:SlowCentre"    # a DrumbeatModel subclass, built (scenario, seed, policy=)

A spec file's folder is searched first (as a script's is), so a module beside it is found.
In Python the same table takes the objects themselves (``Spec(custom={"outcomes": {"gap":
gap}, "policy": Cautious, "model": SlowCentre})``); each is kept as its import path, which is
how a worker process finds it, how the spec's hash and metadata name it, and why it must be
defined at a module's top level (a lambda or a function inside another cannot be). An
outcome is called with the finished model (``model.result()`` holds its tables) and its
value becomes a column of the run's summary row, beside the model's own outcomes.

Everything is checked before the first run (:func:`check`, from the sweep's preflight): the
paths import, the model is a ``DrumbeatModel`` subclass, the policy answers ``decide``, each
outcome gives a number or text on a model one month in, and no outcome takes the name of
another column. The modules' source files enter the sweep's code key, so a resume under
changed code is refused as for the model's own.
"""

from __future__ import annotations

import importlib
import math
import numbers
import sys
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.functional_validators import BeforeValidator

from simulation.errors import ConfigError, did_you_mean


def path_of(obj: Any) -> Any:
    """``obj``'s import path when it is a function or class (strings pass through); a lambda,
    a function defined inside another or anything without a module is refused."""
    if isinstance(obj, str) or not callable(obj):
        return obj
    module, name = getattr(obj, "__module__", None), getattr(obj, "__qualname__", "")
    if not module or "<" in name:
        raise ValueError(f"{name or obj!r} is not defined at a module's top level, so worker "
                         "processes cannot import it; define it at the top of a module")
    return f"{module}:{name}"


ImportPath = Annotated[str, BeforeValidator(path_of),
                       Field(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")]


class Custom(BaseModel):
    """The ``[custom]`` table: import paths (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    outcomes: dict[str, ImportPath] = Field(default_factory=dict,
                                            description="column name -> f(finished model)")
    policy: ImportPath | None = Field(None, description="called once per run: the decision policy")
    model: ImportPath | None = Field(None, description="a DrumbeatModel subclass")


@lru_cache(maxsize=64)
def resolve(path: str) -> Any:
    """The object at ``"module:name"`` (cached: a worker imports each once)."""
    module, _, name = path.partition(":")
    obj: Any = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj


def build(custom: Custom | None, scenario: Any, seed: int) -> Any:
    """The run's model: the custom class (or DrumbeatModel) with a fresh policy, if any."""
    from simulation.model import DrumbeatModel

    cls = resolve(custom.model) if custom and custom.model else DrumbeatModel
    policy = resolve(custom.policy)() if custom and custom.policy else None
    return cls(scenario, seed, policy=policy)


def outcomes(custom: Custom | None, model: Any) -> dict[str, Any]:
    """The custom outcomes of a finished ``model``, as scalars for a summary row."""
    if custom is None:
        return {}
    out = {}
    for name, path in custom.outcomes.items():
        value = resolve(path)(model)
        if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:  # a NumPy scalar
            value = value.item()
        if not (value is None or isinstance(value, str | numbers.Real)):
            raise ConfigError(f"custom.outcomes.{name}: {path} gave {type(value).__name__} "
                              f"{value!r:.60}; an outcome is one number or text (or None)")
        out[name] = float(value) if isinstance(value, float) and math.isnan(value) else value
    return out


def check(custom: Custom | None, probe: Any, taken: set[str], source: str) -> None:
    """Refuse what would fail in the runs, before the first: ``probe`` is a model of the
    sweep's first design point built by :func:`build`; ``taken`` the other columns' names.

    Raises:
        ConfigError: one line naming ``source``, the key and the problem.
    """
    if custom is None:
        return
    for name in custom.outcomes:
        if name in taken:
            raise ConfigError(f"{source}: custom.outcomes.{name}: the name of another column of "
                              f"the runs; choose another{did_you_mean(name + '_', taken)}")
    probe.step()  # one month in: an outcome may read what a step records
    try:
        outcomes(custom, probe)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    except Exception as exc:  # the user's code: its first failure, in one line
        raise ConfigError(f"{source}: custom.outcomes: {type(exc).__name__}: {exc} "
                          "(called on a design point's model one month in)") from None


def load(custom: Custom | None, source: str, folder: Path | None = None) -> Any:
    """Import every path of ``custom`` and check the model and policy; the model built for
    the preflight comes from :func:`build` after this. Returns ``custom``.

    ``folder`` (a spec file's) goes first on ``sys.path``, as a script's folder does, so a
    module beside the spec is found, here and in the worker processes started after (they
    take this process's path); a Dask cluster's workers must be able to import it themselves.
    """
    from simulation.model import DrumbeatModel

    if custom is None:
        return None
    if folder is not None and str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    named = [*(f"outcomes.{k}" for k in custom.outcomes), "policy", "model"]
    paths = [*custom.outcomes.values(), custom.policy, custom.model]
    for key, path in zip(named, paths, strict=True):
        if path is None:
            continue
        try:
            obj = resolve(path)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"{source}: custom.{key}: cannot import '{path}' ({exc})") from None
        if not callable(obj):
            raise ConfigError(f"{source}: custom.{key}: '{path}' is a {type(obj).__name__}, "
                              "not a function or class")
    if custom.model and not (isinstance(cls := resolve(custom.model), type)
                             and issubclass(cls, DrumbeatModel)):
        raise ConfigError(f"{source}: custom.model: '{custom.model}' is not a subclass of "
                          "simulation.model.DrumbeatModel")
    if custom.policy:
        try:
            policy = resolve(custom.policy)()
        except Exception as exc:
            raise ConfigError(f"{source}: custom.policy: '{custom.policy}()' failed: "
                              f"{type(exc).__name__}: {exc}") from None
        if not callable(getattr(policy, "decide", None)):
            raise ConfigError(f"{source}: custom.policy: '{custom.policy}()' gave a "
                              f"{type(policy).__name__} without a decide(choice) method")
    return custom


def source_files(custom: Custom | None) -> tuple[Path, ...]:
    """The source files of the custom code's modules (for the sweep's code key)."""
    if custom is None:
        return ()
    modules = {p.partition(":")[0] for p in (*custom.outcomes.values(), custom.policy, custom.model) if p}
    files = {getattr(importlib.import_module(m), "__file__", None) for m in modules}
    return tuple(sorted(Path(f) for f in files if f))
