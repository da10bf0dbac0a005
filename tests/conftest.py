"""Shared fixtures: paths and small scenarios built from the real configs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "configs" / "scenarios"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def small_england():
    """The baseline England cut to 12 systems and 3 years: fast, but the real generator."""
    from simulation import load_scenario

    return load_scenario(SCENARIOS / "baseline.toml",
                         {"years": 3, "n_systems": 12, "trusts": 70, "ccgs": 60,
                          "councils": 44, "districts": 40})


def load_script(name: str):
    """``scripts/<name>.py`` as a module (scripts/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def citations():
    """``scripts/citations.py`` as a module."""
    return load_script("citations")
