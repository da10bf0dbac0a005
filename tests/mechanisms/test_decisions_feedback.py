"""The decision hook, incentives from current finances, and service changes that move money."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.decisions import KINDS, Overrides
from simulation.errors import ConfigError
from simulation.mechanisms import incentives, pooling, service_change
from simulation.model import DrumbeatModel


class Replay:
    """Answers every choice with the rules' default, and remembers what was asked."""

    def __init__(self) -> None:
        self.asked: dict[str, int] = {}

    def decide(self, choice):
        self.asked[choice.kind] = self.asked.get(choice.kind, 0) + 1
        return choice.default


def test_a_policy_that_replays_the_rules_gives_the_same_run(small_england):
    scn = small_england.with_overrides({"scenario.years": 4})
    plain = DrumbeatModel(scn, seed=5).run()
    replay = Replay()
    hooked = DrumbeatModel(scn, seed=5, policy=replay).run()
    assert plain.national.equals(hooked.national)
    assert plain.systems.equals(hooked.systems)
    assert plain.events.equals(hooked.events)
    assert set(replay.asked) >= {"commit", "sign_control_total"}
    assert set(replay.asked) <= set(KINDS)


def test_an_organisation_held_out_never_commits(small_england):
    scn = small_england.with_overrides({"scenario.years": 3})
    m = DrumbeatModel(scn, seed=2)
    st = m.state
    org = int(np.flatnonzero(~st.committed)[0])
    st.policy = Overrides({(org, "commit"): False})
    m.run()
    assert not st.committed[org]
    assert st.committed.mean() > 0.3  # the others still move


def test_a_withdrawal_a_policy_forced_is_not_given_the_rules_reason(small_england):
    scn = small_england.with_overrides({"scenario.years": 3})
    m = DrumbeatModel(scn, seed=2)
    m.run(6)
    st = m.state
    org = int(np.flatnonzero(st.committed & st.active)[0])
    st.policy = Overrides({(org, "withdraw"): True})
    m.run(1)
    name = st.world.org_name[org]
    lines = [e for e in m.result().events.itertuples() if e.kind == "withdrawal" and e.org == org]
    assert len(lines) == 1 and not st.committed[org]
    assert lines[0].text.startswith(f"{name} withdrew from system working (a decision, not the "
                                    "rule: support ")


def test_a_bad_answer_is_a_clear_error(small_england):
    m = DrumbeatModel(small_england, seed=1, policy=type("P", (), {"decide": lambda s, c: [1]})())
    with pytest.raises(ConfigError, match="decision policy answered"):
        m.run(12)


def test_positions_are_recomputed_at_the_year_end(tiny):
    st = tiny.state
    st.year_result[:] = 22.0
    st.year_months = 11
    version = st.position_version
    st.month_of_year = 3
    pooling.step(st, np.zeros(len(st.T)))
    expected = (22.0 + st.result + st.transfers) / 12
    np.testing.assert_allclose(st.position, expected)
    assert st.position_version == version + 1 and st.year_months == 0
    assert (st.ytd == 0).all()


def test_threshold_shift_follows_the_financial_position():
    shift = incentives.threshold_shift(np.zeros(3, bool), np.array([2.0, -2.0, 0.0]), "block",
                                       0.2, 0.5, 2.0)
    np.testing.assert_allclose(shift, [0.5 * 0.1 * 2.0, -0.5 * 0.1, 0.0])


def test_no_sustainability_money_without_the_fund(tiny):
    st = tiny.state
    st.params = st.params.model_copy(update={"sustainability_fund": False})
    pooling.step(st, np.zeros(len(st.T)))
    assert (st.incentive_paid == 0).all()
    st.params = st.params.model_copy(update={"sustainability_fund": True})
    pooling.step(st, np.zeros(len(st.T)))
    assert st.incentive_paid.max() == st.params.incentive_size


def test_a_delivered_change_moves_money_from_the_loser_to_the_rest(tiny):
    st = tiny.state
    members = st.world.members(0)
    loser = int(members[st.is_acute[members]][0])
    gainers = service_change._gainers(st, 0, loser)
    assert loser not in gainers and not st.is_ccg[gainers].any() and not st.is_council[gainers].any()
    before = st.plan.copy()
    service_change._move_money(st, loser, gainers, 0.4)
    assert st.plan[loser] == pytest.approx(before[loser] - 0.4)
    assert st.plan[gainers].sum() == pytest.approx(before[gainers].sum() + 0.6)
    service_change._move_money(st, loser, gainers, -0.4)  # a reversal moves it back
    np.testing.assert_allclose(st.plan, before)
