"""``drumbeat odd``: refresh (or ``--check``) the parameter table of ``docs/ODD.md``.

The table between the marker comments of the ODD document is generated from
``simulation.params.Params``. Without options the command rewrites it; with ``--check`` it
writes nothing and exits 1, naming every parameter whose row differs, when the document
and the code disagree.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulation import ConfigError

from ..science import odd

#: The project's ODD, found from this file, so that the command works from any folder.
DEFAULT_DOC = Path(__file__).resolve().parents[2] / "docs" / "ODD.md"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("odd", help="refresh or check the ODD parameter table",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--doc", type=Path, default=DEFAULT_DOC,
                   help="the ODD document (default: the project's docs/ODD.md)")
    p.add_argument("--check", action="store_true",
                   help="compare only; exit 1 and name the differing parameters if out of date")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    if not args.doc.is_file():
        raise ConfigError(f"{args.doc}: ODD document not found (an installed wheel has no docs/; "
                          "give the file with --doc)")
    try:
        if args.check:
            diff = odd.check(args.doc)
        else:
            changed = odd.write_table(args.doc)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if not args.check:
        n = len(odd.parameter_rows())
        print(f"{args.doc}: parameter table {'rewritten' if changed else 'already up to date'} "
              f"({n} parameters)")
        return 0
    if not diff:
        print(f"{args.doc}: parameter table matches simulation/params.py")
        return 0
    print(f"{args.doc}: parameter table disagrees with simulation/params.py for "
          f"{len(diff)} parameter(s): {', '.join(sorted(diff))}", file=sys.stderr)
    for name in sorted(diff):
        print(f"  {name}: {diff[name]}", file=sys.stderr)
    print("run `drumbeat odd` to regenerate it", file=sys.stderr)
    return 1
