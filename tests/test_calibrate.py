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


def test_bound_targets_misfit_only_beyond_the_bound():
    d = C.ScaledDistance({"a": 2.0, "b": 1.0}, {"a": "at_least", "b": "at_most"})
    assert d({"a": 5.0, "b": -1.0}, {"a": 3.0, "b": 0.0}) == 0.0      # both inside
    assert d({"a": 1.0, "b": 0.0}, {"a": 3.0, "b": 0.0}) == pytest.approx(1.0)
    assert d({"a": 3.0, "b": 2.0}, {"a": 3.0, "b": 0.0}) == pytest.approx(2.0)
    assert d({"a": float("nan"), "b": 0.0}, {"a": 3.0, "b": 0.0}) == pytest.approx(10.0)


def test_every_target_cites_a_seed_and_fitted_and_held_out_are_apart():
    import re

    from experiments.science import calib_targets as T

    assert set(T.FITTED).isdisjoint(T.HELD_OUT) and set(T.FITTED) | set(T.HELD_OUT) == set(T.TARGETS)
    assert "undesignated_2021_04" in T.HELD_OUT
    assert {"commitment_clustering_2017_06", "commitment_acceleration"} <= set(T.FITTED)
    for key, t in T.TARGETS.items():
        assert re.search(r"\b00[0-4]:\d+", t.fact), key
        assert t.kind in ("point", "at_least", "at_most") and t.scale > 0, key
    assert T.TARGETS["undesignated_2021_04"].holds(0) and not T.TARGETS["undesignated_2021_04"].holds(3)
    assert T.TARGETS["designated_2017_06"].holds(11) and not T.TARGETS["designated_2017_06"].holds(13)


def test_clustering_is_one_for_independent_adoption_and_large_when_systems_move_together():
    from experiments.science.calib_targets import clustering

    rng = np.random.default_rng(1)
    sizes = rng.integers(8, 30, size=400)
    independent = rng.binomial(sizes, 0.4) / sizes
    assert clustering(independent, sizes) == pytest.approx(1.0, abs=0.2)
    together = (rng.random(400) < 0.4).astype(float)        # whole systems in or out
    assert clustering(together, sizes) > 5
    assert np.isnan(clustering(np.ones(5), np.full(5, 10)))


def test_england_stats_give_every_target(root):
    from experiments.science import calib_targets as T

    scn = load_scenario(C.ENGLAND, {"n_systems": 12, "trusts": 70, "ccgs": 60, "councils": 44,
                                    "districts": 40})
    s = T.england_stats(run_scenario(scn, 2), scn)
    assert set(s) == set(T.TARGETS)
    assert 0 <= s["undesignated_2021_04"] <= 12 and s["commitment_acceleration"] > 0


@pytest.mark.parametrize(("overrides", "seed"), [({}, 2), ({"years": 2}, 1), ({"years": 4.5}, 3)])
def test_england_stats_match_the_tables_to_the_bit(root, overrides, seed):
    """The statistics read from the records as arrays equal, bit for bit and type for type,
    those read from the pandas tables (also where a dated fact lies after the run's end)."""
    from experiments.science import calib_targets as T

    scn = load_scenario(C.ENGLAND, {"n_systems": 12, "trusts": 70, "ccgs": 60, "councils": 44,
                                    "districts": 40, **overrides})
    result = run_scenario(scn, seed)
    fast, tables = T.england_stats(result, scn), T.england_stats_tables(result, scn)
    assert list(fast) == list(tables)
    for key, value in tables.items():
        assert type(fast[key]) is type(value), key
        assert np.float64(fast[key]).tobytes() == np.float64(value).tobytes(), key


def test_weighted_correlation_and_ridges():
    import pandas as pd

    from experiments.science import calib_diagnostics as D

    rng = np.random.default_rng(0)
    a = rng.random(300)
    df = pd.DataFrame({"a": a, "b": 2 * a + 0.05 * rng.random(300), "c": rng.random(300)})
    w = np.ones(300)
    corr = D.weighted_corr(df, w)
    assert np.allclose(corr.to_numpy(), np.corrcoef(df.to_numpy().T))
    assert [(x, y) for x, y, _ in D.ridges(corr)] == [("a", "b")]
    assert "Ridge a - b" in D.ridge_note(corr) and "No ridge" in D.ridge_note(corr.loc[["c"], ["c"]])
    w2 = np.where(a > 0.5, 1.0, 0.0)                        # weights matter
    assert D.weighted_corr(df, w2).loc["a", "b"] == pytest.approx(
        np.corrcoef(df[a > 0.5][["a", "b"]].to_numpy().T)[0, 1])


def test_resume_continues_a_stored_fit_to_the_same_posterior(calibration, tmp_path):
    whole = C.run(calibration, population=8, generations=2, seed=4, db=tmp_path / "a.db", log=None)
    C.run(calibration, population=8, generations=1, seed=4, db=tmp_path / "b.db", log=None)
    resumed = C.run(calibration, population=8, generations=2, seed=4, db=tmp_path / "b.db",
                    resume=True, log=None)
    assert resumed.populations == 2
    assert np.allclose(resumed.particles.to_numpy(), whole.particles.to_numpy())
    assert np.allclose(resumed.weights, whole.weights)
    done = C.run(calibration, population=8, generations=2, seed=4, db=tmp_path / "b.db",
                 resume=True, log=None)                     # nothing left: read back only
    assert done.populations == 2 and np.allclose(done.weights, whole.weights)


def test_resume_without_a_database_is_refused(calibration, tmp_path):
    from simulation import ConfigError

    with pytest.raises(ConfigError, match="no calibration database"):
        C.run(calibration, population=8, generations=1, db=tmp_path / "none.db", resume=True)


def test_progress_lines_per_generation(calibration):
    lines: list[str] = []
    C.run(calibration, population=6, generations=2, seed=1, log=lines.append, show=False)
    assert any(line.startswith("ABC generation 1: 6 accepted of") for line in lines)
    assert any(line.startswith("ABC generation 2:") for line in lines)


def test_the_command_names_the_parameters_it_fits_by_default():
    import argparse

    from experiments.cli import calibrate as cli

    sub = argparse.ArgumentParser().add_subparsers()
    cli.register(sub)
    parser = sub.choices["calibrate"]
    help_text = next(a.help for a in parser._actions if a.dest == "params")
    assert f"(default {','.join(C.DEFAULT_PARAMS)})" in help_text
    # the two routes to commitment are both free: the drumbeat's thresholds and imitation
    # against the outside push
    assert {"threshold_mean", "threshold_sd", "peer_push", "external_push"} <= set(C.DEFAULT_PARAMS)
