"""Experiments from Python (experiments/api.py): a spec built in code, run, read back; the notebook."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from experiments.api import Spec, SweepResult, run_experiment
from experiments.sweeps import progress
from simulation import ConfigError

#: A tiny world: 4 systems, 2 years (the notebook's and the README's).
TINY = {"n_systems": 4, "trusts": 45, "ccgs": 45, "councils": 44, "districts": 10}
QUIET = {"progress": False, "log": None}


def tiny_spec(**kw) -> Spec:
    base = {"name": "tiny", "scenario": "baseline", "years": 2, "replicates": 2, "fixed": TINY,
            "factors": {"reg_focus": [0.0, 1.0]}}
    return Spec(**{**base, **kw})


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> SweepResult:
    return run_experiment(tiny_spec(), tmp_path_factory.mktemp("api") / "o", executor="serial", **QUIET)


def test_a_spec_in_code_gives_the_rows_of_the_same_spec_in_a_file(sweep, tmp_path):
    toml = textwrap.dedent(f"""\
        name = "tiny"
        scenario = "baseline"
        years = 2
        replicates = 2
        fixed = {{ {", ".join(f"{k} = {v}" for k, v in TINY.items())} }}
        [factors]
        reg_focus = [0.0, 1.0]
        """)
    (tmp_path / "tiny.toml").write_text(toml)
    from_file = run_experiment(tmp_path / "tiny.toml", tmp_path / "o", executor="serial", **QUIET)
    assert from_file.metadata["spec_hash"] == sweep.metadata["spec_hash"]
    pd.testing.assert_frame_equal(from_file.runs, sweep.runs)
    assert list(sweep.runs["reg_focus"]) == [0.0, 0.0, 1.0, 1.0]
    assert "<SweepResult 'tiny': 4/4 runs in" in repr(sweep)


def test_per_run_tables_are_read_lazily_and_only_when_kept(sweep):
    national = sweep.national
    assert sorted(national["run_id"].unique()) == list(sweep.runs["run_id"])
    assert len(national) == 4 * 25  # month 0 and 24 steps
    one = sweep.table("national", run_ids={"r000001"}, columns=["step", "mean_index"])
    assert list(one.columns) == ["step", "mean_index"] and len(one) == 25
    with pytest.raises(ConfigError, match="did not keep 'systems'"):
        _ = sweep.systems
    with pytest.raises(ConfigError, match="tables are national, systems, events"):
        sweep.table("agents")


def test_the_report_is_written_into_the_sweep_folder(tmp_path):
    sweep = run_experiment(tiny_spec(), tmp_path / "o", executor="serial", **QUIET)
    path = sweep.report()
    assert path == sweep.out / "report.md" and "reg_focus" in path.read_text(encoding="utf-8")
    assert "report.md" in (sweep.out / "drumbeat-output.json").read_text(encoding="utf-8")


def test_the_output_folder_rules_apply(sweep, tmp_path):
    other = tiny_spec(name="other", replicates=1)
    with pytest.raises(ConfigError, match="different spec"):
        run_experiment(other, sweep.out, executor="serial", **QUIET)
    again = run_experiment(tiny_spec(), sweep.out, executor="serial", **QUIET)  # resumes: nothing to run
    pd.testing.assert_frame_equal(again.runs, sweep.runs)
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not written by drumbeat"):
        run_experiment(other, tmp_path / "foreign", executor="serial", **QUIET)
    with pytest.raises(ConfigError, match="holds no sweep"):
        SweepResult(tmp_path / "foreign")


def test_executor_choices_are_checked(tmp_path):
    with pytest.raises(ConfigError, match="expected 'serial', 'processes' or 'dask'"):
        run_experiment(tiny_spec(), tmp_path / "o", executor="threads", **QUIET)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="give no workers"):
        run_experiment(tiny_spec(), tmp_path / "o", executor="serial", workers=2, **QUIET)
    with pytest.raises(ConfigError, match="expected an address"):
        run_experiment(tiny_spec(), tmp_path / "o", executor="dask", scheduler="nowhere", **QUIET)
    assert not (tmp_path / "o").exists()


SCRIPT = """\
from experiments.api import Spec, run_experiment
spec = Spec(name="tiny", scenario="baseline", years=2, replicates=2, fixed={tiny!r},
            factors={{"reg_focus": [0.0, 1.0]}})
{guard}print(run_experiment(spec, out="o", executor="processes", workers=2, progress=False))
"""


def _script(tmp_path, guard: bool) -> subprocess.CompletedProcess:
    text = SCRIPT.format(tiny=TINY, guard='if __name__ == "__main__":\n    ' if guard else "")
    (tmp_path / "s.py").write_text(text)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run([sys.executable, "s.py"], cwd=tmp_path, capture_output=True, text=True,
                          env=env, timeout=300)


def test_a_script_without_the_main_guard_gets_one_clear_line_then_resumes_with_it(tmp_path):
    bad = _script(tmp_path, guard=False)
    assert bad.returncode != 0
    last = bad.stderr.strip().splitlines()[-1]
    assert last.startswith("simulation.errors.ConfigError: worker processes stopped")
    assert 'if __name__ == "__main__":' in last
    assert "another drumbeat command" not in bad.stderr  # not the lock the parent itself holds
    good = _script(tmp_path, guard=True)
    assert good.returncode == 0, good.stderr
    assert "<SweepResult 'tiny': 4/4 runs in o" in good.stdout


def test_progress_bar_in_notebooks_and_terminals_never_in_ci(monkeypatch):
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False, raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    assert not progress.interactive()
    monkeypatch.setitem(sys.modules, "ipykernel", object())
    assert progress.interactive()
    monkeypatch.setenv("CI", "true")
    assert not progress.interactive()
    assert progress.tqdm.__module__.startswith("tqdm.")  # tqdm.auto's choice, not the plain one


def test_the_readme_api_example_runs(root, tmp_path, monkeypatch):
    text = (root / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "run_experiment" in b)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - the README's own code
    sweep = namespace["sweep"]
    assert len(sweep.runs) == 4 and set(sweep.runs["reg_focus"]) == {0.0, 1.0}


def test_the_notebook_runs(root, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    nb = nbformat.read(root / "docs" / "api.ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "<SweepResult 'tiny': 4/4 runs in out/api-tiny, tables national, systems>" in text
    assert (tmp_path / "out" / "api-tiny" / "summary.parquet").is_file()


def test_the_notebook_is_committed_with_the_outputs_of_one_run_top_to_bottom(root):
    """docs/api.ipynb as scripts/execute_notebook.py writes it: every code cell executed in
    order in one kernel, each with its output, none an error, no path of the machine."""
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(root / "docs" / "api.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert all(c.outputs for c in code), [c.source[:60] for c in code if not c.outputs]
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "<SweepResult 'tiny': 4/4 runs in out/api-tiny, tables national, systems>" in text
    assert str(root) not in text and "/tmp" not in text
    assert not [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]


def test_validation_reports_progress_as_sweeps_do(monkeypatch):
    from experiments.science import patterns as P
    from experiments.science import runs, validate

    def fake_collect(wanted, workers, scheduler, store, progress):
        for done in range(1, 11):
            progress(done, 10)
        return {w: {"share_integrated_end": 0.5} for w in wanted}

    monkeypatch.setattr(runs, "collect", fake_collect)
    monkeypatch.setattr(P, "evaluate", lambda pattern, samples: [])
    monkeypatch.setenv("CI", "true")  # no bar: the plain lines of a sweep's --log-every
    lines: list[str] = []
    validate.score("ci", numbers=[1], log=lines.append)
    # three batches (the model and the tuning grid, a finer look, the alternative), each a
    # title line and one line per tenth of its runs
    assert [ln for ln in lines if ln.endswith(": 10 runs")] == [
        "  model and tuning: 10 runs", "  finer tuning: 10 runs", "  alternatives: 10 runs"]
    assert len(lines) == 33 and lines[-1].startswith("  10/10 runs (100%), ")
    assert "runs/s, about" in lines[1]
