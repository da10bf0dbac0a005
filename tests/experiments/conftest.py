"""Helpers for the experiment tests: tiny specs written next to the test, on small worlds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "configs" / "scenarios" / "baseline.toml"
FIRST_WAVE = ROOT / "configs" / "scenarios" / "first_wave"
SMALL = 'fixed = { n_systems = 12, trusts = 70, ccgs = 60, councils = 44, districts = 40 }'


def small_spec(tmp: Path, name: str = "tiny", body: str = "", *, years: float = 2, replicates: int = 2,
               factors: str | None = None, extra: str = "") -> Path:
    """A factorial spec on the 12-system England, written to ``tmp/NAME.toml``."""
    factors = factors if factors is not None else "reg_intensity = [0.2, 0.8]\nreg_focus = [0.0, 1.0]\n"
    text = (f'name = "{name}"\nscenario = "{BASELINE.as_posix()}"\nreplicates = {replicates}\n'
            f"root_seed = 7\nyears = {years}\n{body}\n{SMALL}\n{extra}\n[factors]\n{factors}")
    path = tmp / f"{name}.toml"
    path.write_text(text)
    return path


@pytest.fixture
def spec_factory(tmp_path):
    def make(**kw):
        return small_spec(tmp_path, **kw)
    return make
