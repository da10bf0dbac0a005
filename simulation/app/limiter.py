"""A rate limit per caller, kept by the server and never replayed: :class:`Limiter`.

Rooms use it for participants' actions (per participant) and for wrong facilitator keys (per
client address, ``rooms.KeyCheck``).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class Limiter:
    """At most ``count`` actions per participant in any ``seconds`` (the server's, not replayed)."""

    def __init__(self, count: int = 12, seconds: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.count, self.seconds, self.clock = count, seconds, clock
        self._seen: dict[str, deque[float]] = {}

    def allow(self, player: str) -> bool:
        """Whether ``player`` may act now (and count it if so)."""
        if self.full(player):
            return False
        self._seen.setdefault(str(player), deque()).append(self.clock())
        return True

    def full(self, player: str) -> bool:
        """Whether ``player`` has used every action of the window (counts nothing; forgets
        whoever has none left in it)."""
        now = self.clock()
        seen = self._seen.get(str(player))
        while seen and now - seen[0] >= self.seconds:
            seen.popleft()
        if not seen:
            self._seen.pop(str(player), None)
            return False
        return len(seen) >= self.count
