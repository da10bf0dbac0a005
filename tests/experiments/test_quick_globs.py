"""--quick keeps the first N scenario files after globs are expanded (not the first N patterns)."""

from __future__ import annotations

from pathlib import Path

from experiments.sweeps.sweep import build_plan

ROOT = Path(__file__).resolve().parents[2]


def test_quick_scenarios_count_files_not_patterns(tmp_path):
    pattern = (ROOT / "configs/scenarios/first_wave/*.toml").as_posix()
    spec = tmp_path / "fw.toml"
    spec.write_text(f'''
name = "fw"
scenarios = ["{pattern}"]
design = "factorial"
replicates = 1
root_seed = 1

[factors]
reg_focus = [0.0, 1.0]

[quick]
scenarios = 3
replicates = 1
years = 1
''')
    full = build_plan(spec)
    quick = build_plan(spec, quick=True)
    assert len(full.scenarios) == 8
    assert list(quick.scenarios) == sorted(full.scenarios)[:3]
    assert quick.total_runs() == 3 * 2
