"""The patterns of Brief section 6 and the first-wave pattern as statistical tests over replicate
runs (CI size).

Definitions (arms, outcomes, effect directions, tolerances, and each pattern's alternative
model) live in ``configs/validation/patterns.toml`` and are shared with ``drumbeat validate``,
which runs the same checks with more replicates. Runs are kept per (arm, seed) within the
session, so patterns that share an arm (the baseline) share its runs. Patterns 3, 4, 6 and 7
use 20 seeds per arm in the full synthetic England (42 systems, 10 years); nothing is shrunk.
"""

from __future__ import annotations

import pytest

from experiments.science import patterns as P


def _report(record: dict) -> str:
    lines = [f"pattern {record['id']} ({record['title']}):"]
    for who, checks in (("model", record["checks"]), ("alternative", record["alternative"]["checks"])):
        for c in checks:
            lines.append(f"  {who} {'pass' if c['passed'] else 'FAIL'}: {c['claim']}; effect "
                         f"{c['effect']:.3g}, 95% interval {c['interval'][0]:.3g} to "
                         f"{c['interval'][1]:.3g}, n {c['n']}")
    lines.append(f"  free rate {record['alternative']['free_rate']}")
    return "\n".join(lines)


#: Checks the model fails (at CI size, as at full size: results/validation/scorecard.md), by
#: pattern number and check position, with why. They are kept, and expected to fail here too,
#: so that a change which makes one pass, or makes another fail, is seen and reported rather
#: than absorbed.
KNOWN_FAILURES: dict[int, dict[int, str]] = {
    2: {1: "prior collaboration now acts only through starting trust (issue 7); the head start "
           "it gave came from the removed threshold bonus and initial commitment"},
    3: {1: "with commitment_lapse gone, turnover no longer makes commitment more fragile: the "
           "fragility came from that rule"},
    9: {0: "designation is an outcome now, not a dated count: the calibrated history designates "
           "fewer systems in mid-2017 than the ten observed",
        1: "and more than fourteen by May 2018",
        2: "the six-parameter calibration (2026-11-26) puts the centre's readiness bar at 0.57, "
           "and a few systems are still not ready in April 2021 (1 of 40 runs at full size "
           "designates all; 35 of 40 under the earlier four-parameter fit, whose bar was 0.39)"},
    10: {0: "at default parameters the first-wave systems are designated years after mid-2018 "
            "(docs/findings.md, section 2)"},
    11: {0: "on Real England the half-size calibration meets the June 2017 count in too few "
            "runs for the band (results/calibration_real/fit.md)",
         1: "and the May 2018 count in fewer still",
         2: "as in pattern 9, some footprints are still not ready in April 2021"},
    12: {0: "the model picks the first wave no better than chance: its index counts a "
            "single-CCG footprint as consolidated (docs/findings.md, section 5)",
         1: "nor the second wave",
         2: "so the footprints of June 2017 are mostly not designated by June 2018",
         3: "the model's July 2017 readiness does not follow the July 2017 ratings "
            "(docs/findings.md, section 5)"},
}

#: Patterns whose alternative passes them too (not discriminating), with why. Every other
#: pattern's alternative must fail it.
ALTERNATIVE_PASSES: dict[int, str] = {
    1: "independent adoption, tuned to the same final share, gives the same slow start and "
       "acceleration: a system integrates only once most of its members have committed, and that "
       "conjunction alone makes the national curve S-shaped",
    6: "with independent adoption bigger systems are still slower: more members must commit",
    7: "hostile systems fail without trust memory too: hostility raises their thresholds and "
       "lowers the chance of good experiences now, which needs no memory",
    8: "memoryless trust blocks as many changes: consent rests on the present level of trust",
}


@pytest.fixture(scope="module")
def scored() -> dict[int, dict]:
    """Every pattern and its alternative, judged at CI size (runs shared between patterns)."""
    from experiments.science import validate

    records, _ = validate.score("ci", workers=2)
    return {r["id"]: r for r in records}


@pytest.mark.parametrize("number", range(1, 13))
def test_pattern_verdicts_are_as_recorded(scored, number: int) -> None:
    r = scored[number]
    expected = [i not in KNOWN_FAILURES.get(number, {}) for i in range(len(r["checks"]))]
    assert [c["passed"] for c in r["checks"]] == expected, _report(r)


@pytest.mark.parametrize("number", range(1, 13))
def test_each_alternative_fails_its_pattern_unless_recorded(scored, number: int) -> None:
    r = scored[number]
    assert r["alternative"]["passed"] is (number in ALTERNATIVE_PASSES), _report(r)
    assert r["discriminating"] is (r["passed"] and number not in ALTERNATIVE_PASSES)


def test_an_alternative_changes_the_model(scored) -> None:
    """Each rival is a different model: the median of at least one checked metric moves, or
    the pattern is one the model itself fails (a recorded failure) with both at the same
    value (pattern 10 at the defaults: neither designates a first-wave system by June 2018,
    medians 0 and 0, so the metric cannot tell them apart)."""
    same = []
    for number, r in scored.items():
        moved = [c["medians"] != a["medians"] for c, a in
                 zip(r["checks"], r["alternative"]["checks"], strict=True)]
        if not any(moved):
            assert number in KNOWN_FAILURES and not r["passed"], _report(r)
            same.append(number)
    assert len(same) <= 1, same


@pytest.mark.parametrize("number", [3, 4, 6, 7])
def test_issue_patterns_use_at_least_20_seeds_per_arm(number: int) -> None:
    (pattern,) = P.by_number([number])
    assert len(pattern.seeds("ci")) >= 20
    assert len(pattern.seeds("full")) >= len(pattern.seeds("ci"))
    for arm in pattern.arms:  # the synthetic England, not a shrunk world
        assert arm.scenario == P.BASELINE
        assert not {"n_systems", "years"} & set(dict(arm.overrides)) or number == 6


def test_every_pattern_of_the_brief_is_defined_once() -> None:
    # the brief's nine, the first wave, and Real England's two
    assert sorted(p.number for p in P.PATTERNS) == list(range(1, 13))
    by_name: dict[str, set[P.Arm]] = {}
    for p in P.PATTERNS:
        for a in p.arms:
            by_name.setdefault(a.name, set()).add(a)
    assert all(len(arms) == 1 for arms in by_name.values()), "two different arms share a name"
