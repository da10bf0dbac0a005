"""England's history 2014-2022 as the historical scenario is checked against it: one table of dates.

Every month that validation (pattern 9 and 10 metrics, ``patterns.py``), calibration's
statistics (``calib_targets.py``) and the calibration figure (``calibrate.py``) read a run at
is named here once, with what happened then and the seed passage it rests on; the counts the
record gives for a date are here too. The fitted and held-out *targets* built on these dates
(values as bounds, scales, notes) are in ``calib_targets.py``; the patterns' tolerances are in
``configs/validation/patterns.toml``. A metric's name keeps its date (``designated_2017_06``):
the names are keys of stored results.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dated:
    """One month of the history: ``YYYY-MM``, what happened or is measured, its source, and
    the count the record gives then (None where it gives none)."""

    month: str
    what: str
    source: str = ""
    count: int | None = None


HISTORY: dict[str, Dated] = {
    "start": Dated("2014-10", "the historical scenario starts: 211 CCGs, as since 2013",
                   "000:614, 003:28", 211),
    "stps": Dated("2015-12", "STP footprints announced: system working starts", "002:1391"),
    "stps_first_year": Dated("2016-12", "a year after the STPs (commitment's acceleration)",
                             "000:640"),
    "first_wave": Dated("2017-06", "first wave: systems designated", "002:1444-1447", 10),
    "shadow_pools": Dated("2018-03", "end of 2017/18: control totals run in shadow form",
                          "002:3075-3087"),
    "second_wave": Dated("2018-05", "second wave: systems designated by May 2018",
                         "002:1537-1539", 14),
    "first_wave_mid_2018": Dated("2018-06", "the eight first-wave systems by mid-2018",
                                 "002:1444-1447, 002:1537-1539"),
    "stps_third_year": Dated("2018-12", "three years after the STPs (commitment's acceleration)",
                             "000:640"),
    "incentive_scheme": Dated("2019-03", "end of 2018/19: the system control total scheme",
                              "002:3088-3092"),
    "ccgs_mid_2019": Dated("2019-06", "commissioners in mid-2019 (recorded, not a target)"),
    "ccgs_2021": Dated("2021-03", "CCGs 'heading down closer to 80'", "000:614", 80),
    "all_designated": Dated("2021-04", "every system designated", "003:4, 000:54"),
    "before_statute": Dated("2022-06", "the last month before the statute makes every system "
                            "an ICS"),
    "statute": Dated("2022-07", "the statute: one commissioner per system", "001:1"),
}


def month(key: str) -> str:
    """The ``YYYY-MM`` of the history's date ``key``."""
    return HISTORY[key].month


def count(key: str) -> int:
    """The count the record gives at the history's date ``key``."""
    value = HISTORY[key].count
    if value is None:
        raise KeyError(f"the history gives no count at {key!r}")
    return value
