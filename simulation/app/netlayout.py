"""Fixed positions of the organisations in the network picture.

A teaching system (up to :data:`RING_MAX_ORGS` organisations) is drawn as a ring, ordered by
system and then by kind, so that the room sees the hospitals together, the commissioners
together, the councils together, and every tie as a chord across the ring; names then sit
in two columns beside the ring (``svg.py``) where they cannot cover a node or each other.
Larger worlds group each system's organisations on a small circle of a grid, unlabelled.
"""

from __future__ import annotations

import numpy as np

from ..model import DrumbeatModel
from ..scenario import ORG_KINDS

#: Above this many organisations the picture groups them by home system, without names.
RING_MAX_ORGS = 40

#: Order of the kinds around the ring (hospitals first, councils last).
KIND_ORDER = ("acute", "acute_community", "community", "mental_health", "community_mh", "ambulance",
              "specialist", "ccg", "gp_federation", "other_provider", "council", "district")


def layout(model: DrumbeatModel, seed: int) -> np.ndarray:
    """Positions (n, 2) of the organisations; a ring of radius 1 for teaching systems.

    ``seed`` is kept for callers: the ring is the same for every seed (the world, not the
    draws, decides it).
    """
    w = model.state.world
    if w.n_orgs > RING_MAX_ORGS:
        return grouped_layout(w.home, w.n_systems)
    rank = {ORG_KINDS.index(k): r for r, k in enumerate(KIND_ORDER) if k in ORG_KINDS}
    kinds = np.asarray(w.org_kind)
    order = sorted(range(w.n_orgs), key=lambda i: (int(w.home[i]), rank.get(int(kinds[i]), 99), i))
    pos = np.zeros((w.n_orgs, 2))
    # start at the top and go clockwise (screen y grows downwards), half a step off the axis
    angle = -np.pi / 2 + 2 * np.pi * (np.arange(w.n_orgs) + 0.5) / max(w.n_orgs, 1)
    pos[order, 0] = np.cos(angle)
    pos[order, 1] = np.sin(angle)
    return pos


def grouped_layout(home: np.ndarray, n_systems: int) -> np.ndarray:
    """Systems on a grid, each system's organisations on a small circle (large worlds)."""
    cols = int(np.ceil(np.sqrt(n_systems)))
    pos = np.zeros((len(home), 2))
    for s in range(n_systems):
        members = np.flatnonzero(home == s)
        angle = 2 * np.pi * np.arange(len(members)) / max(len(members), 1)
        pos[members, 0] = s % cols + 0.35 * np.cos(angle)
        pos[members, 1] = s // cols + 0.35 * np.sin(angle)
    return pos


def even_on_ellipse(pos: np.ndarray, rx: float, ry: float) -> np.ndarray:
    """A ring's positions (:func:`layout`: equal angles on the unit circle) moved onto an ellipse
    of half-axes ``rx``, ``ry`` at equal distances along it, in the same order from the top
    clockwise: equal angles would crowd the ends of a tall ellipse until shapes overlap."""
    n = len(pos)
    grid = np.linspace(-np.pi / 2, 3 * np.pi / 2, 4097)  # from the top, clockwise on screen
    pts = np.column_stack([rx * np.cos(grid), ry * np.sin(grid)])
    arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))])
    turn = np.mod(np.arctan2(pos[:, 1], pos[:, 0]) + np.pi / 2, 2 * np.pi)
    at = np.interp((np.arange(n) + 0.5) / max(n, 1) * arc[-1], arc, grid)
    out = np.zeros((n, 2))
    order = np.argsort(turn, kind="stable")
    out[order, 0], out[order, 1] = rx * np.cos(at), ry * np.sin(at)
    return out


def spread(wanted: list[float], gap: float, lo: float, hi: float) -> list[float]:
    """Positions as near ``wanted`` (sorted) as possible, at least ``gap`` apart, within [lo, hi]."""
    out: list[float] = []
    for y in wanted:
        out.append(max(y, lo, out[-1] + gap if out else lo))
    over = out[-1] - hi if out else 0.0
    if over > 0:  # pushed past the end: move everything back up, keeping the gaps
        out = [y - over for y in out]
        for k in range(len(out) - 2, -1, -1):
            out[k] = min(out[k], out[k + 1] - gap)
    return out
