"""The validation's resumable run store: kept as runs finish, reused, never mixed across code."""

from __future__ import annotations

import math
from pathlib import Path

from experiments.science import patterns as P
from experiments.science import runs


def test_a_stored_run_is_read_back_and_a_cut_line_ignored(tmp_path):
    store = runs.RunStore(tmp_path)
    store.add("k1", {"a": 1.5, "b": math.nan})
    with open(store.file, "a") as fh:
        fh.write('{"key": "k2", "metrics": {"a": 2')  # a kill in the middle of a line
    again = runs.RunStore(tmp_path)
    assert set(again.rows) == {"k1"}
    assert again.rows["k1"]["a"] == 1.5 and math.isnan(again.rows["k1"]["b"])
    assert store.file.name == f"{runs.code_fingerprint()}.jsonl"


def test_stored_runs_are_not_run_again(tmp_path):
    base = P.arm("baseline")
    store = runs.RunStore(tmp_path)
    for s in range(3):
        store.add(runs.run_key(base, s), {"share_integrated_end": 0.1 * s})

    def no_runs(done, total):
        raise AssertionError(f"ran {total} runs that were stored")

    got = runs.collect([(base, s) for s in range(3)], store=runs.RunStore(tmp_path),
                       progress=no_runs)
    assert [got[(base, s)]["share_integrated_end"] for s in range(3)] == [0.0, 0.1, 0.2]


def test_the_key_covers_seed_overrides_events_and_scenario_contents(tmp_path):
    a = P.arm("x")
    keys = {runs.run_key(a, 0), runs.run_key(a, 1), runs.run_key(P.arm("x", reg_focus=1.0), 0),
            runs.run_key(P.arm("x", events=[{"kind": "deadline", "month": 3}]), 0)}
    assert len(keys) == 4
    assert runs.run_key(P.arm("renamed"), 0) == runs.run_key(a, 0)  # the name is only a label
    scn = tmp_path / "s.toml"
    scn.write_text('[scenario]\nname = "s"\n')
    k1 = runs.run_key(P.arm("s", str(scn)), 0)
    scn.write_text('[scenario]\nname = "s"\nyears = 3\n')
    assert runs.run_key(P.arm("s", str(scn)), 0) != k1


def test_the_fingerprint_covers_every_model_module_and_not_the_teaching_app():
    root = Path(P.__file__).resolve().parents[2]
    got = {f.relative_to(root).as_posix() for f in runs.model_files()}
    assert {"simulation/state.py", "simulation/mechanisms/trust.py",
            "simulation/kernels/ties.py", "simulation/kernels/members.py",
            "simulation/kernels/_compile.py", "experiments/science/patterns.py"} <= got
    assert not [f for f in got if f.startswith("simulation/app/")]
