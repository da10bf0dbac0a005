"""The scoring rule: Harrell's C-index over pairs of units and the Brier score by date.

**C-index.** Each unit's risk is its forecast median designation month (earlier = higher risk;
an empty median is later than every month). Its outcome is its designation month, or
censored after 2022-06 (not designated by the horizon). A pair is *comparable* when one unit
was designated in a month strictly before the other's outcome (the other designated later, or
not designated by the horizon); it is *concordant* when that unit's forecast median is the
earlier of the two, counts one half when the medians tie, and nothing otherwise. Two units
designated in the same month, or both not designated, are not comparable (Harrell's rule, as
``lifelines.utils.concordance_index``). C = (concordant + ties / 2) / comparable; with no
comparable pair it is undefined (``None``).

**Brier score by date.** For each date ``d`` of :data:`~.files.DATES`, the mean over units of
``(p_by_d - designated_by_d)**2``, where ``designated_by_d`` is 1 when the unit's designation
month is ``d`` or earlier. Every unit is followed to the horizon, so no censoring enters.
The mean Brier is the plain mean over the eleven dates.

**Held out.** The same two scores restricted to what the forecasts could not fit: the
C-index over the units not designated by May 2018, and the Brier score over those units at
the dates from 2018-06 on. Both the whole and the held-out scores are reported; the held-out
ones are the test proper.
"""

from __future__ import annotations

from pathlib import Path

from simulation.errors import ConfigError

from .files import DATES, Forecast, month_index

#: The last month of the fitted facts (the second wave); later months are held out.
LAST_FITTED = "2018-05"


def c_index(outcomes: dict[str, str | None], medians: dict[str, str | None]) -> dict:
    """Harrell's C of forecast medians against outcome months (module docstring).

    Args:
        outcomes: unit -> designation month ``YYYY-MM``, ``None`` if not designated by the horizon.
        medians: unit -> forecast median month, ``None`` for after the horizon (the same units).

    Returns:
        ``c`` (``None`` without a comparable pair), ``comparable``, ``concordant``, ``tied``.
    """
    never = float("inf")
    time = {u: never if m is None else month_index(m) for u, m in outcomes.items()}
    risk = {u: never if m is None else month_index(m) for u, m in medians.items()}
    comparable = concordant = tied = 0
    for i in time:
        if time[i] == never:
            continue
        for j in time:
            if time[i] < time[j]:
                comparable += 1
                concordant += risk[i] < risk[j]
                tied += risk[i] == risk[j]
    c = (concordant + tied / 2) / comparable if comparable else None
    return {"c": c, "comparable": comparable, "concordant": concordant, "tied": tied}


def brier_by_date(outcomes: dict[str, str | None], forecasts: dict[str, Forecast],
                  dates: tuple[str, ...] = DATES) -> dict[str, float]:
    """Date -> the mean over units of the squared error of ``p_by_date`` (module docstring)."""
    out = {}
    for d in dates:
        k = DATES.index(d)
        errors = [(forecasts[u].p_by[k] - (m is not None and month_index(m) <= month_index(d))) ** 2
                  for u, m in outcomes.items()]
        out[d] = sum(errors) / len(errors)
    return out


def score(forecasts: dict[str, Forecast], outcomes: dict[str, str | None]) -> dict:
    """The whole and held-out C-index and Brier scores of ``forecasts`` (the same units as
    ``outcomes``), as plain numbers for printing or JSON."""
    brier = brier_by_date(outcomes, forecasts)
    late = {u: m for u, m in outcomes.items() if m is None or month_index(m) > month_index(LAST_FITTED)}
    held_dates = tuple(d for d in DATES if month_index(d) > month_index(LAST_FITTED))
    held_brier = brier_by_date(late, forecasts, held_dates) if late else {}
    return {
        "units": len(outcomes),
        "designated": sum(m is not None for m in outcomes.values()),
        "c_index": c_index(outcomes, {u: forecasts[u].median for u in outcomes}),
        "brier": brier,
        "mean_brier": sum(brier.values()) / len(brier),
        "held_out": {
            "units": len(late),
            "c_index": c_index(late, {u: forecasts[u].median for u in late}),
            "brier": held_brier,
            "mean_brier": sum(held_brier.values()) / len(held_brier) if held_brier else None,
        },
    }


def check_units(files: list[tuple[Path, dict, dict[str, int]]], units: list[str]) -> None:
    """Refuse a forecast or outcome file (path, its systems, their rows) that does not hold
    exactly ``units``: one line naming the file and the first system amiss."""
    for path, have, rows in files:
        for unit in have:
            if unit not in units:
                raise ConfigError(f"{path}: row {rows.get(unit, 0)}: system '{unit}' is not a scored unit "
                                  "(a footprint of 30 June 2022; docs/england.md, 'Scoring a forecast')")
        for unit in units:
            if unit not in have:
                raise ConfigError(f"{path}: row 0: no row for system '{unit}' (every scored unit needs one)")


def check_fitted(outcomes: dict[str, str | None], fitted: dict[str, str], path: Path,
                 rows: dict[str, int]) -> None:
    """Refuse outcomes that contradict the panel's fitted facts: each unit designated by May
    2018 (``fitted``: unit -> month) on that month, and no other unit by then."""
    for unit, month in outcomes.items():
        early = month is not None and month_index(month) <= month_index(LAST_FITTED)
        if fitted.get(unit) != (month if early else None):
            says = f"designated {fitted[unit]}" if unit in fitted else f"not designated by {LAST_FITTED}"
            raise ConfigError(f"{path}: row {rows.get(unit, 0)}: system '{unit}' is "
                              f"{month or 'not designated'} here but "
                              f"{says} in the panel's fitted facts (configs/england)")
