"""Seeds of the runs of a sweep: from the root seed and the run's position, nothing else.

A run's seed never depends on which worker runs it, in what order, or on which machine,
so a sweep gives the same rows on one core, many cores or a cluster, and a resumed sweep
gives the rows an uninterrupted one would have.
"""

from __future__ import annotations

import numpy as np

#: The model keeps 48 bits of a seed (``simulation/rng.py``); run seeds stay inside them.
SEED_BITS = 48


def run_seed(root_seed: int, position: int) -> int:
    """Seed of the run at ``position`` (0-based) of a design whose root seed is ``root_seed``.

    Derived with NumPy's ``SeedSequence([root_seed, position])``, so neighbouring positions
    and neighbouring root seeds give unrelated seeds.

    Args:
        root_seed: the experiment's root seed (non-negative).
        position: the run's 0-based position in the expanded design.

    Returns:
        A non-negative integer below ``2**48``.
    """
    if root_seed < 0 or position < 0:
        raise ValueError(f"root seed and position must be non-negative, got {root_seed}, {position}")
    state = np.random.SeedSequence([int(root_seed), int(position)]).generate_state(1, dtype=np.uint64)
    return int(state[0] >> np.uint64(64 - SEED_BITS))
