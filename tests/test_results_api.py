"""The run's results that science reads instead of the live State (simulation/recorder.py)."""

from __future__ import annotations

import numpy as np

from simulation import DrumbeatModel


def test_systems_at_start_are_the_worlds_and_the_first_months():
    model = DrumbeatModel("baseline", seed=2, years=1)
    st = model.state
    res = model.run()
    start = res.systems_at_start
    assert list(start["system"]) == list(res.system_names)
    assert np.array_equal(start["prior_collab"].to_numpy(), st.world.prior_collab)
    assert np.array_equal(start["hostility"].to_numpy(), st.world.hostility)
    fresh = DrumbeatModel("baseline", seed=2, years=1).state  # as the run began
    members = fresh.sys_count(fresh.active & fresh.is_pooled_kind)
    assert np.array_equal(start["nhs_members"].to_numpy(), members)


def test_flows_are_counted_only_when_asked_and_match_a_count_made_while_stepping():
    assert DrumbeatModel("baseline", seed=1, years=1).run().flows is None
    model = DrumbeatModel("baseline", seed=1, years=2)
    model.recorder.record_flows()
    st = model.state
    held = lost = 0
    for _ in range(model.max_steps):
        was = st.committed & st.active
        model.step()
        held += int(was.sum())
        lost += int((was & ~st.committed & st.active).sum())
    flows = model.result().flows
    assert flows["commitments_held"] == held and flows["commitments_lost"] == lost > 0
    assert 0 <= flows["pool_signed_surplus"] <= flows["pool_offered_surplus"]
    assert 0 <= flows["pool_signed_deficit"] <= flows["pool_offered_deficit"]
