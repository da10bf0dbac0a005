"""The forecast and outcome files: their format, a reader that refuses a malformed file in one
line (``FILE: row N: problem``, as :mod:`simulation.panel` does) and writers.

``predictions.csv``, one row a scored unit (:mod:`.units`)::

    system,name,median_designation_month,p_by_2017-06,p_by_2017-12,...,p_by_2022-06

- ``system``: the unit's footprint code as of 30 June 2022 (one of the 42, E54...).
- ``name``: optional, for the reader's eye; never scored.
- ``median_designation_month``: ``YYYY-MM`` from 2017-06 to 2022-06, or empty when the
  forecast's median falls after 2022-06 (not designated within the horizon).
- ``p_by_YYYY-MM``: the probability that the unit is designated by the end of that month,
  for each of :data:`DATES` (every June and December from 2017-06 to 2022-06): each in
  [0, 1], never decreasing with the date, and agreeing with the median (at or above 0.5 from
  the median's month on, at or below 0.5 before it; at or below 0.5 at 2022-06 when the
  median is empty), within :data:`TOLERANCE`.

The outcome file, one row a scored unit: ``system,designation_date`` (and optionally ``name``,
``source``, ``note``), the date ``YYYY-MM`` or ``YYYY-MM-DD`` from 2017-06 to 2022-06, or
empty when the unit was not designated by 30 June 2022. Only the month is scored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path

from experiments.sweeps.atomic import atomic_write
from simulation.errors import ConfigError

#: The first month a designation can fall in (the first wave) and the last one scored (the
#: statute of 1 July 2022 designates every unit and is not scored).
FIRST, HORIZON = "2017-06", "2022-06"
#: The scored dates: every June and December from the first wave to the horizon.
DATES = tuple(f"{y}-{m}" for y in range(2017, 2023) for m in ("06", "12"))[:-1]
PREFIX = "p_by_"
PREDICTION_COLUMNS = ("system", "median_designation_month", *(PREFIX + d for d in DATES))
OUTCOME_COLUMNS = ("system", "designation_date")
#: How far a written probability may stray from the median's 0.5 (rounding to 6 places).
TOLERANCE = 1e-6
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class Forecast:
    """One unit's forecast: its median designation month (``None``: after the horizon) and its
    probability of being designated by each of :data:`DATES`."""

    system: str
    median: str | None
    p_by: tuple[float, ...]
    name: str = ""


def month_index(month: str) -> int:
    """``YYYY-MM`` as a count of months (for comparing and subtracting months)."""
    year, mon = month.split("-")[:2]
    return int(year) * 12 + int(mon) - 1


def _month(text: str, day_allowed: bool = False) -> str | None:
    """``text`` as ``YYYY-MM`` if it is a valid month (or day, when allowed), else ``None``."""
    m = _MONTH.match(text) or (_DAY.match(text) if day_allowed else None)
    try:
        dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)) if len(m.groups()) == 3 else 1)
    except (AttributeError, ValueError):  # no match, or no such month or day
        return None
    return f"{m.group(1)}-{m.group(2)}"


def _in_window(month: str) -> bool:
    return month_index(FIRST) <= month_index(month) <= month_index(HORIZON)


def _rows(path: Path, required: tuple[str, ...], optional: tuple[str, ...]) -> list[tuple[int, dict]]:
    """The rows of a CSV file with their line numbers, the header checked: every required
    column, no other than the optional ones, none twice, at least one row."""
    def fail(row: int, problem: str) -> ConfigError:
        return ConfigError(f"{path}: row {row}: {problem}")

    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise fail(0, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(0, f"cannot be read ({exc})") from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    for col in required:
        if col not in header:
            raise fail(1, f"missing column '{col}'")
    for col in header:
        if col not in required and col not in optional:
            raise fail(1, f"unknown column '{col}' (the columns are {', '.join(required)}; "
                          f"optional: {', '.join(optional)})")
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise fail(1, f"a column is named twice ({', '.join(twice)})")
    rows, seen = [], {}
    for cells in reader:
        n = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            raise fail(n, f"{len(cells)} cells, {len(header)} columns expected")
        row = {h: c.strip() for h, c in zip(header, cells, strict=True)}
        if not row["system"]:
            raise fail(n, "'system' is empty")
        if row["system"] in seen:
            raise fail(n, f"duplicate system '{row['system']}' (first at row {seen[row['system']]})")
        seen[row["system"]] = n
        rows.append((n, row))
    if not rows:
        raise fail(1, "no rows (one row a system expected)")
    return rows


def _probability(path: Path, n: int, col: str, text: str) -> float:
    try:
        p = float(text)
    except ValueError:
        raise ConfigError(f"{path}: row {n}: '{col}' is not a number: '{text}'") from None
    if not math.isfinite(p) or not 0.0 <= p <= 1.0:
        raise ConfigError(f"{path}: row {n}: '{col}' is {text}, outside [0, 1]")
    return p


def check_forecast(f: Forecast, where: str) -> None:
    """Refuse a forecast whose probabilities fall with the date or disagree with its median.

    Args:
        f: the forecast.
        where: the start of the message (``FILE: row N`` or the forecaster's name).
    """
    if len(f.p_by) != len(DATES):
        raise ConfigError(f"{where}: {len(f.p_by)} probabilities, {len(DATES)} expected (one a date)")
    for i in range(1, len(DATES)):
        if f.p_by[i] < f.p_by[i - 1]:
            raise ConfigError(f"{where}: {PREFIX}{DATES[i]} ({f.p_by[i]:g}) is below {PREFIX}{DATES[i - 1]} "
                              f"({f.p_by[i - 1]:g}): the probabilities must not decrease with the date")
    for d, p in zip(DATES, f.p_by, strict=True):
        if f.median is not None and month_index(d) >= month_index(f.median) and p < 0.5 - TOLERANCE:
            raise ConfigError(f"{where}: {PREFIX}{d} is {p:g}, below 0.5, on or after the median "
                              f"designation month {f.median}")
        if (f.median is None or month_index(d) < month_index(f.median)) and p > 0.5 + TOLERANCE:
            when = f"before the median designation month {f.median}" if f.median else \
                "with no median designation month (the median would fall within the horizon)"
            raise ConfigError(f"{where}: {PREFIX}{d} is {p:g}, above 0.5, {when}")


def read_predictions(path: str | Path, rows: dict[str, int] | None = None) -> dict[str, Forecast]:
    """A ``predictions.csv``, checked: its forecasts by system, in the file's order (``rows``, if
    given, receives each system's row).

    Raises:
        ConfigError: one line naming the file, the row (the header is row 1) and the problem.
    """
    path = Path(path)
    out: dict[str, Forecast] = {}
    for n, row in _rows(path, PREDICTION_COLUMNS, ("name",)):
        median = row["median_designation_month"] or None
        if median is not None:
            if _month(median) is None:
                raise ConfigError(f"{path}: row {n}: 'median_designation_month' is not a month "
                                  f"(YYYY-MM, or empty): '{median}'")
            if not _in_window(median):
                raise ConfigError(f"{path}: row {n}: 'median_designation_month' {median} is outside "
                                  f"{FIRST} to {HORIZON} (leave it empty for after {HORIZON})")
        p_by = tuple(_probability(path, n, PREFIX + d, row[PREFIX + d]) for d in DATES)
        forecast = Forecast(row["system"], median, p_by, row.get("name", ""))
        check_forecast(forecast, f"{path}: row {n}")
        out[forecast.system] = forecast
        if rows is not None:
            rows[forecast.system] = n
    return out


def write_predictions(path: str | Path, forecasts: list[Forecast]) -> None:
    """Write ``forecasts`` as a ``predictions.csv`` (probabilities to six places), atomically,
    after checking each as the reader would."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["system", "name", *PREDICTION_COLUMNS[1:]])
    for f in forecasts:
        check_forecast(f, f"forecast for {f.system}")
        writer.writerow([f.system, f.name, f.median or "", *(f"{p:.6f}" for p in f.p_by)])
    atomic_write(Path(path), buf.getvalue().encode("utf-8"))


def read_outcomes(path: str | Path, rows: dict[str, int] | None = None) -> dict[str, str | None]:
    """An outcome file, checked: each system's designation month (``YYYY-MM``), or ``None``
    when it was not designated by the horizon (``rows``, if given, receives each system's row).

    Raises:
        ConfigError: one line naming the file, the row and the problem.
    """
    path = Path(path)
    out: dict[str, str | None] = {}
    for n, row in _rows(path, OUTCOME_COLUMNS, ("name", "source", "note")):
        text = row["designation_date"]
        month = _month(text, day_allowed=True) if text else None
        if text and month is None:
            raise ConfigError(f"{path}: row {n}: 'designation_date' is not a date (YYYY-MM or "
                              f"YYYY-MM-DD, or empty): '{text}'")
        if month is not None and not _in_window(month):
            raise ConfigError(f"{path}: row {n}: 'designation_date' {text} is outside {FIRST} to "
                              f"{HORIZON} (the statute of 2022-07-01 is not scored: leave it empty)")
        out[row["system"]] = month
        if rows is not None:
            rows[row["system"]] = n
    return out


def write_outcomes(path: str | Path, outcomes: dict[str, str | None]) -> None:
    """Write an outcome file (the tests' synthetic outcomes; the real one is supplied later)."""
    lines = ["system,designation_date", *(f"{s},{m or ''}" for s, m in outcomes.items())]
    atomic_write(Path(path), ("\n".join(lines) + "\n").encode("utf-8"))
