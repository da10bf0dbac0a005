"""Mechanism 12. Spread between systems: leaders copy what works; the centre backs energy.

Rule. Every organisation's outside commitment push includes ``copy_rate * D`` where ``D`` is
the share of systems designated nationally - leaders copy what works elsewhere (000:298,
002:4205). Designated systems get more contact, ``centre_backing`` (003:32, 003:42; applied
in the contact probability of ``trust``).
"""

from __future__ import annotations

import numpy as np

from ..state import State


def push(st: State) -> float:
    """Outside push from other systems' success (probability per month)."""
    return st.params.copy_rate * np.count_nonzero(st.designated) / st.n_systems if st.n_systems else 0.0
