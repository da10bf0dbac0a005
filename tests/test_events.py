"""Events: dated in scenarios or injected, they take effect at the start of the next step."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulation import ConfigError, DrumbeatModel, load_scenario
from simulation.mechanisms import leadership

DORSET = "configs/scenarios/first_wave/dorset.toml"


@pytest.fixture()
def model(root):
    return DrumbeatModel(load_scenario(root / DORSET, {"years": 2}), seed=11)


def test_resignation_takes_effect_next_step_and_resets_trust(model):
    st = model.state
    model.run(5)
    org = next(a for a in model.org_agents if a.leader_tenure_months > 1)
    model.inject("resignation", target=org.name)
    assert org.leader_tenure_months > 1  # nothing happens until the next step
    model.step()
    assert org.leader_tenure_months == 1  # appointed at the start of this month
    line = [e for e in st.log if e["kind"] == "leader_change" and e["org"] == org.idx][-1]
    assert line["step"] == 6 and org.name in line["text"] and "resigned" in line["text"]


def test_successor_inherits_part_of_every_relationship(model):
    st, p = model.state, model.params
    model.run(3)
    i = model.org_agents[2].idx
    ties = np.union1d(st.out_ties(i), st.in_ties(i))
    others = np.setdiff1d(np.arange(len(st.T)), ties)
    before = st.T.copy()
    leadership.replace(st, np.array([i]), "test")
    expect = p.stranger_trust + p.trust_inherited * (before[ties] - p.stranger_trust)
    np.testing.assert_allclose(st.T[ties], expect, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(st.T[others], before[others])
    assert st.tenure[i] == 0


def test_set_event_changes_the_lever_and_is_logged(model):
    model.inject("set", param="reg_intensity", value=0.9, note="the room turned it up")
    model.step()
    assert model.params.reg_intensity == 0.9
    assert any("reg_intensity changed from 0.5 to 0.9" in e["text"] for e in model.state.log)


@pytest.mark.parametrize("kind, fields, needle", [
    ("resignation", {"target": "Nowhere Hospital"}, "no organisation named 'Nowhere Hospital'"),
    ("resignation", {}, "needs a target"),
    ("set", {"param": "reg_intensity", "value": 7}, "less than or equal to 1"),
    ("set", {"param": "nonsense", "value": 1}, "unknown param 'nonsense'"),
    ("earthquake", {}, "unknown event kind 'earthquake'"),
])
def test_bad_injections_are_config_errors(model, kind, fields, needle):
    with pytest.raises(ConfigError, match=needle):
        model.inject(kind, **fields)


def test_a_deadline_designates_nobody_when_it_falls_due(root):
    """The deadline lowers thresholds while it is live and marks commitments made meanwhile as
    mandated; when it falls due nothing is designated by it."""
    scn = load_scenario(root / "configs/scenarios/baseline.toml",
                        {"years": 2, "n_systems": 8, "trusts": 40, "ccgs": 30, "councils": 20,
                         "districts": 10, "designation": "invited"})
    m = DrumbeatModel(scn, seed=2)
    m.run(3)
    m.inject("deadline", due=scn.date_of(12))
    m.run(12)
    st = m.state
    assert st.deadline_step == 4 and st.due_step == 12
    assert not st.designated.any()  # invited designation, never invited: no review at all
    assert st.mandated[st.committed].any()
    assert not any(r["kind"] == "designation" for r in st.log)


def test_council_party_change_withdraws_the_council(model):
    council = next(a for a in model.org_agents if a.kind == "council")
    model.state.committed[council.idx] = True
    council.change_party()
    model.step()
    kinds = [e["kind"] for e in model.state.log if e["org"] == council.idx]
    assert "council_party_change" in kinds and "leader_change" in kinds
    assert council.orientation <= 0.3 + 1e-9


def test_intervention_takes_the_organisation_out_of_the_pool(model):
    st = model.state
    trust = next(a for a in model.org_agents if a.kind == "acute")
    st.committed[trust.idx] = True
    st.in_pool[trust.idx] = True
    model.regulators[0].intervene(trust)
    model.step()
    assert st.under_int[trust.idx] == 11  # this month is the first of twelve
    assert not st.in_pool[trust.idx] and not st.committed[trust.idx]
    assert model.result().systems["interventions"].iloc[-1] == 1


def test_agents_answer_trust_in_partners(model):
    a = model.org_agents[0]
    partners = a.partners()
    assert partners, "every organisation in a small system has partners"
    b = partners[0]
    e = model.tie_index[(a.idx, b.idx)]
    assert a.trust_in(b) == model.state.T[e]
    assert np.isnan(a.trust_in(a))


def test_timed_events_last_exactly_their_months():
    """A pressure event of 3 months and a deficit of 4 months are in force for 3 and 4 steps."""
    dorset = Path(__file__).resolve().parents[1] / "configs/scenarios/first_wave/dorset.toml"
    model = DrumbeatModel(load_scenario(dorset, {"years": 2}), seed=1)
    model.run(2)
    model.inject("pressure", value=0.6, months=3)
    model.inject("deficit_shock", target=model.state.world.org_name[0], value=2.0, months=4)
    pressure, deficit = [], []
    for _ in range(7):
        model.step()
        pressure.append(float(model.state.event_pressure.max()))
        deficit.append(bool(model.state.shock_left[0] > 0))
    assert pressure == [0.6, 0.6, 0.6, 0.0, 0.0, 0.0, 0.0]
    assert deficit == [True, True, True, True, False, False, False]
