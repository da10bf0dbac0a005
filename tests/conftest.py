"""Shared fixtures: paths and small scenarios built from the real configs."""

from __future__ import annotations

import os
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
