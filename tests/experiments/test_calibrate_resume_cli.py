"""``drumbeat calibrate``: the database and settings live in the output folder; ``--resume``."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd

from experiments.cli.main import main
from experiments.sweeps.outputs import read_marker

DB = b"SQLite format 3\x00" + b"db"


def _fake(monkeypatch, calls: list[dict]) -> None:
    from experiments.science import calibrate as C

    def run(cal, population, generations, **kw):
        calls.append({"population": population, "generations": generations, **kw})
        if not kw["resume"]:
            kw["db"].write_bytes(DB)  # as pyabc would (an SQLite file), inside the folder
        assert kw["db"].is_file()
        return C.Fit(pd.DataFrame({"threshold_mean": [0.5, 0.6], "external_push": [0.01, 0.02]}),
                     np.array([0.5, 0.5]), [1.0, 0.5], 4, 2, 0.1)

    table = pd.DataFrame({"statistic": ["x"], "fact": ["x"], "observed": [1.0], "scale": [1.0],
                          "median": [math.nan], "q10": [1.0], "q90": [1.0]})
    monkeypatch.setattr(C, "run", run)
    monkeypatch.setattr(C, "predict", lambda *a, **k: [{"stats": {"x": 1.0}}])
    monkeypatch.setattr(C, "stats_table", lambda *a, **k: table)
    monkeypatch.setattr(C, "calibrated_toml", lambda *a, **k: "# calibrated\n")
    monkeypatch.setattr(C, "figure", lambda runs, path: path.write_bytes(b"png"))


def test_database_kept_in_the_output_and_resume_uses_the_stored_settings(tmp_path, monkeypatch,
                                                                        capsys):
    calls: list[dict] = []
    _fake(monkeypatch, calls)
    out = tmp_path / "cal"
    assert main(["calibrate", "--quick", "--out", str(out), "--seed", "7", "--population", "5"]) == 0
    for name in ("abc.db", "resume.json", "fit.md", "pairs.png", "correlations.csv"):
        assert (out / name).is_file(), name
    assert {"abc.db", "resume.json", "pairs.png"} <= set(read_marker(out)["files"])
    stored = json.loads((out / "resume.json").read_text())
    assert stored["seed"] == 7 and stored["settings"]["population"] == 5
    fit_md = (out / "fit.md").read_text()
    assert "Facts fitted and held out" in fit_md and "held out" in fit_md
    assert main(["calibrate", "--resume", str(out), "--generations", "4"]) == 0
    assert calls[-1]["resume"] and calls[-1]["seed"] == 7 and calls[-1]["population"] == 5
    assert calls[-1]["generations"] == 4 and calls[-1]["db"] == out.absolute() / "abc.db"
    assert (out / "abc.db").read_bytes() == DB
    assert json.loads((out / "summary.json").read_text())["resumed"] is True


def test_resume_refuses_what_it_cannot_continue(tmp_path, monkeypatch, capsys):
    _fake(monkeypatch, [])
    assert main(["calibrate", "--resume", str(tmp_path / "nothing")]) == 2
    assert "not a calibration folder" in capsys.readouterr().err
    out = tmp_path / "cal"
    assert main(["calibrate", "--quick", "--out", str(out)]) == 0
    assert main(["calibrate", "--resume", str(out), "--params", "threshold_mean"]) == 2
    assert "cannot change a stored calibration" in capsys.readouterr().err
    assert main(["calibrate", "--quick", "--out", str(out)]) == 2   # a new fit needs --force
