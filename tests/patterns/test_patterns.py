"""The nine patterns of Brief section 6 as statistical tests over replicate runs (CI size).

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


@pytest.mark.parametrize("pattern", P.PATTERNS, ids=lambda p: f"pattern{p.number}")
def test_pattern_holds(pattern: P.Pattern) -> None:
    samples = P.collect([pattern], "ci", workers=1)
    verdicts = P.evaluate(pattern, samples)
    assert all(v.passed for v in verdicts), _report(pattern, verdicts)


@pytest.mark.parametrize("number", [3, 4, 6, 7])
def test_issue_patterns_use_at_least_20_seeds_per_arm(number: int) -> None:
    (pattern,) = P.by_number([number])
    assert len(pattern.seeds("ci")) >= 20
    assert len(pattern.seeds("full")) >= len(pattern.seeds("ci"))
    for arm in pattern.arms:  # the synthetic England, not a shrunk world
        assert arm.scenario == P.BASELINE
        assert not {"n_systems", "years"} & set(dict(arm.overrides)) or number == 6


def test_every_pattern_of_the_brief_is_defined_once() -> None:
    assert sorted(p.number for p in P.PATTERNS) == list(range(1, 10))
    by_name: dict[str, set[P.Arm]] = {}
    for p in P.PATTERNS:
        for a in p.arms:
            by_name.setdefault(a.name, set()).add(a)
    assert all(len(arms) == 1 for arms in by_name.values()), "two different arms share a name"
