"""The teaching app's honest story: each facilitator action against the same months without it;
and the card of an organisation clicked in the network."""

from __future__ import annotations

import pandas as pd
import pytest

from simulation import DrumbeatModel, load_scenario
from simulation.app.catalog import presets
from simulation.app.effects import pair_trust
from simulation.app.inspect_org import org_card
from simulation.app.session import Session
from simulation.app.story import counterpart
from simulation.app.svg import network_svg

SMALL = "two_hospitals"


def _bare(seed: int, months: int, events: list[tuple[str, str]]) -> DrumbeatModel:
    """A bare model run ``months`` months, then one month with ``events`` injected."""
    m = DrumbeatModel(load_scenario(presets()[SMALL].path), seed=seed)
    m.run(months)
    for kind, target in events:
        m.inject(kind, target=target, note="the facilitator's doing")
    m.step()
    return m


def test_story_effect_is_the_month_with_the_event_against_the_same_month_without_it():
    """Metamorphic: the story's effect equals two fresh runs of the same seed, with and without."""
    s = Session(SMALL, seed=3)
    s.step(5)
    s.press("resignation", "Northgate Hospital")
    s.step(1)
    line = next(x for x in s.view().story if x.facilitator)
    with_it = _bare(3, 5, [("resignation", "Northgate Hospital")])
    without = _bare(3, 5, [])
    i = with_it.state.world.org_name.index("Northgate Hospital")
    who, js = counterpart(with_it.state, i)
    d = pair_trust(with_it.state, with_it.state.T, i, js) - pair_trust(without.state, without.state.T, i, js)
    assert who == "the commissioner" and abs(d) >= 0.005
    assert line.text.startswith("[1] Month 6 (2016-10): the chief executive of Northgate Hospital left")
    assert ("; compared with the same months without it: in month 6, trust with the commissioner "
            f"{abs(d):.2f} {'lower' if d < 0 else 'higher'}") in line.text
    assert "; by month 12, " in line.text
    assert line.trust_change == pytest.approx(d)
    pd.testing.assert_frame_equal(s.view().result.national, with_it.result().national)


def test_two_events_in_one_month_report_their_own_effects_leave_one_out():
    s = Session(SMALL, seed=7)
    s.step(5)
    s.press("resignation", "Northgate Hospital")
    s.press("resignation", "Southmoor Hospital")
    s.step(1)
    lines = sorted((x for x in s.view().story if x.facilitator), key=lambda x: x.marker)
    assert [x.marker for x in lines] == [1, 2]
    assert lines[0].trust_change != pytest.approx(lines[1].trust_change)
    both = [("resignation", "Northgate Hospital"), ("resignation", "Southmoor Hospital")]
    for line, (_, target) in zip(lines, both, strict=True):
        m = _bare(7, 5, both)
        cf = _bare(7, 5, [e for e in both if e[1] != target])  # every other event of the month kept
        i = m.state.world.org_name.index(target)
        js = counterpart(m.state, i)[1]
        d = pair_trust(m.state, m.state.T, i, js) - pair_trust(cf.state, cf.state.T, i, js)
        assert line.trust_change == pytest.approx(d)
        assert target in line.text


def test_an_event_that_changes_nothing_reports_no_difference():
    """Shared data pressed when the lever already put it in place: both branches are identical."""
    s = Session(SMALL, seed=7)
    s.set_lever("shared_data", True)
    s.step(3)
    s.press("shared_data")
    s.step(1)
    v = s.view()
    line = next(x for x in v.story if x.facilitator)
    assert line.text.endswith("compared with the same months without it: in month 4, no difference; "
                              "by month 10, no difference.")
    assert line.trust_change == 0.0
    assert "[1] month 4 shared data: by month 10, no difference" in v.debrief[-1]


def test_the_debrief_ranks_actions_by_their_counterfactual_effect():
    s = Session(SMALL, seed=3)
    s.set_lever("shared_data", True)
    s.step(3)
    s.press("shared_data")  # first, and changes nothing
    s.step(2)
    s.press("resignation", "Northgate Hospital")
    s.step(10)
    ranked = next(x for x in s.view().debrief if x.startswith("You acted 2 time(s)"))
    assert ranked.index("[2] month 6 resigns: Northgate Hospital") < ranked.index("[1] month 4 shared data")
    assert "biggest single blow" in s.view().debrief[-1] and "[2] Month 6" in s.view().debrief[-1]


def test_the_card_of_a_clicked_organisation_reads_the_state():
    s = Session(SMALL, seed=7)
    s.step(5)
    s.press("resignation", "Northgate Hospital")
    s.step(2)
    v = s.view()
    st = s.model.state
    i = st.world.org_name.index("Northgate Hospital")
    card = org_card(v, "Northgate Hospital")
    assert card[0].startswith("Northgate Hospital (hospital trust): ")
    assert card[1].startswith(f"Chief executive: {int(st.tenure[i])} months in post")
    assert f"GBP {st.ytd[i]:+,.1f}m" in card[2]
    assert card[3].count(" / ") == 1 + len(st.out_ties(i)) and "Northmoor CCG" in card[3]  # + the heading
    assert "month 6: the chief executive of Northgate Hospital left" in card[4]
    assert org_card(v, "Nowhere") == []
    assert 'data-selected="Northgate Hospital"' in network_svg(v, selected="Northgate Hospital")
