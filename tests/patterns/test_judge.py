"""The statistics behind the pattern checks, on samples whose answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from experiments.science.judge import Check, judge, wilson


def _rows(metric: str, values) -> list[dict[str, float]]:
    return [{metric: float(v)} for v in values]


def test_greater_passes_on_a_clear_shift_and_fails_when_reversed():
    rng = np.random.default_rng(1)
    a, b = rng.normal(10, 1, 30), rng.normal(5, 1, 30)
    c = Check("greater", "m", "a", other_arm="b", min_effect=2, text="a > b by 2")
    v = judge(c, {"a": _rows("m", a), "b": _rows("m", b)})
    assert v.passed and v.effect == pytest.approx(np.median(a) - np.median(b))
    assert v.interval[0] > 0 and v.p_value < 1e-6
    assert not judge(c, {"a": _rows("m", b), "b": _rows("m", a)}).passed


def test_greater_fails_when_the_shift_is_below_the_tolerance_or_noise():
    rng = np.random.default_rng(2)
    a, b = rng.normal(5.5, 1, 30), rng.normal(5, 1, 30)
    c = Check("greater", "m", "a", other_arm="b", min_effect=2, text="a > b by 2")
    assert not judge(c, {"a": _rows("m", a), "b": _rows("m", b)}).passed
    same = Check("greater", "m", "a", other_arm="b", text="a > b")
    x = rng.normal(0, 1, 30)
    assert not judge(same, {"a": _rows("m", x), "b": _rows("m", x[::-1])}).passed


def test_less_is_paired_within_the_same_runs():
    rows = [{"x": float(i), "y": float(i) + 3.0} for i in range(20)]
    c = Check("less", "x", "a", other_metric="y", min_effect=2, text="x below y by 2")
    v = judge(c, {"a": rows})
    assert v.passed and v.effect == pytest.approx(-3.0)
    assert v.interval == (pytest.approx(-3.0), pytest.approx(-3.0))


def test_band_counts_the_share_inside():
    rows = _rows("m", [0.1] * 8 + [0.9] * 2)
    inside = Check("band", "m", "a", lo=0.0, hi=0.5, share=0.8, text="mostly low")
    v = judge(inside, {"a": rows})
    assert v.passed and v.effect == pytest.approx(0.8)
    assert v.interval == pytest.approx(wilson(8, 10))
    assert not judge(Check("band", "m", "a", lo=0.0, hi=0.5, share=0.9, text="t"), {"a": rows}).passed


def test_median_check_needs_the_whole_interval_in_the_band():
    rows = _rows("m", np.linspace(30, 40, 21))
    assert judge(Check("median", "m", "a", lo=20, hi=50, text="t"), {"a": rows}).passed
    assert not judge(Check("median", "m", "a", lo=36, hi=50, text="t"), {"a": rows}).passed


def test_missing_values_do_not_count_and_too_few_fail():
    rows = _rows("m", [1.0, math.nan, 2.0])
    v = judge(Check("greater", "m", "a", other_arm="b", text="t"), {"a": rows, "b": rows})
    assert not v.passed and v.n == (2, 2)


def test_wilson_interval_matches_the_closed_form():
    lo, hi = wilson(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-4) and hi == pytest.approx(0.7634, abs=1e-4)
    assert all(math.isnan(x) for x in wilson(0, 0))  # no replicate, no interval
