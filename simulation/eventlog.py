"""The event log of a run: what happened, where, when and why, one line per event.

Each line reads as a dict with the keys of :data:`FIELDS`. A mechanism may give a line's
text as a function and its arguments instead of a string: the text is then written when the
line is first read; and it may add several lines at once as one function that makes them,
called when the log is first read. A ten-year run logs thousands of leader changes, and most
runs of a sweep never read their log, so most of that writing would be wasted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

FIELDS = ("step", "kind", "where", "system", "org", "text")
_TEXT, _LATER = 5, 6


class EventLog(Sequence):
    """Lines of the event log, oldest first (a read-only sequence of dicts)."""

    def __init__(self, rows: list[list] | None = None) -> None:
        self._rows: list = [] if rows is None else rows
        self._batch_at: int | None = None  # where the first batch not yet made sits in _rows

    def add(self, step: int, kind: str, where: str, system: int, org: int, text: str) -> None:
        self._rows.append([step, kind, where, system, org, text, None])

    def add_later(self, step: int, kind: str, where: str, system: int, org: int,
                  write: Callable[..., str], *args: Any) -> None:
        """A line whose text is ``write(*args)``, written when the line is first read."""
        self._rows.append([step, kind, where, system, org, None, (write, args)])

    def add_many_later(self, make: Callable[[], list[list]], kinds: tuple[str, ...] | None = None) -> None:
        """The lines that ``make()`` returns (as :meth:`add_later` would store them), made when
        the log is first read. ``make`` must not depend on anything that changes later.
        ``kinds``: the kinds of line ``make`` can return, if known (:meth:`where_of` then need
        not make the lines to find those of another kind)."""
        if self._batch_at is None:
            self._batch_at = len(self._rows)
        self._rows.append(_Batch(make, kinds))

    def snapshot(self) -> EventLog:
        """The lines so far, unaffected by lines added later."""
        copy = EventLog(list(self._rows))
        copy._batch_at = self._batch_at
        return copy

    def columns(self) -> dict[str, list]:
        """The log as one list per field."""
        rows = self._made()
        for row in rows:
            _written(row)
        return {name: [row[k] for row in rows] for k, name in enumerate(FIELDS)}

    def where_of(self, kind: str) -> tuple[list[int], list[int]]:
        """Step and system of every line of ``kind``, oldest first, without writing any text."""
        rows = self._rows
        if self._batch_at is not None and any(
                type(r) is _Batch and (r.kinds is None or kind in r.kinds) for r in rows[self._batch_at:]):
            rows = self._made()
        rows = [row for row in rows if type(row) is not _Batch and row[1] == kind]
        return [row[0] for row in rows], [row[3] for row in rows]

    def __len__(self) -> int:
        return len(self._made())

    def __getitem__(self, i):
        rows = self._made()
        if isinstance(i, slice):
            return [_as_dict(row) for row in rows[i]]
        return _as_dict(rows[i])

    def _made(self) -> list[list]:
        """Every line, the batches made into their lines."""
        k = self._batch_at
        if k is not None:
            tail = []
            for r in self._rows[k:]:
                if type(r) is _Batch:
                    tail.extend(r.make())
                else:
                    tail.append(r)
            self._rows[k:] = tail
            self._batch_at = None
        return self._rows


class _Batch:
    """Several lines added by one call, made when the log is first read."""

    __slots__ = ("kinds", "make")

    def __init__(self, make: Callable[[], list[list]], kinds: tuple[str, ...] | None = None) -> None:
        self.make = make
        self.kinds = kinds


def _written(row: list) -> str:
    if row[_TEXT] is None:
        write, args = row[_LATER]
        row[_TEXT], row[_LATER] = write(*args), None
    return row[_TEXT]


def _as_dict(row: list) -> dict:
    _written(row)
    return dict(zip(FIELDS, row, strict=False))
