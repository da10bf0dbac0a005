"""The API reference (docs/reference/, Sphinx) builds from the docstrings with no warning,
and covers the public API (issue 26, point 8). ``make docs`` builds the same."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

pytest.importorskip("sphinx", reason="Sphinx is not installed: pip install -e \".[docs]\" (the [test] "
                                     "extra installs it, so CI builds the reference)")

#: What each page must document (a name as Sphinx anchors it).
COVERS = {
    "simulation": ["simulation.DrumbeatModel", "simulation.load_scenario", "simulation.run_scenario",
                   "simulation.RunResult", "simulation.ConfigError", "simulation.configs.find_config"],
    "scenarios": ["simulation.Scenario", "simulation.params.Params", "simulation.scenario.EventSpec"],
    "decisions": ["simulation.decisions.Choice", "simulation.decisions.Policy"],
    "experiments": ["experiments.api.Spec", "experiments.api.run_experiment", "experiments.api.SweepResult"],
    "sweeps": ["experiments.sweeps.executors.make_executor", "experiments.sweeps.extras.require"],
    "analysis": ["experiments.analysis.report", "experiments.analysis.discovery"],
    "science": ["experiments.science.validate", "experiments.science.calibrate"],
    "cli": ["experiments.cli.main", "experiments.cli.main.COMMAND_EXTRAS"],
}


def test_the_api_reference_builds_without_a_warning(root, tmp_path):
    out = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-E", "-b", "html",
                          str(root / "docs" / "reference"), str(tmp_path)],
                         capture_output=True, text=True, timeout=600, cwd=root)
    assert out.returncode == 0, out.stderr
    assert not out.stderr.strip(), out.stderr
    for page, names in COVERS.items():
        html = (tmp_path / f"{page}.html").read_text(encoding="utf-8")
        anchors = set(re.findall(r'id="([^"]+)"', html))
        missing = [n for n in names if n not in anchors and f"module-{n}" not in anchors]
        assert not missing, f"{page}.html lacks {missing}"
