"""Mechanism 10. Geography and size: bigger, split and long-hostile systems integrate slower.

Rule. Where the organisations sit is built once, from the seed, by ``simulation/world.py``:
system footprints, many-to-many membership (a council straddling two systems, 000:396,
003:33; an ambulance trust serving a whole region, 004:834-846) and ties that thin out in
bigger systems (each pair tied with probability ``min(1, 10/(n-1))``, 000:342-346). This
module holds what that geography does to the organisations during a run:

- *Size* acts once, through structure: a bigger system has more members to persuade (its
  pool needs ``pool_consensus`` of them, the centre's readiness bar the same) and each of
  them is tied to a smaller share of the others, so a committed member is seen by fewer
  (004:834-846, 000:342). There is no separate size penalty on thresholds.
- *Prior collaboration* acts once, through starting trust: ``+ prior_collab_trust *
  prior_collaboration`` (vanguards and devolution deals already working together, 002:1026,
  004:288, 004:929).
- *Long-standing hostility* acts through relationships - starting trust ``- hostility_trust *
  hostility`` and contacts likelier to go badly (``trust``'s chance of a good experience) -
  and through the threshold, ``+ hostility_threshold * hostility``: partners who "haven't got on with each
  other for years" do not follow each other (000:660). An organisation in several systems
  takes the hardest history of them.

Where it sits in ``model.step``: the hostility term enters ``contagion.effective_threshold``
(step 7); starting trust acts once, when the run is built.
"""

from __future__ import annotations

import numpy as np

from ..params import Params
from ..world import World


def threshold_term(params: Params, world: World) -> np.ndarray:
    """The history term of each organisation's threshold (fraction), the hardest of its systems."""
    return world.org_max((params.hostility_threshold * world.hostility)[world.mem_sys])


def starting_trust(params: Params, world: World) -> np.ndarray:
    """Mean starting tie trust of each system (0-1), before each tie's own noise."""
    return (params.initial_trust + params.prior_collab_trust * world.prior_collab
            - params.hostility_trust * world.hostility)

