"""The stored baseline: a small default run must give exactly what it gave when stored.

``tests/baseline/baseline.json`` holds the summary, table checksums and column totals of
``baseline.toml`` cut to 12 systems and 3 years, seed 1. Any drift fails, listing every key
that moved (old -> new). If the change is intended, regenerate with a reason:
``.venv/bin/python scripts/regenerate_baseline.py --reason "..."``.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import load_script


@pytest.fixture(scope="module")
def regen():
    return load_script("regenerate_baseline")


@pytest.fixture(scope="module")
def stored(regen):
    assert regen.BASELINE.is_file(), "no stored baseline: run scripts/regenerate_baseline.py"
    return json.loads(regen.BASELINE.read_text())


def test_small_default_run_matches_stored_baseline(regen, stored):
    diff = regen.moved(stored, regen.compute())
    lines = [f"  {k}: {a} -> {b}" for k, (a, b) in diff.items()]
    assert not diff, (f"{len(diff)} baseline keys moved (stored -> now):\n" + "\n".join(lines)
                      + "\nIf intended: scripts/regenerate_baseline.py --reason '...'")


def test_baseline_covers_summary_and_tables(stored):
    for key in ("summary.months_to_half_integrated", "summary.share_integrated_at_end",
                "checksum.national", "checksum.systems", "checksum.events", "rows.systems"):
        assert key in stored
    assert stored["meta"]["seed"] == 1 and stored["summary.systems"] == 12


def test_drift_is_detected_and_named(regen, stored):
    """A moved value, a new key and a missing key are each reported with old and new values."""
    changed = dict(stored)
    changed["summary.mean_index_at_end"] = stored["summary.mean_index_at_end"] + 1e-6
    changed["summary.new_outcome"] = 1.0
    del changed["checksum.events"]
    diff = regen.moved(stored, changed)
    assert set(diff) == {"summary.mean_index_at_end", "summary.new_outcome", "checksum.events"}
    assert diff["summary.new_outcome"] == ("<absent>", 1.0)
    assert regen.moved(stored, dict(stored, meta={"seed": 99})) == {}


def test_regeneration_needs_a_reason(regen, monkeypatch, tmp_path):
    monkeypatch.setattr(regen, "BASELINE", tmp_path / "baseline.json")
    monkeypatch.setattr(regen, "CHANGELOG", tmp_path / "CHANGELOG.md")
    monkeypatch.setattr(regen, "ROOT", tmp_path)
    monkeypatch.setattr(regen, "compute", lambda: {"summary.x": 1.0, "meta": {}})
    assert regen.main(["--reason", "   "]) == 2
    assert not (tmp_path / "baseline.json").exists()
    assert regen.main(["--reason", "first  baseline"]) == 0
    assert json.loads((tmp_path / "baseline.json").read_text())["summary.x"] == 1.0
    log = (tmp_path / "CHANGELOG.md").read_text()
    assert "first baseline (1 keys moved)" in log
