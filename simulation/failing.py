"""What "failing" means: three tests, each defined once and named apart.

The model's regulators, leaders and centre each ask whether someone is failing, and they do
not ask the same question. All three rest on the same two lines of ``Params`` (section 8,
regulatory pressure): ``failing_deficit`` (GBP m, year to date) and ``failing_performance``
(share of target met), the "clinical disasters" and deficits regulators act on (000:474).

* :func:`body_failing` - an NHS body failing on money or on performance: year-to-date result
  below ``failing_deficit`` or performance below ``failing_performance``. A reviewed body
  below the review bar that is failing in this sense is taken over
  (``mechanisms/regulation.py``).
* :func:`body_failing_or_intervened` - the same, or already under statutory intervention:
  the leader of such an organisation leaves at ``failing_turnover_mult`` times the usual
  hazard (``mechanisms/leadership.py``; 000:194-200, 004:276).
* :func:`system_failing_finance` - a *system* failing the centre's finance test: the mean
  year-to-date result of its NHS bodies that pool (none: 0) is at or below
  ``failing_deficit``. Such a system is not ready for designation (``mechanisms/centre.py``).

This module sits outside ``mechanisms/`` because three mechanisms read it and one of them
(regulation) calls another (leadership): each imports it, and it imports none of them.
"""

from __future__ import annotations

import numpy as np

from .state import State


def body_failing(st: State) -> np.ndarray:
    """Organisations failing on money or on performance (what a review acts on), per
    organisation."""
    p = st.params
    return (st.ytd < p.failing_deficit) | (st.perf < p.failing_performance)


def body_failing_or_intervened(st: State) -> np.ndarray:
    """Organisations failing on money or performance, or under statutory intervention (what
    shortens a leader's tenure), per organisation."""
    return body_failing(st) | (st.under_int > 0)


def system_failing_finance(st: State) -> np.ndarray:
    """Systems failing the centre's finance test: the mean year-to-date result of their NHS
    bodies that pool (0 for a system with none) is at or below ``failing_deficit``, per
    system."""
    money = st.sys_mean(st.ytd, st.is_pooled_kind, empty=0.0)
    return ~(money > st.params.failing_deficit)
