"""Mechanism 3. Incentives: each organisation's own books against the system.

Rule. An organisation's adoption threshold (``contagion.py``) is shifted by what integration
costs or gains it:

* Payment by results rewards hospital activity and punishes moving care out, so an acute
  trust's threshold rises by ``pbr_penalty`` under PbR, half that under a blended regime and
  not at all under block or aligned contracts (004:431-437, 002:3827, 004:1024).
* A surplus organisation is loss-averse about pooling (004:710): its threshold rises by
  ``own_books_weight * loss_aversion * 0.1 * min(position / 2, 1)`` for position > 0.
* A deficit organisation gains from pooling (002:4100-4101): its threshold falls by
  ``own_books_weight * 0.1 * min(-position / 2, 1)``.

``position`` is the organisation's financial position as it stands at the annual planning
round: its mean monthly result over the last financial year (GBP m per month; plan, noise,
shocks and pool transfers, without sustainability money), recomputed every April
(``pooling``); before the first year ends it is the plan. So surplus and deficit move with
results: a deficit year makes more organisations gain from pooling, a delivered service
change that costs a trust its activity makes it more loss-averse. The payment regime is a
parameter that dated events change (``set payment``): block contracts from March 2020 in
the England history, for instance.

Where it sits in ``model.step``: the shift enters the effective threshold at step 7.
"""

from __future__ import annotations

import numpy as np

from ..state import clip

PAYMENT_FACTOR = {"pbr": 1.0, "blended": 0.5, "block": 0.0}


def threshold_shift(is_acute: np.ndarray, position: np.ndarray, payment: str, pbr_penalty: float,
                    own_books_weight: float, loss_aversion: float) -> np.ndarray:
    """Added threshold per organisation from payment regime and financial position."""
    pbr = PAYMENT_FACTOR[payment] * pbr_penalty * is_acute
    surplus = clip(position / 2.0, 0.0, 1.0)
    deficit = clip(-position / 2.0, 0.0, 1.0)
    return pbr + own_books_weight * 0.1 * (loss_aversion * surplus - deficit)


def consent_probability(payment: str) -> float:
    """Chance that a trust losing activity consents to a service change, before trust."""
    return {"pbr": 0.35, "blended": 0.6, "block": 0.9}[payment]
