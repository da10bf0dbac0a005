"""The network picture: on every preset (a ring up to 40 organisations, groups beyond) no two
organisations' shapes overlap, nor the badges that mark who is played, so that every one can
be clicked; and the ring's names stay in their columns beside it."""

from __future__ import annotations

import math
import re

import pytest

from simulation.app.catalog import presets
from simulation.app.participants import MAX_SEATS
from simulation.app.session import Action, Session
from simulation.app.svg import network_svg

GROUP = re.compile(r'<g class="org"[^>]*data-org="([^"]*)"[^>]*>(.*?)</g>', re.S)
RECT = re.compile(r'<rect x="([-\d.]+)" y="([-\d.]+)" width="([\d.]+)" height="([\d.]+)"')
CIRCLE = re.compile(r'<circle cx="([-\d.]+)" cy="([-\d.]+)" r="([\d.]+)" fill="(?!none)')
POLYGON = re.compile(r'<polygon points="([^"]+)"')


def footprints(svg: str) -> dict[str, list[tuple[float, float, float]]]:
    """Each organisation's filled shapes (its node and its badge) as circles (x, y, radius) that
    hold them; the open rings around a node (new leader, intervention, inspected) are left out."""
    out = {}
    for org, body in GROUP.findall(svg):
        body = re.sub(r"<title>.*?</title>|<text.*?</text>", "", body)
        held = []
        for x, y, w, h in (map(float, m) for m in RECT.findall(body)):
            held.append((x + w / 2, y + h / 2, math.hypot(w, h) / 2))
        for x, y, r in (map(float, m[:3]) for m in CIRCLE.findall(body)):
            held.append((x, y, r))
        for points in POLYGON.findall(body):
            xy = [tuple(map(float, p.split(","))) for p in points.split()]
            cx, cy = sum(p[0] for p in xy) / len(xy), sum(p[1] for p in xy) / len(xy)
            held.append((cx, cy, max(math.hypot(p[0] - cx, p[1] - cy) for p in xy)))
        out[org] = held
    return out


def overlaps(svg: str) -> list[tuple[str, str]]:
    """Pairs of organisations some of whose shapes overlap (0.15 units allowed for rounding)."""
    shapes = footprints(svg)
    names = list(shapes)
    return [(a, b) for k, a in enumerate(names) for b in names[:k]
            if any(math.hypot(x1 - x2, y1 - y2) < r1 + r2 - 0.15
                   for x1, y1, r1 in shapes[a] for x2, y2, r2 in shapes[b])]


def played_room(key: str) -> Session:
    """The preset with 40 seats taken, so that every organisation (up to 40) carries a badge."""
    s = Session(key, 1)
    names = s.model.state.world.org_name
    for k in range(MAX_SEATS):
        assert s.apply(Action("claim", f"player-{k:04d}", f"P{k}", names[k % len(names)])) == ""
    return s


@pytest.mark.parametrize("key", list(presets()))
def test_no_two_organisations_shapes_overlap(key):
    s = played_room(key)
    svg = network_svg(s.view())
    n = s.model.state.world.n_orgs
    assert len(footprints(svg)) == n
    assert overlaps(svg) == []
    if n <= 40:  # a ring: every organisation has its badge and a name beside the ring
        assert all(len(v) == 2 for v in footprints(svg).values())
        width, height = map(float, re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).groups())
        names = [float(y) for y in re.findall(r'<text class="name" x="[-\d.]+" y="([-\d.]+)"', svg)]
        assert len(names) == n and min(names) > 34 and max(names) < height - 80  # above the legend


def test_the_overlap_check_finds_overlapping_shapes():
    a = '<g class="org" data-org="A"><circle cx="10.0" cy="10.0" r="8.0" fill="red"/></g>'
    b = '<g class="org" data-org="B"><rect x="20.0" y="2.0" width="16.0" height="16.0" fill="red"/></g>'
    ring = '<g class="org" data-org="C"><circle cx="30.0" cy="10.0" r="20.0" fill="none"/></g>'
    assert overlaps(a + b + ring) == [("B", "A")]
    assert overlaps(a + ring) == []  # an open ring is no shape
