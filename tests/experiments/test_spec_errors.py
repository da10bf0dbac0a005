"""Bad specs: one line naming the file, the key and the problem; exit status 2; nothing written."""

from __future__ import annotations

import pytest

from experiments.cli.main import main
from tests.experiments.conftest import BASELINE, small_spec

GOOD_HEAD = f'name = "bad"\nscenario = "{BASELINE.as_posix()}"\n'

CASES = [
    # (spec text, words the message must contain)
    (GOOD_HEAD + "replicatez = 3\n[factors]\nreg_focus = [0.1]\n", ["replicatez", "valid keys here"]),
    (GOOD_HEAD + 'design = "grid"\n[factors]\nreg_focus = [0.1]\n', ["design", "factorial"]),
    (GOOD_HEAD + 'design = "sobol"\nsamples = 10\n[factors]\nreg_focus = {}\n', ["power of two", "10"]),
    (GOOD_HEAD + 'design = "lhs"\n[factors]\nreg_focus = {}\n', ["needs 'samples'"]),
    (GOOD_HEAD + "[factors]\nreg_focuss = [0.1, 0.2]\n", ["factors.reg_focuss", "unknown key"]),
    (GOOD_HEAD + "[factors]\nreg_focus = [0.1, 1.7]\n", ["factors.reg_focus", "less than or equal to 1"]),
    (GOOD_HEAD + "[factors]\nreg_focus = { range = [0.9, 0.1] }\n", ["factors.reg_focus", "low < high"]),
    (GOOD_HEAD + "[factors]\nreg_focus = { values = [0.1], levels = 3 }\n",
     ["factors.reg_focus", "not both"]),
    (GOOD_HEAD + 'design = "lhs"\nsamples = 4\n[factors]\nreg_focus = [0.1, 0.2]\n', ["factors.reg_focus",
                                                                                      "not 'values'"]),
    (GOOD_HEAD + "[fixed]\nn_systems = 0\n[factors]\nreg_focus = [0.1]\n",
     ["fixed: world.n_systems", "greater than or equal to 1"]),
    (GOOD_HEAD + "all_params = true\n", ["all_params", "sampled design"]),
    (GOOD_HEAD + "[factors]\n", ["no factors"]),
    ('name = "bad"\nscenario = "nowhere.toml"\n[factors]\nreg_focus = [0.1]\n',
     ["nowhere.toml", "not found"]),
    ('name = "bad"\nscenarios = ["nowhere/*.toml"]\n[factors]\nreg_focus = [0.1]\n', ["matches no file"]),
    (GOOD_HEAD + 'scenarios = ["x.toml"]\n[factors]\nreg_focus = [0.1]\n', ["exactly one of 'scenario'"]),
    (GOOD_HEAD + "[factors\n", ["not valid TOML"]),
    ('name = "bad name"\n', ["name"]),
    (GOOD_HEAD + '[analysis]\nheatmap = ["reg_focus", "reg_intensity"]\n[factors]\nreg_focus = [0.1]\n',
     ["analysis.heatmap", "'reg_intensity' is not a factor"]),
    (GOOD_HEAD + 'design = "lhs"\nsamples = 4\n[followup]\ntop = 3\n[factors]\nreg_focus = {}\n',
     ["followup", "morris"]),
]


@pytest.mark.parametrize("text,words", CASES)
def test_bad_spec_is_one_line_exit_2(tmp_path, capsys, text, words):
    spec = tmp_path / "bad.toml"
    spec.write_text(text)
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("drumbeat: error: ")
    assert str(spec) in err or "nowhere" in err
    for w in words:
        assert w in err, (w, err)
    assert not out.exists()


def test_missing_spec_file(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "none.toml")]) == 2
    assert "experiment spec not found" in capsys.readouterr().err


def test_bad_workers_and_scheduler(tmp_path, capsys):
    spec = small_spec(tmp_path, years=1, replicates=1)
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o1"), "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o2"), "--scheduler", "nohost"]) == 2
    assert "tcp://HOST:PORT" in capsys.readouterr().err
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o2").exists()
