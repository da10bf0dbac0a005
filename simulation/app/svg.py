"""The teaching app's live pictures as SVG text: the network of organisations and six charts.

SVG is written directly (no rendering library) so that a step and its redraw fit well inside
the app's 250 ms budget (``benchmarks/bench_app.py``); the same pictures are available as
PNG for slides through Matplotlib (``figures.py``). Both draw from a
:class:`~simulation.app.session.View`, never from the live model. Elements carry ``data-``
attributes (step, marker count, which organisations have a new leader) that the browser test
reads.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_hex

from ..index import STAGE_NAMES
from ..scenario import ORG_KINDS
from .figures import GROUPS, TRUST_CMAP, short_name, undirected_trust
from .session import View

_CMAP = colormaps[TRUST_CMAP]
_TRUST_COLOURS = [to_hex(_CMAP(k / 20)) for k in range(21)]
_KIND_STYLE = {ORG_KINDS.index(k): (shape, colour) for names, shape, colour, _ in GROUPS for k in names}


def trust_colour(t: float) -> str:
    """Hex colour of a trust level on the red (0) to green (1) scale, in 21 steps."""
    return _TRUST_COLOURS[int(round(min(max(t, 0.0), 1.0) * 20))]


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


def network_svg(view: View, width: int = 640, height: int = 520) -> str:
    """The network: shapes by kind, ties coloured and weighted by trust, new leaders ringed red,
    interventions ringed orange, committed organisations bold."""
    net = view.network
    pos = np.asarray(net["pos"], dtype=float)
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    span = np.where(hi - lo > 1e-9, hi - lo, 1.0)
    xy = np.column_stack([60 + (pos[:, 0] - lo[0]) / span[0] * (width - 120),
                          50 + (pos[:, 1] - lo[1]) / span[1] * (height - 150)])
    new = net["new_leader"] & net["active"]
    inter = net["intervention"] & net["active"]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="100%" class="drumbeat-network" data-step="{view.step}" '
           f'data-new-leaders="{escape("|".join(view.org_names[i] for i in np.flatnonzero(new)))}" '
           f'data-interventions="{escape("|".join(view.org_names[i] for i in np.flatnonzero(inter)))}" '
           f'data-committed="{int((net["committed"] & net["active"]).sum())}" '
           'style="background:white;font-family:sans-serif">',
           f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15">'
           f'{escape(", ".join(view.system_names[:2]))}: month {view.step} ({view.date})</text>']
    u, v, t = undirected_trust(net)
    for a, b, tr in zip(u, v, t, strict=True):
        out.append(f'<line x1="{xy[a, 0]:.1f}" y1="{xy[a, 1]:.1f}" '
                   f'x2="{xy[b, 0]:.1f}" y2="{xy[b, 1]:.1f}" stroke="{trust_colour(tr)}" '
                   f'stroke-width="{0.8 + 5 * tr:.1f}" stroke-opacity="0.85">'
                   f'<title>trust {tr:.2f}</title></line>')
    labels = len(pos) <= 40
    for i in np.flatnonzero(net["active"]):
        x, y = xy[i]
        shape, colour = _KIND_STYLE[int(net["kind"][i])]
        done = bool(net["committed"][i])
        style = (f'fill="{colour}" fill-opacity="{1.0 if done else 0.35}" '
                 f'stroke="{"black" if done else "grey"}" stroke-width="{2.5 if done else 1}"')
        name = view.org_names[i]
        out.append(f'<g class="org" data-org="{escape(name)}" data-committed="{int(done)}" '
                   f'data-new-leader="{int(new[i])}" data-intervention="{int(inter[i])}">'
                   f'<title>{escape(name)}</title>{_shape(shape, x, y, 10, style)}')
        if new[i]:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="17" fill="none" stroke="red" '
                       'stroke-width="3"/>')
        if inter[i]:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="22" fill="none" stroke="darkorange" '
                       'stroke-width="3" stroke-dasharray="5,3"/>')
        if labels:
            out.append(f'<text x="{x:.1f}" y="{y + 27:.1f}" text-anchor="middle" font-size="10">'
                       f'{escape(short_name(name))}</text>')
        out.append("</g>")
    out.extend(_network_legend(width, height))
    out.append("</svg>")
    return "".join(out)


def _network_legend(width: int, height: int) -> list[str]:
    items = [(shape, colour, label) for _, shape, colour, label in GROUPS]
    out, x, y = [], 12.0, height - 52.0
    for k, (shape, colour, label) in enumerate(items):
        cx, cy = x + (k % 3) * 210, y + (k // 3) * 18
        out.append(_shape(shape, cx + 6, cy, 5, f'fill="{colour}" stroke="black" stroke-width="0.5"'))
        out.append(f'<text x="{cx + 16}" y="{cy + 4}" font-size="10">{escape(label)}</text>')
    y2 = y + 38
    out.append(f'<circle cx="{x + 6}" cy="{y2}" r="6" fill="none" stroke="red" stroke-width="2"/>'
               f'<text x="{x + 16}" y="{y2 + 4}" font-size="10">new chief executive</text>'
               f'<circle cx="{x + 216}" cy="{y2}" r="6" fill="none" stroke="darkorange" stroke-width="2" '
               f'stroke-dasharray="3,2"/>'
               f'<text x="{x + 226}" y="{y2 + 4}" font-size="10">under intervention</text>'
               f'<text x="{x + 420}" y="{y2 + 4}" font-size="10">bold = committed; tie colour: trust </text>')
    for k in range(11):
        out.append(f'<rect x="{x + 590 + 3 * k - 0:.0f}" y="{y2 - 5}" width="3" height="10" '
                   f'fill="{trust_colour(k / 10)}"/>')
    return out


class _Panel:
    """One small chart: maps data to pixels inside a box and writes SVG."""

    def __init__(self, x0: float, y0: float, w: float, h: float, xmax: float,
                 ylim: tuple[float, float]) -> None:
        self.x0, self.y0, self.w, self.h = x0 + 34, y0 + 22, w - 44, h - 44
        self.xmax = max(xmax, 1)
        self.lo, self.hi = ylim if ylim[1] > ylim[0] else (ylim[0], ylim[0] + 1)

    def X(self, x: float) -> float:  # noqa: N802 - pixel coordinate
        return self.x0 + self.w * x / self.xmax

    def Y(self, y: float) -> float:  # noqa: N802 - pixel coordinate
        return self.y0 + self.h * (1 - (y - self.lo) / (self.hi - self.lo))

    def frame(self, title: str, yticks: list[tuple[float, str]]) -> list[str]:
        out = [f'<text x="{self.x0 + self.w / 2:.0f}" y="{self.y0 - 8:.0f}" text-anchor="middle" '
               f'font-size="12" font-weight="bold">{escape(title)}</text>',
               f'<rect x="{self.x0:.0f}" y="{self.y0:.0f}" width="{self.w:.0f}" height="{self.h:.0f}" '
               'fill="none" stroke="#999"/>']
        for y, label in yticks:
            out.append(f'<line x1="{self.x0:.0f}" x2="{self.x0 + self.w:.0f}" y1="{self.Y(y):.1f}" '
                       f'y2="{self.Y(y):.1f}" stroke="#ddd"/>'
                       f'<text x="{self.x0 - 3:.0f}" y="{self.Y(y) + 3:.1f}" text-anchor="end" '
                       f'font-size="9">{escape(label)}</text>')
        step = 12 if self.xmax <= 96 else 24
        for m in range(0, int(self.xmax) + 1, step):
            out.append(f'<text x="{self.X(m):.1f}" y="{self.y0 + self.h + 11:.0f}" text-anchor="middle" '
                       f'font-size="9">{m}</text>')
        return out

    def line(self, xs, ys, colour: str, width: float = 2.0, dash: str = "", stepped: bool = False) -> str:
        pts, segs = [], []
        prev = None
        for x, y in zip(xs, ys, strict=True):
            if y is None or not math.isfinite(float(y)):
                if pts:
                    segs.append(pts)
                pts, prev = [], None
                continue
            if stepped and prev is not None:
                pts.append(f"{self.X(x):.1f},{self.Y(prev):.1f}")
            pts.append(f"{self.X(x):.1f},{self.Y(float(y)):.1f}")
            prev = float(y)
        if pts:
            segs.append(pts)
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        return "".join(f'<polyline points="{" ".join(s)}" fill="none" stroke="{colour}" '
                       f'stroke-width="{width}"{extra}/>' for s in segs)

    def bars(self, xs, ys, top: float, colour: str) -> str:
        bw = max(self.w / self.xmax * 0.8, 1)
        out = []
        for x, y in zip(xs, ys, strict=True):
            if y > 0:
                hpx = self.h * min(y / top, 1)
                out.append(f'<rect x="{self.X(x) - bw / 2:.1f}" y="{self.y0 + self.h - hpx:.1f}" '
                           f'width="{bw:.1f}" height="{hpx:.1f}" fill="{colour}" fill-opacity="0.5"/>')
        return "".join(out)

    def legend(self, items: list[tuple[str, str]]) -> str:
        return "".join(f'<text x="{self.x0 + self.w - 4:.0f}" y="{self.y0 + 11 + 11 * k:.0f}" font-size="9" '
                       f'text-anchor="end" fill="{c}">{escape(label)}</text>'
                       for k, (label, c) in enumerate(items))

    def markers(self, view: View) -> str:
        out = []
        for m in view.markers:
            c = "#888" if m.kind == "lever" else "crimson"
            x = self.X(m.step)
            j = (m.number - 1) % 4  # stagger the numbers so that neighbouring markers stay readable
            out.append(f'<g class="marker" data-marker="{m.number}"><line x1="{x:.1f}" x2="{x:.1f}" '
                       f'y1="{self.y0:.0f}" y2="{self.y0 + self.h:.0f}" stroke="{c}" '
                       f'stroke-dasharray="3,2"/><text x="{x + 2:.1f}" y="{self.y0 + 9 + 10 * j:.0f}" '
                       f'font-size="9" fill="{c}">{m.number}</text></g>')
        return "".join(out)


_PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")
_UNIT = [(0.0, "0"), (0.5, "0.5"), (1.0, "1")]


def charts_svg(view: View, width: int = 640, height: int = 720, columns: int = 2) -> str:
    """Six charts: integration index, trust, pooled control total and money moved, service
    changes, stage, commitment; numbered markers where the facilitator acted."""
    nat, sys = view.result.national, view.result.systems
    steps = nat["step"].to_numpy()
    rows = -(-6 // columns)
    pw, ph = width / columns, (height - 10) / rows
    names = list(dict.fromkeys(sys["system"]))[:6]
    by_sys = {n: sys[sys["system"] == n] for n in names}
    last_index = float(sys["integration_index"].iloc[-len(names):].mean())
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
           f'class="drumbeat-charts" data-step="{view.step}" data-points="{len(nat)}" '
           f'data-markers="{len(view.markers)}" data-index="{last_index:.4f}" '
           'style="background:white;font-family:sans-serif">']

    def panel(k: int, title: str, ylim, ticks) -> _Panel:
        p = _Panel((k % columns) * pw, (k // columns) * ph, pw, ph, view.max_steps, ylim)
        out.extend(p.frame(title, ticks))
        return p

    p = panel(0, "Integration index", (0, 1), _UNIT)
    for c, d in zip(_PALETTE, by_sys.values(), strict=False):
        out.append(p.line(d["step"], d["integration_index"], c))
    if len(names) > 1:
        out.append(p.legend([(n, c) for n, c in zip(names, _PALETTE, strict=False)]))
    out.append(p.markers(view))
    p = panel(1, "Trust between organisations", (0, 1), _UNIT)
    out += [p.line(steps, nat["mean_trust"], "#2ca02c"),
            p.line(steps, nat["min_trust"], "#d62728", 1.2, "4,3"),
            p.legend([("mean", "#2ca02c"), ("weakest tie", "#d62728")]), p.markers(view)]
    money = nat["money_moved_gbp_m"].to_numpy()
    top = max(float(money.max()) if len(money) else 0.0, 0.5)
    p = panel(2, "Pooled control total and money moved", (0, 1), _UNIT)
    out += [p.bars(steps, money, top, "#ff7f0e"), p.line(steps, nat["pooled_share"], "#1f77b4"),
            p.legend([("share of NHS bodies pooled", "#1f77b4"),
                      (f"money moved (bars, top = GBP {top:.1f}m a month)", "#e06d00")]), p.markers(view)]
    sc = {k: nat[f"service_changes_{k}"].to_numpy() for k in ("proposed", "delivered", "blocked", "reversed")}
    smax = max(float(max(v.max() for v in sc.values())) if len(steps) else 0.0, 1.0)
    p = panel(3, "Service changes (cumulative)", (0, smax * 1.1),
              [(0, "0"), (smax, f"{smax:g}")])
    colours = {"proposed": "#7f7f7f", "delivered": "#2ca02c", "blocked": "#d62728", "reversed": "#9467bd"}
    out += [p.line(steps, sc[k], c, 1.6, stepped=True) for k, c in colours.items()]
    out += [p.legend(list(zip(colours, colours.values(), strict=True))), p.markers(view)]
    p = panel(4, "Stage", (-0.2, len(STAGE_NAMES) - 0.8), [(k, "") for k in range(len(STAGE_NAMES))])
    for c, d in zip(_PALETTE, by_sys.values(), strict=False):
        out.append(p.line(d["step"], d["stage"], c, stepped=True))
    out += [f'<text x="{p.x0 + 4:.0f}" y="{p.Y(k) - 3:.1f}" font-size="9" fill="#555">{escape(n)}</text>'
            for k, n in enumerate(STAGE_NAMES)]
    out.append(p.markers(view))
    p = panel(5, "Committed to the system (share)", (0, 1), _UNIT)
    out += [p.line(steps, nat["committed_share"], "#8c564b"),
            p.line(steps, nat["council_engagement"], "#bcbd22", 1.4),
            p.legend([("NHS bodies", "#8c564b"), ("councils", "#9a9b10")]), p.markers(view)]
    out.append(f'<text x="{width / 2:.0f}" y="{height - 2}" text-anchor="middle" font-size="10">'
               'month</text></svg>')
    return "".join(out)
