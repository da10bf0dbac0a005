"""Figures label parameters in words, from their descriptions, and keep the name to look up."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from experiments.analysis import figures
from simulation.params import short_label


def test_labels_come_from_the_parameter_descriptions():
    assert short_label("reg_intensity") == "how hard regulators push (reg_intensity)"
    assert short_label("threshold_mean") == "mean fractional threshold (threshold_mean)"
    assert short_label("external_push").startswith("monthly probability an organisation commits")  # not "p"
    assert short_label("months_to_half_integrated") == "months to half integrated"  # an outcome
    assert all(len(line) <= 48 for line in figures._label("designation_index").splitlines())


def test_a_heatmap_labels_its_axes_in_words(tmp_path, monkeypatch):
    drawn: list[plt.Figure] = []
    monkeypatch.setattr(figures, "save", lambda fig, stem: drawn.append(fig) or stem)
    cells = pd.DataFrame({"reg_intensity": [0.2, 0.2, 0.8, 0.8], "reg_focus": [0.0, 1.0, 0.0, 1.0],
                          "median": [60.0, 50.0, 90.0, 55.0], "censored_median": [False] * 4})
    figures.heatmap(cells, "reg_intensity", "reg_focus", None, "months_to_half_integrated", tmp_path / "h")
    ax = drawn[0].axes[0]
    assert " ".join(ax.get_xlabel().split()) == "how hard regulators push (reg_intensity)"
    assert ax.get_ylabel().replace("\n", " ").startswith("what regulators measure and reward in a review")
