"""Mechanism 11. Shocks: winters, deficits and workforce pressure crowd out system work.

Rule. In December, January and February a share ``winter_pressure`` of contacts is crowded
out in every system (001:18-22, 002:3037). Each organisation is hit by a deficit shock at
yearly hazard ``deficit_shock_rate``: for ``deficit_shock_months`` it loses ``deficit_shock_size`` GBP m a
month. A ``pressure`` event crowds out a share of a system's contacts for some months
(workforce shortages). The other face - a burning platform that unites - is the threshold
reduction for deficit organisations in ``contagion.py`` (002:4103-4104).
"""

from __future__ import annotations

import numpy as np

from ..state import State, clip

WINTER = (12, 1, 2)


def step(st: State) -> None:
    """Set this month's crowd-out pressure and draw new deficit shocks."""
    p = st.params
    st.pressure_left = np.maximum(st.pressure_left - 1, 0)
    st.event_pressure = np.where(st.pressure_left > 0, st.event_pressure, 0.0)
    winter = p.winter_pressure if st.month_of_year in WINTER else 0.0
    st.pressure = clip(np.maximum(winter, st.event_pressure), 0.0, 0.95)
    st.shock_left = np.maximum(st.shock_left - 1, 0)
    hazard = 1.0 - np.exp(-p.deficit_shock_rate / 12.0)
    draw = st.draws("deficit_shock").random(st.world.n_orgs)
    new = st.active & st.is_pooled_kind & (st.shock_left <= 0) & (draw < hazard)
    st.shock_left[new] = p.deficit_shock_months
    st.shock_size[new] = p.deficit_shock_size


# Events are applied at the start of a step, before :func:`step` counts that month off, so
# an event lasting ``months`` starts its counter one higher to be in force for ``months``.


def deficit(st: State, org: int | np.ndarray, size: float, months: int | None = None) -> None:
    """Impose a deficit shock on organisations for ``months`` months from now (events;
    ``deficit_shock_months`` when not given)."""
    months = st.params.deficit_shock_months if months is None else months
    st.shock_left[org] = months + 1
    st.shock_size[org] = size


def pressure(st: State, systems: np.ndarray, share: float, months: int) -> None:
    """Crowd out ``share`` of contacts in ``systems`` for ``months`` months from now (events)."""
    st.event_pressure[systems] = share
    st.pressure_left[systems] = months + 1
