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
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from simulation.errors import ConfigError

from .outputs import WriteError


class Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line on stderr (exit 2), like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{self.prog}: error: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)


class _Stdout:
    """``sys.stdout`` that, once its reader has gone (``drumbeat sweep ... | head``), sends the
    rest of the output to ``os.devnull`` as Python's documentation advises (``signal`` module,
    "Note on SIGPIPE"), so the command does its work to the end and exits as it would have:
    a closed pipe is no error of the command's."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._reader_gone()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._reader_gone()

    def _reader_gone(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, self._stream.fileno())
        finally:
            os.close(devnull)


@contextmanager
def quiet_when_closed() -> Iterator[None]:
    """Run a command with :class:`_Stdout` as ``sys.stdout`` (when stdout has a file
    descriptor: a test's captured output has none and is left alone)."""
    stream = sys.stdout
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    guard = _Stdout(stream)
    sys.stdout = guard
    try:
        yield
    finally:
        guard.flush()
        if sys.stdout is guard:
            sys.stdout = stream


def exit_status(work: Callable[[], int | None], prog: str = "drumbeat") -> int:
    """Do ``work`` and return its exit code; an error it raises becomes one line on stderr and
    the code of its kind (above). A reader of stdout that goes away early (``| head``) ends
    nothing: the work goes on to its end, its further output discarded."""
    try:
        with quiet_when_closed():
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
