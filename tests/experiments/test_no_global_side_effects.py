"""Issue 26, point 4: importing Drumbeat and drawing its reports leaves the caller's matplotlib
backend and settings, warning filters and logging as they were.

Run in a fresh interpreter whose backend is a notebook's (``matplotlib_inline``, which needs
no display). Libraries may change warning filters when imported (SciPy does); what is
measured is Drumbeat's own doing: the same work is done once to learn which libraries it
imports, and then, with those imported first, the state is compared before and after it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.experiments.conftest import ROOT

pytest.importorskip("matplotlib_inline")
INLINE = "module://matplotlib_inline.backend_inline"

WORK = r'''
import json, logging, sys, tempfile, warnings
from pathlib import Path

OURS = ("simulation", "experiments", "tests")


def state():
    import matplotlib
    return {"backend": matplotlib.get_backend(), "filters": repr(warnings.filters),
            "rc": {k: repr(v) for k, v in matplotlib.rcParams.items() if k != "backend"},
            "logging": repr((logging.root.level, logging.root.handlers, logging.root.manager.disable)),
            "pyplot_figures": __import__("matplotlib.pyplot").pyplot.get_fignums()
                              if "matplotlib.pyplot" in sys.modules else []}


def work(tmp):
    import experiments.cli.main  # noqa: F401 - the command line's modules, imported
    from experiments.analysis import discovery_report, figures, report, runplots, survival  # noqa: F401
    from experiments.api import Spec, run_experiment
    from experiments.science import calib_diagnostics, findings, robustness, validate  # noqa: F401
    from simulation import DrumbeatModel

    small = {"n_systems": 6, "ccgs": 30, "trusts": 30, "councils": 10, "districts": 0}
    spec = Spec(name="fx", scenario="baseline", years=1, replicates=2, fixed=small,
                factors={"reg_focus": [0.0, 1.0], "reg_intensity": [0.2, 0.8]})
    run_experiment(spec, Path(tmp) / "sweep", executor="serial", progress=False, log=None).report()
    model = DrumbeatModel("teaching/two_hospitals", 1)
    runplots.spread_figure(model.run(), Path(tmp) / "spread.png")


mode = sys.argv[1]
if mode == "libraries":  # which libraries the work imports
    with tempfile.TemporaryDirectory() as tmp:
        work(tmp)
    print(json.dumps(sorted(n for n in sys.modules if n.split(".")[0] not in OURS)))
else:
    import importlib
    for name in json.loads(sys.stdin.read()):
        try:
            importlib.import_module(name)
        except Exception:  # a shim that cannot be imported on its own
            pass
    before = state()
    with tempfile.TemporaryDirectory() as tmp:
        work(tmp)
    print(json.dumps({"before": before, "after": state()}))
'''


def _python(mode: str, stdin: str = "") -> str:
    env = {**os.environ, "MPLBACKEND": INLINE}
    done = subprocess.run([sys.executable, "-c", WORK, mode], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def test_imports_and_reports_leave_backend_warnings_and_logging_alone():
    libraries = _python("libraries")
    seen = json.loads(_python("compare", libraries))
    before, after = seen["before"], seen["after"]
    assert before["backend"] == after["backend"] == INLINE  # a notebook's backend, kept
    assert after["filters"] == before["filters"]
    assert after["logging"] == before["logging"]
    changed = {k for k in before["rc"] if before["rc"][k] != after["rc"].get(k)}
    assert not changed, changed
    assert after["pyplot_figures"] == []  # no figure left open in pyplot's manager
