"""Outputs: the integration index and the stage of each system (Brief section 5).

Integration index (0-1), per system, a weighted mean of five components, each in [0, 1]:

    I = w_trust * mean tie trust
      + w_commit * share of NHS members committed
      + w_pool * share of NHS members inside an active system control total
      + w_consolidation * commissioner consolidation (CCG stage / 3; 1 with a single CCG)
      + w_council * share of councils engaged (committed)
      + w_change * delivered service changes net of reversals (two or more count fully)

Weights are normalised to sum to one; a system with no council members drops the council
term and renormalises the rest.

Stages (integer codes): 0 partnership; 1 shadow ICS (index >= ``shadow_index`` and committed
share >= ``pool_consensus``); 2 designated ICS (designated by the centre); 3 mature/thriving
(designated and index >= ``mature_index``). A system counts as *integrated* from stage 2.
"""

from __future__ import annotations

import numpy as np

from . import kernels
from .state import State, fill_nan

STAGE_NAMES = ("partnership", "shadow ICS", "designated ICS", "mature ICS")
COMPONENTS = ("trust", "commit", "pool", "consolidation", "council", "change")


def components(st: State) -> dict[str, np.ndarray]:
    """The six index components per system, each in [0, 1] (council NaN where none)."""
    mean_trust = st.sys_trust_mean()
    nhs = st.is_pooled_kind
    return {
        "trust": fill_nan(mean_trust, 0.0),
        "commit": st.sys_mean(st.committed.astype(float), nhs, empty=0.0),
        "pool": st.sys_mean((st.in_pool & st.pool_active[st.world.home]).astype(float), nhs,
                            empty=0.0),
        "consolidation": np.where(st.sys_count(st.is_ccg) <= 1, 1.0, st.ccg_stage / 3.0),
        "council": st.sys_mean(st.committed.astype(float), st.is_council, empty=np.nan),
        "change": np.clip((st.cum.sc_delivered + st.counters.sc_delivered - st.cum.sc_reversed
                           - st.counters.sc_reversed) / 2.0, 0.0, 1.0),
    }


def integration_index(comp: dict[str, np.ndarray], weights: tuple[float, ...]) -> np.ndarray:
    """Weighted mean of the components, skipping NaN components per system."""
    return kernels.weighted_index(np.vstack([comp[k] for k in COMPONENTS]),
                                  np.asarray(weights, dtype=float))


def stage(index: np.ndarray, committed: np.ndarray, designated: np.ndarray, shadow: float,
          mature: float, consensus: float) -> np.ndarray:
    """Stage code per system."""
    s = np.where((index >= shadow) & (committed >= consensus), 1, 0)
    s = np.where(designated, 2, s)
    return np.where(designated & (index >= mature), 3, s)


def update(st: State) -> dict[str, np.ndarray]:
    """Recompute the index; returns the components (for :func:`restage` and the recorder).

    The stage is left to :func:`restage`, once the centre has made this month's designations.
    """
    comp = components(st)
    st.index = integration_index(comp, st.params.index_weights())
    return comp


def restage(st: State, comp: dict[str, np.ndarray]) -> None:
    """Recompute the stage only (after the centre's designation decisions)."""
    p = st.params
    st.stage = stage(st.index, comp["commit"], st.designated, p.shadow_index, p.mature_index,
                     p.pool_consensus)
