"""The teaching app's pictures: the network of organisations and the live charts, as PNG bytes.

Both draw from a :class:`~simulation.app.session.View` (a copy taken under the session's
lock), never from the live model, with Matplotlib's object API (no ``pyplot`` state), so
several browser sessions can draw at once.
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
from .session import View

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
DPI = 110  # for slides


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
    """Organisations as shapes by kind, ties coloured and weighted by trust, changes ringed."""
    net = view.network
    pos = net["pos"]
    fig = Figure(figsize=(6.4, 5.2), dpi=DPI)
    ax = fig.add_axes((0.0, 0.1, 0.86, 0.84))
    ax.set_axis_off()
    u, v, t = undirected_trust(net)
    norm = Normalize(0.0, 1.0)
    lc = LineCollection(np.stack([pos[u], pos[v]], axis=1), cmap=TRUST_CMAP, norm=norm,
                        linewidths=0.6 + 4.0 * t, alpha=0.85, zorder=1)
    lc.set_array(t)
    ax.add_collection(lc)
    kinds = np.asarray(net["kind"])
    committed, active = net["committed"], net["active"]
    for names, shape, colour, _ in GROUPS:
        g = np.isin(kinds, [ORG_KINDS.index(k) for k in names]) & active
        for done, alpha in ((True, 1.0), (False, 0.35)):
            sel = g & (committed == done)
            if sel.any():
                ax.scatter(pos[sel, 0], pos[sel, 1], s=260, marker=shape, c=colour, alpha=alpha,
                           edgecolors="black" if done else "grey", linewidths=2.0 if done else 0.8,
                           zorder=3)
    for key, colour, size in (("new_leader", "red", 620), ("intervention", "darkorange", 900)):
        sel = net[key] & active
        if sel.any():
            ax.scatter(pos[sel, 0], pos[sel, 1], s=size, marker="o", facecolors="none",
                       edgecolors=colour, linewidths=2.5, zorder=4)
    if len(pos) <= 40:
        for i, name in enumerate(view.org_names):
            ax.annotate(short_name(name), pos[i], xytext=(0, -15), textcoords="offset points",
                        ha="center", va="top", fontsize=7, zorder=5)
    pad = 0.25
    ax.set_xlim(pos[:, 0].min() - pad, pos[:, 0].max() + pad)
    ax.set_ylim(pos[:, 1].min() - pad, pos[:, 1].max() + pad)
    ax.set_title(f"{', '.join(view.system_names[:2])}: month {view.step} ({view.date})", fontsize=10)
    cax = fig.add_axes((0.88, 0.25, 0.025, 0.55))
    fig.colorbar(lc, cax=cax).set_label("trust on the tie", fontsize=8)
    cax.tick_params(labelsize=7)
    fig.legend(handles=_legend_handles(), loc="lower center", ncol=4, fontsize=7, frameon=False)
    return fig


def _legend_handles() -> list[Line2D]:
    h = [Line2D([], [], marker=shape, color=colour, ls="", markersize=8, label=label)
         for _, shape, colour, label in GROUPS]
    h.append(Line2D([], [], marker="s", color="grey", mec="black", mew=2, ls="", markersize=8,
                    label="committed (bold)"))
    h.append(Line2D([], [], marker="o", mfc="none", mec="red", mew=2, ls="", markersize=10,
                    label="new chief executive"))
    h.append(Line2D([], [], marker="o", mfc="none", mec="darkorange", mew=2, ls="", markersize=10,
                    label="under intervention"))
    return h


def charts_figure(view: View) -> Figure:
    """Six live charts with the facilitator's markers: index, trust, money, changes, stage, commitment."""
    nat, sys = view.result.national, view.result.systems
    fig = Figure(figsize=(10.0, 5.6), dpi=DPI, layout="constrained")
    axes = fig.subplots(2, 3, sharex=True)
    names = list(dict.fromkeys(sys["system"]))[:6]
    ax = axes[0, 0]
    for name in names:
        d = sys[sys["system"] == name]
        ax.plot(d["step"], d["integration_index"], lw=1.8, label=name)
    _frame(ax, "Integration index", (0, 1))
    if len(names) > 1:
        ax.legend(fontsize=6, loc="upper left")
    ax = axes[0, 1]
    ax.plot(nat["step"], nat["mean_trust"], lw=1.8, color="tab:green", label="mean")
    ax.plot(nat["step"], nat["min_trust"], lw=1.0, color="tab:red", ls="--", label="weakest tie")
    _frame(ax, "Trust between organisations", (0, 1))
    ax.legend(fontsize=6, loc="upper left")
    ax = axes[0, 2]
    ax.plot(nat["step"], nat["pooled_share"], lw=1.8, color="tab:blue")
    _frame(ax, "Pooled control total (share) and money moved", (0, 1))
    twin = ax.twinx()
    twin.bar(nat["step"], nat["money_moved_gbp_m"], width=0.9, color="tab:orange", alpha=0.6)
    twin.set_ylabel("GBP m a month", fontsize=7)
    twin.tick_params(labelsize=7)
    ax = axes[1, 0]
    for col, c in (("proposed", "grey"), ("delivered", "tab:green"), ("blocked", "tab:red"),
                   ("reversed", "tab:purple")):
        ax.step(nat["step"], nat[f"service_changes_{col}"], where="post", color=c, label=col)
    top = max(float(nat[[c for c in nat.columns if c.startswith("service_changes_")]].to_numpy().max()), 1.0)
    _frame(ax, "Service changes (cumulative)", (0, top * 1.1))
    ax.legend(fontsize=6, loc="upper left")
    ax = axes[1, 1]
    for name in names:
        d = sys[sys["system"] == name]
        ax.step(d["step"], d["stage"], where="post", lw=1.8)
    ax.set_yticks(range(len(STAGE_NAMES)), STAGE_NAMES, fontsize=7)
    _frame(ax, "Stage", (-0.2, len(STAGE_NAMES) - 0.8))
    ax = axes[1, 2]
    ax.plot(nat["step"], nat["committed_share"], lw=1.8, color="tab:brown", label="NHS bodies")
    ax.plot(nat["step"], nat["council_engagement"], lw=1.2, color="tab:olive", label="councils")
    _frame(ax, "Committed to the system (share)", (0, 1.02))
    ax.legend(fontsize=6, loc="upper left")
    for ax in axes.flat:
        ax.set_xlim(0, max(view.max_steps, 1))
        _markers(ax, view)
    for ax in axes[1]:
        ax.set_xlabel("month", fontsize=8)
    return fig


def _frame(ax, title: str, ylim: tuple[float, float] | None) -> None:
    ax.set_title(title, fontsize=9)
    if ylim:
        ax.set_ylim(*ylim)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)


def _markers(ax, view: View) -> None:
    lo, hi = ax.get_ylim()
    for m in view.markers:
        colour = "grey" if m.kind == "lever" else "crimson"
        j = (m.number - 1) % 4  # stagger the numbers so that neighbouring markers stay readable
        ax.axvline(m.step, color=colour, lw=1.0, ls=":", zorder=0)
        ax.text(m.step + 0.5, hi - (0.06 + 0.07 * j) * (hi - lo), str(m.number), color=colour, fontsize=7,
                ha="left", va="center")
