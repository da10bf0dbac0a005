"""Threshold contagion (Brief 3.5), durability (3.13), the index and stages (section 5)."""

from __future__ import annotations

import numpy as np
import pytest

from simulation import index
from simulation.mechanisms import durability
from tests.verification import rules

# A path 0 - 1 - 2 and a pendant 3 on 1, as directed ties in both directions.
SRC = np.array([0, 1, 1, 2, 1, 3])
DST = np.array([1, 0, 2, 1, 3, 1])


def test_support_is_the_weighted_committed_share_of_partners():
    committed = np.array([1.0, 0.0, 0.0, 1.0])
    w = np.array([1.0, 2.0, 1.0, 1.0, 1.0, 1.0])
    s = rules.support(SRC, DST, w, committed, 5)
    # node 1: ties to 0 (w2, committed), 2 (w1), 3 (w1, committed) -> 3/4; node 4 isolated
    np.testing.assert_allclose(s, [0.0, 0.75, 0.0, 0.0, 0.0])


def test_threshold_rule_adopts_at_the_threshold_and_never_drops():
    c = rules.threshold_step(np.array([True, False, False]), np.array([0.0, 0.5, 0.49]),
                                 np.array([0.9, 0.5, 0.5]))
    np.testing.assert_array_equal(c, [True, True, False])


def test_cascade_on_a_path_stops_where_the_threshold_is_too_high():
    theta = np.array([0.0, 0.3, 0.6, 0.9])
    c = rules.threshold_cascade(SRC, DST, theta, seeds=np.array([True, False, False, False]))
    # 1 sees 1/3 >= 0.3 and adopts; 2 then sees 1/1 and adopts; 3 sees 1/1 and adopts
    np.testing.assert_array_equal(c, [True, True, True, True])
    theta[1] = 0.4
    c = rules.threshold_cascade(SRC, DST, theta, seeds=np.array([True, False, False, False]))
    np.testing.assert_array_equal(c, [True, False, False, False])


def test_bass_hazard_and_curve():
    np.testing.assert_allclose(rules.bass_hazard(0.01, 0.3, np.array([0.0, 0.5, 10.0])),
                               [0.01, 0.16, 1.0])
    t = np.array([0.0, 10.0])
    F = rules.bass_curve(t, 0.01, 0.3)
    assert F[0] == 0.0
    e = np.exp(-3.1)
    assert F[1] == pytest.approx((1 - e) / (1 + 30 * e), abs=1e-12)


def test_mandated_commitment_is_more_fragile():
    prob = durability.withdraw_probability(np.array([0.1, 0.1, 0.9]), np.array([0.5, 0.5, 0.5]),
                                           np.array([False, True, True]), np.array([0.0, 0.5, 0.0]),
                                           rate=0.1, fragility=3.0)
    np.testing.assert_allclose(prob, [0.1, 0.45, 0.0])


def test_integration_index_renormalises_over_missing_components():
    comp = {"trust": np.array([0.5, 0.5]), "commit": np.array([1.0, 1.0]),
            "pool": np.array([0.0, 0.0]), "consolidation": np.array([1.0, 1.0]),
            "council": np.array([1.0, np.nan])}
    comp["change"] = np.array([0.0, 1.0])
    idx = index.integration_index(comp, (0.2, 0.2, 0.2, 0.2, 0.2, 0.0))
    np.testing.assert_allclose(idx, [0.7, 0.625])
    idx = index.integration_index(comp, (0.2, 0.2, 0.2, 0.2, 0.2, 0.2))
    np.testing.assert_allclose(idx, [3.5 / 6, 3.5 / 5])


def test_stages():
    s = index.stage(np.array([0.2, 0.5, 0.5, 0.2, 0.9]), np.array([0.9, 0.9, 0.1, 0.0, 0.9]),
                    np.array([False, False, False, True, True]), shadow=0.4, mature=0.8,
                    consensus=0.6)
    np.testing.assert_array_equal(s, [0, 1, 0, 2, 3])
