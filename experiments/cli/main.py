"""The ``drumbeat`` command line.

Each sub-command lives in its own ``experiments.cli.*`` module exposing
``register(subparsers)``; the module's parser sets ``func`` to a callable taking
the parsed arguments and returning an exit code. Exit codes (docs/reliability.md): 0 done;
1 the work failed (a failed check, a full disk or a write error, printed in one line);
2 bad input or a refused output folder (:class:`simulation.ConfigError`, or an option
argparse cannot read), one line on stderr, never a traceback; 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import re
import sys

from experiments.sweeps.command import Parser, exit_status
from experiments.sweeps.extras import require

#: Sub-command modules, in the order ``drumbeat --help`` lists them.
COMMAND_MODULES = (
    "experiments.cli.run",
    "experiments.cli.sweep",
    "experiments.cli.report",
    "experiments.cli.findings",
    "experiments.cli.discover",
    "experiments.cli.reproduce",
    "experiments.cli.validate",
    "experiments.cli.calibrate",
    "experiments.cli.sbc",
    "experiments.cli.rivals",
    "experiments.cli.teach",
    "experiments.cli.odd",
    "experiments.cli.params",
    "experiments.cli.scenarios",
    "experiments.cli.forecast",
)

#: Sub-commands that need an optional extra (experiments/sweeps/extras.py), checked before
#: the command is imported further or does any work. ``drumbeat sweep --scheduler`` needs
#: [cluster], checked by the executors (the API checks it too).
COMMAND_EXTRAS = {"teach": "app", "calibrate": "calibrate", "sbc": "calibrate",
                  "rivals": "calibrate", "discover": "discover"}


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="drumbeat",
        description="Simulate how integration spreads between NHS and council organisations.",
    )
    parser.add_argument("--version", action="version", version=f"drumbeat {version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # command not built yet; anything else is a real error
                continue
            raise
        module.register(sub)
    for action in sub._choices_actions:  # the one-line summaries of ``drumbeat --help``
        action.help = plain(action.help)
    for command in sub.choices.values():
        command.description = plain(command.description)
        command.epilog = plain(command.epilog)
        for action in command._actions:
            action.help = plain(action.help)
    return parser


def version() -> str:
    """The installed distribution's version ("unknown" when run from an uninstalled tree)."""
    try:
        return importlib.metadata.version("drumbeat")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def plain(text: str | None) -> str | None:
    """Docstring text as plain text for ``--help``: without reST roles, literals or emphasis.

    The sub-commands' descriptions are their modules' docstrings, written in reST for the
    API documentation; a terminal shows the markup as it is.
    """
    if not text:
        return text
    text = re.sub(r":[a-z]+:`~?([^`]*\.)?([^`.]+)`", r"\2", text)  # :class:`~a.B` -> B
    text = re.sub(r"``([^`]+)``", r"\1", text)
    text = re.sub(r"`([^`]+)`", r"\1", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"\1", text)
    return re.sub(r"::$", ":", text, flags=re.M)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # a bad option: one line and SystemExit(2) (Parser.error)
    return exit_status(lambda: command(args))


def command(args: argparse.Namespace) -> int | None:
    """Run the parsed sub-command, once the extra it needs (if any) is found installed."""
    if args.command in COMMAND_EXTRAS:
        require(COMMAND_EXTRAS[args.command], f"drumbeat {args.command}")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
