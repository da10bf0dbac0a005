"""The patterns of Brief section 6 and the first-wave pattern as statistical tests over replicate
runs (CI size).

Definitions (arms, outcomes, effect directions, tolerances) live in
``experiments/science/patterns.py`` and are shared with ``drumbeat validate``, which runs the same
checks with more replicates. Runs are cached per (arm, seed) within the session, so patterns
that share an arm (the baseline) share its runs. Patterns 3, 4, 6 and 7 use 20 seeds per arm
in the full synthetic England (42 systems, 10 years); nothing is shrunk.
"""

from __future__ import annotations

import pytest

from experiments.science import patterns as P


def _report(pattern: P.Pattern, verdicts: list[P.Verdict]) -> str:
    lines = [f"pattern {pattern.number} ({pattern.title}):"]
    for v in verdicts:
        lines.append(f"  {'pass' if v.passed else 'FAIL'}: {v.check.text}; effect {v.effect:.3g}, "
                     f"95% interval {v.interval[0]:.3g} to {v.interval[1]:.3g}, medians "
                     f"{v.medians[0]:.3g} / {v.medians[1]:.3g}, n {v.n}")
    return "\n".join(lines)


#: Checks the model fails at full size (results/validation/scorecard.md), by pattern number and
#: check position, with why. They are kept, and expected to fail here too, so that a change
#: which makes one pass, or makes another fail, is seen and reported rather than absorbed.
KNOWN_FAILURES: dict[int, dict[int, str]] = {
    2: {1: "prior collaboration now acts only through starting trust (issue 7); the head start "
           "it gave came from the removed threshold bonus and initial commitment"},
    3: {1: "with commitment_lapse gone, turnover no longer makes commitment more fragile: the "
           "fragility came from that rule"},
    9: {0: "designation is an outcome now, not a dated count: the calibrated history designates "
           "more systems in mid-2017 than the ten observed",
        1: "likewise by May 2018",
        2: "without designation by deadline, not every run has every system designated by "
           "April 2021"},
    10: {0: "at default parameters the first-wave systems are designated years after mid-2018 "
            "(docs/findings.md, section 2)"},
}


@pytest.mark.parametrize("pattern", P.PATTERNS, ids=lambda p: f"pattern{p.number}")
def test_pattern_verdicts_are_as_recorded(pattern: P.Pattern) -> None:
    samples = P.collect([pattern], "ci", workers=1)
    verdicts = P.evaluate(pattern, samples)
    expected = [i not in KNOWN_FAILURES.get(pattern.number, {}) for i in range(len(verdicts))]
    assert [v.passed for v in verdicts] == expected, _report(pattern, verdicts)


@pytest.mark.parametrize("number", [3, 4, 6, 7])
def test_issue_patterns_use_at_least_20_seeds_per_arm(number: int) -> None:
    (pattern,) = P.by_number([number])
    assert len(pattern.seeds("ci")) >= 20
    assert len(pattern.seeds("full")) >= len(pattern.seeds("ci"))
    for arm in pattern.arms:  # the synthetic England, not a shrunk world
        assert arm.scenario == P.BASELINE
        assert not {"n_systems", "years"} & set(dict(arm.overrides)) or number == 6


def test_every_pattern_of_the_brief_is_defined_once() -> None:
    assert sorted(p.number for p in P.PATTERNS) == list(range(1, 11))  # the brief's nine, the first wave
    by_name: dict[str, set[P.Arm]] = {}
    for p in P.PATTERNS:
        for a in p.arms:
            by_name.setdefault(a.name, set()).add(a)
    assert all(len(arms) == 1 for arms in by_name.values()), "two different arms share a name"
