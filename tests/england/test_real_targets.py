"""What a calibration on Real England fits beyond the national facts
(``experiments/science/real_targets.py``): which footprints came first, read from the panel."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.science import calibrate as C
from experiments.science.real_targets import (
    REAL_TARGETS,
    first_k_hits,
    real_england_stats,
    real_waves,
)
from simulation import load_scenario, run_scenario

INF = math.inf


def test_the_fitted_waves_as_footprints_of_2016():
    waves = real_waves()
    # June 2017: Frimley, South Yorkshire and Bassetlaw, Nottinghamshire, Lancashire and South
    # Cumbria (Blackpool and Fylde Coast grew to it: rule 2), Dorset, BLMK, Greater Manchester,
    # Surrey Heartlands; not Buckinghamshire, Oxfordshire and Berkshire West, whose Berkshire
    # West and Buckinghamshire lie inside it (rule 1)
    assert waves["first"] == {"E54000034", "E54000009", "E54000014", "E54000048", "E54000041",
                              "E54000024", "E54000007", "E54000035"}
    # by May 2018 also Gloucestershire, West Yorkshire and Harrogate, Suffolk and North East
    # Essex, and West, North and East Cumbria (a footprint of 2016 until August 2018)
    assert waves["second"] == waves["first"] | {"E54000043", "E54000005", "E54000023", "E54000047"}
    assert len(waves["first"]) == 8 and len(waves["second"]) == 12


@pytest.mark.parametrize(("month", "real", "k", "expected"), [
    ([1, 2, 3, 4], [1, 0, 1, 0], 2, 1.0),             # first two: one real
    ([1, 2, 3, 4], [1, 1, 0, 0], 2, 2.0),
    ([5, 5, 5, 5], [1, 0, 0, 0], 2, 0.5),             # four tied for two places: half each
    ([1, 5, 5, 5], [0, 1, 1, 0], 2, 2 / 3),           # one before, three tied for one place
    ([1, INF, INF, INF], [1, 1, 1, 1], 3, 1.0),       # undesignated take no place
    ([1, 2], [1, 1], 0, 0.0),
    ([3, 1, 2, 9], [0, 0, 0, 1], 4, 1.0),
])
def test_first_k_hits_on_small_cases(month, real, k, expected):
    got = first_k_hits(np.array(month, dtype=float), np.array(real, dtype=bool), k)
    assert got == pytest.approx(expected, abs=1e-12)


def test_first_k_hits_is_bounded_and_a_random_order_scores_k_squared_over_n():
    rng = np.random.default_rng(0)
    real = np.zeros(44, dtype=bool)
    real[:8] = True
    scores = []
    for _ in range(2000):
        month = rng.permutation(44).astype(float)
        h = first_k_hits(month, real, 8)
        assert 0 <= h <= 8
        scores.append(h)
    assert np.mean(scores) == pytest.approx(8 * 8 / 44, abs=0.1)
    assert first_k_hits(np.where(real, 1.0, 2.0), real, 8) == 8.0


def test_a_run_of_real_england_gives_the_national_and_the_per_system_statistics():
    scn = load_scenario("england_real")
    stats = real_england_stats(run_scenario(scn, 3), scn)
    assert set(REAL_TARGETS) <= set(stats) and "designated_2017_06" in stats
    assert 0 <= stats["real_in_first_8"] <= 8 and 0 <= stats["real_in_first_12"] <= 12
    other = load_scenario("england_2014", {"scenario.years": 1})
    with pytest.raises(ValueError, match="Real England's 44 footprints"):
        real_england_stats(run_scenario(other, 3), other)


def test_calibration_of_a_scenario_fits_the_per_system_facts_only_on_real_england():
    real = C.Calibration.of(C.ENGLAND.parent / "england_real.toml")
    assert real.stats is real_england_stats
    assert {"real_in_first_8", "real_in_first_12"} <= set(real.observed) == set(real.scales)
    assert real.observed["real_in_first_8"] == 8 and real.scales["real_in_first_12"] == 4.4
    synthetic = C.Calibration.of(C.ENGLAND)
    assert synthetic.observed == C.OBSERVED and "real_in_first_8" not in synthetic.targets
