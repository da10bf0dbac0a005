"""The event log of a run: what happened, where, when and why, one line per event.

Each line reads as a dict with the keys of :data:`FIELDS`. A mechanism may give a line's
text as a function and its arguments instead of a string: the text is then written when the
line is first read. A ten-year run logs thousands of leader changes, and most runs of a sweep
never read their log, so most of that writing would be wasted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

FIELDS = ("step", "kind", "where", "system", "org", "text")
_TEXT, _LATER = 5, 6


class EventLog(Sequence):
    """Lines of the event log, oldest first (a read-only sequence of dicts)."""

    def __init__(self, rows: list[list] | None = None) -> None:
        self._rows: list[list] = [] if rows is None else rows

    def add(self, step: int, kind: str, where: str, system: int, org: int, text: str) -> None:
        self._rows.append([step, kind, where, system, org, text, None])

    def add_later(self, step: int, kind: str, where: str, system: int, org: int,
                  write: Callable[..., str], *args: Any) -> None:
        """A line whose text is ``write(*args)``, written when the line is first read."""
        self._rows.append([step, kind, where, system, org, None, (write, args)])

    def snapshot(self) -> EventLog:
        """The lines so far, unaffected by lines added later."""
        return EventLog(list(self._rows))

    def columns(self) -> dict[str, list]:
        """The log as one list per field."""
        rows = self._rows
        for row in rows:
            _written(row)
        return {name: [row[k] for row in rows] for k, name in enumerate(FIELDS)}

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [_as_dict(row) for row in self._rows[i]]
        return _as_dict(self._rows[i])


def _written(row: list) -> str:
    if row[_TEXT] is None:
        write, args = row[_LATER]
        row[_TEXT], row[_LATER] = write(*args), None
    return row[_TEXT]


def _as_dict(row: list) -> dict:
    _written(row)
    return dict(zip(FIELDS, row, strict=False))
