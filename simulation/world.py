"""The world built from the seed: who the organisations are, which systems they sit in, and
who is tied to whom (what this geography does during a run is ``mechanisms/geography.py``).

Rule. A world is a set of system footprints, each holding NHS providers, commissioners and
councils. Membership is many-to-many: a council can straddle two systems (000:396, 003:33),
an ambulance trust serves every system of its region and a specialist trust serves two or
three (004:834-846). Inside a system every pair of members is tied when the system is small;
in a larger one each pair is tied with probability ``min(1, 10/(n-1))`` and every member is
tied to the system's commissioners and lead, so bigger systems are sparser (000:342-346).
Each system carries a prior-collaboration head start and a hostility level (002:1026, 000:660)
that set its starting trust.

Real England (``generator = "england_real"``) is built from the panel of public facts, by the
rules ``footprints.py`` states. The synthetic England (``generator = "england"``) draws system
populations from a log-normal between 0.4 and 3.2 million (000:342, 002:1581-1898) and shares national totals
(about 238 trusts, 211 CCGs, 152 upper-tier councils, districts; Brief section 4) between
systems in proportion to population. Everything is drawn from the ``world`` stream of the
run seed, so the same seed builds the same England.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from .footprints import real_footprints, trusts_needed
from .providers import provider_counts
from .scenario import ORG_KINDS, Scenario, SystemSpec

KIND = {k: i for i, k in enumerate(ORG_KINDS)}
TRUST_KINDS = ("acute", "acute_community", "community", "mental_health", "community_mh",
               "ambulance", "specialist", "gp_federation", "other_provider")
ACUTE_KINDS = ("acute", "acute_community")
COUNCIL_KINDS = ("council", "district")
NHS_POOLED_KINDS = TRUST_KINDS[:7] + ("ccg",)  # bodies with NHS control totals

_LABEL = {
    "acute": "Hospitals NHS Trust", "acute_community": "Healthcare NHS Trust",
    "community": "Community Health NHS Trust", "mental_health": "Mental Health NHS Trust",
    "community_mh": "Community & Mental Health NHS Trust", "ambulance": "Ambulance Service",
    "specialist": "Specialist NHS Trust", "ccg": "CCG", "council": "Council",
    "district": "District Council", "gp_federation": "GP Federation",
    "other_provider": "Community Interest Company",
}
_PRE = ("North", "South", "East", "West", "Kings", "Queens", "Market", "Castle", "Bridge",
        "Green", "High", "Low", "Old", "New", "Long", "Broad", "Stone", "Ash", "Oak", "Elm",
        "Mill", "Church", "Water", "Fair", "Red", "White", "Black", "Upper", "Nether", "Great")
_SUF = ("gate", "field", "ford", "ham", "ton", "by", "wick", "mouth", "bury", "dale", "moor",
        "well", "worth", "chester", "stead", "brook", "hurst", "ley", "combe", "haven")


def place_name(i: int) -> str:
    """A deterministic made-up English place name for index ``i`` (no randomness)."""
    return _PRE[i % len(_PRE)] + _SUF[(i * 7 + i // len(_PRE)) % len(_SUF)]


@dataclass
class World:
    """Static structure of a run: organisations, systems, memberships and ties."""

    org_name: list[str]
    org_kind: np.ndarray            # int codes into ORG_KINDS
    foundation: np.ndarray          # bool: foundation trust (more autonomy, 000:616)
    home: np.ndarray                # int: home system of each organisation
    region: np.ndarray              # int: NHS England region of the home system
    plan: np.ndarray                # GBP m per month: planned surplus (+) or deficit (-)
    system_name: list[str]
    population: np.ndarray          # people served by each system
    prior_collab: np.ndarray        # 0-1 per system
    hostility: np.ndarray           # 0-1 per system
    lead: list[str]                 # lead kind per system
    mem_org: np.ndarray             # membership pairs (org, system)
    mem_sys: np.ndarray
    edges: np.ndarray               # (E, 3): org u, org v, system of the tie
    n_regions: int = 7
    meta: dict = field(default_factory=dict)

    @property
    def n_orgs(self) -> int:
        return len(self.org_name)

    @property
    def n_systems(self) -> int:
        return len(self.system_name)

    def members(self, s: int) -> np.ndarray:
        """Organisation indices that belong to system ``s``."""
        return self._members[s]

    def org_max(self, per_membership: np.ndarray) -> np.ndarray:
        """Per organisation, the largest of a value given per membership (org, system) pair.

        Membership pairs are sorted by organisation and every organisation has at least one.
        """
        return np.maximum.reduceat(per_membership, self.org_start)

    @cached_property
    def org_start(self) -> np.ndarray:
        """Where each organisation's membership rows begin (they are sorted by organisation)."""
        start = np.searchsorted(self.mem_org, np.arange(self.n_orgs))
        assert np.all(np.diff(self.mem_org) >= 0) and len(np.unique(self.mem_org)) == self.n_orgs
        return start

    @cached_property
    def _members(self) -> list[np.ndarray]:
        return [self.mem_org[self.mem_sys == s] for s in range(self.n_systems)]

    def kind_of(self, i: int) -> str:
        return ORG_KINDS[int(self.org_kind[i])]


class _Builder:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.name: list[str] = []
        self.kind: list[int] = []
        self.ft: list[bool] = []
        self.home: list[int] = []
        self.plan: list[float] = []
        self.mem: list[tuple[int, int]] = []

    def add(self, kind: str, home: int, name: str, systems: tuple[int, ...] = (),
            foundation: bool | None = None) -> int:
        """Add an organisation; a trust is a foundation trust as given, else with probability
        0.6 (drawn)."""
        i = len(self.name)
        self.name.append(name)
        self.kind.append(KIND[kind])
        is_trust = kind in TRUST_KINDS[:7]
        if foundation is None:
            foundation = bool(is_trust and self.rng.random() < 0.6)
        self.ft.append(foundation)
        self.home.append(home)
        # Planned monthly position: trusts and CCGs spread around break-even; foundation
        # trusts tend to surplus (004:710), councils are outside NHS control totals.
        if kind in NHS_POOLED_KINDS:
            mu = 0.3 if self.ft[-1] else -0.2
            self.plan.append(float(self.rng.normal(mu, 0.8)))
        else:
            self.plan.append(0.0)
        for s in systems or (home,):
            self.mem.append((i, s))
        return i


@lru_cache(maxsize=256)
def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """All pairs i < j of n members (read-only: shared between calls)."""
    a, b = np.triu_indices(n, 1)
    a.flags.writeable = b.flags.writeable = False
    return a, b


def _system_ties(members: np.ndarray, anchors: np.ndarray, s: int,
                 rng: np.random.Generator) -> np.ndarray:
    """Working ties inside one system, as rows (u, v, s) with u < v.

    An Erdos-Renyi graph G(n, p) over the members (everyone knows everyone in a system of up
    to 12; otherwise about ten partners each), plus a tie from each anchor (commissioners and
    the lead organisation) to every member.
    """
    n = len(members)
    if n < 2:
        return np.zeros((0, 3), dtype=np.int64)
    p = 1.0 if n <= 12 else min(1.0, 10.0 / (n - 1))
    a, b = _pairs(n)
    anchor = np.isin(members, anchors)
    keep = (rng.random(a.size) < p) | anchor[a] | anchor[b]
    u, v = members[a[keep]], members[b[keep]]
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    return np.column_stack([lo, hi, np.full(lo.size, s, dtype=np.int64)])


def _finish(b: _Builder, sys_names, pop, prior, host, lead, regions, n_regions,
            rng: np.random.Generator) -> World:
    mem = np.array(sorted(set(b.mem)), dtype=np.int64)
    kind = np.array(b.kind, dtype=np.int64)
    per_system = []
    for s in range(len(sys_names)):
        members = mem[mem[:, 1] == s, 0]
        lead_kind = {"ccg": "ccg", "acute": "acute", "council": "council"}.get(lead[s], "ccg")
        anchors = members[kind[members] == KIND["ccg"]]
        leads = members[kind[members] == KIND[lead_kind]]
        if len(leads):
            anchors = np.union1d(anchors, leads[:1])
        per_system.append(_system_ties(members, anchors, s, rng))
    edges = np.concatenate(per_system) if per_system else np.zeros((0, 3), dtype=np.int64)
    # A pair in two systems keeps one tie, in the first system that lists it.
    code = edges[:, 0] * len(b.name) + edges[:, 1]
    _, first = np.unique(code, return_index=True)
    edges = edges[np.sort(first)]
    home = np.array(b.home, dtype=np.int64)
    return World(
        org_name=b.name, org_kind=kind, foundation=np.array(b.ft), home=home,
        region=np.asarray(regions, dtype=np.int64)[home], plan=np.array(b.plan),
        system_name=list(sys_names), population=np.asarray(pop, dtype=np.int64),
        prior_collab=np.asarray(prior, dtype=float), hostility=np.asarray(host, dtype=float),
        lead=list(lead), mem_org=mem[:, 0].copy(), mem_sys=mem[:, 1].copy(),
        edges=edges.astype(np.int64).reshape(-1, 3), n_regions=n_regions,
    )


def build_explicit(systems: list[SystemSpec], rng: np.random.Generator) -> World:
    """A world of the listed systems with their real compositions (each system on its own)."""
    b = _Builder(rng)
    counter = 0
    for s, spec in enumerate(systems):
        for kind, count in spec.orgs.items():
            names = spec.names.get(kind, [])
            for k in range(count):
                if k < len(names):
                    label = names[k]
                else:
                    label = f"{place_name(counter)} {_LABEL[kind]}"
                    counter += 1
                b.add(kind, s, label)
    n = len(systems)
    return _finish(
        b, [s.name for s in systems], [s.population for s in systems],
        [s.prior_collaboration for s in systems], [s.hostility for s in systems],
        [s.lead for s in systems], np.zeros(n, dtype=np.int64), 1, rng)


def _share(total: int, weights: np.ndarray, rng: np.random.Generator, minimum: int) -> np.ndarray:
    """Split ``total`` between systems in proportion to ``weights``, at least ``minimum`` each."""
    n = len(weights)
    base = np.full(n, minimum, dtype=np.int64)
    rest = max(total - base.sum(), 0)
    return base + rng.multinomial(rest, weights / weights.sum())


def build_england(scn: Scenario, rng: np.random.Generator) -> World:
    """A synthetic England matching the national totals of Brief section 4."""
    w = scn.world
    S = w.n_systems
    pop = np.clip(rng.lognormal(np.log(1.25e6), 0.45, S), 4.0e5, 3.2e6).astype(np.int64)
    regions = np.sort(np.arange(S) % w.regions)
    weight = pop / pop.sum()
    prior = np.where(rng.random(S) < w.prior_collab_share, rng.uniform(0.5, 1.0, S), 0.0)
    host = np.where(rng.random(S) < w.hostile_share, rng.uniform(0.6, 1.0, S), 0.0)
    lead = list(rng.choice(["ccg", "ccg", "acute", "council", "nhse"], S))
    sys_names = [f"{place_name(3 * s + 1)} & {place_name(3 * s + 2)}" for s in range(S)]

    b = _Builder(rng)
    providers = provider_counts(w.trusts, S)  # the scenario refuses too few trusts for S
    n_amb, n_spec = providers["ambulance"], providers["specialist"]
    counts = {
        "acute": _share(providers["acute"], weight, rng, 1),
        "community_mh": _share(providers["community_mh"], weight, rng, 0),
        "ccg": _share(w.ccgs, weight ** 1.2 / (weight ** 1.2).sum(), rng, 1),
        "council": _share(w.councils, weight, rng, 1 if w.councils >= S else 0),
    }
    # Districts sit only in two-tier (county) areas: about half the systems.
    two_tier = rng.random(S) < 0.5
    dweight = np.where(two_tier, weight, 0.0)
    counts["district"] = (_share(w.districts, dweight, rng, 0) if dweight.sum() > 0
                          else np.zeros(S, dtype=np.int64))
    counter = 0

    def nm(kind: str) -> str:
        nonlocal counter
        counter += 1
        return f"{place_name(counter + 1000)} {_LABEL[kind]}"

    council_ids: list[tuple[int, int]] = []
    for s in range(S):
        for kind in ("ccg", "acute", "community_mh", "council", "district"):
            for _ in range(int(counts[kind][s])):
                i = b.add(kind, s, nm(kind))
                if kind == "council":
                    council_ids.append((i, s))
    add_shared(b, council_ids, regions, w.regions, w.straddle_share, (n_amb, n_spec), nm, rng)
    return _finish(b, sys_names, pop, prior, host, lead, regions, w.regions, rng)


def add_shared(b: _Builder, council_ids: list[tuple[int, int]], regions: np.ndarray,
               n_regions: int, straddle_share: float, providers: tuple[int, int],
               nm: Callable[[str], str], rng: np.random.Generator) -> None:
    """What ties neighbouring systems: councils that straddle a system of the same region
    (with probability ``straddle_share``; 000:396, 003:33), then ``providers`` = (ambulance,
    specialist) trusts: an ambulance trust serves every system of its region, a specialist
    trust two or three systems (004:834-846)."""
    S = len(regions)
    for i, s in council_ids:
        if rng.random() < straddle_share:
            same = np.flatnonzero(regions == regions[s])
            others = same[same != s]
            if len(others):
                b.mem.append((i, int(rng.choice(others))))
    n_amb, n_spec = providers
    for a in range(n_amb):
        served = tuple(int(x) for x in np.flatnonzero(regions == a % n_regions)) or (a % S,)
        b.add("ambulance", served[0], nm("ambulance"), served)
    for _ in range(n_spec):
        k = int(rng.integers(2, 4))
        served = tuple(int(x) for x in rng.choice(S, size=min(k, S), replace=False))
        b.add("specialist", served[0], nm("specialist"), served)


def build_england_real(scn: Scenario, rng: np.random.Generator, folder: Path | None = None) -> World:
    """Real England's world: the panel's footprints and organisations, the rest drawn by the
    stated rules of ``footprints.py``."""
    w = scn.world
    fp = real_footprints(folder)
    S = len(fp.codes)
    region_codes = sorted(set(fp.region))
    regions = np.array([region_codes.index(r) for r in fp.region], dtype=np.int64)
    pop = np.asarray(fp.population, dtype=np.int64)
    weight = pop / pop.sum()
    head_start = rng.uniform(0.5, 1.0, S)
    prior = np.where(np.asarray(fp.devolved) | (rng.random(S) < w.prior_collab_share), head_start, 0.0)
    host = np.where(rng.random(S) < w.hostile_share, rng.uniform(0.6, 1.0, S), 0.0)
    lead = list(rng.choice(["ccg", "ccg", "acute", "council", "nhse"], S))

    drawn = provider_counts(w.trusts, S)
    n_amb, n_spec = drawn["ambulance"], drawn["specialist"]
    n_cmh = w.trusts - trusts_needed(w.trusts, folder)  # WorldSpec refuses fewer than none
    given = np.array([c is not None for c in fp.councils])
    councils = np.array([c or 0 for c in fp.councils], dtype=np.int64)
    rest = int(w.councils - councils.sum())
    if (~given).any():
        open_weight = np.where(given, 0.0, weight)
        councils[~given] = _share(max(rest, 0), open_weight[~given], rng, 1 if rest >= (~given).sum() else 0)
    two_tier = rng.random(S) < 0.5
    dweight = np.where(two_tier, weight, 0.0)
    districts = (_share(w.districts, dweight, rng, 0) if dweight.sum() > 0
                 else np.zeros(S, dtype=np.int64))
    community_mh = _share(n_cmh, weight, rng, 0)

    b = _Builder(rng)
    counter = 0

    def nm(kind: str) -> str:
        nonlocal counter
        counter += 1
        return f"{place_name(counter + 1000)} {_LABEL[kind]}"

    index = {c: s for s, c in enumerate(fp.codes)}
    council_ids: list[tuple[int, int]] = []
    for s in range(S):
        for name in fp.ccgs[s]:
            b.add("ccg", s, name)
        for name, spans in fp.acute[s]:
            served = (s, *(index[x] for x in spans if x in index and index[x] != s))
            b.add("acute", s, name, served, foundation="Foundation Trust" in name)
        for _ in range(int(community_mh[s])):
            b.add("community_mh", s, nm("community_mh"))
        for _ in range(int(councils[s])):
            council_ids.append((b.add("council", s, nm("council")), s))
        for _ in range(int(districts[s])):
            b.add("district", s, nm("district"))
    n_regions = len(region_codes)
    add_shared(b, council_ids, regions, n_regions, w.straddle_share, (n_amb, n_spec), nm, rng)
    world = _finish(b, fp.names, pop, prior, host, lead, regions, n_regions, rng)
    world.meta.update(generator="england_real", footprint=list(fp.codes))
    return world


def build_world(scn: Scenario, rng: np.random.Generator) -> World:
    """The world a scenario describes, drawn from ``rng``."""
    if scn.world.generator == "explicit":
        return build_explicit(scn.system, rng)
    if scn.world.generator == "england_real":
        return build_england_real(scn, rng)
    return build_england(scn, rng)
