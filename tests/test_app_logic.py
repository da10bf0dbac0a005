"""The teaching app's logic without a browser: presets, levers, events, story, replay, export.

Exact expectations on the small teaching systems; properties (Hypothesis) over random
sequences of facilitator actions, including from several threads at once.
"""

from __future__ import annotations

import io
import threading
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation import DrumbeatModel, load_scenario
from simulation.app.catalog import EVENT_BUTTONS, LEVER_BY_NAME, LEVERS, PRESET_DIR, presets
from simulation.app.export import export_zip, tables
from simulation.app.figures import charts_figure, network_figure, png
from simulation.app.session import Action, Session
from simulation.app.story import LOG_KIND
from simulation.app.svg import network_svg
from simulation.app.svgcharts import charts_svg

SMALL = "two_hospitals"


def frames_equal(a: Session, b: Session) -> None:
    va, vb = a.view(), b.view()
    for name in ("national", "systems", "events"):
        pd.testing.assert_frame_equal(getattr(va.result, name), getattr(vb.result, name))
    assert va.story == vb.story
    assert va.markers == vb.markers
    assert va.levers == vb.levers
    assert va.pending == vb.pending


# --- presets ----------------------------------------------------------------------------
def test_presets_cover_the_four_teaching_systems():
    cat = presets()
    assert {"two_hospitals", "hostile_history", "fragmented", "dorset"} <= set(cat)
    two = load_scenario(cat["two_hospitals"].path).system[0]
    assert two.orgs == {"acute": 2, "ccg": 1, "council": 1}
    assert load_scenario(cat["hostile_history"].path).system[0].hostility >= 0.8
    assert sum(load_scenario(cat["fragmented"].path).system[0].orgs.values()) == 25
    dorset = load_scenario(cat["dorset"].path).system[0]
    real = load_scenario(PRESET_DIR.parent / "first_wave" / "dorset.toml").system[0]
    assert (dorset.orgs, dorset.prior_collaboration, dorset.lead) == \
        (real.orgs, real.prior_collaboration, real.lead)
    for p in cat.values():
        assert len(p.description) > 200, p.key  # a real paragraph for the room


@pytest.mark.parametrize("key", sorted(presets()))
def test_each_preset_builds_a_session_at_month_zero(key):
    s = Session(key, seed=2)
    v = s.view()
    assert (v.step, v.preset.key, len(v.result.national)) == (0, key, 1)
    assert v.levers == {lv.name: getattr(load_scenario(presets()[key].path).params, lv.name) for lv in LEVERS}
    assert len(v.org_names) == s.model.state.world.n_orgs


def test_levers_are_real_parameters_with_their_own_ranges():
    for lv in LEVERS:
        if lv.kind == "float":
            lo, hi = lv.bounds
            assert lo < hi
            lv.check(lo)
            lv.check(hi)
            with pytest.raises(Exception, match=lv.name):
                lv.check(hi + 1)
        elif lv.kind == "choice":
            for value, _ in lv.choices:
                assert lv.check(value) == value


# --- events -----------------------------------------------------------------------------
def _target(s: Session, button) -> str | None:
    v = s.view()
    return {"org": "Northgate Hospital", "council": v.council_names[0] if v.council_names else None,
            "system": None, "none": None}[button.target]


@pytest.mark.parametrize("button", EVENT_BUTTONS, ids=lambda b: b.kind)
def test_every_event_button_makes_the_model_event_a_marker_and_a_story_line(button):
    s = Session(SMALL, seed=4)
    s.step(3)
    target = _target(s, button)
    assert s.press(button.kind, target) == ""
    assert len(s.view().pending) == 1  # queued, not yet happened
    assert not (s.view().result.events["step"] == 4).any()
    s.step(1)
    v = s.view()
    ev = v.result.events
    hit = ev[(ev["step"] == 4) & (ev["kind"] == LOG_KIND[button.kind])]
    assert len(hit) >= 1, ev
    assert [(m.number, m.step, m.kind) for m in v.markers] == [(1, 4, button.kind)]
    lines = [x for x in v.story if x.facilitator]
    assert len(lines) == 1 and lines[0].step == 4 and lines[0].text.startswith("[1] Month 4 (")
    if target:
        assert target in lines[0].text
    assert not v.pending


# --- levers -----------------------------------------------------------------------------
def test_lever_before_month_one_rebuilds_the_model_from_the_preset():
    s = Session(SMALL, seed=3)
    s.press("deadline")
    assert s.set_lever("reg_intensity", 0.9) == ""
    assert s.model.params.reg_intensity == 0.9 and s.model.spec.params.reg_intensity == 0.9
    assert s.view().pending == ("The centre announces a deadline",)  # kept across the rebuild
    s.step(2)
    fresh = DrumbeatModel(load_scenario(presets()[SMALL].path, {"reg_intensity": 0.9}), seed=3)
    fresh.inject("deadline", due=fresh.spec.date_of(25), note="the facilitator's doing")
    fresh.run(2)
    pd.testing.assert_frame_equal(s.view().result.national, fresh.result().national)


def test_rapid_lever_moves_coalesce_into_one_set_event_at_the_next_month():
    s = Session(SMALL, seed=3)
    s.step(4)
    for x in np.linspace(0.1, 0.8, 15):
        s.set_lever("reg_focus", float(x))
    assert s.model.params.reg_focus == 0.3  # nothing changes until the next month
    s.step(1)
    assert s.model.params.reg_focus == pytest.approx(0.8)
    ev = s.view().result.events
    assert (ev["kind"] == "lever").sum() == 1
    assert ev[ev["kind"] == "lever"]["step"].tolist() == [5]
    assert [m.kind for m in s.view().markers] == ["lever"]
    # the same through the model's own event: identical tables
    m = DrumbeatModel(load_scenario(presets()[SMALL].path), seed=3)
    m.run(4)
    m.inject("set", param="reg_focus", value=0.8, note="the facilitator's doing")
    m.step()
    pd.testing.assert_frame_equal(s.view().result.national, m.result().national)


def test_a_lever_moved_back_before_the_step_changes_nothing():
    s = Session(SMALL, seed=3)
    s.step(2)
    s.set_lever("payment", "block")
    s.set_lever("payment", "pbr")
    s.step(1)
    assert not (s.view().result.events["kind"] == "lever").any()
    assert s.view().markers == ()


def test_starting_trust_after_month_zero_restarts_the_run():
    s = Session(SMALL, seed=3)
    s.step(6)
    s.set_lever("initial_trust", 0.7)
    v = s.view()
    assert v.step == 0 and v.story == () and s.model.spec.params.initial_trust == 0.7
    assert v.result.national["mean_trust"].iloc[0] > 0.6


def test_refused_actions_leave_the_model_untouched():
    s = Session(SMALL, seed=3)
    s.step(2)
    before = s.view().result.national.copy()
    assert "unknown lever" in s.set_lever("nonsense", 1)
    assert "reg_intensity" in s.set_lever("reg_intensity", 7.0)
    assert "not a council" in s.press("council_party_change", "Northgate Hospital")
    assert "unknown preset" in s.load("nowhere")
    assert "seed" in s.apply(Action("seed", value=-1))
    assert "months" in s.apply(Action("step", value="many"))
    assert "unknown action" in s.apply(Action("undo"))
    assert s.view().pending == ()
    s.step(100)
    assert "ended" in s.press("deadline")
    assert s.view().step == s.model.max_steps
    pd.testing.assert_frame_equal(s.view().result.national.iloc[:3], before)


def test_reset_builds_a_fresh_model_from_preset_seed_and_levers():
    s = Session(SMALL, seed=5)
    s.step(3)
    s.set_lever("reg_intensity", 0.2)
    s.press("resignation", "Southmoor Hospital")
    s.step(10)
    s.reset()
    s.step(13)
    fresh = DrumbeatModel(load_scenario(presets()[SMALL].path, {"reg_intensity": 0.2}), seed=5)
    fresh.run(13)
    pd.testing.assert_frame_equal(s.view().result.national, fresh.result().national)
    assert s.view().markers == ()


# --- random sequences -----------------------------------------------------------------------
ORGS = ["Northgate Hospital", "Southmoor Hospital", "Northmoor CCG", "Northmoor County Council",
        "Riverside Hospital", "Nowhere Trust"]


PLAYERS = ["ann-0123456789", "bob-0123456789"]


def _lever_value(draw, lv):
    if lv.kind == "bool":
        return draw(st.booleans())
    if lv.kind == "choice":
        return draw(st.sampled_from([v for v, _ in lv.choices] + ["nonsense"]))
    lo, hi = lv.bounds
    return draw(st.floats(lo - 0.5, hi + 0.5, allow_nan=False))


@st.composite
def actions(draw):
    op = draw(st.sampled_from(["lever", "lever", "event", "event", "step", "step", "reset", "seed", "load",
                               "claim", "choose", "choose", "lock", "release"]))
    if op in ("claim", "choose", "release"):  # participants, some refused (another's, a wrong month)
        player = draw(st.sampled_from(PLAYERS + [""]))
        org = draw(st.sampled_from(ORGS))
        if op == "claim":
            return Action("claim", player, draw(st.sampled_from(["Ann", "", "x" * 31])), org)
        if op == "release":
            return Action("release", player, draw(st.sampled_from([None] + PLAYERS)), org)
        return Action("choose", player, {"month": draw(st.integers(0, 8)),
                                         "choice": draw(st.sampled_from(["stance", "sign", "service"])),
                                         "answer": draw(st.sampled_from(["commit", "withdraw", "sign", "back",
                                                                         "rules", ""]))}, org)
    if op == "lock":
        return Action("lock", value=draw(st.sampled_from([True, False, "yes"])))
    if op == "lever":
        lv = draw(st.sampled_from(LEVERS))
        return Action("lever", lv.name, _lever_value(draw, lv))
    if op == "event":
        return Action("event", draw(st.sampled_from([b.kind for b in EVENT_BUTTONS])),
                      target=draw(st.sampled_from(ORGS + [None])))
    if op == "step":
        return Action("step", value=draw(st.integers(0, 6)))
    if op == "seed":
        return Action("seed", value=draw(st.integers(-1, 3)))
    if op == "load":
        return Action("load", draw(st.sampled_from([SMALL, "hostile_history"])), draw(st.integers(0, 3)))
    return Action("reset")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(actions(), min_size=1, max_size=25))
def test_any_action_sequence_leaves_the_session_as_the_model_made_it(seq):
    s = Session(SMALL, seed=1)
    for a in seq:
        s.apply(a)  # never raises: refusals come back as text
    v = s.view()
    assert v.result.national["step"].tolist() == list(range(v.step + 1))
    assert len([x for x in v.story if x.facilitator]) == len(v.markers)
    for m in v.markers:
        assert 1 <= m.step <= v.step
    assert all(LEVER_BY_NAME[k].check(x) == x for k, x in v.levers.items())
    again = Session.replay(s.actions)  # the refused actions were never kept
    frames_equal(s, again)
    assert again.actions == s.actions and again.view().players == v.players


def test_concurrent_presses_moves_and_steps_equal_their_replay():
    s = Session(SMALL, seed=2)
    rng = np.random.default_rng(0)
    plan = {
        "stepper": [Action("step", value=1)] * 30,
        "levers": [Action("lever", "reg_intensity", float(x)) for x in rng.uniform(0, 1, 40)]
                  + [Action("lever", "payment", "block")],
        "events": [Action("event", "resignation", target=ORGS[k % 3]) for k in range(8)]
                  + [Action("reset"), Action("event", "deadline")],
    }
    threads = [threading.Thread(target=lambda acts=acts: [s.apply(a) for a in acts])
               for acts in plan.values()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(s.actions) == 1 + sum(len(a) for a in plan.values())
    frames_equal(s, Session.replay(s.actions))


# --- debrief, pictures, export --------------------------------------------------------------
@pytest.fixture(scope="module")
def finished() -> Session:
    s = Session(SMALL, seed=11)
    s.step(8)
    s.press("resignation", "Southmoor Hospital")
    s.press("deficit_shock", "Northgate Hospital")
    s.step(100)
    return s


def test_debrief_reports_the_run_as_recorded(finished):
    v = finished.view()
    last = v.result.national.iloc[-1]
    sysrow = v.result.systems.iloc[-1]
    assert v.debrief[0].startswith(f"After {v.max_steps} months: Northmoor is a ")
    assert f"to {sysrow['integration_index']:.2f}" in v.debrief[0]
    changed = f"{int(last['leader_changes'])} chief executives changed (1 by your hand)"
    assert any(changed in x for x in v.debrief)
    assert any("[1] month 9 resigns: Southmoor Hospital" in x for x in v.debrief)


def test_story_is_newest_first_and_covers_every_model_log_line(finished):
    v = finished.view()
    steps = [x.step for x in v.story]
    assert steps == sorted(steps, reverse=True)
    assert len(v.story) == len(v.result.events)  # one line per model log entry
    assert v.story[-1].step >= 1


def test_pictures_show_the_state(finished):
    v = finished.view()
    net = network_svg(v)
    assert net.count('<g class="org"') == len(v.org_names)
    assert f'data-step="{v.step}"' in net
    charts = charts_svg(v)
    assert f'data-markers="{len(v.markers)}"' in charts
    months = sorted({m.step for m in v.markers})
    assert charts.count('class="marker"') == 4 * len(months)  # one line a month on each chart
    assert f'data-markers="{",".join(str(m.number) for m in v.markers)}"' in charts  # two in one month
    s = Session(SMALL, seed=11)
    s.step(2)
    s.press("resignation", "Northgate Hospital")
    s.step(1)
    marked = network_svg(s.view()).split('data-new-leaders="')[1].split('"')[0].split("|")
    assert "Northgate Hospital" in marked
    assert png(charts_figure(v))[:8] == b"\x89PNG\r\n\x1a\n"
    assert png(network_figure(v))[:8] == b"\x89PNG\r\n\x1a\n"


def test_export_zip_holds_the_session_tables(finished):
    v = finished.view()
    data = export_zip(v, {"charts.png": b"png"})
    assert data == export_zip(finished.view(), {"charts.png": b"png"})  # reproducible bytes
    z = zipfile.ZipFile(io.BytesIO(data))
    assert set(z.namelist()) == {"national.csv", "systems.csv", "events.csv", "story.csv", "levers.csv",
                                 "README.txt", "debrief.txt", "charts.png"}
    nat = pd.read_csv(z.open("national.csv"))
    assert nat["step"].tolist() == v.result.national["step"].tolist()
    np.testing.assert_allclose(nat["mean_trust"], v.result.national["mean_trust"])
    story = pd.read_csv(z.open("story.csv"))
    assert story["text"].tolist() == [x.text for x in reversed(v.story)]
    assert tables(v)["levers"]["lever"].tolist() == [lv.name for lv in LEVERS]


# --- the command --------------------------------------------------------------------------
def test_teach_checks_its_input_before_starting_a_server(tmp_path, capsys):
    from experiments.cli.main import main

    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nyears = "a"\n')
    assert main(["teach", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.toml" in err[0] and "years" in err[0]
    assert main(["teach", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err


def test_teach_listens_on_this_machine_only_unless_asked():
    from experiments.cli.main import build_parser
    from experiments.cli.teach import asset_packages, listen_host, server_command

    args = build_parser().parse_args(["teach"])
    assert (listen_host(args), args.port, args.scenario, args.lan) == ("127.0.0.1", 8765, None, False)
    cmd = server_command(listen_host(args), 8765)
    assert cmd[cmd.index("--host") + 1] == "127.0.0.1" and "simulation.app.page" in cmd
    assert any(name.startswith("@widgetti/solara-vuetify") for name, _ in asset_packages())


def test_a_national_scenario_runs_in_the_app_with_a_national_debrief(small_england, tmp_path):
    path = tmp_path / "small_england.toml"
    path.write_text(small_england.to_toml())
    s = Session("small_england", 1, presets(extra=path))
    s.press("deadline")
    s.step(14)
    v = s.view()
    end = v.result.systems[v.result.systems["step"] == 14]
    assert v.debrief[0].startswith(f"After 14 months: {int((end['stage'] >= 2).sum())} of 12 systems "
                                   "are integrated (")
    assert network_svg(v).count('<g class="org"') == len(v.org_names)
    assert v.markers[0].step == 1 and "every system to be integrated by" in v.story[-1].text
