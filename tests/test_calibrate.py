"""ABC-SMC calibration recovers a known parameter from synthetic data (tiny world)."""

from __future__ import annotations

import numpy as np
import pytest

from experiments.science import calibrate as C
from simulation import load_scenario, run_scenario

TINY = {"years": 4, "n_systems": 6, "trusts": 30, "ccgs": 12, "councils": 10, "districts": 0}
TRUE_THRESHOLD = 0.3
MONTHS = (12, 24, 36, 48)


def committed_stats(result, scenario) -> dict[str, float]:
    """Share of NHS bodies committed at a few months: the synthetic 'facts'."""
    share = result.national["committed_share"].to_numpy()
    return {f"committed_{m}": float(share[m]) for m in MONTHS}


@pytest.fixture(scope="module")
def calibration(root) -> C.Calibration:
    path = root / "configs" / "scenarios" / "baseline.toml"
    truth = load_scenario(path, {**TINY, "threshold_mean": TRUE_THRESHOLD})
    runs = [committed_stats(run_scenario(truth, s), truth) for s in range(8)]
    observed = {k: float(np.mean([r[k] for r in runs])) for k in runs[0]}
    return C.Calibration(scenario=path, params=("threshold_mean",), observed=observed,
                         scales={k: 0.05 for k in observed}, stats=committed_stats,
                         overrides=TINY)


def test_abc_recovers_a_known_threshold(calibration):
    fit = C.run(calibration, population=30, generations=3, workers=1, seed=3)
    s = fit.summary().loc["threshold_mean"]
    assert abs(s["median"] - TRUE_THRESHOLD) < 0.1, s
    assert s["q90"] - s["q10"] < 0.4, s          # the prior's 10-90% range is 0.8 wide
    assert fit.populations == 3 and fit.epsilons[-1] < fit.epsilons[0]
    assert np.isclose(fit.weights.sum(), 1.0)


def test_the_sampler_gives_the_same_posterior_from_the_same_seed(calibration):
    a = C.run(calibration, population=8, generations=1, workers=1, seed=5)
    b = C.run(calibration, population=8, generations=1, workers=1, seed=5)
    assert a.particles.equals(b.particles)


def test_unknown_parameter_is_refused(calibration):
    from simulation import ConfigError

    bad = C.Calibration(params=("no_such_param",))
    with pytest.raises(ConfigError, match="no_such_param"):
        bad.priors()


def test_weighted_quantile_by_hand():
    x = np.array([3.0, 1.0, 2.0])
    w = np.array([0.2, 0.5, 0.3])
    assert C.weighted_quantile(x, w, 0.5) == 1.0
    assert C.weighted_quantile(x, w, 0.6) == 2.0
    assert C.weighted_quantile(x, w, 0.9) == 3.0


def test_scaled_distance():
    d = C.ScaledDistance({"a": 2.0, "b": 10.0})
    assert d({"a": 4.0, "b": 0.0}, {"a": 0.0, "b": 30.0}) == pytest.approx(np.sqrt(4 + 9))
