"""Issue 26, point 2: sweeps take their own outcomes, a decision policy and a model subclass,
by import path in a spec file and as objects in Python; all checked before the first run."""

from __future__ import annotations

import pandas as pd
import pytest

from experiments.api import Spec, run_experiment
from experiments.sweeps.spec import load_spec
from simulation import DrumbeatModel, load_scenario
from simulation.errors import ConfigError
from tests.experiments import custom_fns
from tests.experiments.conftest import BASELINE
from tests.experiments.test_strict_input import _refused

SMALL = {"n_systems": 6, "ccgs": 30, "trusts": 30, "councils": 10, "districts": 0}
FNS = "tests.experiments.custom_fns"


def _spec_file(tmp_path, custom: str, name: str = "c") -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'name = "{name}"\nscenario = "{BASELINE.as_posix()}"\nreplicates = 1\nyears = 1\n'
                    "fixed = { n_systems = 6, ccgs = 30, trusts = 30, councils = 10, districts = 0 }\n"
                    f"[factors]\nreg_focus = [0.0, 1.0]\n[custom]\n{custom}")
    return str(path)


def _direct(seed: int, reg_focus: float, model=DrumbeatModel, policy=None) -> DrumbeatModel:
    scn = load_scenario(BASELINE, {**SMALL, "years": 1, "reg_focus": reg_focus})
    m = model(scn, seed, policy=policy)
    m.run()
    return m


def test_a_spec_file_s_outcomes_policy_and_model_are_used_in_every_run(tmp_path):
    path = _spec_file(tmp_path, f'outcomes = {{ trust_gap = "{FNS}:trust_gap", cls = "{FNS}:model_class", '
                                f'committed = "{FNS}:committed_count" }}\n'
                                f'policy = "{FNS}:EveryoneCommits"\nmodel = "{FNS}:Marked"\n')
    runs = run_experiment(path, tmp_path / "o", executor="serial", progress=False, log=None).runs
    assert len(runs) == 2 and set(runs["cls"]) == {"Marked"}
    for _, row in runs.iterrows():
        m = _direct(int(row["seed"]), row["reg_focus"], custom_fns.Marked, custom_fns.EveryoneCommits())
        assert row["trust_gap"] == custom_fns.trust_gap(m)
        assert row["committed"] == int(m.state.committed.sum())
        assert row["committed_share_at_end"] == m.result().summary()["committed_share_at_end"]
    plain = _direct(int(runs["seed"].iloc[0]), runs["reg_focus"].iloc[0])
    assert runs["committed"].iloc[0] > int(plain.state.committed.sum())  # the policy took effect


def test_python_objects_are_kept_by_their_import_paths_and_run_in_worker_processes(tmp_path):
    spec = Spec(name="py", scenario=str(BASELINE), years=1, fixed=SMALL, factors={"reg_focus": [0.0, 1.0]},
                custom={"outcomes": {"gap": custom_fns.trust_gap}, "policy": custom_fns.EveryoneCommits})
    assert spec.custom.outcomes == {"gap": f"{FNS}:trust_gap"}
    assert spec.custom.policy == f"{FNS}:EveryoneCommits"
    result = run_experiment(spec, tmp_path / "o", workers=2, progress=False, log=None)
    runs = result.runs.sort_values("position")
    assert result.metadata["spec"]["custom"]["outcomes"] == {"gap": f"{FNS}:trust_gap"}
    m = _direct(int(runs["seed"].iloc[1]), 1.0, policy=custom_fns.EveryoneCommits())
    assert runs["gap"].iloc[1] == custom_fns.trust_gap(m)


def test_custom_code_changes_the_hash_and_a_spec_without_it_keeps_its_own(tmp_path):
    from experiments.sweeps.sweep import build_plan

    bare = build_plan(_spec_file(tmp_path, "", "bare"))
    spec = build_plan(_spec_file(tmp_path, f'outcomes = {{ gap = "{FNS}:trust_gap" }}\n', "bare"))
    assert bare.spec.custom is not None and bare.spec.custom.outcomes == {}
    assert spec.spec_hash != bare.spec_hash


@pytest.mark.parametrize("custom, needle", [
    ('outcomes = { gap = "tests.experiments.nowhere:gap" }\n',
     "custom.outcomes.gap: cannot import 'tests.experiments.nowhere:gap' (No module named"),
    (f'outcomes = {{ gap = "{FNS}:no_such" }}\n', "custom.outcomes.gap: cannot import"),
    (f'outcomes = {{ gap = "{FNS}:NOT_CALLABLE" }}\n', "is a int, not a function or class"),
    ('outcomes = { gap = "trust_gap" }\n', "custom.outcomes.gap: String should match pattern"),
    (f'outcomes = {{ gap = "{FNS}:a_list" }}\n',
     f"custom.outcomes.gap: {FNS}:a_list gave list [1, 2]; an outcome is one number or text"),
    (f'outcomes = {{ gap = "{FNS}:broken" }}\n', "custom.outcomes: KeyError: 'no such table'"),
    (f'outcomes = {{ seed = "{FNS}:trust_gap" }}\n', "custom.outcomes.seed: the name of another column"),
    (f'outcomes = {{ reg_focus = "{FNS}:trust_gap" }}\n', "custom.outcomes.reg_focus: the name of another"),
    (f'model = "{FNS}:EveryoneCommits"\n', "is not a subclass of simulation.model.DrumbeatModel"),
    (f'policy = "{FNS}:NoDecide"\n', "gave a NoDecide without a decide(choice) method"),
    (f'colour = "{FNS}:trust_gap"\n',
     "unknown key 'custom.colour'; valid keys here: outcomes, policy, model"),
])
def test_bad_custom_code_is_refused_before_the_first_run(tmp_path, capsys, custom, needle):
    _refused(capsys, ["sweep", _spec_file(tmp_path, custom), "--out", str(tmp_path / "o"), "--workers", "1"],
             needle, tmp_path)


def test_an_outcome_named_in_the_analysis_may_be_a_custom_one(tmp_path):
    path = _spec_file(tmp_path, f'outcomes = {{ gap = "{FNS}:trust_gap" }}\n')
    with open(path, "a") as f:
        f.write('[analysis]\noutcome = "gap"\n')
    load_spec(path)
    out = run_experiment(path, tmp_path / "o", executor="serial", progress=False, log=None)
    assert isinstance(out.runs["gap"], pd.Series) and out.report().is_file()


def test_a_lambda_or_a_local_function_is_refused_in_python():
    def local(model):
        return 1.0

    for fn, what in ((lambda m: 1.0, "<lambda>"), (local, "local")):
        with pytest.raises(ConfigError, match=rf"custom\.outcomes\.x: .*{what}.* is not defined at a "
                                              "module's top level"):
            Spec(name="x", scenario="baseline", factors={"reg_focus": [0.0]},
                 custom={"outcomes": {"x": fn}})


def test_a_module_beside_the_spec_file_is_found(tmp_path, capsys, monkeypatch):
    import sys

    from experiments.cli.main import main

    monkeypatch.setattr(sys, "path", list(sys.path))  # the sweep puts the spec's folder first
    (tmp_path / "beside_spec_c26.py").write_text(
        "def last_trust(model):\n    return float(model.result().national['mean_trust'].iloc[-1])\n")
    path = _spec_file(tmp_path, 'outcomes = { last = "beside_spec_c26:last_trust" }\n')
    assert main(["sweep", path, "--out", str(tmp_path / "o"), "--workers", "1", "--no-report"]) == 0
    runs = pd.read_parquet(tmp_path / "o" / "summary.parquet")
    assert (runs["last"] == runs["mean_trust_at_end"]).all() and sys.path[0] == str(tmp_path)
    monkeypatch.delitem(sys.modules, "beside_spec_c26")


def test_a_resume_under_changed_custom_code_is_refused(tmp_path, capsys, monkeypatch):
    import sys

    from experiments.cli.main import main

    monkeypatch.setattr(sys, "path", list(sys.path))
    module = tmp_path / "changing_c26.py"
    module.write_text("def value(model):\n    return 1.0\n")
    path = _spec_file(tmp_path, 'outcomes = { v = "changing_c26:value" }\n')
    argv = ["sweep", path, "--out", str(tmp_path / "o"), "--workers", "1", "--no-report"]
    assert main(argv) == 0
    assert main(argv) == 0  # the same code: a resume with nothing to run
    module.write_text("def value(model):\n    return 2.0\n")
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "2 stored runs were made by other code (the model's code" in err and err.count("\n") == 1
    monkeypatch.delitem(sys.modules, "changing_c26")
