"""Per-system counts of one step (leaders replaced, interventions, money moved, service
changes, reviews, shared chief executives, mergers), held as one table so that all of them
are added or summed at once."""

from __future__ import annotations

import numpy as np


def _row(i: int, doc: str) -> property:
    def get(self: Counters) -> np.ndarray:
        return self.table[i]

    def put(self: Counters, value: np.ndarray) -> None:
        self.table[i] = value  # after ``+=`` on the row this writes the row onto itself

    return property(get, put, doc=doc)


class Counters:
    """Per-system counts accumulated over one step, reset at its start: one row of
    ``table`` per count, so that all of them are added or summed at once."""

    NAMES = ("leader_changes", "interventions", "money_moved", "sc_proposed", "sc_delivered",
             "sc_blocked", "sc_reversed", "reviews", "shared_ceos", "trust_mergers")
    leader_changes = _row(0, "leaders replaced")
    interventions = _row(1, "regulatory interventions")
    money_moved = _row(2, "GBP m moved between pool members this month")
    sc_proposed = _row(3, "service changes proposed")
    sc_delivered = _row(4, "service changes delivered")
    sc_blocked = _row(5, "service changes blocked")
    sc_reversed = _row(6, "service changes reversed")
    reviews = _row(7, "regulatory oversight reviews held")
    shared_ceos = _row(8, "pairs of trusts that came to share a chief executive")
    trust_mergers = _row(9, "trust mergers")

    def __init__(self, table: np.ndarray) -> None:
        self.table = table

    @classmethod
    def zeros(cls, n: int) -> Counters:
        return cls(np.zeros((len(cls.NAMES), n)))
