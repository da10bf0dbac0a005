"""The scoring rule of a forecast of the real systems' designations, fixed before the held-out
record is seen, and the null forecaster (experiments/science/forecast; issue 23, point 4).
Every outcome here is synthetic: the held-out record is not in the repository."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from experiments.cli.main import main
from experiments.science.forecast import (
    DATES,
    Forecast,
    brier_by_date,
    c_index,
    fit_null,
    fitted_designations,
    null_forecasts,
    read_outcomes,
    read_predictions,
    score,
    units,
    write_outcomes,
    write_predictions,
)
from experiments.science.forecast.null import firth_logistic
from experiments.science.forecast.units import unit_of
from simulation.errors import ConfigError
from simulation.panel import load_panel, panel_dir

PANEL = load_panel()
ROOT = Path(__file__).resolve().parents[2]


def flat(p: float, median: str | None = None, system: str = "x") -> Forecast:
    return Forecast(system, median, (p,) * len(DATES))


# --- the C-index, by hand ----------------------------------------------------------------------
OUTCOMES = {"A": "2018-06", "B": "2018-06", "C": "2019-06", "D": None, "E": None}


def test_c_index_with_ties_and_censoring_by_hand():
    # Comparable: A and B (tied times: not with each other) with C, D, E; C with D, E: 8 pairs.
    # Concordant: (A,E), (B,E), (C,E); tied medians: (A,C), (A,D), (C,D); discordant:
    # (B,C), (B,D). C = (3 + 3/2) / 8.
    medians = {"A": "2019-01", "B": "2020-01", "C": "2019-01", "D": "2019-01", "E": None}
    assert c_index(OUTCOMES, medians) == {"c": 4.5 / 8, "comparable": 8, "concordant": 3, "tied": 3}


def test_perfect_reversed_and_constant_forecasts_give_one_zero_and_a_half():
    times = {"A": "2018-06", "B": "2019-06", "C": "2020-06", "D": None}
    perfect = {"A": "2018-01", "B": "2019-01", "C": "2020-01", "D": None}
    reverse = {"A": "2021-01", "B": "2020-01", "C": "2019-01", "D": "2018-01"}
    assert c_index(times, perfect)["c"] == 1.0 and c_index(times, perfect)["comparable"] == 6
    assert c_index(times, reverse)["c"] == 0.0
    assert c_index(times, dict.fromkeys(times, "2019-01"))["c"] == 0.5
    assert c_index(times, dict.fromkeys(times))["c"] == 0.5  # all "after the horizon": all tied
    assert c_index({"A": None, "B": None}, {"A": "2018-01", "B": None})["c"] is None  # no pair


def test_c_index_agrees_with_lifelines():
    lifelines = pytest.importorskip("lifelines.utils")
    rng = np.random.default_rng(23)
    months = [f"{y}-{m:02d}" for y in range(2017, 2023) for m in range(1, 13)][5:66]
    for _ in range(20):
        outcomes = {str(i): (str(rng.choice(months)) if rng.random() < 0.6 else None) for i in range(30)}
        medians = {str(i): (str(rng.choice(months[::6])) if rng.random() < 0.7 else None) for i in range(30)}
        t = [(int(m[:4]) * 12 + int(m[5:]) if m else 10**6) for m in outcomes.values()]
        r = [(int(m[:4]) * 12 + int(m[5:]) if m else 10**6) for m in medians.values()]
        expected = lifelines.concordance_index(t, r, [m is not None for m in outcomes.values()])
        assert c_index(outcomes, medians)["c"] == pytest.approx(expected, abs=1e-12)


# --- the Brier score, by hand --------------------------------------------------------------------
def test_brier_by_date_by_hand():
    a = Forecast("A", "2018-06", (0.1, 0.3) + (0.8,) * 9)  # designated 2018-06
    b = flat(0.2, system="B")  # not designated
    c = flat(1.0, "2017-06", "C")  # designated in the first wave, forecast for certain
    outcomes = {"A": "2018-06", "B": None, "C": "2017-06"}
    brier = brier_by_date(outcomes, {"A": a, "B": b, "C": c})
    assert brier["2017-06"] == pytest.approx((0.01 + 0.04 + 0) / 3)
    assert brier["2017-12"] == pytest.approx((0.09 + 0.04 + 0) / 3)
    assert all(brier[d] == pytest.approx((0.04 + 0.04) / 3) for d in DATES[2:])
    result = score({"A": a, "B": b, "C": c}, outcomes)
    assert result["mean_brier"] == pytest.approx((0.05 + 0.13 + 9 * 0.08) / 3 / 11)
    held = result["held_out"]  # C was designated by May 2018: fitted, not held out
    assert held["units"] == 2 and list(held["brier"]) == list(DATES[2:])
    assert held["mean_brier"] == pytest.approx(0.04)
    assert held["c_index"]["comparable"] == 1 and held["c_index"]["c"] == 1.0  # A's median, B's none


def test_a_perfect_forecast_scores_zero_brier():
    outcomes = {"A": "2019-03", "B": None}
    forecasts = {"A": Forecast("A", "2019-03", tuple(float(d >= "2019-03") for d in DATES)),
                 "B": flat(0.0, system="B")}
    assert set(brier_by_date(outcomes, forecasts).values()) == {0.0}


# --- the files: round trip and refusals ----------------------------------------------------------
@pytest.fixture(scope="module")
def null_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("forecast") / "predictions.csv"
    write_predictions(path, null_forecasts(PANEL))
    return path


def edited(src: Path, dst: Path, change) -> Path:
    with src.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    change(rows)
    with dst.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return dst


def cell(column: str, row: int, value: str):
    def change(rows):
        rows[row - 1][rows[0].index(column)] = value
    return change


# Row 2 is Greater Manchester (median 2017-06), row 3 Cheshire and Merseyside (median 2019-04).
BAD_PREDICTIONS = {
    "missing column": (lambda rows: [r.pop(5) for r in rows], 1, "missing column 'p_by_2018-06'"),
    "unknown column": (lambda rows: [r.append("1") for r in rows], 1, "unknown column '1'"),
    "column twice": (lambda rows: [r.append(r[0]) for r in rows], 1, "a column is named twice (system)"),
    "short row": (lambda rows: rows[3].pop(), 4, "13 cells, 14 columns expected"),
    "no system": (cell("system", 3, ""), 3, "'system' is empty"),
    "duplicate system": (lambda rows: rows.append(list(rows[1])), 44,
                         "duplicate system 'E54000007' (first at row 2)"),
    "not a number": (cell("p_by_2019-06", 3, "high"), 3, "'p_by_2019-06' is not a number: 'high'"),
    "above one": (cell("p_by_2022-06", 3, "1.2"), 3, "'p_by_2022-06' is 1.2, outside [0, 1]"),
    "not finite": (cell("p_by_2022-06", 3, "nan"), 3, "'p_by_2022-06' is nan, outside [0, 1]"),
    "decreasing": (cell("p_by_2018-12", 3, "0.3"), 3, "p_by_2018-12 (0.3) is below p_by_2018-06 (0.408748)"),
    "median not a month": (cell("median_designation_month", 3, "2019-13"), 3,
                           "'median_designation_month' is not a month (YYYY-MM, or empty): '2019-13'"),
    "median after horizon": (cell("median_designation_month", 3, "2022-07"), 3,
                             "'median_designation_month' 2022-07 is outside 2017-06 to 2022-06"),
    "median too early": (cell("median_designation_month", 3, "2018-10"), 3,
                         "p_by_2018-12 is 0.469595, below 0.5, on or after the median designation "
                         "month 2018-10"),
    "median too late": (cell("median_designation_month", 3, "2019-07"), 3,
                        "p_by_2019-06 is 0.524179, above 0.5, before the median designation month 2019-07"),
    "median far too late": (cell("median_designation_month", 2, "2018-01"), 2,
                              "p_by_2017-06 is 0.80648, above 0.5, before the median"),
    "no median but above half": (cell("median_designation_month", 3, ""), 3,
                                 "with no median designation month"),
    "no rows": (lambda rows: rows.__delitem__(slice(1, None)), 1, "no rows (one row a system expected)"),
}


@pytest.mark.parametrize("case", sorted(BAD_PREDICTIONS))
def test_a_malformed_predictions_file_is_refused_in_one_line(case, null_file, tmp_path):
    change, row, problem = BAD_PREDICTIONS[case]
    path = edited(null_file, tmp_path / "bad.csv", change)
    with pytest.raises(ConfigError) as err:
        read_predictions(path)
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"{path}: row {row}: "), message
    assert problem in message, message


def test_the_null_file_reads_back_as_written(null_file):
    forecasts = read_predictions(null_file)
    assert list(forecasts) == units(PANEL)
    again = {f.system: f for f in null_forecasts(PANEL)}
    for system, f in forecasts.items():
        assert f.median == again[system].median and f.name == again[system].name
        assert np.allclose(f.p_by, again[system].p_by, atol=5e-7)


BAD_OUTCOMES = {
    "not a date": ("2019-1", 2,
                   "'designation_date' is not a date (YYYY-MM or YYYY-MM-DD, or empty): '2019-1'"),
    "the statute": ("2022-07-01", 2, "'designation_date' 2022-07-01 is outside 2017-06 to 2022-06"),
    "before the first wave": ("2016-04", 2, "outside 2017-06 to 2022-06"),
    "no such day": ("2019-02-30", 2, "'designation_date' is not a date"),
}


@pytest.mark.parametrize("case", sorted(BAD_OUTCOMES))
def test_a_malformed_outcome_file_is_refused_in_one_line(case, tmp_path):
    value, row, problem = BAD_OUTCOMES[case]
    path = tmp_path / "outcomes.csv"
    path.write_text(f"system,designation_date\nA,{value}\nB,\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"^{re.escape(str(path))}: row {row}: ") as err:
        read_outcomes(path)
    assert problem in str(err.value)
    path.write_text("system,designation_date\nA,2019-06-30\nA,\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"^{re.escape(str(path))}: row 3: duplicate system 'A' "
                                          r"\(first at row 2\)$"):
        read_outcomes(path)


# --- the command line ----------------------------------------------------------------------------
def synthetic_outcomes(path: Path, change=None) -> Path:
    """The panel's fitted facts and a made-up later record (every fourth unit per date)."""
    fitted = fitted_designations(PANEL)
    made_up = ("2019-06", "2020-04", "2021-07", None)
    outcomes = {u: fitted.get(u, made_up[i % 4]) for i, u in enumerate(units(PANEL))}
    if change:
        change(outcomes)
    write_outcomes(path, outcomes)
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["forecast", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_forecast_null_and_score_on_the_command_line(capsys, tmp_path, null_file):
    out = tmp_path / "null.csv"
    code, text, _ = run(capsys, "null", "--out", out)
    assert code == 0 and "fitted on 8 of 42 designated by 2017-06 and 3 of 34 more by 2018-05" in text
    assert out.read_bytes() == null_file.read_bytes()  # deterministic
    code, _, err = run(capsys, "null", "--out", out)
    assert code == 2 and err == f"drumbeat: error: {out}: exists; give --force to replace it\n"
    outcomes = synthetic_outcomes(tmp_path / "outcomes.csv")
    code, text, _ = run(capsys, "score", out, outcomes)
    assert code == 0 and "C-index, all systems:" in text and "  2022-06 " in text
    code, text, _ = run(capsys, "score", out, outcomes, "--json")
    assert code == 0 and json.loads(text) == score(read_predictions(out), read_outcomes(outcomes))


def test_bad_input_on_the_command_line_is_one_line_and_exit_2(capsys, tmp_path, null_file):
    bad = edited(null_file, tmp_path / "bad.csv", cell("p_by_2022-06", 3, "1.2"))
    outcomes = synthetic_outcomes(tmp_path / "outcomes.csv")
    cases = [
        ((bad, outcomes), f"{bad}: row 3: 'p_by_2022-06' is 1.2, outside [0, 1]"),
        ((null_file, tmp_path / "none.csv"), f"{tmp_path / 'none.csv'}: row 0: file not found"),
        ((null_file, synthetic_outcomes(tmp_path / "short.csv", lambda o: o.pop("E54000044"))),
         f"{tmp_path / 'short.csv'}: row 0: no row for system 'E54000044'"),
        ((null_file, synthetic_outcomes(tmp_path / "extra.csv", lambda o: o.update(E54000045=None))),
         f"{tmp_path / 'extra.csv'}: row 44: system 'E54000045' is not a scored unit"),
        ((null_file, synthetic_outcomes(tmp_path / "early.csv", lambda o: o.update(E54000044="2018-01"))),
         f"{tmp_path / 'early.csv'}: row 37: system 'E54000044' is 2018-01 here but not designated "
         "by 2018-05"),
        ((null_file, synthetic_outcomes(tmp_path / "moved.csv", lambda o: o.update(E54000048="2018-10"))),
         f"{tmp_path / 'moved.csv'}: row 38: system 'E54000048' is 2018-10 here but designated 2017-06"),
    ]
    for args, message in cases:
        code, _, err = run(capsys, "score", *args)
        assert code == 2, err
        assert err.count("\n") == 1 and err.startswith(f"drumbeat: error: {message}"), err
    with pytest.raises(SystemExit) as exit_:  # an option argparse refuses: one line too
        run(capsys, "score", null_file)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1 and "OUTCOMES" in err


# --- the unit and the fitted facts ---------------------------------------------------------------
def test_designations_map_onto_the_42_units_by_the_panels_rules():
    assert len(units(PANEL)) == 42
    fitted = fitted_designations(PANEL)
    assert sorted(u for u, m in fitted.items() if m == "2017-06") == [
        "E54000007", "E54000009", "E54000014", "E54000024", "E54000034", "E54000041",
        "E54000048",  # Blackpool and Fylde Coast grew to its footprint: its date carries (rule 2)
        "E54000052"]  # Surrey Heartlands, re-coded in April 2020: the designation carries
    assert sorted(u for u, m in fitted.items() if m == "2018-05") == ["E54000023", "E54000043", "E54000054"]
    assert "E54000044" not in fitted  # Berkshire West and Buckinghamshire: part of it only (rule 1)
    assert "E54000050" not in fitted  # West, North and East Cumbria merged into it (rule 3)
    assert unit_of(PANEL)["E54000047"] == "E54000050" and "E54000047" not in unit_of(PANEL, True)


# --- the null forecaster -------------------------------------------------------------------------
def test_the_null_forecast_is_monotone_in_range_and_deterministic():
    first, second = null_forecasts(PANEL), null_forecasts(load_panel())
    assert first == second
    for f in first:
        assert all(0 <= p <= 1 for p in f.p_by) and list(f.p_by) == sorted(f.p_by)
        assert f.p_by[-1] < 1  # the statute of July 2022 is not in it
    fit = fit_null(PANEL)
    assert (fit.at_risk, fit.events) == ((42, 34), (8, 3))
    assert fit.slopes[2] > 0  # devolution: both devolved units were in the first wave


def test_firths_estimates_solve_the_penalised_score_equations():
    x = np.array([[1, 0, 0.5], [1, 0, -1.0], [1, 0, 2.0], [0, 1, 0.3], [0, 1, -0.2], [0, 1, 1.5],
                  [1, 0, 0.1], [0, 1, -1.1]])
    y = np.array([1, 0, 1, 0, 0, 1, 0, 0], dtype=float)
    beta, _ = firth_logistic(x, y)
    p = 1 / (1 + np.exp(-x @ beta))
    w = p * (1 - p)
    inverse = np.linalg.inv(x.T @ (w[:, None] * x))
    hat = w * np.einsum("ij,jk,ik->i", x, inverse, x)
    assert np.allclose(x.T @ (y - p + hat * (0.5 - p)), 0, atol=1e-8)


def _permute(path: Path, columns: tuple[str, ...], keep=lambda row: True) -> None:
    """Rotate the values of ``columns`` (together) by one row among the rows ``keep`` selects."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
        header = list(rows[0])
    chosen = [r for r in rows if keep(r)]
    values = [{c: r[c] for c in columns} for r in chosen]
    for r, v in zip(chosen, values[1:] + values[:1], strict=True):
        r.update(v)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_the_null_forecast_uses_only_size_organisations_and_devolution(tmp_path):
    folder = tmp_path / "england"
    shutil.copytree(panel_dir(), folder)
    _permute(folder / "footprints.csv", ("region_code", "region_name", "region_source"))
    _permute(folder / "footprints.csv", ("upper_tier_councils", "councils_source"),
             lambda r: bool(r["upper_tier_councils"]))
    _permute(folder / "ccgs.csv", ("name", "ods"))
    _permute(folder / "acute_trusts.csv", ("name",))
    _permute(folder / "finances.csv", ("value_gbp_m",))
    _permute(folder / "devolution.csv", ("deal", "powers_from"))
    (folder / "test_target_ratings_2017.csv").write_text("footprint,rating,source,filled,note\n")
    base = [(f.system, f.median, f.p_by) for f in null_forecasts(PANEL)]
    assert [(f.system, f.median, f.p_by) for f in null_forecasts(load_panel(folder))] == base
    _permute(folder / "ccgs.csv", ("population_mid2018",))  # a feature: the forecast moves
    assert [(f.system, f.median, f.p_by) for f in null_forecasts(load_panel(folder))] != base


# --- the held-out record stays out ---------------------------------------------------------------
DATE_COLUMNS = ("date", "designation_date", "designated", "designation_month")


def held_out_designations(files: list[Path]) -> list[str]:
    """Rows of CSV files with a ``system`` column and a designation date after May 2018 other than
    the statute's (2022-07, 2022-07-01)."""
    found = []
    for path in files:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if "system" not in (reader.fieldnames or []):
                continue
            for row in reader:
                for col in DATE_COLUMNS:
                    value = (row.get(col) or "").strip()
                    if value[:7] > "2018-05" and value not in ("2022-07", "2022-07-01"):
                        found.append(f"{path}: row {reader.line_num}: {col} {value}")
    return found


def test_no_file_in_the_repository_holds_a_held_out_designation(tmp_path):
    tracked = subprocess.run(["git", "ls-files", "*.csv"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    assert tracked and held_out_designations([ROOT / p for p in tracked]) == []
    planted = synthetic_outcomes(tmp_path / "outcomes.csv")  # the check can fail
    later = [m for m in read_outcomes(planted).values() if m and m > "2018-05"]
    assert len(later) > 10 and len(held_out_designations([planted])) == len(later)
