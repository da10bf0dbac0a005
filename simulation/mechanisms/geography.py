"""Mechanism 10. Geography and size: bigger, split and long-hostile systems integrate slower.

Rule. Where the organisations sit is built once, from the seed, by ``simulation/world.py``:
system footprints, many-to-many membership (a council straddling two systems, 000:396,
003:33; an ambulance trust serving a whole region, 004:834-846) and ties that thin out in
bigger systems (each pair tied with probability ``min(1, 10/(n-1))``, 000:342-346). This
module holds what that geography does to the organisations during a run:

- *Size*: an organisation's adoption threshold rises by
  ``size_penalty * log2(max(n/8, 1))`` for a system of ``n`` members - more organisations,
  more to persuade (004:834-846, 000:342).
- *History*: long-standing hostility raises the threshold by ``hostility_threshold *
  hostility`` (partners who "haven't got on with each other for years", 000:660) and prior
  collaboration lowers it by ``prior_collab_threshold * prior_collaboration`` (systems
  "already working as systems", 002:1026-1028). An organisation in several systems takes the
  hardest size penalty and the hardest history of them.
- *Starting trust*: ``initial_trust + prior_collab_trust * prior - hostility_trust *
  hostility`` per system (000:198, 002:1026, 004:288, 004:929, 000:660); hostility also
  makes every contact likelier to go badly (``trust.good_probability``).
- *Head start*: each member of a system begins committed with probability
  ``0.03 + 0.25 * prior_collaboration`` of its home system (vanguards and devolution deals
  already working together, 002:1026, 004:288).

Where it sits in ``model.step``: the threshold terms enter ``contagion.effective_threshold``
(step 7); starting trust and the head start act once, when the run is built.
"""

from __future__ import annotations

import numpy as np

from ..params import Params
from ..world import World


def threshold_terms(params: Params, world: World, n_members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The size and history terms of each organisation's threshold (fractions).

    Args:
        params: the run's parameters.
        world: the run's world.
        n_members: members per system.

    Returns:
        ``(size, history)`` per organisation, each the hardest over its systems.
    """
    size = params.size_penalty * np.log2(np.maximum(n_members / 8.0, 1.0))
    history = (params.hostility_threshold * world.hostility
               - params.prior_collab_threshold * world.prior_collab)
    return world.org_max(size[world.mem_sys]), world.org_max(history[world.mem_sys])


def starting_trust(params: Params, world: World) -> np.ndarray:
    """Mean starting tie trust of each system (0-1), before each tie's own noise."""
    return (params.initial_trust + params.prior_collab_trust * world.prior_collab
            - params.hostility_trust * world.hostility)


def head_start(world: World) -> np.ndarray:
    """Probability that each organisation begins the run committed (0-1)."""
    return 0.03 + 0.25 * world.prior_collab[world.home]
