"""What a calibration on Real England fits beyond the national facts: which systems came first.

The June 2017 and May 2018 designations may be fitted (issue 23; docs/england.md): the panel
names the systems (``configs/england/designations.csv``, ``systems.csv``). Which systems were
designated after May 2018, and when, is held out: nothing here reads, fits or holds it.

The model's unit is the footprint of 2016 (``simulation/world.py``, ``footprints.py``), so
a designation counts for a footprint by the panel's rules (configs/england/README.md, "How a
designation carries"): a system that names its whole footprint designates it; one inside a
footprint does not (rule 1: Berkshire West and Buckinghamshire leave Buckinghamshire,
Oxfordshire and Berkshire West partly designated, counted here as not); one that grew to its
whole footprint designates it from its own date (rule 2: Blackpool and Fylde Coast, June 2017,
for Lancashire and South Cumbria). West, North and East Cumbria (May 2018) is a footprint of
2016 of its own: the model does not merge it in August 2018 (rule 3 concerns the footprint of
2022). That makes 8 footprints designated in June 2017 and 12 by May 2018.

Statistic: of the model's first *k* footprints designated (k = 8, then 12), how many are the
real ones. The model designates in waves, so many footprints tie at month of the k-th; a tie
at the boundary shares its places equally (a footprint among *t* tied for *r* places counts
*r/t*): the expectation under a random order of the tied, with no random draw. A model that
picks systems at random scores k·k/44 (1.45 and 3.27); one that finds the real ones scores k.
Each target is the real set (8 and 12), with a scale that puts the random model two scales
away: (8 - 1.45)/2 = 3.3 and (12 - 3.27)/2 = 4.4.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache

import numpy as np

from .calib_targets import KINDS, OBSERVED, SCALES, Target, england_stats

#: The designations the calibration may fit: up to the second invitation.
WAVES = {"first": dt.date(2017, 6, 30), "second": dt.date(2018, 5, 31)}


@lru_cache(maxsize=1)
def real_waves() -> dict[str, frozenset[str]]:
    """Footprint codes of 2016 designated by each fitted wave (``first``, ``second``: by May 2018)."""
    from simulation.footprints import real_footprints
    from simulation.panel import load_panel

    panel = load_panel()
    codes = set(real_footprints().codes)
    systems = panel.by_key("systems")
    grown = {part: c["into"] for c in panel["system_changes"] if c["kind"] == "grow"
             for part in (c["parts"] or "").split(";")}
    by_date: dict[str, set[str]] = {w: set() for w in WAVES}
    for d in panel["designations"]:
        day = d.date("date")
        name = grown.get(d["system"], d["system"])  # rule 2: the date carries to the grown system
        if d["wave"] not in WAVES or name not in systems or systems[name]["coterminous"] != "yes":
            continue  # rule 1: a system inside its footprint does not designate it
        footprint = systems[name]["footprint"]
        if footprint not in codes:
            raise ValueError(f"designated system {d['system']} is in footprint {footprint}, "
                             "not a footprint of 2016")
        for wave, last in WAVES.items():
            if day <= last:
                by_date[wave].add(footprint)
    return {w: frozenset(v) for w, v in by_date.items()}


def first_k_hits(month: np.ndarray, real: np.ndarray, k: int) -> float:
    """Of the ``k`` systems designated first (``month``: each system's first designated month,
    ``inf`` if never), how many are ``real`` (bool per system); the places of the systems tied
    at the k-th month shared equally between them."""
    order = np.sort(month)
    if k <= 0:
        return 0.0
    cut = order[min(k, len(order)) - 1]
    if not np.isfinite(cut):  # fewer than k designated: the undesignated take no place
        return float(np.count_nonzero(real & np.isfinite(month)))
    before = month < cut
    tied = month == cut
    places = k - int(np.count_nonzero(before))
    share = places / int(np.count_nonzero(tied))
    return float(np.count_nonzero(real & before) + share * np.count_nonzero(real & tied))


def designation_months(result) -> np.ndarray:
    """Each system's first month designated in a run (``inf`` if never)."""
    steps = np.asarray(result.national_column("step"), dtype=float)
    designated = result.system_matrix("designated") > 0
    return np.where(designated.any(axis=0), steps[designated.argmax(axis=0)], math.inf)


REAL_TARGETS: dict[str, Target] = {
    "real_in_first_8": Target(8, 3.3, "of the model's first 8 footprints designated, how many "
                              "are the 8 of June 2017 (002:1443-1447; configs/england)"),
    "real_in_first_12": Target(12, 4.4, "of the model's first 12 footprints designated, how "
                               "many are the 12 designated by May 2018 (002:1537-1539; "
                               "configs/england)"),
}


def real_england_stats(result, scenario) -> dict[str, float]:
    """:func:`calib_targets.england_stats` and :data:`REAL_TARGETS`' statistics of one run
    on Real England (its systems are the footprints, in code order, under their names)."""
    from simulation.footprints import real_footprints

    stats = england_stats(result, scenario)
    fp = real_footprints()
    if list(result.system_names) != fp.names:
        raise ValueError("real_england_stats needs a run of Real England's 44 footprints")
    month = designation_months(result)
    waves = real_waves()
    for key, wave in (("real_in_first_8", "first"), ("real_in_first_12", "second")):
        real = np.array([c in waves[wave] for c in fp.codes])
        stats[key] = first_k_hits(month, real, REAL_TARGETS[key].value)
    return stats


def real_calibration_targets() -> tuple[dict[str, float], dict[str, float], dict[str, str]]:
    """Observed values, scales and kinds: the national facts fitted today and the per-system ones."""
    observed = {**OBSERVED, **{k: float(t.value) for k, t in REAL_TARGETS.items()}}
    scales = {**SCALES, **{k: float(t.scale) for k, t in REAL_TARGETS.items()}}
    kinds = {**KINDS, **{k: t.kind for k, t in REAL_TARGETS.items()}}
    return observed, scales, kinds

