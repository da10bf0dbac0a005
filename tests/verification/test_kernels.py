"""The compiled kernels (``simulation/kernels/``) are the NumPy rules they replace, to the bit.

Committed results were made with the NumPy versions of these rules; they stay reproducible
only if every kernel gives the same numbers bit for bit (signed zeros included), on states a
real run reaches and on states with every flag shuffled. Each reference below is the NumPy
code the kernel replaced, or the rule's NumPy statement in ``rules.py`` beside this file
(``contact_probability``, ``good_probability``, ``gain``, ``inherit``, ``settle_groups``,
``share``, ``bass_hazard``).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from simulation import DrumbeatModel, kernels, load_scenario
from simulation.failing import body_failing_or_intervened
from simulation.mechanisms import consolidation, leadership
from simulation.state import clip, fill_nan

from . import rules


def same_bits(a, b) -> bool:
    """Equal arrays, floats compared by their bits (so 0.0 differs from -0.0)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        return bool(np.array_equal(a.view(np.int64), b.view(np.int64)))
    return bool(np.array_equal(a, b))


def _shuffled(st, rng):
    """``st`` with its flags and levels drawn afresh (every branch of every rule taken)."""
    st = copy.deepcopy(st)
    n, S = st.world.n_orgs, st.world.n_systems
    st.committed[:] = rng.random(n) < 0.5
    st.orientation[:] = rng.random(n)
    st.vacancy = rng.integers(0, 3, n).astype(float)
    st.under_int = rng.integers(0, 2, n).astype(float) * (rng.random(n) < 0.2)
    st.ytd = rng.normal(0, 3, n)
    st.perf = rng.random(n)
    st.in_pool[:] = rng.random(n) < 0.6
    st.pool_active[:] = rng.random(S) < 0.6
    st.pool_held[:] = rng.random(S) < 0.5
    st.designated[:] = rng.random(S) < 0.4
    st.shared_data[:] = rng.random(S) < 0.3
    st.pressure[:] = rng.random(S) * 0.5 * (rng.random(S) < 0.5)
    st.index[:] = rng.random(S)
    st.shock_left = rng.integers(0, 3, n).astype(float)
    st.shock_size = rng.random(n) * 2
    st.T[:] = rng.random(len(st.T))
    st.changed()
    if rng.random() < 0.5:  # some organisations merged away
        st.deactivate(rng.choice(n, size=max(n // 20, 1), replace=False))
    return st


@pytest.fixture(scope="module")
def states():
    """States a real run reaches (two scenarios, months 1 to 40), and the same shuffled."""
    found = []
    for name, seed in (("baseline", 1), ("teaching/hostile_history", 2)):
        model = DrumbeatModel(load_scenario(name, {"years": 4}), seed)
        for month in (1, 14, 40):
            model.run(month - model.state.step)
            found.append(copy.deepcopy(model.state))
    rng = np.random.default_rng(7)
    return found + [_shuffled(found[k % len(found)], rng) for k in range(8)]


def test_replace_leaders_is_the_numpy_rule(states):
    rng = np.random.default_rng(3)
    for st0 in states:
        for leader_ties in (True, False):
            n = st0.world.n_orgs
            for size in (1, 2, 25):
                st = copy.deepcopy(st0)
                st.params = st.params.model_copy(update={"leader_ties": leader_ties})
                orgs = np.sort(rng.choice(n, size=min(size, n), replace=False))
                if size == 2:  # two partners: a tie between two new leaders
                    e = int(rng.integers(len(st.T)))
                    orgs = np.unique([st.src[e], st.dst[e]])
                m = orgs.size
                draws = (rng.random(m), rng.random(m), rng.beta(8, 2, m), rng.beta(4, 4, m),
                         rng.geometric(0.2, m))
                ref = copy.deepcopy(st)
                expected = _replace_numpy(ref, orgs, *draws)
                p, w = st.params, st.world
                got = kernels.replace_leaders(
                    orgs, w.home[orgs], *draws, p.internal_successor,
                    p.internal_successor_maturity, st.index, p.change_agenda, p.leader_ties,
                    p.internal_trust_inherited, p.trust_inherited, p.stranger_trust, st.T,
                    st.src, st.dst, st.active, st.out_order, st.out_start, st.in_order,
                    st.in_start, st.orientation, st.tenure, st.vacancy, *st.mean_parts(None),
                    w.mem_sys, w.mem_org)
                for a, b in zip(got, expected, strict=True):
                    assert same_bits(a, b)
                for name in ("T", "orientation", "tenure", "vacancy"):
                    assert same_bits(getattr(st, name), getattr(ref, name)), name


def _replace_numpy(st, orgs, draw_internal, draw_agenda, high, mid, interim):
    """``leadership.replace`` as NumPy did it (after its draws)."""
    p, w = st.params, st.world
    internal = draw_internal < clip(
        p.internal_successor + p.internal_successor_maturity * st.index[w.home[orgs]], 0.0, 1.0)
    agenda = draw_agenda < p.change_agenda
    outsider = np.where(agenda, high, mid)
    replaced = np.zeros(w.n_orgs, dtype=bool)
    replaced[orgs] = True
    all_out = st.out_ties(orgs)
    out = all_out[st.active[st.dst[all_out]]]
    position = np.zeros(w.n_orgs, dtype=np.int64)
    position[orgs] = np.arange(orgs.size)
    owner = position[st.src[out]]
    count = np.maximum(np.bincount(owner, minlength=orgs.size), 1)
    before = np.bincount(owner, weights=st.T[out], minlength=orgs.size) / count
    keep = np.ones(w.n_orgs)
    keep[orgs] = np.where(internal, p.internal_trust_inherited, p.trust_inherited) \
        if p.leader_ties else 1.0
    ties = np.concatenate([all_out, st.in_ties(orgs)])
    mark = np.zeros(len(st.T), dtype=bool)
    mark[ties] = True
    ties = np.flatnonzero(mark)
    st.T[ties] = rules.inherit(st.T[ties], p.stranger_trust,
                               keep[st.src[ties]] * keep[st.dst[ties]])
    st.changed()
    after = np.bincount(owner, weights=st.T[out], minlength=orgs.size) / count
    home_view = st.sys_mean(st.orientation, empty=0.5)[w.home[orgs]] if internal.any() else 0.0
    st.orientation[orgs] = np.where(internal, home_view, outsider)
    st.tenure[orgs] = 0
    st.vacancy[orgs] = np.where(internal, 0, interim) if p.leader_ties else 0
    per_system = np.bincount(w.mem_sys[replaced[w.mem_org]], minlength=w.n_systems)
    return internal, agenda, before, after, per_system


def test_trust_contacts_is_the_numpy_rule(states):
    rng = np.random.default_rng(4)
    for st in states:
        p = st.params
        E2 = len(st.T)
        half = E2 // 2
        first = slice(0, half)
        draw_contact, draw_good = rng.random(half), rng.random(E2)
        extra = np.where(rng.random(E2) < 0.05, rng.integers(1, 3, E2) * 0.5, 0.0)
        for a_up in (p.trust_gain, 1.0):
            contact = draw_contact < rules.contact_probability(st, first)
            contact = (contact & st.tie_active().reshape(2, half)).ravel()
            pg = rules.good_probability(st, first)
            good = contact & (draw_good.reshape(2, half) < pg).ravel()
            bad = (contact & ~good) + extra
            gained, got_bad, got_pg = kernels.trust_contacts(
                st.T, st.src, st.dst, st.tsys, st.tie_active(), draw_contact, draw_good,
                p.contact_rate, st.pressure, st.shared_data, p.shared_data_effect,
                st.designated, p.centre_backing, st.vacancy, st.under_int, p.interim_contact,
                st.orientation, st.committed, p.hostility_trust * st.world.hostility[st.tsys[first]],
                p.good_base, p.good_orientation, p.good_committed,
                np.exp(np.log1p(-a_up)) if a_up < 1 else 0.0, a_up >= 1, extra)
            assert same_bits(gained, rules.gain(st.T, good, a_up))
            assert same_bits(got_bad, bad)
            assert same_bits(got_pg, pg)


def test_pool_month_is_the_numpy_rule(states):
    rng = np.random.default_rng(5)
    for st in states:
        p, w = st.params, st.world
        n, S = w.n_orgs, w.n_systems
        noise = rng.normal(0, p.finance_noise, n)
        result, eligible, home_size = kernels.month_results(
            st.plan, noise, st.shock_size, st.shock_left, st.is_pooled_kind, st.active, w.home, S)
        expected = st.plan + noise - st.shock_size * (st.shock_left > 0)
        expected[~st.is_pooled_kind] = 0.0
        assert same_bits(result, expected)
        assert same_bits(eligible, st.active & st.is_pooled_kind)
        assert same_bits(home_size, np.bincount(w.home[eligible], minlength=S))
        for aon, linked in ((True, 1.0), (False, p.incentive_linked)):
            size = p.incentive_size
            ytd, year = st.ytd.copy(), rng.normal(0, 1, n)
            ytd_ref, year_ref = ytd.copy(), year.copy()
            got = kernels.settle_month(result, eligible, st.in_pool, st.pool_active, w.home,
                                       st.is_pooled_kind, size, linked, aon,
                                       -2 * p.finance_noise, ytd, year)
            member = eligible & st.in_pool & st.pool_active[w.home]
            group = np.where(member, w.home, S)
            transfers = rules.settle_groups(result, group, S)
            total = np.bincount(group, weights=result, minlength=S + 1)[:S]
            held = st.pool_active & (total >= 0)
            moved = np.bincount(group, weights=np.maximum(transfers, 0), minlength=S + 1)[:S]
            own_ok = result >= 0
            paid = held
            if aon:
                paid = paid & (np.bincount(group, weights=~own_ok, minlength=S + 1)[:S] == 0)
            pooled_pay = np.where(paid[w.home], size, (1 - linked) * size * own_ok)
            incentive = np.where(member, pooled_pay, size * own_ok) * st.is_pooled_kind
            big = member & (result < -2 * p.finance_noise)
            n_members = np.bincount(w.home[member], minlength=S)
            ytd_ref += result + transfers + incentive
            year_ref += result + transfers
            for a, b in zip(got, (transfers, moved, incentive, big, n_members, held), strict=True):
                assert same_bits(a, b)
            assert same_bits(ytd, ytd_ref) and same_bits(year, year_ref)


def test_thresholds_support_and_adoption_are_the_numpy_rules(states):
    rng = np.random.default_rng(6)
    for st in states:
        p, w = st.params, st.world
        n = w.n_orgs
        shift, history = rng.normal(0, 0.1, n), rng.normal(0, 0.1, n)
        deadline = float(rng.random() * 0.2)
        data = p.shared_data_effect * w.org_max(st.shared_data[w.mem_sys])
        sys_deficit = st.sys_mean(st.ytd, st.is_pooled_kind, empty=0.0) < 0
        platform = p.burning_platform * ((st.ytd < 0) & w.org_max(sys_deficit[w.mem_sys]))
        expected = (st.threshold + shift + history + p.orientation_weight * (0.5 - st.orientation)
                    - deadline - data - platform)
        parts = st.mean_parts(st.is_pooled_kind)
        theta = kernels.thresholds(st.threshold, shift, history, p.orientation_weight,
                                   st.orientation, deadline, p.shared_data_effect,
                                   st.shared_data, p.burning_platform, st.ytd, w.mem_sys,
                                   w.org_start, *parts)
        assert same_bits(theta, expected)
        draw = rng.random(n)
        push = rng.random(n) * 0.05
        s_ref = rules.share(st.out_sum(st.T * st.committed[st.dst]), st.out_sum(st.T))
        can = st.active & ~st.committed & (st.under_int <= 0)
        ties = st.org_ties()
        for peer in (True, False):
            s, trust_sum, adopt = kernels.support_and_adoption(
                ties.indptr, ties.indices, st.T, st.dst, st.committed, st.active, st.under_int,
                theta, draw, p.peer_push, push, peer)
            if peer:
                ref = can & ((s_ref >= theta) | (draw < rules.bass_hazard(0.0, p.peer_push, s_ref)
                                                  + push))
            else:
                ref = can & (draw < push)
            assert same_bits(s, s_ref)
            assert same_bits(trust_sum, st.out_sum(st.T))
            assert same_bits(adopt, ref)


def test_regulation_month_is_the_numpy_rule(states):
    rng = np.random.default_rng(8)
    for st in states:
        p, w = st.params, st.world
        noise = rng.normal(0.0, 0.05, w.n_orgs)
        drop = 0.3 * st.pressure[w.home] + 0.1 * (st.shock_left > 0)
        assert same_bits(kernels.performance(st.perf_base, st.pressure, w.home, st.shock_left, noise,
                                             p.perf_pressure_drop, p.perf_shock_drop),
                         clip(st.perf_base - drop + noise, 0.0, 1.0))
        scale = 2.0 * max(abs(p.failing_deficit), 1e-9)

        def standing(ytd, scale=scale):
            return clip(0.5 + ytd / scale, 0.0, 1.0)

        for focus in (0.0, 0.3, 1.0):
            own = 0.5 * (standing(st.ytd) + st.perf)
            sys_money = np.where(st.pool_held, 1.0,
                                 standing(st.sys_mean(st.ytd, st.is_pooled_kind, empty=0.0)))
            sys_perf = st.sys_mean(st.perf, st.is_pooled_kind, empty=0.5)
            expected = (1.0 - focus) * own + focus * (0.5 * (sys_money + sys_perf))[w.home]
            parts = st.mean_parts(st.is_pooled_kind)
            got = kernels.review_scores(st.ytd, st.perf, st.pool_held, w.home,
                                        2.0 * max(abs(p.failing_deficit), 1e-9), focus,
                                        *parts)
            assert same_bits(got, expected)


def test_departures_and_consolidation_are_the_numpy_rules(states):
    rng = np.random.default_rng(9)
    for st in states:
        p, w = st.params, st.world
        n = w.n_orgs
        draw = rng.random(n)
        failing = (st.ytd < p.failing_deficit) | (st.perf < p.failing_performance) | (st.under_int > 0)
        mult = np.where(failing, p.failing_turnover_mult, 1.0)
        leave = st.active & (draw < leadership.monthly_hazard(p.leader_tenure_years, mult))
        normal, fail = leadership.monthly_hazard(p.leader_tenure_years,
                                                 np.array([1.0, p.failing_turnover_mult]))
        tenure = st.tenure.copy()
        assert same_bits(body_failing_or_intervened(st), failing)
        left, got = kernels.departures(tenure, st.vacancy, st.active, failing, draw, normal, fail)
        assert same_bits(got, leave)
        assert same_bits(left, np.maximum(st.vacancy - 1, 0))
        assert same_bits(tenure, st.tenure + 1)
        # shared chief executives: candidates and hits
        st = copy.deepcopy(st)
        st.shared_ce[:] = -1
        acute = np.flatnonzero(st.is_acute)
        for a, b in rng.choice(acute, size=(min(3, acute.size // 2), 2), replace=False):
            st.shared_ce[a], st.shared_ce[b] = b, a
        a, b = st.src, st.dst
        fixed = np.flatnonzero((a < b) & st.is_acute[a] & st.is_acute[b]
                               & (w.home[a] == w.home[b]))
        expected = fixed[st.active[a[fixed]] & st.active[b[fixed]] & (st.shared_ce[a[fixed]] < 0)
                         & (st.shared_ce[b[fixed]] < 0)]
        cand = kernels.acute_candidates(fixed, a, b, st.active, st.shared_ce)
        assert same_bits(cand, expected)
        assert same_bits(consolidation._acute_pairs(st)[1], expected)
        draws = rng.random(cand.size)
        t = 0.5 * (st.T[cand] + st.T[st.rev[cand]])
        rate = p.shared_ce_rate * 3 / 12.0
        hit = (draws < rate * t) & st.committed[a[cand]] & st.committed[b[cand]]
        assert same_bits(kernels.share_hits(cand, a, b, st.rev, st.T, st.committed, draws, rate), hit)
        # commissioners' monthly hazard
        committed = st.sys_mean(st.committed.astype(float), st.is_ccg, empty=0.0)
        mean_trust = st.sys_trust_mean()
        for push in (1.0, 2.5):
            expected = clip(push * committed * fill_nan(mean_trust, 0.0) / p.ccg_merge_months, 0, 1)
            parts = st.mean_parts(st.is_ccg)
            assert same_bits(kernels.ccg_hazard(push, st.committed, mean_trust, p.ccg_merge_months,
                                                *parts), expected)


def test_hits_and_index_are_the_numpy_rules(states):
    rng = np.random.default_rng(10)
    for st in states:
        n = st.world.n_orgs
        orgs = np.sort(rng.choice(n, size=int(rng.integers(1, min(30, n) + 1)), replace=False))
        extra = np.where(rng.random(len(st.T)) < 0.1, 1.0, 0.0)
        expected = extra.copy()
        expected[st.in_ties(orgs)] += 0.7
        kernels.add_to_in_ties(extra, orgs, st.in_order, st.in_start, 0.7)
        assert same_bits(extra, expected)
    for _ in range(2000):
        S = int(rng.integers(1, 60))
        stack = rng.random((6, S)) * rng.choice([1e-3, 1.0, 7.3], (6, 1))
        stack[rng.random((6, S)) < 0.15] = np.nan
        weights = rng.random(6)
        weights /= weights.sum()
        missing = np.isnan(stack)
        w = weights[:, None] * ~missing
        expected = np.where(missing, 0.0, stack * w).sum(axis=0) / np.maximum(w.sum(axis=0), 1e-12)
        assert same_bits(kernels.weighted_index(stack, weights), expected)


def test_one_organisations_trust_and_systems_are_the_whole_arrays_entries(states):
    for st in states:
        st = copy.deepcopy(st)
        w = st.world
        st.changed()
        one = [st.org_trust_of(i) for i in range(w.n_orgs)]  # each summed on its own
        assert same_bits(np.array(one), st.org_trust())
        for i in range(w.n_orgs):
            assert same_bits(st.systems_of(i), w.mem_sys[w.mem_org == i])


def test_without_a_cache_folder_the_kernels_compile_in_the_process_and_give_the_same_run(tmp_path):
    """Numba refuses to cache where it can write no cache folder (here: no locator but
    IPython's, which takes no ordinary file). The model then compiles its kernels in the
    process, says so once, and runs to the same numbers."""
    import os
    import subprocess
    import sys

    code = ("from simulation import DrumbeatModel, load_scenario\n"
            "r = DrumbeatModel(load_scenario('baseline', {'years': 1}), 3).run()\n"
            "print(r.national.to_csv())\n")
    env = dict(os.environ, NUMBA_CACHE_LOCATOR_CLASSES="IPythonCacheLocator")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stderr.count("Drumbeat's kernels cannot be cached") == 1
    here = DrumbeatModel(load_scenario("baseline", {"years": 1}), 3).run()
    assert out.stdout == here.national.to_csv() + "\n"
