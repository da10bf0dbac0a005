"""Real England's footprints: what the panel gives about the 44 footprints of March 2016, in
the order of the world's systems (``world.build_england_real`` builds the world from them;
``scenario.py`` checks a Real England ``[world]`` table against them).

Rule. The systems are the 44 footprints of March 2016 (``configs/england/footprints.csv``,
002:1399), under their real names and in code order; each sits in its NHS England region of
the ONS codes. Their members are the organisations the public record names:

- **acute trusts**: the 137 of the Health Foundation's lookup, each in its footprint, under
  its real name; a trust whose span the record names also belongs to the footprints it
  spans (two trusts span footprints the source does not name: they keep their main site's);
  a trust is a foundation trust when its name says so;
- **CCGs**: the 195 of April 2018 with their footprints and real names;
- **population**: the footprint's mid-2018 population (the sum of its CCGs');
- **devolution**: a footprint with a health devolution deal (Greater Manchester, Surrey
  Heartlands; 002:1443) starts with the vanguard/devolution head start for certain (its size
  drawn as for a synthetic system), where a synthetic system has it with probability
  ``world.prior_collab_share`` (002:1026);
- **upper-tier councils** where a source counts them (Greater Manchester 10, Sussex and East
  Surrey 4, Surrey Heartlands 1).

What the record does not give is drawn as for the synthetic England (``world.py``), from the
``world`` stream of the run seed, by these stated rules (docs/england.md):

- ``drawn_by_world``: other footprints' upper-tier councils share the rest of
  ``world.councils`` in proportion to population (at least one each), districts sit in about
  half the footprints, councils straddle a neighbouring footprint of the same region with
  probability ``world.straddle_share`` (000:396, 003:33); mental-health and community trusts
  are the rest of ``world.trusts`` after the acute, ambulance and specialist trusts, shared
  in proportion to population; ambulance trusts serve every footprint of their region and
  specialist trusts two or three footprints (004:834-846); foundation status of the drawn
  trusts, every organisation's planned position, hostility and the lead are drawn as for a
  synthetic system;
- ``apportion_by_acute``: the three northern footprints that merged in August 2018 have no
  CCGs or population of their own in the record (it gives them for the merged footprint
  only). The merged footprint's CCGs and population are apportioned between them in
  proportion to their acute trusts (largest remainder, in code order); those CCGs cannot be
  named, so they carry the merged footprint's name and a number.

Ties: inside each footprint as in any world (``world.py``); between neighbouring
footprints only through organisations that belong to both (spanning trusts, ambulance and
specialist trusts, straddling councils), as in the synthetic England.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import ConfigError
from .panel import Panel, load_panel, panel_dir
from .providers import provider_counts

#: The footprints of the world: those in place when they were announced (March 2016).
FOOTPRINT_DATE = dt.date(2016, 3, 31)


@lru_cache(maxsize=4)
def _panel(folder: Path) -> Panel:
    return load_panel(folder)


def shipped_panel() -> Panel:
    """The shipped panel, read and checked once a process."""
    return _panel(panel_dir())


def _largest_remainder(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights``: floors, then one more each to the largest
    remainders (ties to the first)."""
    w = np.asarray(weights, dtype=float)
    exact = total * w / w.sum()
    out = np.floor(exact).astype(int)
    order = sorted(range(len(w)), key=lambda i: (-(exact[i] - out[i]), i))
    for i in order[: total - int(out.sum())]:
        out[i] += 1
    return [int(x) for x in out]


class RealFootprints:
    """What the panel gives about the 44 footprints, in the order of the world's systems.

    Attributes:
        codes, names, region: footprint codes, names and region codes.
        population: people served (apportioned where the record gives only the merged one).
        acute: per footprint, the (name, spans) of its acute trusts.
        ccgs: per footprint, its CCGs' names.
        councils: per footprint, the upper-tier councils a source counts (``None`` if none).
        devolved: per footprint, whether it has a health devolution deal.
    """

    def __init__(self, panel: Panel) -> None:
        rows = panel.by_key("footprints")
        self.codes = sorted(panel.footprints_at(FOOTPRINT_DATE))
        index = {c: s for s, c in enumerate(self.codes)}
        self.names = [rows[c]["name"] for c in self.codes]
        self.region = [rows[c]["region_code"] for c in self.codes]
        self.acute: list[list[tuple[str, tuple[str, ...]]]] = [[] for _ in self.codes]
        for r in panel["acute_trusts"]:
            spans = tuple(x for x in (r["spans"] or "").split(";") if x and x != "unnamed")
            self.acute[index[r["footprint"]]].append((r["name"], spans))
        self.ccgs: list[list[str]] = [[] for _ in self.codes]
        later: dict[str, list[str]] = {}
        for r in panel["ccgs"]:
            if r["footprint"] in index:
                self.ccgs[index[r["footprint"]]].append(r["name"])
            else:
                later.setdefault(r["footprint"], []).append(r["name"])
        pop = [rows[c]["population_mid2018"] for c in self.codes]
        self.population = [int(p) if p is not None else 0 for p in pop]
        for change in panel["footprint_changes"]:
            if change["kind"] != "merge" or change["into"] not in later:
                continue
            parts = [index[p] for p in change["parts"].split(";")]
            weights = [len(self.acute[s]) for s in parts]
            merged = rows[change["into"]]
            names = later.pop(change["into"])
            counts = _largest_remainder(len(names), weights)
            people = _largest_remainder(int(merged["population_mid2018"]), weights)
            k = 0
            for s, n, p in zip(parts, counts, people, strict=True):
                self.ccgs[s] = [f"{merged['name']} CCG {k + j + 1}" for j in range(n)]
                self.population[s] = p
                k += n
        if later or not all(self.population) or not all(self.ccgs) or not all(self.acute):
            raise ConfigError(f"{panel.folder}: row 0: the panel leaves a footprint of March 2016 "
                              "without CCGs, acute trusts or population that no stated rule fills")
        self.councils = [int(rows[c]["upper_tier_councils"]) if rows[c]["upper_tier_councils"]
                         else None for c in self.codes]
        deals = {r["footprint"] for r in panel["devolution"]}
        self.devolved = [c in deals for c in self.codes]

    @property
    def n_acute(self) -> int:
        return sum(len(a) for a in self.acute)


@lru_cache(maxsize=4)
def real_footprints(folder: Path | None = None) -> RealFootprints:
    """The footprints of the shipped panel (or of the panel in ``folder``), read once."""
    return RealFootprints(_panel(folder or panel_dir()))


def trusts_needed(trusts: int, folder: Path | None = None) -> int:
    """The least ``world.trusts`` Real England can hold when ``trusts`` are asked for: its
    acute trusts with the ambulance and specialist trusts drawn for that total."""
    fp = real_footprints(folder)
    drawn = provider_counts(trusts, len(fp.codes))
    return fp.n_acute + drawn["ambulance"] + drawn["specialist"]


def check_real_world(world) -> None:
    """A Real England ``[world]`` table (``scenario.WorldSpec``): the footprints, CCGs and
    regions are the panel's, and ``world.trusts`` must hold its acute trusts.

    Raises:
        ValueError: what is wrong, naming the key.
    """
    fields = type(world).model_fields
    fixed = [k for k in ("n_systems", "ccgs", "regions") if getattr(world, k) != fields[k].default]
    if fixed:
        raise ValueError(f"world.{fixed[0]} is given by the Real England panel "
                         "(configs/england) when world.generator = 'england_real'; leave it out")
    need = trusts_needed(world.trusts)
    if world.trusts < need:
        raise ValueError(f"world.trusts = {world.trusts} is too few for Real England's "
                         f"{real_footprints().n_acute} acute trusts with the ambulance and "
                         f"specialist trusts drawn for it: give at least {need}")


def panel_system(data: dict) -> dict:
    """A ``[[system]]`` table that names its ``footprint`` (ONS code), completed from the panel:
    its population (the footprint's, or with ``members`` the sum of the listed CCGs') and the
    names of its acute trusts and CCGs (all of the footprint's, or the ``members`` listed by ODS
    code, for a system inside a footprint), in the panel's order; the acute names go to
    ``acute`` first, then ``acute_community``, as the table counts them. The table's counts of
    those kinds must be the panel's; a population or those names given in the table must be
    the panel's too (so a resolved scenario reads back unchanged).

    Raises:
        ValueError: what differs from the panel, naming the key.
    """
    code = data["footprint"]
    panel = _panel(panel_dir())
    rows = panel.by_key("footprints")
    if code not in rows:
        raise ValueError(f"footprint '{code}' is not in the Real England panel "
                         "(configs/england/footprints.csv)")
    trusts = [r for r in panel["acute_trusts"] if r["footprint"] == code]
    ccgs = [r for r in panel["ccgs"] if r["footprint"] == code]
    members = data.get("members")
    if members is not None:
        known = [r["trust"] for r in trusts] + [r["ods"] for r in ccgs]
        unknown = [m for m in members if m not in known]
        if unknown:
            raise ValueError(f"members: {', '.join(map(str, unknown))} not among footprint {code}'s acute "
                             f"trusts and CCGs in the panel ({', '.join(known)})")
        trusts = [r for r in trusts if r["trust"] in members]
        ccgs = [r for r in ccgs if r["ods"] in members]
        population = sum(int(r["population_mid2018"]) for r in ccgs)
    else:
        population = int(rows[code]["population_mid2018"] or 0)
    orgs = data.get("orgs") or {}
    n_acute, n_ccg = orgs.get("acute", 0) + orgs.get("acute_community", 0), orgs.get("ccg", 0)
    where = f"footprint {code}" + (" among the members listed" if members is not None else "")
    if (n_acute, n_ccg) != (len(trusts), len(ccgs)):
        raise ValueError(f"orgs: {n_acute} acute trusts and {n_ccg} CCGs, but the panel has "
                         f"{len(trusts)} and {len(ccgs)} in {where}")
    names = dict(data.get("names") or {})
    acute = [r["name"] for r in trusts]
    given = {"acute": acute[:orgs.get("acute", 0)], "acute_community": acute[orgs.get("acute", 0):],
             "ccg": [r["name"] for r in ccgs]}
    for kind, panel_names in given.items():
        if kind in names and list(names[kind]) != panel_names:
            raise ValueError(f"names.{kind}: the panel names them ({', '.join(panel_names) or 'none'}) "
                             "when footprint is given; leave them out")
        if panel_names:
            names[kind] = panel_names
    if "population" in data and data["population"] != population:
        raise ValueError(f"population: the panel gives {population:,} for {where}; leave it out")
    return {**data, "population": population, "names": names}
