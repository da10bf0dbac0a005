"""The teaching app's live pictures as SVG text: the network of organisations and four charts.

SVG is written directly (no rendering library) so that a step and its redraw stay fast
(``benchmarks/bench_app.py``); the same pictures are available as PNG for slides through
Matplotlib (``figures.py``). Both draw from a :class:`~simulation.app.view.View`, never
from the live model. Elements carry ``data-`` attributes (step, marker count, which
organisations have a new leader) that the browser tests read.

Sizes are for a projector: the page scales each picture to its box without going much below
its own size at 1024x768 (``page.py``), so every text here is at least :data:`FONT` units,
which the browser test measures as at least 14 px on screen. Names beside the network and
the numbers of the facilitator's markers are placed so that none overlaps another.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_hex

from ..scenario import ORG_KINDS
from .figures import GROUPS, TRUST_CMAP, undirected_trust
from .netlayout import even_on_ellipse, spread
from .view import View

FONT = 14  # the smallest text, in SVG units
REACH = 1.42  # how far a shape of size r reaches from its centre, at most (a square's corner)
LINE = 17  # one line of FONT text
NET_SIZE = (340, 420)
CHART_SIZE = (340, 420)
_CMAP = colormaps[TRUST_CMAP]
_TRUST_COLOURS = [to_hex(_CMAP(k / 20)) for k in range(21)]
_KIND_STYLE = {ORG_KINDS.index(k): (shape, colour) for names, shape, colour, _ in GROUPS for k in names}
_GROUP_OF = {ORG_KINDS.index(k): g for g, (names, *_) in enumerate(GROUPS) for k in names}
_LEGEND = ("hospital", "community / MH", "ambulance / spec.", "commissioner", "council", "GP fed. / other")
_DROP = (" NHS Foundation Trust", " NHS Trust", " Hospitals", " Hospital", " Healthcare", " Service",
         " District Council", " Borough Council", " County Council", " Council", " GP Federation",
         " Ambulance", " Community and Trust", " Community & Mental Health", " Community Health",
         " Mental Health", "NHS ", "Borough of ")


def trust_colour(t: float) -> str:
    """Hex colour of a trust level on the red (0) to green (1) scale, in 21 steps."""
    return _TRUST_COLOURS[int(round(min(max(t, 0.0), 1.0) * 20))]


_ABBREVIATE = ((" District Council", " DC"), (" Borough Council", " BC"), (" County Council", " CC"),
               (" Hospitals", " Hosp."), (" Hospital", " Hosp."), (" GP Federation", " GPs"),
               (" NHS Foundation Trust", ""), (" NHS Trust", ""), ("NHS ", ""))


def text_width(text: str, size: float = FONT) -> float:
    """A generous estimate of the width of ``text`` in a sans-serif font (for placing labels)."""
    return 0.58 * size * len(text)


def fit(text: str, room: float, size: float = FONT) -> str:
    """``text``, cut with an ellipsis to fit ``room`` units."""
    while len(text) > 3 and text_width(text, size) > room:
        text = text[:-2].rstrip() + "…"
    return text


def net_labels(names: list[str] | tuple[str, ...], room: float) -> list[str]:
    """Nodes' names without words their shapes already say, cut to fit ``room`` units; where
    two would then read the same (Riverside Hospital, Riverside Borough Council), those keep
    their kind, abbreviated."""
    def drop(name: str, words: tuple[tuple[str, str], ...]) -> str:
        for old, new in words:
            name = name.replace(old, new)
        return fit(name.strip() or "?", room)

    short = [drop(n, tuple((w, "") for w in _DROP)) for n in names]
    seen = {x: short.count(x) for x in short}
    return [drop(n, _ABBREVIATE) if seen[x] > 1 else x for n, x in zip(names, short, strict=True)]


def _shape(kind: str, x: float, y: float, r: float, style: str) -> str:
    if kind == "s":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" {style}/>'
    if kind == "o":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {style}/>'
    sides, turn = {"^": (3, -90), "D": (4, -90), "p": (5, -90), "h": (6, 0)}[kind]
    rr = r * (1.3 if sides == 3 else 1.15)
    pts = " ".join(f"{x + rr * math.cos(math.radians(turn + 360 * k / sides)):.1f},"
                   f"{y + rr * math.sin(math.radians(turn + 360 * k / sides)):.1f}" for k in range(sides))
    return f'<polygon points="{pts}" {style}/>'


def network_svg(view: View, width: int = NET_SIZE[0], height: int = NET_SIZE[1],
                selected: str = "") -> str:
    """The network: shapes by kind, ties coloured and weighted by trust, new leaders ringed red,
    interventions ringed orange, committed organisations bold, names beside the ring, the
    organisations participants play marked with how many play each (a blue badge; their names
    in its tooltip), and the organisation being inspected (``selected``) ringed blue."""
    net = view.network
    pos = np.asarray(net["pos"], dtype=float)
    labels = len(pos) <= 40
    if labels:  # taller for many organisations, so that each side's names fit in a column
        height = max(height, int(144 + LINE * (len(pos) // 2 + 2)))
    top, bottom = 34.0, height - 96.0
    if labels:  # a ring in the middle, names in a column either side
        rx, ry = 0.12 * width, (bottom - top) / 2 - 14
        cx, cy = width / 2, (top + bottom) / 2
        xy = np.array([cx, cy]) + even_on_ellipse(pos, rx, ry)
        rings = [np.arange(len(pos))]
    else:  # each system a small ring of its own (netlayout.grouped_layout), on a grid
        lo, hi = pos.min(axis=0), pos.max(axis=0)
        span = np.where(hi - lo > 1e-9, hi - lo, 1.0)
        xy = np.column_stack([20 + (pos[:, 0] - lo[0]) / span[0] * (width - 40),
                              top + 10 + (pos[:, 1] - lo[1]) / span[1] * (bottom - top - 20)])
        cells = np.round(pos).astype(int)
        rings = [np.flatnonzero((cells == c).all(axis=1)) for c in np.unique(cells, axis=0)]
    sizes = [ring_sizes(xy[ring]) for ring in rings]
    r = min(min(x for x, _ in sizes), 8.0 if labels else 5.0)
    badge = min(b for _, b in sizes)
    spots = np.zeros_like(xy)
    for ring in rings:
        spots[ring] = badge_spots(xy[ring], r, badge)
    new = net["new_leader"] & net["active"]
    inter = net["intervention"] & net["active"]
    title = f"{', '.join(view.system_names[:2])}{' ...' if len(view.system_names) > 2 else ''}"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'preserveAspectRatio="xMidYMin meet" class="drumbeat-network" data-step="{view.shown}" '
           f'data-new-leaders="{escape("|".join(view.org_names[i] for i in np.flatnonzero(new)))}" '
           f'data-interventions="{escape("|".join(view.org_names[i] for i in np.flatnonzero(inter)))}" '
           f'data-committed="{int((net["committed"] & net["active"]).sum())}" '
           f'data-selected="{escape(selected)}" '
           'style="background:white;font-family:sans-serif">',
           f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="16" font-weight="bold">'
           f'{escape(fit(f"{title}: month {view.shown}", width - 10, 16))}</text>']
    u, v, t = undirected_trust(net)
    thin = 0.5 if len(u) > 60 else 1.0  # many ties: thinner and fainter, so the nodes stay readable
    for a, b, tr in zip(u, v, t, strict=True):
        out.append(f'<line x1="{xy[a, 0]:.1f}" y1="{xy[a, 1]:.1f}" '
                   f'x2="{xy[b, 0]:.1f}" y2="{xy[b, 1]:.1f}" stroke="{trust_colour(tr)}" '
                   f'stroke-width="{thin * (0.8 + 4 * tr):.1f}" stroke-opacity="{0.85 * thin + 0.15:.2f}">'
                   f'<title>trust {tr:.2f}</title></line>')
    active = np.flatnonzero(net["active"])
    if labels:
        out.extend(_names(view, xy, active, width, top, bottom, REACH * r + 1.4 * badge))
    teams: dict[str, list[str]] = {}
    for org, who in view.players.seats if view.players is not None else ():
        teams.setdefault(org, []).append(who)
    for i in active:
        x, y = xy[i]
        shape, colour = _KIND_STYLE[int(net["kind"][i])]
        done = bool(net["committed"][i])
        style = (f'fill="{colour}" fill-opacity="{1.0 if done else 0.35}" '
                 f'stroke="{"black" if done else "grey"}" stroke-width="{2.5 if done else 1}"')
        name = view.org_names[i]
        team = teams.get(name, [])
        out.append(f'<g class="org" style="cursor:pointer" data-org="{escape(name)}" '
                   f'data-committed="{int(done)}" data-played="{len(team)}" '
                   f'data-new-leader="{int(new[i])}" data-intervention="{int(inter[i])}">'
                   f'<title>{escape(name + (f" - played by {", ".join(team)}" if team else ""))}</title>'
                   f'{_shape(shape, x, y, r, style)}')
        if team:  # who plays whom: a badge with the number of players, outside the ring
            bx, by = spots[i]
            out.append(f'<circle cx="{bx:.1f}" cy="{by:.1f}" r="{badge:.1f}" fill="#0b4f9c"/>'
                       f'<text x="{bx:.1f}" y="{by + 5:.1f}" text-anchor="middle" font-size="{FONT}" '
                       f'font-weight="bold" fill="white">{len(team)}</text>')
        if new[i]:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r + 4}" fill="none" stroke="red" '
                       'stroke-width="2.5"/>')
        if inter[i]:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r + 8}" fill="none" stroke="darkorange" '
                       'stroke-width="2.5" stroke-dasharray="4,2"/>')
        if name == selected:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r + 12}" fill="none" stroke="#1565c0" '
                       'stroke-width="3"/>')
        out.append("</g>")
    out.extend(_network_legend(view, width, height))
    out.append("</svg>")
    return "".join(out)


def ring_sizes(xy: np.ndarray) -> tuple[float, float]:
    """(a shape's size ``r``, a badge's radius) on a ring whose nearest two organisations are
    where ``xy`` puts them: as large as they are drawn for a few organisations, smaller when
    many crowd the ring, so that no two shapes nor badges overlap."""
    if len(xy) < 2:
        return 8.0, 9.5
    gap = float(min(np.hypot(*(xy[a] - xy[b])) for a in range(len(xy)) for b in range(a)))
    return min(8.0, (gap - 2) / (2 * REACH)), min(9.5, (gap - 2) / 2)


def badge_spots(xy: np.ndarray, r: float, badge: float) -> np.ndarray:
    """Where the badges of a ring's organisations go: just outside each shape, straight out of
    the ring (along the normal of the ellipse the ring is)."""
    centre = (xy.max(axis=0) + xy.min(axis=0)) / 2
    half = np.maximum((xy.max(axis=0) - xy.min(axis=0)) / 2, 1e-9)
    out = (xy - centre) / half**2
    out = out / np.where(np.hypot(*out.T) > 0, np.hypot(*out.T), 1.0)[:, None]
    return xy + out * (REACH * r + 0.4 * badge)


def _names(view: View, xy: np.ndarray, active: np.ndarray, width: int, top: float,
           bottom: float, reach: float) -> list[str]:
    """Names in a column each side of the ring (beyond its shapes and badges, ``reach``), spread
    so that none overlaps, with leader lines."""
    cx = width / 2
    ring = float(np.abs(xy[:, 0] - cx).max()) + max(reach - 8, 0) if len(xy) else 0.0
    label = net_labels(view.org_names, cx - ring - 22)
    out = []
    for side in (-1, 1):
        mine = sorted((i for i in active if (xy[i, 0] - cx) * side > 1e-6 or
                       (abs(xy[i, 0] - cx) <= 1e-6 and (side > 0) == (xy[i, 1] < (top + bottom) / 2))),
                      key=lambda i: xy[i, 1])
        ys = spread([float(xy[i, 1]) for i in mine], LINE, top + 6, bottom - 8)
        x = cx + side * (ring + 16)
        for i, y in zip(mine, ys, strict=True):
            out.append(f'<line x1="{xy[i, 0]:.1f}" y1="{xy[i, 1]:.1f}" x2="{x - side * 3:.1f}" y2="{y:.1f}" '
                       'stroke="#bbb" stroke-width="0.8"/>'
                       f'<text class="name" x="{x:.1f}" y="{y + 5:.1f}" font-size="{FONT}" '
                       f'text-anchor="{"start" if side > 0 else "end"}">'
                       f'{escape(label[i])}</text>')
    return out


def _network_legend(view: View, width: int, height: int) -> list[str]:
    present = sorted({_GROUP_OF[int(k)] for k in np.asarray(view.network["kind"])})
    out, y = [], height - 80.0
    for n, g in enumerate(present):
        _, shape, colour, _ = GROUPS[g]
        x = 8 + (n % 2) * (width / 2)
        yy = y + (n // 2) * LINE
        out.append(_shape(shape, x + 6, yy - 5, 5, f'fill="{colour}" stroke="black" stroke-width="0.5"'))
        out.append(f'<text x="{x + 16}" y="{yy}" font-size="{FONT}">{escape(_LEGEND[g])}</text>')
    y2 = height - 28.0
    out.append(f'<circle cx="14" cy="{y2 - 5}" r="6" fill="none" stroke="red" stroke-width="2"/>'
               f'<text x="24" y="{y2}" font-size="{FONT}">new chief exec.</text>'
               f'<circle cx="{width / 2 + 14}" cy="{y2 - 5}" r="6" fill="none" stroke="darkorange" '
               f'stroke-width="2" stroke-dasharray="3,2"/>'
               f'<text x="{width / 2 + 24}" y="{y2}" font-size="{FONT}">intervention</text>')
    y3 = height - 8.0
    x0 = 8 + text_width("trust 0") + 4
    out.append(f'<text x="8" y="{y3}" font-size="{FONT}">trust 0</text><g class="colourbar">'
               + "".join(f'<rect x="{x0 + 9 * k:.0f}" y="{y3 - 11}" width="9" height="12" '
                         f'fill="{trust_colour(k / 10)}"/>' for k in range(11))
               + f'</g><text x="{x0 + 103:.0f}" y="{y3}" font-size="{FONT}">1</text>'
               f'<text x="{width - 8}" y="{y3}" font-size="{FONT}" text-anchor="end">bold = committed</text>')
    return out
