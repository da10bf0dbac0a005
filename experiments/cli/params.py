"""``drumbeat params [NAME ...]``: every model parameter with its default, range, units and source.

Read from the field descriptions of ``simulation.params.Params`` (the same rows as the ODD's
parameter table). Parameters are listed by mechanism; NAME picks parameters whose name or
mechanism contains it (``drumbeat params trust reg_``). Sources are seed passages
(``NNN:line``), resolved to the published documents in ``docs/sources.md``. Any parameter
can be set in a scenario's ``[params]`` table or with ``drumbeat run ... --set NAME=VALUE``.
"""

from __future__ import annotations

import argparse
import textwrap

from simulation import ConfigError
from simulation.errors import did_you_mean

from ..science.odd import parameter_rows


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("params", help="list every parameter with its range, units and source",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("names", nargs="*", metavar="NAME",
                   help="show only parameters whose name or mechanism contains NAME")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    rows = parameter_rows()
    wanted = [n.lower() for n in args.names]
    shown = [r for r in rows
             if not wanted or any(w in r.parameter or w in r.mechanism.lower() for w in wanted)]
    if not shown:
        words = {w for r in rows for w in (r.parameter, *r.parameter.split("_"))}
        raise ConfigError(f"no parameter matches {', '.join(args.names)}"
                          f"{did_you_mean(args.names[0], words)}")
    mechanism = None
    for r in shown:
        if r.mechanism != mechanism:
            mechanism = r.mechanism
            print(f"\n{mechanism or 'Other'}")
        span = r.range.replace("\\|", "|")
        print(f"  {r.parameter} = {r.default}   range {span}   units: {r.units or '-'}")
        text = r.description.replace("\\|", "|") + "."
        print(textwrap.fill(text, width=92, initial_indent="      ", subsequent_indent="      "))
        if r.source:
            print(f"      source: {r.source}")
    print(f"\n{len(shown)} of {len(rows)} parameters; sources resolved in docs/sources.md")
    return 0
