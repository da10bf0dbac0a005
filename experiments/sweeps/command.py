"""What every command shares: argparse's errors in one line, and the exit codes.

Exit codes (docs/reliability.md): 0 done; 1 the work failed (a failed check, a full disk or a
write error, printed in one line); 2 bad input or a refused output folder
(:class:`simulation.ConfigError`, or an option argparse cannot read), one line on stderr, never
a traceback; 130 interrupted. ``drumbeat`` (``experiments/cli/main.py``) and the modules run
with ``python -m`` (``experiments.science.findings``) end the same way through
:func:`exit_status`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from simulation.errors import ConfigError

from .outputs import WriteError


class Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line on stderr (exit 2), like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)


def exit_status(work: Callable[[], int | None], prog: str = "drumbeat") -> int:
    """Do ``work`` and return its exit code; an error it raises becomes one line on stderr and
    the code of its kind (above)."""
    try:
        return int(work() or 0)
    except ConfigError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    except WriteError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a write error the command did not name itself
        print(f"{prog}: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
