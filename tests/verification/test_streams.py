"""Random streams per decision point (``simulation/rng.py``).

An injected resignation, a lever moved or a participant's choice changes which draws a run
*uses*, never what they are: every draw of every decision point, compared on stable
organisation and tie ids, is the same with and without it, for the whole run. And where
nothing in the model couples two systems, what happens in one leaves the other's whole
history unchanged to the bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulation import DrumbeatModel, load_scenario
from simulation.decisions import Overrides
from simulation.rng import DECISIONS, Streams

SMALL = {"years": 3, "n_systems": 12, "trusts": 70, "ccgs": 60, "councils": 44, "districts": 40}
SEED = 1
MONTH = 6  # when the change happens


class _Recording:
    """A generator that records every array it draws (one list per call of ``Streams.at``)."""

    def __init__(self, gen: np.random.Generator, calls: list) -> None:
        self._gen, self._calls = gen, calls

    def __getattr__(self, method: str):
        real = getattr(self._gen, method)

        def draw(*args, **kwargs):
            out = real(*args, **kwargs)
            self._calls.append((method, args, kwargs, np.array(out, copy=True)))
            return out

        return draw


def _recorded(model: DrumbeatModel) -> dict[tuple[str, int], list[list]]:
    """Every draw the run makes from now on, by (decision, month), one list per call."""
    log: dict[tuple[str, int], list[list]] = {}

    def watch(decision: str, month: int, gen: np.random.Generator):
        calls: list = []
        log.setdefault((decision, month), []).append(calls)
        return _Recording(gen, calls)

    streams = model.state.streams
    at = streams.at  # this run's streams only: its ``at`` wrapped on the instance

    def recording_at(decision: str, month: int) -> _Recording:
        return watch(decision, int(month), at(decision, month))

    streams.at = recording_at
    return log


def _run(change=None, policy=None):
    model = DrumbeatModel(load_scenario("baseline", SMALL), seed=SEED, policy=policy)
    log = _recorded(model)
    model.run(MONTH - 1)
    if change is not None:
        change(model)
    model.run()
    return model, log


def _org_in_system(model: DrumbeatModel, system: int) -> str:
    w = model.state.world
    return w.org_name[int(np.flatnonzero((w.home == system) & ~model.state.is_council)[0])]


def _same_draws(a: dict, b: dict) -> int:
    """Assert every draw made in both runs is the same; return how many arrays were compared."""
    compared = 0
    for key in a.keys() & b.keys():
        for calls_a, calls_b in zip(a[key], b[key], strict=False):
            for (ma, args_a, _, xa), (mb, args_b, _, xb) in zip(calls_a, calls_b, strict=False):
                assert ma == mb, key  # a decision draws in a fixed order
                if xa.shape == xb.shape:
                    assert args_a == args_b, key  # and the same distributions
                else:  # a decision with slots: its common rows
                    assert xa.shape[1:] == xb.shape[1:], key
                    k = min(len(xa), len(xb))
                    xa, xb = xa[:k], xb[:k]
                np.testing.assert_array_equal(xa, xb, err_msg=str(key))
                compared += 1
    return compared


@pytest.fixture(scope="module")
def reference():
    return _run()


CHANGES = {
    "resignation": lambda m: m.inject("resignation", target=_org_in_system(m, 0)),
    "lever": lambda m: m.inject("set", param="reg_intensity", value=0.9),
}


@pytest.mark.parametrize("name", [*CHANGES, "participant"])
def test_a_change_in_one_place_moves_no_draw(reference, name):
    ref_model, ref = reference
    if name == "participant":
        org = int(np.flatnonzero(~ref_model.state.committed & ~ref_model.state.is_council)[0])
        model, log = _run(policy=Overrides({(org, "commit"): True}))
    else:
        model, log = _run(CHANGES[name])
    # not vacuous: the change changed the run
    assert not np.array_equal(model.state.T, ref_model.state.T)
    # the draws that decide turnover: every organisation, every month, identical
    months = range(1, ref_model.state.step + 1)
    for m in months:
        assert ("departure", m) in ref and ("departure", m) in log
    assert _same_draws(ref, log) > 10 * len(months)


def test_every_draw_is_one_per_organisation_tie_or_system(reference):
    """Draws are indexed by stable ids: the last axis of every array is the number of
    organisations, directed ties, undirected ties, systems or fixed acute pairs (so which
    entry decides organisation i cannot depend on anyone else)."""
    model, log = reference
    st = model.state
    from simulation.mechanisms.consolidation import _acute_pairs

    sizes = {st.world.n_orgs, len(st.T), len(st.T) // 2, st.world.n_systems,
             _acute_pairs(st)[0].size}
    seen = set()
    for (decision, _), calls in log.items():
        seen.add(decision)
        for call in calls:
            for method, _, _, x in call:
                assert x.ndim >= 1 and x.shape[-1] in sizes, (decision, method, x.shape)
    assert {"departure", "contact", "experience", "commitment", "review"} <= seen
    assert seen <= set(DECISIONS)


def test_a_decision_stream_depends_on_seed_decision_and_month_only():
    s = Streams(5)
    first = s.at("departure", 7).random(4)
    s.at("departure", 8).random(100)  # other months and decisions in between
    s.at("contact", 7).random(3)
    np.testing.assert_array_equal(s.at("departure", 7).random(4), first)
    assert not np.array_equal(Streams(5).at("departure", 8).random(4), first)
    assert not np.array_equal(Streams(5).at("withdrawal", 7).random(4), first)
    assert not np.array_equal(Streams(6).at("departure", 7).random(4), first)
    with pytest.raises(KeyError, match="unknown decision stream 'departures'"):
        s.at("departures", 1)


def _uncoupled(model: DrumbeatModel) -> None:
    """Switch off what couples systems: copying designated systems and regional review
    capacity (regulators then review nobody)."""
    model.params.copy_rate = 0.0
    model.params.reg_intensity = 0.0


def _history(model: DrumbeatModel, orgs: np.ndarray, ties: np.ndarray) -> list[tuple]:
    st = model.state
    out = []
    for _ in range(model.max_steps):
        model.step()
        out.append((st.T[ties].copy(), st.committed[orgs].copy(), st.orientation[orgs].copy(),
                    st.tenure[orgs].copy(), st.vacancy[orgs].copy(), st.ytd[orgs].copy()))
    return out


def test_a_resignation_leaves_an_unconnected_system_exactly_as_it_was():
    """With nothing coupling the systems, a resignation in system 0 changes nothing, to the
    bit, in any system sharing no organisation with it (their ties, leaders, commitments and
    money, every month)."""
    runs = []
    for resign in (False, True):
        model = DrumbeatModel(load_scenario("baseline", dict(SMALL, years=5)), seed=SEED)
        _uncoupled(model)
        st, w = model.state, model.state.world
        if resign:
            target = _org_in_system(model, 0)
            model.inject("resignation", target=target)
        zero = set(w.mem_org[w.mem_sys == 0].tolist())
        apart = [s for s in range(w.n_systems)
                 if not zero & set(w.mem_org[w.mem_sys == s].tolist())]
        orgs = np.flatnonzero(np.isin(w.home, apart) & ~np.isin(np.arange(w.n_orgs), list(zero)))
        ties = np.flatnonzero(np.isin(st.tsys, apart))
        own = np.flatnonzero(st.tsys == 0)
        runs.append((_history(model, orgs, ties), st.T[own].copy()))
    (before, own_before), (after, own_after) = runs
    assert orgs.size > 0 and ties.size > 0
    assert not np.array_equal(own_before, own_after)  # the resignation did change system 0
    for month, (x, y) in enumerate(zip(before, after, strict=True), start=1):
        for a, b in zip(x, y, strict=True):
            np.testing.assert_array_equal(a, b, err_msg=f"month {month}")
