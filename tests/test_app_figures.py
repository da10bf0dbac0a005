"""The teaching app's PNG downloads are readable on a slide: no text under 12 pt, names apart."""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from simulation.app.figures import TEXT, charts_figure, network_figure, png
from simulation.app.session import Action, Session


@pytest.fixture(scope="module")
def view():
    """The 25-organisation preset after a run kept by Reset, two buttons and a lever."""
    s = Session("fragmented", 2)
    for a in (Action("step", value=6), Action("event", "deadline"), Action("step", value=6), Action("reset"),
              Action("step", value=3), Action("event", "resignation", target=s.view().org_names[0]),
              Action("lever", "reg_focus", 1.0), Action("step", value=5)):
        assert not s.apply(a), a
    v = s.view()
    assert v.past and len(v.markers) >= 2 and len(v.org_names) == 25
    return v


def _texts(fig) -> list[Text]:
    FigureCanvasAgg(fig).draw()  # lays out the figure as it is exported
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("build", [charts_figure, network_figure])
def test_every_text_of_a_downloaded_picture_is_at_least_12_points(view, build):
    fig = build(view)
    width, height = fig.get_size_inches()
    assert width >= 12 and height >= 7  # a slide's size: the points below are points on the slide
    texts = _texts(fig)
    assert len(texts) > 30
    small = sorted({(t.get_text(), t.get_fontsize()) for t in texts if t.get_fontsize() < TEXT})
    assert TEXT >= 12 and not small, small
    box = fig.bbox
    for t in texts:  # nothing cut off at the edges
        e = t.get_window_extent()
        assert e.x0 >= -1 and e.y0 >= -1 and e.x1 <= box.x1 + 1 and e.y1 <= box.y1 + 1, t.get_text()
    assert png(fig)[:4] == b"\x89PNG"


def test_the_networks_names_never_overlap(view):
    texts = [t for t in _texts(network_figure(view)) if t.get_gid() == "name"]
    assert len(texts) == 25
    boxes = [t.get_window_extent() for t in texts]
    clashes = [(texts[a].get_text(), texts[b].get_text()) for a in range(len(boxes))
               for b in range(a + 1, len(boxes)) if boxes[a].overlaps(boxes[b])]
    assert not clashes


def test_earlier_runs_are_in_the_downloaded_charts(view):
    labels = [t.get_text() for t in _texts(charts_figure(view))]
    assert "run 1" in labels and "this run" in labels
