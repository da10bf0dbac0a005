"""``drumbeat scenarios``: the scenario files shipped in ``configs/scenarios``, with what each is.

Lists every scenario file under the project's ``configs/scenarios`` folder (or ``--dir``),
with its name, start, length and the first sentence of its description (``--long``: all of
it). Any of them can be run by name, e.g. ``drumbeat run baseline`` or
``drumbeat run teaching/two_hospitals``, from any folder.
"""

from __future__ import annotations

import argparse
import re
import textwrap
from pathlib import Path

from pydantic import ValidationError

from simulation import ConfigError
from simulation.configs import config_dir
from simulation.scenario import Meta, scenario_table

#: The project's scenarios, in a checkout or a wheel (so the command works from any folder).
SCENARIO_DIR = config_dir() / "scenarios"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scenarios", help="list the scenario files with their descriptions",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", type=Path, default=SCENARIO_DIR,
                   help="folder of scenario files (default: the project's configs/scenarios)")
    p.add_argument("--long", action="store_true", help="print whole descriptions")
    p.set_defaults(func=main)


def first_sentence(text: str) -> str:
    """The description up to its first full stop followed by a space (or all of it)."""
    m = re.match(r"(.+?[.!?])(\s|$)", text.strip())
    return m.group(1) if m else text.strip()


def main(args: argparse.Namespace) -> int:
    if not args.dir.is_dir():
        raise ConfigError(f"{args.dir}: scenario folder not found (give one with --dir)")
    files = sorted(args.dir.rglob("*.toml"))
    for f in files:
        rel = f.relative_to(args.dir).as_posix()
        try:
            meta = Meta.model_validate(scenario_table(f).get("scenario", {}))
        except (ConfigError, ValidationError) as exc:
            print(f"{rel}\n      (cannot be read: {str(exc).splitlines()[0]})")
            continue
        print(f"{rel}   name {meta.name}, from {meta.start} for {meta.years:g} years")
        text = meta.description if args.long else first_sentence(meta.description)
        if text:
            print(textwrap.fill(text, width=92, initial_indent="      ", subsequent_indent="      "))
    print(f"\n{len(files)} scenario files in {args.dir}")
    return 0
