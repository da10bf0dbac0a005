"""The shipped configuration files, found by name from any folder, in a checkout or a wheel.

``configs/`` stays at the top of the repository. A wheel ships the same files as the
package ``drumbeat_configs`` (pyproject.toml maps that package onto ``configs/``), because a
wheel can only carry files inside packages. So the folder is looked for first beside the
code (a checkout, or an editable install), then as the installed package.

A scenario, preset or experiment spec is then addressable by name: ``"baseline"`` is
``configs/scenarios/baseline.toml``, ``"teaching/two_hospitals"`` a preset,
``"pressure_x_continuity"`` the spec in ``configs/experiments/``. A path to an existing file
always wins, so files outside the project work as before.
"""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from typing import Any

from .errors import ConfigError, did_you_mean

#: ``configs/`` of a checkout (or an editable install), beside the ``simulation`` package.
CHECKOUT = Path(__file__).resolve().parents[1] / "configs"
#: The package name the wheel ships ``configs/`` as.
PACKAGE = "drumbeat_configs"


def config_dir() -> Path:
    """The folder holding ``scenarios/``, ``experiments/`` and ``calibrated/``.

    Raises:
        ConfigError: neither a checkout's ``configs/`` nor the installed package is there.
    """
    if (CHECKOUT / "scenarios").is_dir():
        return CHECKOUT
    spec = importlib.util.find_spec(PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    raise ConfigError(f"the shipped configuration files are missing (no {CHECKOUT} and no package "
                      f"{PACKAGE}); reinstall drumbeat")


def names(kind: str) -> list[str]:
    """Names of the shipped files of one kind (``scenarios``, ``experiments``), e.g. ``first_wave/leeds``."""
    base = config_dir() / kind
    return sorted(p.relative_to(base).with_suffix("").as_posix() for p in base.rglob("*.toml"))


def shipped(path: str | Path) -> Path:
    """A path written from the repository root (``configs/scenarios/baseline.toml``) as the
    shipped file, wherever the configs are (so such a path works from any folder)."""
    parts = Path(path).parts
    return config_dir().joinpath(*parts[1:]) if parts[:1] == ("configs",) else Path(path)


def find_config(name: str | Path, kind: str) -> Path:
    """A file: ``name`` itself when it is one, else the shipped file of that name.

    Args:
        name: a path, a path from the repository root (``configs/...``), or a name relative
            to ``configs/KIND/`` (or to ``configs/``), with or without ``.toml``.
        kind: ``scenarios`` or ``experiments``.

    Returns:
        The path of an existing file, or ``name`` unchanged when nothing matches and it
        looks like a path (the caller reports the missing file).

    Raises:
        ConfigError: a bare name (no folder, no suffix) that names no shipped file.
    """
    path = Path(name)
    if path.is_file() or path.is_absolute() or path.suffix not in ("", ".toml"):
        return path
    if shipped(path).is_file():
        return shipped(path)
    base = config_dir()
    for folder in (base / kind, base):
        for candidate in (folder / path, folder / f"{path.as_posix()}.toml"):
            if candidate.is_file():
                return candidate
    if path.suffix == "" and len(path.parts) == 1:
        known = names(kind)
        raise ConfigError(f"{name}: no such file, and no shipped {kind[:-1]} of that name"
                          f"{did_you_mean(str(name), known)}; names: {', '.join(known)}")
    return path


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The table of a TOML file, or a :class:`ConfigError` naming the file and the problem.

    Args:
        path: the file.
        what: what the file should be, for the message (e.g. "scenario file").
    """
    if not path.is_file():
        raise ConfigError(f"{path}: {what} not found")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a text file") from None


def _extended(path: Path, data: dict[str, Any], seen: tuple[Path, ...]) -> dict[str, Any]:
    """A scenario file's table with ``extends = "NAME"`` resolved: the named shipped scenario's
    tables, then this file's keys over them section by section, its ``[[event]]`` tables
    after the other's; ``[[system]]`` tables, and a ``[world]`` of another generator,
    replace the other's."""
    base = data.pop("extends", None)
    if base is None:
        return data
    if not isinstance(base, str):
        raise ConfigError(f"{path}: extends: expected the name of a scenario, got {base!r}")
    other = find_config(base, "scenarios")
    if other in seen:
        raise ConfigError(f"{path}: extends: '{base}' extends this file again (a cycle)")
    merged = _extended(other, read_toml(other, "scenario file"), (*seen, other))
    for key, value in data.items():
        table = isinstance(value, dict) and isinstance(merged.get(key), dict)
        if key in ("scenario", "params", "world") and table:
            own = key == "world" and value.get("generator", "england") != merged[key].get(
                "generator", "england")
            merged[key] = value if own else {**merged[key], **value}
        elif key == "event" and isinstance(value, list):
            merged[key] = [*merged.get(key, []), *value]
        else:
            merged[key] = value
    return merged


def scenario_table(path: Path) -> dict[str, Any]:
    """A scenario file's TOML table, with what it ``extends`` taken in (not yet validated)."""
    return _extended(path, read_toml(path, "scenario file"), (path,))
