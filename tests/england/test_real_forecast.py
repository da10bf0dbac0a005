"""Real England system by system (``experiments/science/real_forecast.py``): the forecast's
arithmetic on small tables, and the finding end to end on a quick sweep."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from experiments.science.forecast import DATES, read_predictions
from experiments.science.forecast.files import month_index
from experiments.science.real_forecast import (
    first_months,
    lower_median,
    probabilities,
    spearman_interval,
    unit_forecasts,
)
from simulation.footprints import real_footprints
from simulation.panel import load_panel

INF = math.inf


def table(rows):
    return pd.DataFrame(rows, columns=["run_id", "system", "date", "stage"])


def test_first_months_and_probabilities_on_a_small_table():
    systems = table([
        (1, "A", "2017-05", 1), (1, "A", "2017-06", 2), (1, "B", "2017-06", 0), (1, "B", "2018-01", 2),
        (2, "A", "2017-05", 0), (2, "A", "2017-06", 0), (2, "B", "2017-06", 2), (2, "B", "2018-01", 3),
    ])
    designated = first_months(systems, 2)
    assert list(designated.columns) == ["A", "B"] and list(designated.index) == [1, 2]
    assert designated.loc[1, "A"] == month_index("2017-06") and designated.loc[2, "A"] == INF
    assert designated.loc[1, "B"] == month_index("2018-01")
    p = probabilities(designated, ("2017-06", "2017-12", "2018-06"))
    assert p.loc["A"].tolist() == [0.5, 0.5, 0.5]
    assert p.loc["B"].tolist() == [0.5, 0.5, 1.0]


@pytest.mark.parametrize(("months", "expected"), [
    ([3, 1, 2], 2), ([4, 1, 2, 3], 2), ([1, INF, INF], INF), ([5, INF], 5), ([7], 7),
])
def test_lower_median_is_the_first_month_half_the_runs_have_reached(months, expected):
    assert lower_median(np.array(months, dtype=float)) == expected


def test_spearman_is_exact_on_a_monotone_case_and_its_interval_holds_it():
    x = np.arange(10.0)
    rho, lo, hi = spearman_interval(x, x ** 2)
    assert (rho, lo, hi) == pytest.approx((1.0, 1.0, 1.0), abs=1e-12)
    rho, lo, hi = spearman_interval(x, -x)
    assert (rho, hi) == pytest.approx((-1.0, -1.0), abs=1e-12)
    rho, lo, hi = spearman_interval(x, np.array([1, 0, 3, 2, 5, 4, 7, 6, 9, 8.0]))
    assert lo < rho < hi and rho == pytest.approx(1 - 6 * 10 / (10 * 99))


def test_a_unit_of_merged_footprints_is_designated_when_all_its_parts_are():
    panel = load_panel()
    fp = real_footprints()
    codes = dict(zip(fp.names, fp.codes, strict=True))
    early, late = month_index("2017-06"), month_index("2019-06")
    months = pd.DataFrame([{n: early for n in fp.names}] * 2, index=[1, 2], dtype=float)
    north = [n for n, c in codes.items() if c in ("E54000045", "E54000046", "E54000047")]
    months.loc[1, north[0]] = late           # one part late in run 1: the unit is late there
    months.loc[2, north[1]] = INF            # one part never in run 2: the unit never
    forecasts = {f.system: f for f in unit_forecasts(months, codes, panel)}
    assert len(forecasts) == 42
    cne = forecasts["E54000050"]
    assert cne.p_by[DATES.index("2017-06")] == 0.0
    assert cne.p_by[DATES.index("2019-06")] == 0.5 and cne.median == "2019-06"
    assert all(f.p_by[0] == 1.0 and f.median == "2017-06" for u, f in forecasts.items() if u != "E54000050")


def test_the_finding_end_to_end_on_a_quick_sweep(tmp_path, monkeypatch, capsys):
    from experiments.cli.main import main
    from experiments.sweeps import extras

    out = tmp_path / "real"
    spec = "configs/experiments/real_england.toml"
    from simulation.configs import shipped

    assert main(["sweep", str(shipped(spec)), "--quick", "--workers", "1", "--out", str(out)]) == 0
    with monkeypatch.context() as m:  # without lifelines: one line naming the extra, nothing written
        m.setattr(extras, "missing", lambda extra: ["lifelines"] if extra == "survival" else [])
        assert main(["findings", "real_england", str(out)]) == 2
        assert "needs the [survival] extra" in capsys.readouterr().err
        assert not (out / "predictions.csv").exists()
    assert main(["findings", "real_england", str(out)]) == 0
    predictions = read_predictions(out / "predictions.csv")
    assert len(predictions) == 42 and len(read_predictions(out / "null_predictions.csv")) == 42
    systems = pd.read_csv(out / "real_systems.csv")
    assert set(systems["footprint"]) == set(real_footprints().codes)
    assert ((systems["p_mature"] <= systems["p_designated"] + 1e-9)
            & (systems["p_designated"] <= systems["p_shadow"] + 1e-9)).all()
    ratings = pd.read_csv(out / "ratings.csv")
    assert len(ratings) == 12 and set(ratings["rating"]) <= {
        "outstanding", "advanced", "making_progress", "needs_most_improvement"}
    waves = pd.read_csv(out / "first_waves.csv")
    assert len(waves) == 4 and waves["real_in_first_8"].between(0, 8).all()
    assert (out / "figures" / "real_england.png").is_file()
