"""The scored unit, the fitted facts on it, and the null forecaster's features, from the panel.

**The unit** is a footprint in place on 30 June 2022, under its code of that date: the 42
that the statute of 1 July 2022 made integrated care boards. A footprint of 2016 maps onto
one by following ``footprint_changes.csv``: the five re-coded in April 2020 to their new
codes; the three northern footprints merged in August 2018 to Cumbria and North East
(E54000050).

**A unit is designated** on the earliest date of a designation that counts for the whole
unit under the panel's rules (configs/england/README.md, "How a designation carries"): one
naming the whole footprint, or a coterminous system; one of a system that later grew to its
whole footprint, on the date of the designation (rule 2); carried across a change with one
part (a re-code, or the part of a split that holds the system: rule 4). It does not count
when it names a system inside the footprint (rule 1: Berkshire West and Buckinghamshire in
E54000044), nor across a merger (rule 3: West, North and East Cumbria, designated May 2018,
does not designate E54000050). The statute (rule 5) is not scored.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

from simulation.panel import LAST_FITTED_DESIGNATION, STATUTORY, Panel

#: The features the null forecaster may use, and nothing else from the panel.
FEATURES = ("log_population", "organisations", "devolution")


def units(panel: Panel) -> list[str]:
    """The 42 scored units: the footprints in place on the day before the statute."""
    return panel.footprints_at(STATUTORY - dt.timedelta(days=1))


def _successors(panel: Panel, carrying_only: bool) -> dict[str, str]:
    """footprint -> the footprint a change makes of it (with ``carrying_only``, only changes
    with one part, which carry a designation)."""
    nxt: dict[str, str] = {}
    for change in panel["footprint_changes"]:
        parts = [p for p in (change["parts"] or "").split(";") if p]
        if carrying_only and len(parts) != 1:
            continue
        for part in parts:
            nxt[part] = change["into"]
    return nxt


def unit_of(panel: Panel, carrying_only: bool = False) -> dict[str, str]:
    """Every footprint code -> its scored unit (``carrying_only``: only where a designation of
    the footprint carries to the unit; a merged part maps to nothing)."""
    nxt, scored = _successors(panel, carrying_only), set(units(panel))
    out = {}
    for code in panel.by_key("footprints"):
        seen = code
        for _ in range(len(nxt) + 1):
            if seen in scored or seen not in nxt:
                break
            seen = nxt[seen]
        if seen in scored:
            out[code] = seen
    return out


def fitted_designations(panel: Panel) -> dict[str, str]:
    """unit -> the month (``YYYY-MM``) it was designated, for the units designated by May 2018
    (the fitted facts; module docstring for which designations count)."""
    systems = panel.by_key("systems")
    grown = {part: c["into"] for c in panel["system_changes"] if c["kind"] == "grow"
             for part in (c["parts"] or "").split(";")}
    carry = unit_of(panel, carrying_only=True)
    out: dict[str, str] = {}
    for d in panel["designations"]:
        if d.date("date") > LAST_FITTED_DESIGNATION:
            continue
        name = d["system"]
        for _ in range(len(grown)):  # a system that grew: its date carries to the grown one (rule 2)
            name = grown.get(name, name)
        if name in systems:
            if systems[name]["coterminous"] != "yes":
                continue  # part of a footprint only (rule 1)
            name = systems[name]["footprint"]
        unit = carry.get(name)
        month = d["date"][:7]
        if unit is not None and (unit not in out or month < out[unit]):
            out[unit] = month
    return out


def features(panel: Panel) -> dict[str, dict[str, float]]:
    """unit -> its null-forecaster features: the log of its mid-2018 population (the sum of
    its CCGs'), its organisations (CCGs of April 2018 plus acute trusts placed in it; a trust's
    spans are not counted) and whether it holds a health devolution deal agreed by May 2018."""
    to_unit = unit_of(panel)
    population: Counter = Counter()
    organisations: Counter = Counter()
    for ccg in panel["ccgs"]:
        population[to_unit[ccg["footprint"]]] += int(ccg["population_mid2018"])
        organisations[to_unit[ccg["footprint"]]] += 1
    for trust in panel["acute_trusts"]:
        organisations[to_unit[trust["footprint"]]] += 1
    devolved = {to_unit[r["footprint"]] for r in panel["devolution"]
                if r["agreed"] is not None and r.date("agreed") <= LAST_FITTED_DESIGNATION}
    return {u: {"log_population": math.log(population[u]), "organisations": float(organisations[u]),
                "devolution": float(u in devolved)} for u in units(panel)}
