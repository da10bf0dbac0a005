"""The teaching app's pictures: the network of organisations and the live charts, as PNG bytes.

Both draw from a :class:`~simulation.app.view.View` (a copy taken under the session's
lock), never from the live model, with Matplotlib's object API (no ``pyplot`` state), so
several browser sessions can draw at once. They are drawn for slides: the size of a 16:9
slide, no text under :data:`TEXT` (12) points, titles at :data:`TITLE` (14), the network's
names in a column either side of the ring where none covers another
(``tests/test_app_figures.py``); the charts span the months run so far and draw the room's
earlier runs over them in colours of their own, as the screen does.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..index import STAGE_NAMES
from ..scenario import ORG_KINDS
from .compare import KEEP, PAST_STYLES, span
from .netlayout import spread
from .view import View

#: Marker shape, colour and legend label of each organisation kind in the network picture.
GROUPS = (
    (("acute", "acute_community"), "s", "#1f77b4", "hospital trust"),
    (("community", "mental_health", "community_mh"), "o", "#17becf", "community / mental health"),
    (("ambulance", "specialist"), "p", "#9467bd", "ambulance / specialist"),
    (("ccg",), "^", "#ff7f0e", "commissioner (CCG)"),
    (("council", "district"), "D", "#8c564b", "council"),
    (("gp_federation", "other_provider"), "h", "#7f7f7f", "GP federation / other"),
)
TRUST_CMAP = "RdYlGn"
_SHORTEN = (" NHS Foundation Trust", " NHS Trust", " Hospitals", " Healthcare", " Service",
            " Community & Mental Health", " Community Health", " Mental Health")
DPI = 150  # for slides
#: Sizes of the downloaded pictures, inches: a 16:9 slide, so that the text below reads as it is
#: sized when the picture fills one.
CHART_INCHES = (13.33, 7.5)
NET_INCHES = (12.0, 7.5)
#: The smallest text (ticks, legends, names, marker numbers) and the titles, in points.
TEXT = 12
TITLE = 14


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf)
    return buf.getvalue()


def short_name(name: str) -> str:
    """A label short enough to sit next to a node."""
    for s in _SHORTEN:
        name = name.replace(s, "")
    return name


def undirected_trust(net: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(u, v, trust) of each undirected tie between active organisations, trust both ways averaged."""
    src, dst, rev = net["src"], net["dst"], net["rev"]
    one = np.flatnonzero((src < dst) & net["active"][src] & net["active"][dst])
    return src[one], dst[one], 0.5 * (net["T"][one] + net["T"][rev[one]])


def network_figure(view: View) -> Figure:
    """Organisations as shapes by kind, ties coloured and weighted by trust, changes ringed;
    names in a column either side of the ring, spread so that none overlaps another."""
    net = view.network
    width, height = NET_INCHES
    fig = Figure(figsize=NET_INCHES, dpi=DPI)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))  # data units are inches from the top left
    ax.set_axis_off()
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    top, bottom = 0.55, height - 1.45  # room for the title above, the legend below
    pos = np.asarray(net["pos"], dtype=float)
    labels = len(pos) <= 40
    if labels:  # the ring in the middle, names beside it
        r = min(0.2 * width, (bottom - top) / 2 - 0.15)
        xy = np.column_stack([width / 2 + r * pos[:, 0], (top + bottom) / 2 + r * pos[:, 1]])
    else:
        lo, hi = pos.min(axis=0), pos.max(axis=0)
        span = np.where(hi - lo > 1e-9, hi - lo, 1.0)
        xy = np.column_stack([0.4 + (pos[:, 0] - lo[0]) / span[0] * (width - 1.6),
                              top + 0.2 + (pos[:, 1] - lo[1]) / span[1] * (bottom - top - 0.4)])
    u, v, t = undirected_trust(net)
    lc = LineCollection(np.stack([xy[u], xy[v]], axis=1), cmap=TRUST_CMAP, norm=Normalize(0.0, 1.0),
                        linewidths=0.6 + 4.0 * t, alpha=0.85, zorder=1)
    lc.set_array(t)
    ax.add_collection(lc)
    kinds = np.asarray(net["kind"])
    committed, active = net["committed"], net["active"]
    size = 260 if labels else 60
    for names, shape, colour, _ in GROUPS:
        g = np.isin(kinds, [ORG_KINDS.index(k) for k in names]) & active
        for done, alpha in ((True, 1.0), (False, 0.35)):
            sel = g & (committed == done)
            if sel.any():
                ax.scatter(xy[sel, 0], xy[sel, 1], s=size, marker=shape, c=colour, alpha=alpha,
                           edgecolors="black" if done else "grey", linewidths=2.0 if done else 0.8,
                           zorder=3)
    for key, colour, ring in (("new_leader", "red", 2.4), ("intervention", "darkorange", 3.5)):
        sel = net[key] & active
        if sel.any():
            ax.scatter(xy[sel, 0], xy[sel, 1], s=ring * size, marker="o", facecolors="none",
                       edgecolors=colour, linewidths=2.5, zorder=4)
    if labels:
        _names(ax, view, xy, np.flatnonzero(active), width, top, bottom)
    ax.text(width / 2, 0.3, f"{', '.join(view.system_names[:2])}: month {view.step} ({view.date})",
            ha="center", va="center", fontsize=TITLE, fontweight="bold")
    cax = fig.add_axes((0.77, 0.07, 0.2, 0.03))  # beside the legend, so that names have the width
    bar = fig.colorbar(lc, cax=cax, orientation="horizontal")
    bar.set_label("trust on the tie", fontsize=TEXT, labelpad=-52)  # above the bar
    cax.tick_params(labelsize=TEXT)
    fig.legend(handles=_legend_handles(), loc="lower left", bbox_to_anchor=(0.01, 0.0), ncol=3,
               fontsize=TEXT, frameon=False, columnspacing=1.2)
    return fig


def _names(ax, view: View, xy: np.ndarray, active: np.ndarray, width: float, top: float,
           bottom: float) -> None:
    """Names in a column each side of the ring, none over another, joined to their nodes."""
    cx, cy = width / 2, (top + bottom) / 2
    ring = float(np.abs(xy[:, 0] - cx).max()) if len(xy) else 0.0
    for side in (-1, 1):
        mine = sorted((i for i in active if (xy[i, 0] - cx) * side > 1e-6 or
                       (abs(xy[i, 0] - cx) <= 1e-6 and (side > 0) == (xy[i, 1] < cy))),
                      key=lambda i: xy[i, 1])
        ys = spread([float(xy[i, 1]) for i in mine], 1.3 * TEXT / 72, top, bottom)
        x = cx + side * (ring + 0.3)
        room = 72 * (cx - ring - 0.45) / (0.56 * TEXT)  # characters that fit beside the ring
        for i, y in zip(mine, ys, strict=True):
            name = short_name(view.org_names[i])
            name = name if len(name) <= room else name[:max(int(room) - 1, 3)].rstrip() + "…"
            ax.plot([xy[i, 0], x - side * 0.05], [xy[i, 1], y], color="#bbb", lw=0.8, zorder=0)
            ax.text(x, y, name, fontsize=TEXT, va="center",
                    ha="left" if side > 0 else "right", zorder=5, gid="name")


def _legend_handles() -> list[Line2D]:
    h = [Line2D([], [], marker=shape, color=colour, ls="", markersize=10, label=label)
         for _, shape, colour, label in GROUPS]
    h.append(Line2D([], [], marker="s", color="grey", mec="black", mew=2, ls="", markersize=8,
                    label="committed (bold outline)"))
    h.append(Line2D([], [], marker="o", mfc="none", mec="red", mew=2, ls="", markersize=10,
                    label="new chief executive"))
    h.append(Line2D([], [], marker="o", mfc="none", mec="darkorange", mew=2, ls="", markersize=10,
                    label="under intervention"))
    return h


def charts_figure(view: View) -> Figure:
    """Six live charts with the facilitator's markers: index, trust, money, changes, stage,
    commitment; earlier runs of the room in their own colours and the same months, as on the screen."""
    nat, sys = view.result.national, view.result.systems
    fig = Figure(figsize=CHART_INCHES, dpi=DPI, layout="constrained")
    axes = fig.subplots(2, 3, sharex=True)
    names = list(dict.fromkeys(sys["system"]))[:6]
    past = view.past[-KEEP:]
    ax = axes[0, 0]
    for name in names:
        d = sys[sys["system"] == name]
        ax.plot(d["step"], d["integration_index"], lw=2.0, label=name if len(names) > 1 else "this run")
    _past(ax, past, lambda r: (r.index.index, r.index.to_numpy()), label=True)
    _frame(ax, "Integration index", (0, 1))
    if len(names) > 1 or past:
        ax.legend(fontsize=TEXT, loc="best")
    ax = axes[0, 1]
    ax.plot(nat["step"], nat["mean_trust"], lw=2.0, color="tab:green", label="mean")
    ax.plot(nat["step"], nat["min_trust"], lw=1.2, color="tab:red", ls="--", label="weakest tie")
    _past(ax, past, lambda r: (r.national["step"], r.national["mean_trust"]))
    _frame(ax, "Trust between organisations", (0, 1))
    ax.legend(fontsize=TEXT, loc="best")
    ax = axes[0, 2]
    ax.plot(nat["step"], nat["pooled_share"], lw=2.0, color="tab:blue")
    _past(ax, past, lambda r: (r.national["step"], r.national["pooled_share"]))
    _frame(ax, "Pooled control total (share)\nand money moved (bars)", (0, 1))
    twin = ax.twinx()
    twin.bar(nat["step"], nat["money_moved_gbp_m"], width=0.9, color="tab:orange", alpha=0.6)
    twin.set_ylim(0, max(float(nat["money_moved_gbp_m"].max()) * 1.1, 1.0))
    twin.set_ylabel("GBP m a month", fontsize=TEXT)
    twin.tick_params(labelsize=TEXT)
    ax = axes[1, 0]
    for col, c in (("proposed", "grey"), ("delivered", "tab:green"), ("blocked", "tab:red"),
                   ("reversed", "tab:purple")):
        ax.step(nat["step"], nat[f"service_changes_{col}"], where="post", color=c, label=col)
    top = max(float(nat[[c for c in nat.columns if c.startswith("service_changes_")]].to_numpy().max()), 1.0)
    _frame(ax, "Service changes (cumulative)", (0, top * 1.1))
    ax.legend(fontsize=TEXT, loc="best")
    ax = axes[1, 1]
    for name in names:
        d = sys[sys["system"] == name]
        ax.step(d["step"], d["stage"], where="post", lw=2.0)
    ax.set_yticks(range(len(STAGE_NAMES)), STAGE_NAMES)
    _frame(ax, "Stage", (-0.2, len(STAGE_NAMES) - 0.8))
    ax = axes[1, 2]
    ax.plot(nat["step"], nat["committed_share"], lw=2.0, color="tab:brown", label="NHS bodies")
    ax.plot(nat["step"], nat["council_engagement"], lw=1.4, color="tab:olive", label="councils")
    _past(ax, past, lambda r: (r.national["step"], r.national["committed_share"]))
    _frame(ax, "Committed to the system (share)", (0, 1.02))
    ax.legend(fontsize=TEXT, loc="best")
    for ax in axes.flat:
        ax.set_xlim(0, span(view.step, view.max_steps))  # the months run so far
        _markers(ax, view)
    for ax in axes[1]:
        ax.set_xlabel("month", fontsize=TEXT)
    return fig


def _past(ax, past, series, label: bool = False) -> None:
    """Earlier runs in their own colours and dashes (``compare.PAST_STYLES``, oldest first)."""
    for run, style in zip(past, PAST_STYLES, strict=False):
        xs, ys = series(run)
        ax.plot(xs, ys, color=style.hex, lw=1.8, ls=style.mpl, zorder=1,
                label=f"run {run.number}" if label else None)


def _frame(ax, title: str, ylim: tuple[float, float] | None) -> None:
    ax.set_title(title, fontsize=TITLE)
    if ylim:
        ax.set_ylim(*ylim)
    ax.tick_params(labelsize=TEXT)
    ax.grid(alpha=0.3)


def _markers(ax, view: View) -> None:
    lo, hi = ax.get_ylim()
    for m in view.markers:
        colour = "grey" if m.kind == "lever" else "crimson"
        j = (m.number - 1) % 4  # stagger the numbers so that neighbouring markers stay readable
        ax.axvline(m.step, color=colour, lw=1.0, ls=":", zorder=0)
        ax.text(m.step + 0.5, hi - (0.07 + 0.09 * j) * (hi - lo), str(m.number), color=colour,
                fontsize=TEXT, ha="left", va="center")
