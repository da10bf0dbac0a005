"""The teaching app's four live charts as SVG text: integration, trust, commitment, money.

Each chart has a title, a y-axis label with its unit, month ticks and a month label, and a
legend under it; the numbered markers where the facilitator acted are grouped by month
("1,2" for two events in one month) and their numbers are put in rows so that none covers
another. All text is at least :data:`~simulation.app.svg.FONT` units (see ``svg.py``).
"""

from __future__ import annotations

import math
from html import escape

from .compare import KEEP, PAST_STYLES, difference, span
from .svg import CHART_SIZE, FONT, LINE, fit, text_width
from .view import View

_PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")
_UNIT = [(0.0, "0"), (0.5, "0.5"), (1.0, "1")]
MARKER_ROWS = 4


class Panel:
    """One chart: maps data to pixels inside its box and writes SVG."""

    def __init__(self, x: float, y: float, w: float, h: float, xmax: float,
                 ylim: tuple[float, float]) -> None:
        self.box = (x, y, w)
        self.x0, self.y0 = x + 44, y + 28
        self.w, self.h = w - 54, h - 28 - 76  # room under the plot: ticks, "month", two legend lines
        self.xmax = max(xmax, 1)
        self.lo, self.hi = ylim if ylim[1] > ylim[0] else (ylim[0], ylim[0] + 1)

    def X(self, x: float) -> float:  # noqa: N802 - pixel coordinate
        return self.x0 + self.w * x / self.xmax

    def Y(self, y: float) -> float:  # noqa: N802 - pixel coordinate
        return self.y0 + self.h * (1 - (y - self.lo) / (self.hi - self.lo))

    def frame(self, title: str, ylabel: str, yticks: list[tuple[float, str]]) -> list[str]:
        x, y, w = self.box
        bottom = self.y0 + self.h
        out = [f'<text x="{x + w / 2:.0f}" y="{y + 17:.0f}" text-anchor="middle" font-size="15" '
               f'font-weight="bold">{escape(fit(title, w - 4, 15))}</text>',
               f'<rect x="{self.x0:.0f}" y="{self.y0:.0f}" width="{self.w:.0f}" height="{self.h:.0f}" '
               'fill="none" stroke="#999"/>',
               f'<text class="ylabel" transform="translate({x + 12:.0f},{self.y0 + self.h / 2:.0f}) '
               f'rotate(-90)" text-anchor="middle" font-size="{FONT}">{escape(ylabel)}</text>']
        for v, label in yticks:
            out.append(f'<line x1="{self.x0:.0f}" x2="{self.x0 + self.w:.0f}" y1="{self.Y(v):.1f}" '
                       f'y2="{self.Y(v):.1f}" stroke="#ddd"/>'
                       f'<text x="{self.x0 - 3:.0f}" y="{self.Y(v) + 5:.1f}" text-anchor="end" '
                       f'font-size="{FONT}">{escape(label)}</text>')
        step = 3 if self.xmax <= 12 else 6 if self.xmax <= 24 else 12 if self.xmax <= 48 else 24 \
            if self.xmax <= 96 else 48
        for m in range(0, int(self.xmax) + 1, step):
            out.append(f'<text x="{self.X(m):.1f}" y="{bottom + 16:.0f}" text-anchor="middle" '
                       f'font-size="{FONT}">{m}</text>')
        out.append(f'<text class="xlabel" x="{self.x0 + self.w / 2:.0f}" y="{bottom + 33:.0f}" '
                   f'text-anchor="middle" font-size="{FONT}">month</text>')
        return out

    def line(self, xs, ys, colour: str, width: float = 2.0, dash: str = "", stepped: bool = False) -> str:
        pts, segs, prev = [], [], None
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
        return "".join(
            f'<rect x="{self.X(x) - bw / 2:.1f}" y="{self.y0 + self.h - self.h * min(y / top, 1):.1f}" '
            f'width="{bw:.1f}" height="{self.h * min(y / top, 1):.1f}" fill="{colour}" fill-opacity="0.5"/>'
            for x, y in zip(xs, ys, strict=True) if y > 0)

    def legend(self, items: list[tuple[str, str]]) -> str:
        """Coloured keys under the chart: as many per line as fit, on at most two lines."""
        x, _, w = self.box
        out, col, row = [], x + 6, 0
        for label, colour in items:
            label = fit(label, w - 32)
            need = 20 + text_width(label) + 8
            if col + need > x + w and col > x + 6:
                col, row = x + 6, row + 1
            y = self.y0 + self.h + 52 + LINE * row
            out.append(f'<rect x="{col:.0f}" y="{y - 9:.0f}" width="14" height="5" fill="{colour}"/>'
                       f'<text x="{col + 18:.0f}" y="{y:.0f}" font-size="{FONT}">{escape(label)}</text>')
            col += need
        return "".join(out)

    def past(self, view: View, series) -> str:
        """The room's earlier runs (the last :data:`KEEP`) over the same months as the current
        one, each in its own strong colour and dash, labelled ``run N`` at its end and named in
        full in its tooltip."""
        out = []
        for past, style in zip(view.past[-KEEP:], PAST_STYLES, strict=False):
            xs, ys = series(past)
            keep = [(float(x), y) for x, y in zip(xs, ys, strict=True) if x <= self.xmax]
            if not keep:
                continue
            ends = [(x, float(y)) for x, y in keep if math.isfinite(float(y))]
            label = ""
            if ends:
                x, y = ends[-1]
                label = (f'<text x="{min(self.X(x) + 2, self.x0 + self.w - 38):.1f}" y="{self.Y(y) - 4:.1f}" '
                         f'font-size="{FONT}" fill="{style.hex}">run {past.number}</text>')
            out.append(f'<g class="past" data-run="{past.number}" data-style="{style.name}"><title>'
                       f'{escape(difference(past, view.seed, view.start_levers))}</title>'
                       f'{self.line([x for x, _ in keep], [y for _, y in keep], style.hex, 2.2, style.svg)}'
                       f"{label}</g>")
        return "".join(out)

    def markers(self, view: View) -> str:
        """One dashed line per month in which the facilitator acted; numbers in rows that never overlap."""
        months: dict[int, list[int]] = {}
        for m in view.markers:
            months.setdefault(m.step, []).append(m.number)
        ends = [-math.inf] * MARKER_ROWS
        out = []
        for step, numbers in sorted(months.items()):
            if step > view.shown:
                continue
            x = self.X(step)
            label = ",".join(map(str, numbers))
            width = text_width(label) + 4
            row = next((r for r in range(MARKER_ROWS) if ends[r] < x), None)
            if row is None:  # no free row: name the month's markers in the line's tooltip only
                row, label = -1, ""
            else:
                ends[row] = x + 2 + width
            levers = all(view.markers[n - 1].kind == "lever" for n in numbers)
            c = "#777" if levers else "crimson"
            out.append(f'<g class="marker" data-step="{step}" data-markers="{label}">'
                       f'<title>marker {",".join(map(str, numbers))}: month {step}</title>'
                       f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{self.y0:.0f}" y2="{self.y0 + self.h:.0f}" '
                       f'stroke="{c}" stroke-dasharray="3,2"/>')
            if label:
                out.append(f'<text x="{x + 2:.1f}" y="{self.y0 + 14 + LINE * row:.0f}" font-size="{FONT}" '
                           f'fill="{c}" font-weight="bold">{label}</text>')
            out.append("</g>")
        return "".join(out)


def charts_svg(view: View, width: int = CHART_SIZE[0], height: int = CHART_SIZE[1]) -> str:
    """Four charts: integration index (by system), trust, commitment, pooled control total and
    money moved; numbered markers where the facilitator acted."""
    nat, sys = view.result.national, view.result.systems
    if view.shown < view.step:  # looking back: the charts as they stood that month
        nat, sys = nat[nat["step"] <= view.shown], sys[sys["step"] <= view.shown]
    steps = nat["step"].to_numpy()
    pw, ph = width / 2, height / 2
    names = list(dict.fromkeys(sys["system"]))[:6]
    by_sys = {n: sys[sys["system"] == n] for n in names}
    last_index = float(sys["integration_index"].iloc[-len(names):].mean())
    months = span(view.shown, view.max_steps)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'preserveAspectRatio="xMidYMin meet" class="drumbeat-charts" data-step="{view.shown}" '
           f'data-points="{len(nat)}" data-markers="{len(view.markers)}" data-index="{last_index:.4f}" '
           f'data-span="{months}" style="background:white;font-family:sans-serif">']

    def panel(k: int, title: str, ylabel: str, ylim=(0, 1), ticks=_UNIT) -> Panel:
        p = Panel((k % 2) * pw, (k // 2) * ph, pw, ph, months, ylim)
        out.extend(p.frame(title, ylabel, ticks))
        return p

    p = panel(0, "Integration", "index 0-1")
    out.append(p.past(view, lambda r: (r.index.index, r.index.to_numpy())))
    for c, d in zip(_PALETTE, by_sys.values(), strict=False):
        out.append(p.line(d["step"], d["integration_index"], c))
    many = len(view.system_names) > len(names)
    out += [p.legend([(n, c) for n, c in zip(names, _PALETTE, strict=False)][:2]
                     + ([(f"{len(names)} of {len(view.system_names)} systems", "#fff")] if many else [])),
            p.markers(view)]
    p = panel(1, "Trust", "trust 0-1")
    out.append(p.past(view, lambda r: (r.national["step"], r.national["mean_trust"])))
    out += [p.line(steps, nat["mean_trust"], "#2ca02c"),
            p.line(steps, nat["min_trust"], "#d62728", 1.2, "4,3"),
            p.legend([("mean", "#2ca02c"), ("weakest tie", "#d62728")]), p.markers(view)]
    p = panel(2, "Committed", "share 0-1")
    out.append(p.past(view, lambda r: (r.national["step"], r.national["committed_share"])))
    out += [p.line(steps, nat["committed_share"], "#8c564b"), p.line(steps, nat["council_engagement"],
                                                                       "#bcbd22", 1.4),
            p.legend([("NHS bodies", "#8c564b"), ("councils", "#9a9b10")]), p.markers(view)]
    money = nat["money_moved_gbp_m"].to_numpy()
    top = max(float(money.max()) if len(money) else 0.0, 0.5)
    p = panel(3, "Pooled money", "share 0-1")
    out.append(p.past(view, lambda r: (r.national["step"], r.national["pooled_share"])))
    out += [p.bars(steps, money, top, "#ff7f0e"), p.line(steps, nat["pooled_share"], "#1f77b4"),
            p.legend([("share pooled", "#1f77b4"), (f"GBP m/mo 0-{top:.1f}", "#e06d00")]),
            p.markers(view)]
    out.append("</svg>")
    return "".join(out)
