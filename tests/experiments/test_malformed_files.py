"""Property: any malformed scenario or spec file -> exit 2, one line on stderr, no traceback, nothing written.

Files are generated from a valid tiny scenario or spec by one change known to be wrong (a value
of the wrong type or out of range, an unknown key or kind, a missing target, an empty file,
text that is not TOML), so that every example must be refused.
"""

from __future__ import annotations

import contextlib
import io
import math
import tempfile
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from experiments.cli.main import main
from simulation.params import Params, param_bounds
from tests.experiments.conftest import BASELINE

WORLD = {"n_systems": 4, "trusts": 20, "ccgs": 10, "councils": 8, "districts": 6}
NUMERIC = sorted(param_bounds())
BOOLS = sorted(n for n, f in Params.model_fields.items() if f.annotation is bool)
CHOICES = sorted(n for n, f in Params.model_fields.items() if getattr(f.annotation, "__origin__", None))

not_a_number = st.sampled_from(["lots", "0.5x", "", True, False, math.nan, math.inf, -math.inf, [1.0]])
out_of_range = st.sampled_from([-1e9, 1e9, -1.0e-3 - 1e6])
not_a_bool = st.sampled_from(["no", "yes", "true", 0, 1, 0.0, "False"])


def _scenario_changes() -> st.SearchStrategy[tuple[str, Any]]:
    """(where, bad value) pairs; where is a dotted key or an event template name."""
    def param(names: list[str]) -> st.SearchStrategy[str]:
        return st.sampled_from(names).map(lambda k: f"params.{k}")
    return st.one_of(
        st.tuples(param(NUMERIC), st.one_of(not_a_number, out_of_range)),
        st.tuples(param(BOOLS), not_a_bool),
        st.tuples(param(CHOICES), st.sampled_from([1, True, "nonsense"])),
        st.tuples(st.sampled_from(sorted(WORLD)).map(lambda k: f"world.{k}"),
                  st.sampled_from(["many", 1.5, True, -5, 10**6, math.nan])),
        st.tuples(st.just("scenario.years"), st.sampled_from([0, -1, 51, "ten", True, math.nan, math.inf])),
        st.tuples(st.just("scenario.start"), st.sampled_from(["2014-13", "soon", 2014, "14-04"])),
        st.tuples(st.sampled_from(["params.", "world.", "scenario.", ""]).map(lambda s: s + "no_such_key"),
                  st.integers(0, 3)),
        st.tuples(st.just("event.pressure"), st.sampled_from([7.5, -0.1, math.nan, "lots", True, math.inf])),
        st.tuples(st.just("event.deficit_shock"), st.sampled_from(["lots", math.nan, -1.0, 1e6, False])),
        st.tuples(st.just("event.set_bool"), not_a_bool),
        st.tuples(st.just("event.kind"), st.text("abcxyz_", min_size=1, max_size=8)),
        st.tuples(st.just("event.target"), st.text("QWZ", min_size=1, max_size=6)),
        st.tuples(st.just("event.value_on_edict"), st.floats(allow_nan=False)),
        st.tuples(st.just("empty"), st.sampled_from(["", "\n", "# only a comment\n"])),
        st.tuples(st.just("not_toml"),
                  st.sampled_from(["[scenario", "name = ", "x = [1,", "= 3", "[a]\n[a]\n"])),
    )


def _scenario_text(where: str, bad: Any) -> str:
    data: dict[str, Any] = {"scenario": {"name": "p", "years": 1}, "world": dict(WORLD), "params": {}}
    if where in ("empty", "not_toml"):
        return bad
    if where.startswith("event."):
        kind = where.split(".")[1]
        event = {"month": 3, "kind": "pressure"}
        if kind == "pressure":
            event["value"] = bad
        elif kind == "deficit_shock":
            event.update(kind="deficit_shock", target="Somewhere", value=bad)
        elif kind == "set_bool":
            event.update(kind="set", param="shared_data", value=bad)
        elif kind == "kind":
            event["kind"] = f"no_{bad}"
        elif kind == "target":
            event.update(kind="resignation", target=f"Nobody {bad}")
        else:
            event.update(kind="edict", value=bad)
        data["event"] = [event]
    else:
        _put(data, where, bad)
    return tomli_w.dumps(data)


def _refused_cleanly(argv_of, text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "f.toml").write_text(text)
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(argv_of(folder))
        message = err.getvalue()
        assert code == 2, (text, message)
        assert message.count("\n") == 1 and message.startswith("drumbeat: error:"), message
        assert "Traceback" not in message
        assert sorted(p.name for p in folder.iterdir()) == ["f.toml"], "something was written"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_scenario_changes())
def test_malformed_scenario_files_are_refused_cleanly(change):
    where, bad = change
    _refused_cleanly(lambda d: ["run", str(d / "f.toml"), "--out", str(d / "out")],
                     _scenario_text(where, bad))


def _spec_changes() -> st.SearchStrategy[tuple[str, Any]]:
    return st.one_of(
        st.tuples(st.just("replicates"), st.sampled_from([0, -1, "two", 1.5, True])),
        st.tuples(st.just("root_seed"), st.sampled_from([-1, "x", 2**64 - 1, 1.5])),
        st.tuples(st.just("years"), st.sampled_from([0, -2, 60, "one", math.nan])),
        st.tuples(st.just("design"), st.sampled_from(["grid", "", 3])),
        st.tuples(st.just("name"), st.sampled_from(["../x", "a b", "", 5])),
        st.tuples(st.just("scenario"), st.sampled_from(["missing.toml", "../nowhere/x.toml"])),
        st.tuples(st.just("outputs"), st.sampled_from([["bogus"], "national"])),
        st.tuples(st.just("no_such_key"), st.integers()),
        st.tuples(st.just("factors.reg_intensity"),
                  st.sampled_from([["high"], [5.0], [math.nan], [], [True]])),
        st.tuples(st.just("factors.shared_data"), st.sampled_from([["no"], [0, 1], ["yes", "no"]])),
        st.tuples(st.just("factors.no_such_param"), st.just([1, 2])),
        st.tuples(st.just("fixed.shared_data"), not_a_bool),
        st.tuples(st.just("fixed.reg_focus"), st.one_of(not_a_number, out_of_range)),
        st.tuples(st.just("lhs_integer"), st.sampled_from(["n_systems", "trusts", "review_months"])),
        st.tuples(st.just("empty"), st.sampled_from(["", "# nothing\n"])),
        st.tuples(st.just("not_toml"), st.sampled_from(["name = ", "[factors", "x = {"])),
    )


def _spec_text(where: str, bad: Any) -> str:
    data: dict[str, Any] = {"name": "p", "scenario": BASELINE.as_posix(), "replicates": 1, "years": 1,
                            "fixed": dict(WORLD), "factors": {"reg_intensity": [0.2, 0.8]}}
    if where in ("empty", "not_toml"):
        return bad
    if where == "lhs_integer":
        data.update(design="lhs", samples=3, factors={bad: {"range": [2, 9]}})
    else:
        _put(data, where, bad)
    return tomli_w.dumps(data)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_spec_changes())
def test_malformed_spec_files_are_refused_cleanly(change):
    where, bad = change
    _refused_cleanly(lambda d: ["sweep", str(d / "f.toml"), "--out", str(d / "out"), "--workers", "1"],
                     _spec_text(where, bad))


def _put(data: dict, where: str, bad) -> None:
    """Set ``where`` (a key, or ``section.key``) of ``data`` to the bad value."""
    if "." in where:
        section, key = where.split(".")
        data[section][key] = bad
    else:
        data[where] = bad
