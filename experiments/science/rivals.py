"""The rival explanations (``configs/rivals.toml``), read and checked, and model-selection recovery.

A rival is data: a name, a description with its seed lines, the switches and parameter values
of :mod:`simulation.params` that make it, and the parameters it fits. :func:`load` validates
the file with pydantic (one :class:`~simulation.ConfigError` naming the file and the key for
an unknown key, parameter or switch, a parameter fitted and fixed at once, or a parameter the
rival's switches make inert, :data:`INERT`).

:func:`confusion` is the gate of issue 24 point 2 (Robert et al. 2011: ABC model choice is only
as good as its statistics): for each rival, ``datasets`` parameter sets drawn from its priors
(data set ``j`` of rival ``i`` from the generator seeded ``(1000 * seed + i, j)``,
:func:`experiments.science.sbc.draw_truths`), each simulated once from a seed of its own and
reduced to the fitted facts (as points, as in SBC); the model selection of
:mod:`experiments.science.selection` is run on each (one run) and the confusion matrix
(:func:`confusion_table`) counts how often it picks each rival (the highest probability; a tie
goes to the first in the file's order) and the mean posterior probability of each. Each data
set is kept, as it finishes, as a line of ``confusion.jsonl`` with its pyabc history beside it,
so an interrupted recovery continues where it stopped.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from experiments.science import sbc
from experiments.science import selection as S
from experiments.science.criteria import _problem
from simulation.configs import shipped
from simulation.errors import ConfigError, did_you_mean
from simulation.params import Params, param_bounds
from simulation.scenario import read_toml

RIVALS = "configs/rivals.toml"

#: Parameters a switch's value makes inert: the model never reads them then. With
#: ``peer_influence`` false adoption is ``draw < external_push`` alone (``kernels/ties.py``
#: ``support_and_adoption``), copying other systems is not added to the push (``model.py``),
#: and no withdrawal happens (``mechanisms/durability.py``), so thresholds, imitation,
#: copying and the withdrawal rates do nothing (``tests/test_rivals.py`` runs it to check).
INERT: dict[tuple[str, Any], tuple[str, ...]] = {
    ("peer_influence", False): ("threshold_mean", "threshold_sd", "peer_push", "copy_rate",
                                "decommit_rate", "mandated_fragility"),
}
_NAME = re.compile(r"[a-z][a-z0-9_]*")


class RivalDef(BaseModel):
    """One rival as the file states it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = Field(min_length=1)
    sources: str = ""
    overrides: dict[str, bool | int | float | str] = Field(default_factory=dict)
    params: list[str] = Field(min_length=1)

    @field_validator("overrides")
    @classmethod
    def _known_switches(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key in v:
            if key not in Params.model_fields:
                raise ValueError(f"unknown parameter or switch '{key}'"
                                 + did_you_mean(key, Params.model_fields))
        try:
            Params.model_validate(v)
        except ValidationError as err:
            e = err.errors()[0]
            raise ValueError(f"{'.'.join(map(str, e['loc']))}: {e['msg']}") from None
        return v

    @field_validator("params")
    @classmethod
    def _known_params(cls, v: list[str]) -> list[str]:
        bounds = param_bounds()
        for p in v:
            if p not in bounds:
                raise ValueError(f"cannot fit '{p}' (not a parameter with a range)"
                                 + did_you_mean(p, bounds))
        if len(set(v)) != len(v):
            raise ValueError(f"a parameter is listed twice: {v}")
        return v

    @model_validator(mode="after")
    def _fits_what_acts(self) -> RivalDef:
        fixed = sorted(set(self.params) & set(self.overrides))
        if fixed:
            raise ValueError(f"params: '{fixed[0]}' is fitted and fixed by overrides at once")
        for (switch, value), inert in INERT.items():
            if self.overrides.get(switch, Params.model_fields[switch].default) == value:
                dead = [p for p in self.params if p in inert]
                if dead:
                    raise ValueError(f"params: '{dead[0]}' does nothing with {switch} = "
                                     f"{str(value).lower()}, so it cannot be fitted")
        return self


class RivalsFile(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rival: dict[str, RivalDef] = Field(min_length=1)

    @field_validator("rival")
    @classmethod
    def _names(cls, v: dict[str, RivalDef]) -> dict[str, RivalDef]:
        for name in v:
            if not _NAME.fullmatch(name):
                raise ValueError(f"'{name}' is not a name (lower-case letters, digits, _)")
        return v


def load(file: str | Path | None = None) -> list[S.Rival]:
    """The rivals of ``file`` (default: the shipped ``configs/rivals.toml``), in its order."""
    where = Path(file) if file is not None else shipped(RIVALS)
    raw = read_toml(where, "rivals")
    try:
        doc = RivalsFile.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(f"{where}: " + "; ".join(_problem(e) for e in err.errors())) from None
    return [S.Rival(name, " ".join(d.description.split()), tuple(sorted(d.overrides.items())),
                    tuple(d.params), d.sources) for name, d in doc.rival.items()]


def choose(rivals: list[S.Rival], names: str | None, where: str = "--rivals") -> tuple[S.Rival, ...]:
    """The rivals named in ``names`` (comma-separated; None: all), at least two, in file order."""
    if names is None:
        chosen = list(rivals)
    else:
        wanted = [n.strip() for n in names.split(",") if n.strip()]
        known = {r.name for r in rivals}
        for n in wanted:
            if n not in known:
                raise ConfigError(f"{where}: unknown rival '{n}'" + did_you_mean(n, known)
                                  + f"; the file has {', '.join(sorted(known))}")
        chosen = [r for r in rivals if r.name in wanted]
    if len(chosen) < 2:
        raise ConfigError(f"{where}: model selection needs at least two rivals, got "
                          f"{', '.join(r.name for r in chosen) or 'none'}")
    return tuple(chosen)


# --- model-selection recovery -------------------------------------------------------------------
def one_dataset(settings: S.Settings, i: int, j: int, truth: dict[str, float], store: Path,
                code: dict[str, Any], workers: int = 1, scheduler: str | None = None,
                log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Data set ``j`` of rival ``i``: simulate at ``truth``, select (its history in ``store``,
    named by the settings, the code and the data set), and say what was picked."""
    rival = settings.rivals[i]
    cal = dataclasses.replace(S.calibration(settings), kinds={},
                              overrides={**dict(settings.overrides), **dict(rival.overrides)})
    observed = sbc.simulate(cal, truth, seed=S.derive(settings.seed, i, j, 0))
    line: dict[str, Any] = {"truth": j, "true": rival.name, "values": truth, "observed": observed}
    missing = sorted(k for k, v in observed.items() if not math.isfinite(v))
    if missing:
        return {**line, "fitted": False, "missing": missing}
    db = store / f"confusion-{rival.name}-{j}-{S.tag(settings.key(), code, i, j)}.db"
    out = S.run_once(settings, dataclasses.replace(cal, observed=observed),
                     seed=S.derive(settings.seed, i, j, 1), db=db, workers=workers,
                     scheduler=scheduler, log=log)
    probs = out["probabilities"]
    return {**line, "fitted": True, "probabilities": probs, "picked": pick(probs),
            "stopped": out["stopped"], "epsilons": out["epsilons"], "deaths": out["deaths"]}


def pick(probs: dict[str, float]) -> str:
    """The rival of highest probability; of equal ones, the first."""
    return max(probs, key=lambda k: (probs[k], -list(probs).index(k)))


def confusion(settings: S.Settings, datasets: int, store: Path, code: dict[str, Any],
              workers: int = 1, scheduler: str | None = None,
              log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Every data set of every rival, each appended to ``store/confusion.jsonl`` as it
    finishes; those already there from the same settings and ``code`` are not run again."""
    store.mkdir(parents=True, exist_ok=True)
    path = store / "confusion.jsonl"
    lines = []
    for i, rival in enumerate(settings.rivals):
        key = {**settings.key(), "code": code, "true": rival.name}
        done = sbc.read_done(path, key)
        for j, truth in enumerate(sbc.draw_truths(rival.params, datasets, 1000 * settings.seed + i)):
            if j not in done:
                log(f"rivals confusion: {rival.name}, data set {j + 1} of {datasets}")
                line = {**one_dataset(settings, i, j, truth, store, code, workers, scheduler),
                        "key": key}
                with path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(line, sort_keys=True) + "\n")
                    fh.flush()
                done[j] = line
            lines.append(done[j])
    return lines


def confusion_table(lines: list[dict[str, Any]], names: list[str]) -> pd.DataFrame:
    """Rows: the true rival; ``datasets`` fitted, ``unfitted``, then for each rival the share
    of data sets where it was picked (``picked_NAME``) and its mean probability (``p_NAME``)."""
    rows = []
    for true in names:
        mine = [line for line in lines if line["true"] == true]
        fitted = [line for line in mine if line.get("fitted")]
        row: dict[str, Any] = {"true": true, "datasets": len(fitted), "unfitted": len(mine) - len(fitted)}
        for n in names:
            row[f"picked_{n}"] = (float(np.mean([line["picked"] == n for line in fitted]))
                                  if fitted else math.nan)
        for n in names:
            row[f"p_{n}"] = (float(np.mean([line["probabilities"].get(n, 0.0) for line in fitted]))
                             if fitted else math.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def read_recovery(folder: Path, settings: S.Settings) -> list[dict[str, Any]]:
    """The confusion matrix of a ``drumbeat rivals confusion`` output in ``folder``, checked
    (untrusted): made on the same scenario, rivals and world as ``settings``."""
    path = folder / "confusion.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ConfigError(f"--confusion {folder}: no readable confusion.json ({err})") from None
    made = doc.get("settings") if isinstance(doc, dict) else None
    want = settings.key()
    if not isinstance(made, dict) or any(made.get(k) != want[k] for k in ("scenario", "rivals", "overrides")):
        raise ConfigError(f"--confusion {folder}: made on other rivals, scenario or world than "
                          "this selection; run drumbeat rivals confusion with the same ones")
    rows = doc.get("confusion")
    names = settings.names
    ok = isinstance(rows, list) and [r.get("true") if isinstance(r, dict) else None
                                     for r in rows] == names
    if not ok or not all(isinstance(r.get(f"picked_{r['true']}"), int | float | None)
                         and isinstance(r.get("datasets"), int) for r in rows):
        raise ConfigError(f"{path}: 'confusion' is not one row per rival ({', '.join(names)}) "
                          "with its data sets and picks")
    return rows


def confusion_figure(table: pd.DataFrame, names: list[str], path: Path) -> Path:
    """Two seaborn heat maps: share picked, and mean posterior probability, true against chosen;
    ``path``'s PNG and an SVG beside it (:func:`experiments.analysis.figures.save`)."""
    import seaborn as sns

    from experiments.analysis.figures import save, subplots

    fig, axes = subplots(1, 2, figsize=(4 + 2.2 * len(names), 2 + 0.8 * len(names)))
    for ax, (prefix, title) in zip(axes, (("picked_", "share of data sets picking"),
                                          ("p_", "mean posterior probability")), strict=True):
        grid = table.set_index("true")[[prefix + n for n in names]]
        grid.columns = names
        sns.heatmap(grid.astype(float), vmin=0, vmax=1, annot=True, fmt=".2f", cmap="Blues",
                    cbar=False, ax=ax)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("chosen rival")
        ax.set_ylabel("true rival (simulated)")
    n = int(table["datasets"].min()) if len(table) else 0
    fig.suptitle(f"Model-selection recovery: at least {n} data sets per true rival")
    fig.tight_layout()
    return save(fig, path.with_suffix(""))
