"""Real systems for the teaching app: one preset for each of the 44 STP footprints of 2016.

A facilitator picks a real footprint and the room plays its real organisations by name. Each
preset is an ordinary scenario file, written by this module and validated like any other
(``load_scenario``), so that the room runs the model's own machinery:

- **Real, from the Real England panel** (``configs/england``, ``simulation/footprints.py``):
  the footprint's name and ONS code, its mid-2018 population, its acute trusts and its CCGs of
  April 2018 by name. The ``[[system]]`` table names its ``footprint``, so the scenario
  validator fills and checks them against the panel (``footprints.panel_system``), as the
  Dorset preset and the first-wave files do.
- **Drawn, as the model draws them for Real England**: every other organisation (community
  and mental-health trusts, upper-tier councils where no source counts them, district
  councils, the ambulance trusts of the region, specialist trusts, councils straddling in
  from a neighbour) and the footprint's head start, hostility and lead. They are the
  footprint's organisations in the world that ``england_real`` builds from seed
  :data:`DRAW_SEED` (``world.build_england_real``), counted by kind; their names are made up
  by the explicit world's rule (``world.place_name``), and the preset's description says so.

The panel's ``panel_system`` cannot complete the three northern footprints that merged in
August 2018 (E54000045-47): the record gives their CCGs and population only for the merged
footprint. For those three this module takes what the world builder takes
(``footprints.real_footprints``, rule ``apportion_by_acute``): acute trusts by name,
population and CCGs apportioned, the CCGs named by the merged footprint and a number.

A preset's key is ``real_`` and the footprint's code (``real_E54000041``): the room's file,
its export (``room.jsonl``, the ``load`` action and the header's ``preset``) and a replay name
the footprint through it. The files are written to the user's cache folder (:func:`real_presets`).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import tomli_w

from ..errors import ConfigError
from ..footprints import real_footprints
from ..panel import load_panel, panel_dir

#: The seed of the ``england_real`` world whose drawn organisations a real preset takes.
DRAW_SEED = 1
#: Key of a real preset: this prefix and the footprint's ONS code.
PREFIX = "real_"
#: The run: from April 2016 (the footprints' first year), six years, as the Dorset preset.
START, YEARS = "2016-04", 6
#: Kinds the panel names; everything else is drawn.
NAMED = ("acute", "ccg")
#: Plain names of the drawn kinds, for the description.
KIND_WORDS = {
    "community_mh": "community and mental health trust", "ambulance": "ambulance trust",
    "specialist": "specialist trust", "council": "upper-tier council", "district": "district council",
    "community": "community trust", "mental_health": "mental health trust",
    "gp_federation": "GP federation", "other_provider": "other provider",
}


def key_of(code: str) -> str:
    """The preset key of footprint ``code``."""
    return PREFIX + code


def code_of(key: str) -> str | None:
    """The footprint code of a real preset's key, or None for any other preset."""
    return key[len(PREFIX):] if key.startswith(PREFIX) else None


@lru_cache(maxsize=1)
def footprints() -> tuple[tuple[str, str], ...]:
    """The 44 footprints of March 2016 as (code, name), in code order."""
    fp = real_footprints()
    return tuple(zip(fp.codes, fp.names, strict=True))


def label(code: str, name: str) -> str:
    """How the form lists a footprint: its name and code, ``Dorset (E54000041)``."""
    return f"{name} ({code})"


def find_footprint(text: str) -> str:
    """The code of the footprint ``text`` names: its code, its name (any case) or its
    :func:`label`.

    Raises:
        ConfigError: one line: no such footprint, and how to find the 44.
    """
    given = " ".join(str(text or "").split())
    for code, name in footprints():
        if given.upper() == code or given.lower() in (name.lower(), label(code, name).lower()):
            return code
    raise ConfigError(f"'{given}' is not one of the 44 footprints of 2016 in the Real England panel "
                      "(configs/england/footprints.csv): type part of its name and pick it from the list")


@lru_cache(maxsize=1)
def _drawn() -> tuple[dict, ...]:
    """Per footprint: the kinds the panel does not name, counted among its members in the world
    ``england_real`` builds from :data:`DRAW_SEED`, with its head start, hostility and lead."""
    from ..rng import Streams  # the model's own streams and world builder
    from ..scenario import load_scenario
    from ..world import build_world

    world = build_world(load_scenario("england_real"), Streams(DRAW_SEED)["world"])
    out = []
    for s in range(world.n_systems):
        kinds = Counter(world.kind_of(int(i)) for i in world.mem_org[world.mem_sys == s])
        out.append({"orgs": {k: n for k, n in sorted(kinds.items()) if k not in NAMED},
                    "prior_collaboration": round(float(world.prior_collab[s]), 4),
                    "hostility": round(float(world.hostility[s]), 4), "lead": str(world.lead[s])})
    return tuple(out)


@lru_cache(maxsize=1)
def _placed() -> frozenset[str]:
    """Footprints whose CCGs the panel places in them (all but the three merged in 2018)."""
    return frozenset(r["footprint"] for r in load_panel(panel_dir())["ccgs"])


def scenario_data(code: str) -> dict:
    """The scenario of footprint ``code`` as TOML-ready data (``[scenario]``, ``[world]``, one
    ``[[system]]``), before validation. ConfigError for an unknown footprint."""
    code = find_footprint(code)
    fp = real_footprints()
    s = fp.codes.index(code)
    drawn = _drawn()[s]
    acute = [name for name, _ in fp.acute[s]]
    system = {"name": fp.names[s], "lead": drawn["lead"],
              "prior_collaboration": drawn["prior_collaboration"], "hostility": drawn["hostility"],
              "orgs": {"acute": len(acute), "ccg": len(fp.ccgs[s]), **drawn["orgs"]}}
    if code in _placed():
        system["footprint"] = code  # the validator fills population and names from the panel
    else:  # apportion_by_acute: what the world builder takes
        system |= {"population": fp.population[s], "names": {"acute": acute, "ccg": list(fp.ccgs[s])}}
    return {"scenario": {"name": key_of(code), "description": describe(code), "start": START,
                         "years": YEARS},
            "world": {"generator": "explicit"}, "system": [system]}


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def describe(code: str) -> str:
    """The paragraph the room reads: what is real (names) and what is drawn."""
    fp = real_footprints()
    s = fp.codes.index(code)
    drawn = _drawn()[s]
    acute = [name for name, _ in fp.acute[s]]
    ccgs = list(fp.ccgs[s])
    ccg_text = (f"{_count(len(ccgs), 'CCG')} of April 2018 ({'; '.join(ccgs)})" if code in _placed() else
                f"{_count(len(ccgs), 'CCG')}, shared out of the merged northern footprint by the rule "
                "apportion_by_acute and named by it and a number (the record does not say which is where)")
    rest = ", ".join(_count(n, KIND_WORDS.get(k, k)) for k, n in drawn["orgs"].items())
    start = ("a certain head start (a health devolution deal)" if fp.devolved[s] else
             "a head start" if drawn["prior_collaboration"] > 0 else "no head start")
    return (f"{fp.names[s]}: a real system of 2016. One of the 44 STP footprints ({code}), "
            f"{fp.population[s]:,} people (ONS, mid-2018). Real names, from the Real England panel: "
            f"{_count(len(acute), 'acute trust')} ({'; '.join(acute)}) and {ccg_text}. Drawn as the model "
            f"draws Real England (its world of seed {DRAW_SEED}), with made-up names: {rest}; "
            f"{start}, {'' if drawn['hostility'] > 0 else 'no '}long-standing hostility, "
            f"and the {_LEAD[drawn['lead']]} chairs it. Play your own system: who has to agree, and "
            f"what would move them?")


_LEAD = {"ccg": "CCG's chief officer", "acute": "lead hospital's chief executive",
         "council": "council's chief executive", "nhse": "NHS England's appointee"}


def cache_root(env: Mapping[str, str] = os.environ) -> Path:
    """Where the real systems' scenario files are kept: the user's cache folder
    (``$XDG_CACHE_HOME``, ``~/.cache``; on Windows ``%LOCALAPPDATA%``), ``drumbeat/real_systems``."""
    if sys.platform == "win32" and env.get("LOCALAPPDATA"):
        return Path(env["LOCALAPPDATA"]) / "drumbeat" / "real_systems"
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "drumbeat" / "real_systems"


def real_presets() -> dict[str, tuple[str, str, Path]]:
    """Every footprint's preset, by key: (title, description, scenario file). Titles are the
    description's first sentence, as for any preset. The files are written once, in a folder
    named by their content's hash under :func:`cache_root` (so that checkouts of different
    versions never share a file), or in a temporary folder where the cache cannot be written."""
    return dict(_written())


def _texts() -> dict[str, tuple[str, str]]:
    out = {}
    for code, _ in footprints():
        data = scenario_data(code)
        out[key_of(code)] = (data["scenario"]["description"],
                             f"# Real system {code}, written by simulation/app/real.py from the Real "
                             f"England panel\n" + tomli_w.dumps(data))
    return out


def _write(folder: Path, texts: dict[str, tuple[str, str]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for key, (_, text) in texts.items():
        path = folder / f"{key}.toml"
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        tmp = folder / f"{key}.{os.getpid()}.tmp"  # whole files only, whoever reads at the same time
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)


@lru_cache(maxsize=1)
def _written() -> dict[str, tuple[str, str, Path]]:
    texts = _texts()
    folder = cache_root() / hashlib.sha256("".join(t for _, t in texts.values()).encode()).hexdigest()[:16]
    try:
        _write(folder, texts)
    except OSError:  # no cache folder to write: a temporary one, removed at exit
        folder = Path(tempfile.mkdtemp(prefix="drumbeat-real-systems-"))
        atexit.register(shutil.rmtree, folder, True)
        _write(folder, texts)
    return {key: (desc.split(".")[0], desc, folder / f"{key}.toml") for key, (desc, _) in texts.items()}
