"""Named random streams split from the run's one seed.

Each mechanism draws from its own stream, keyed by name, so that adding draws to one
mechanism leaves every other mechanism's draws unchanged, and a policy-on and a
policy-off run with the same seed share their draws (common random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """Independent generator for mechanism ``name`` of the run seeded with ``seed``."""
    key = zlib.crc32(name.encode())
    return np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFFFFFF, key]))


class Streams:
    """Lazily created named streams for one run."""

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._cache: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._cache.get(name)
        if gen is None:
            gen = self._cache[name] = stream(self.seed, name)
        return gen
