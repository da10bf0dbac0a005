"""Scenario discovery's files: tables, figures and ``discovery.md``, published into a sweep folder.

:func:`write_discovery` is what ``drumbeat discover DIR`` calls: it checks everything before
any work (the folder is a sweep's, the outcome is a result column, its threshold was
pre-registered or given explicitly, EMA Workbench is installed), runs the analysis of
:mod:`experiments.analysis.discovery` under the folder's lock, and publishes into the folder
(docs/reliability.md, the output rule) ``discovery_limits.csv`` (each box's restricted factors,
with quasi-p values), ``discovery_coverage.csv`` (coverage and density of every box on the
fitted and the held-out runs), ``discovery_trajectory.csv`` (every peeling step),
``discovery_features.csv`` (feature scores), ``figures/discovery_tradeoff``,
``figures/discovery_boxes`` and ``figures/discovery_features`` (PNG and SVG), and
``discovery.md`` last. Figures are drawn with seaborn on their own axes: no global style.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from simulation.errors import ConfigError
from simulation.params import short_label

from ..sweeps.atomic import building, clean_partials
from ..sweeps.outputs import Claim, publish
from . import discovery as D

TABLES = ("discovery_limits.csv", "discovery_coverage.csv", "discovery_trajectory.csv",
          "discovery_features.csv")
FIGURES = ("discovery_tradeoff", "discovery_boxes", "discovery_features")
REPORT = "discovery.md"
#: Every file :func:`write_discovery` writes, relative to the sweep folder.
FILES = (*TABLES, *(f"figures/{f}.{e}" for f in FIGURES for e in ("png", "svg")), REPORT)


def write_discovery(folder: str | Path, outcome: str | None = None, threshold: float | None = None, *,
                    boxes: int = 3, min_coverage: float = 0.5, holdout: float = 0.3) -> D.Discovery:
    """Scenario discovery over the finished sweep in ``folder``, written into it.

    Args:
        outcome: ``"COLUMN OP VALUE"`` (``"months_to_half_integrated <= 60"``), ``"COLUMN OP"``
            or ``"COLUMN"``; default the spec's pre-registered ``[analysis] discover``.
        threshold: the value, given explicitly: needed for any outcome the spec did not
            pre-register (the report then says so).
        boxes: most PRIM boxes; min_coverage: the least share of the remaining cases a chosen
            box holds; holdout: the share of runs held out (seeded by the spec's root_seed).

    Raises:
        ConfigError: not a sweep folder, a bad or unregistered outcome, nothing to find, a file
            of someone else's where one must go; MissingExtra (a ConfigError) without EMA
            Workbench. Nothing is written then.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"{folder}: no such folder")
    claim = Claim(folder, "sweep", expect=FILES)
    meta, rows, factors, registered = D.sweep_rows(folder)
    out = D.resolve_outcome(outcome, threshold, registered, f"the spec of {folder}:")
    D.check_outcome(rows, out, factors, folder)
    D.ema()  # a missing extra: one line, before the lock
    with claim:
        meta, rows, factors, _ = D.sweep_rows(folder)  # again, under the lock
        D.check_outcome(rows, out, factors, folder)
        seed = meta.get("root_seed")
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ConfigError(f"{folder}/metadata.json: root_seed is not a whole number")
        result = D.analyse(rows, factors, out, seed, boxes=boxes, min_coverage=min_coverage,
                           holdout=holdout)
        clean_partials(folder / "discovery")
        with building(folder / "discovery") as dest:
            write_files(result, meta, dest)
            result.files = publish(claim, dest, last=REPORT)
    result.folder = folder
    return result


def write_files(d: Any, meta: dict[str, Any], dest: Path) -> None:
    """The tables, figures and report of the discovery ``d`` into ``dest``."""
    d.limits.to_csv(dest / TABLES[0], index=False)
    d.coverage.to_csv(dest / TABLES[1], index=False)
    d.trajectory.to_csv(dest / TABLES[2], index=False)
    d.features.to_csv(dest / TABLES[3], index=False)
    tradeoff_figure(d, dest / "figures" / FIGURES[0])
    boxes_figure(d, dest / "figures" / FIGURES[1])
    features_figure(d, dest / "figures" / FIGURES[2])
    (dest / REPORT).write_text(markdown(d, meta), encoding="utf-8")


# --- figures ---------------------------------------------------------------------------------
def _save(fig: Any, stem: Path) -> Path:
    from .figures import save  # with figures.SAVE_RC

    return save(fig, stem)


def tradeoff_figure(d: Any, stem: Path) -> Path:
    """Each box's peeling trajectory: coverage against density, coloured by restricted factors;
    the chosen step ringed, its held-out coverage and density a star."""
    import seaborn as sns
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    traj = d.trajectory
    n = max(1, traj["box"].nunique()) if not traj.empty else 1
    fig = Figure(figsize=(4.4 * n, 4.0), layout="constrained")
    axes = fig.subplots(1, n, squeeze=False)[0]
    base = d.cases / d.runs
    held = d.coverage[d.coverage["split"] == "held-out"].set_index("box")
    dims = sorted(traj["res_dim"].unique()) if not traj.empty else [0]
    colours = dict(zip(dims, sns.color_palette("viridis", len(dims)), strict=True))
    for ax, (b, t) in zip(axes, traj.groupby("box"), strict=False):
        sns.scatterplot(data=t, x="coverage", y="density", hue="res_dim", palette=colours, ax=ax,
                        s=28, edgecolor="none", legend=False)
        chosen = t[t["chosen"]]
        ax.scatter(chosen["coverage"], chosen["density"], s=160, facecolors="none", edgecolors="black",
                   label="chosen box (fitted runs)")
        if str(b) in held.index and bool(chosen.size):
            h = held.loc[str(b)]
            ax.scatter([h["coverage"]], [h["density"]], marker="*", s=170, color="crimson",
                       label="chosen box, held-out runs")
        ax.axhline(base, color="grey", lw=0.8, ls="--")
        kept = f"box {b}" if chosen.size else f"search {b}: no box kept (none denser than all runs)"
        ax.set(xlim=(0, 1.05), ylim=(0, 1.05), title=kept, xlabel="coverage", ylabel="density")
    handles = [Line2D([], [], ls="", marker="o", color=c, label=str(k)) for k, c in colours.items()]
    axes[0].legend(handles=[*handles, *axes[0].get_legend_handles_labels()[0]], fontsize=7,
                   title="restricted factors", title_fontsize=7, frameon=False, loc="lower left")
    fig.suptitle(f"PRIM peeling trajectories: {d.outcome.label} (dashed: share of all runs)")
    return _save(fig, stem)


def boxes_figure(d: Any, stem: Path) -> Path:
    """Each box's limits on its restricted factors, as a share of the factor's sampled range."""
    from matplotlib.figure import Figure

    n = max(1, len(d.boxes))
    height = 1.0 + 0.45 * max([len(b) for b in d.boxes] + [1])
    fig = Figure(figsize=(7.2, height * n), layout="constrained")
    axes = fig.subplots(n, 1, squeeze=False)[:, 0]
    for i, (ax, box) in enumerate(zip(axes, d.boxes or [[]], strict=True), 1):
        for j, lim in enumerate(box):
            row = d.limits[(d.limits["box"] == i) & (d.limits["factor"] == lim.factor)].iloc[0]
            ax.barh(j, 1.0, left=0.0, color="#e8e8e8", height=0.6)
            if lim.levels is None:
                lo, hi, span = row["range_low"], row["range_high"], row["range_high"] - row["range_low"]
                a = 0.0 if math.isinf(lim.low) else (lim.low - lo) / span
                b = 1.0 if math.isinf(lim.high) else (lim.high - lo) / span
                text = f"{_num(lim.low, lo)} to {_num(lim.high, hi)}"
            else:
                a, b = 0.0, len(lim.levels) / (len(lim.levels) + len(lim.dropped))
                text = _levels_text(lim)
            ax.barh(j, b - a, left=a, color="#2a788e", height=0.6)
            ax.text(1.02, j, text, va="center", fontsize=8)
        ax.set(yticks=range(len(box)), yticklabels=[lim.factor for lim in box], xlim=(0, 1),
               ylim=(-0.6, max(len(box), 1) - 0.4))
        ax.invert_yaxis()
        cov = d.coverage[(d.coverage["box"] == str(i))].set_index("split")
        if not cov.empty:
            ax.set_title(f"box {i}: coverage {cov.loc['fitted', 'coverage']:.2f} / "
                         f"{cov.loc['held-out', 'coverage']:.2f}, density "
                         f"{cov.loc['fitted', 'density']:.2f} / {cov.loc['held-out', 'density']:.2f} "
                         "(fitted / held-out)", fontsize=9)
    axes[-1].set_xlabel("share of the factor's sampled range (of its levels)")
    return _save(fig, stem)


def _levels_text(lim: Any) -> str:
    if lim.dropped and len(lim.dropped) < len(lim.levels):
        return f"not {lim.dropped[0]}" if len(lim.dropped) == 1 else f"not in {{{', '.join(lim.dropped)}}}"
    return " or ".join(lim.levels)


def _num(v: float, edge: float) -> str:
    return f"{edge:.3g} (all)" if math.isinf(v) else f"{v:.3g}"


def features_figure(d: Any, stem: Path) -> Path:
    """Feature scores of every factor (extra trees) as a heat map: the case, the column."""
    import seaborn as sns
    from matplotlib.figure import Figure

    f = d.features.set_index("factor")[[c for c in d.features.columns if c.startswith("score_")]]
    f.columns = [d.outcome.label if c == "score_case" else c.removeprefix("score_") for c in f.columns]
    f.columns = [f"the case\n{f.columns[0]}", f"the result\n{f.columns[1]}"]
    fig = Figure(figsize=(6.0, 0.34 * len(f) + 1.6), layout="constrained")
    ax = fig.subplots()
    sns.heatmap(f, annot=True, fmt=".2f", cmap="viridis", cbar_kws={"label": "feature score"}, ax=ax)
    ax.set(ylabel="", title="Which factors matter (extra-trees feature scores)")
    ax.tick_params(axis="x", labelsize=8, labelrotation=0)
    return _save(fig, stem)


# --- discovery.md ------------------------------------------------------------------------------
def _table(df: pd.DataFrame) -> str:
    from .report import md_table

    return md_table(df)


def _limit_text(lim: Any) -> str:
    if lim.levels is not None:
        return f"{lim.factor}: {_levels_text(lim)}"
    if math.isinf(lim.low):
        return f"{lim.factor} ≤ {lim.high:.3g}"
    if math.isinf(lim.high):
        return f"{lim.factor} ≥ {lim.low:.3g}"
    return f"{lim.low:.3g} ≤ {lim.factor} ≤ {lim.high:.3g}"


def markdown(d: Any, meta: dict[str, Any]) -> str:
    """``discovery.md``: the question, the boxes with coverage and density, scores, method."""
    o, s = d.outcome, d.settings
    reg = ("pre-registered in the spec's `[analysis] discover` before the sweep ran" if o.registered else
           "**not pre-registered**: the threshold was given on the command line after the sweep "
           "(`--threshold`), so read the boxes as exploration, not as a test")
    cov = d.coverage
    lines = [f"# Scenario discovery: {meta.get('name', '')}\n",
             f"Case of interest: **{o.label}** ({reg}). {d.cases} of {d.runs} runs "
             f"({d.cases / d.runs:.0%}) are cases. Factors: {', '.join(f'`{f}`' for f in d.factors)}.\n",
             f"The boxes were fitted on {len(d.train)} runs; {len(d.test)} runs "
             f"({s['holdout']:.0%}, drawn with seed {s['seed']}) were held out and are used only "
             "for the held-out coverage and density.\n", "## Boxes\n"]
    if not d.boxes:
        lines.append("PRIM found no box that restricts any factor.\n")
    for i, box in enumerate(d.boxes, 1):
        c = cov[cov["box"] == str(i)].set_index("split")
        lines.append(f"**Box {i}**: {'; '.join(_limit_text(lim) for lim in box)}. Coverage "
                     f"{c.loc['fitted', 'coverage']:.2f} fitted, "
                     f"{c.loc['held-out', 'coverage']:.2f} held out; "
                     f"density {c.loc['fitted', 'density']:.2f} fitted, {c.loc['held-out', 'density']:.2f} "
                     f"held out ({int(c.loc['held-out', 'runs_in_box'])} held-out runs in the box).\n")
    if len(d.boxes) > 1:
        c = cov[cov["box"] == "all"].set_index("split")
        lines.append(f"All boxes together: coverage {c.loc['held-out', 'coverage']:.2f}, density "
                     f"{c.loc['held-out', 'density']:.2f} on the held-out runs.\n")
    lines += [_table(cov), "", "Limits (quasi-p values: a one-sided binomial test of each restriction, "
              "Bryant and Lempert 2010; below 0.05 the restriction matters):\n",
              _table(d.limits.drop(columns=["range_low", "range_high"])), "",
              "![PRIM peeling trajectories](figures/discovery_tradeoff.png)\n",
              "*Coverage against density along each box's peeling; ringed: the chosen step; star: the "
              "same box on the held-out runs* ([SVG](figures/discovery_tradeoff.svg))\n",
              "![Box limits](figures/discovery_boxes.png)\n",
              "*Each box's limits as a share of the factor's sampled range* "
              "([SVG](figures/discovery_boxes.svg))\n", "## Feature scores\n",
              _table(d.features.assign(description=[short_label(f) for f in d.features["factor"]])), "",
              "![Feature scores](figures/discovery_features.png)\n",
              "*Extra-trees feature scores of every factor* ([SVG](figures/discovery_features.svg))\n",
              "## Method\n",
              f"PRIM and feature scoring of EMA Workbench {_version()} (`ema_workbench.analysis.prim`, "
              f"`feature_scoring`): objective {s['objective']}, peel alpha {s['peel_alpha']}, paste alpha "
              f"{s['paste_alpha']}, least box mass {s['mass_min']}. Each box is the densest step of its "
              f"peeling trajectory that holds at least {s['min_coverage']:.0%} of the cases left when its "
              f"search began; at most {s['boxes']} boxes, each searched among the runs no earlier box "
              "holds. Held-out coverage: cases in the box over all held-out cases; density: cases in the "
              "box over held-out runs in it (a limit PRIM did not cut is open). Feature scores: "
              f"{s['trees']} extra trees (random state {s['seed'] % 2**32}) over all runs, for the case "
              f"of interest and for `{o.column}` itself"
              + (" (runs that never get there at the run length)." if o.column.startswith("months_to")
                 else ".") + "\n",
              f"Made by `drumbeat discover` from `summary.parquet` ({d.runs} runs of stage `main`).\n"]
    return "\n".join(lines)


def _version() -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("ema_workbench")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - checked by ema()
        return "?"


def summary(d: Any) -> str:
    """What ``drumbeat discover`` prints: one line per box, then where the files went."""
    held = d.coverage[d.coverage["split"] == "held-out"].set_index("box")
    lines = [f"{d.outcome.label}: {d.cases} of {d.runs} runs"
             + ("" if d.outcome.registered else " (threshold NOT pre-registered)")]
    for i, box in enumerate(d.boxes, 1):
        h = held.loc[str(i)]
        lines.append(f"  box {i}: {'; '.join(_limit_text(lim) for lim in box)}  "
                     f"held-out coverage {h['coverage']:.2f} density {h['density']:.2f}")
    if not d.boxes:
        lines.append("  no box restricts any factor")
    top = ", ".join(f"{r.factor} {r.score_case:.2f}" for r in d.features.head(3).itertuples())
    lines.append(f"  top feature scores: {top}")
    if d.folder is not None:
        lines.append(f"drumbeat discover: {len(d.files)} files written to {d.folder}/ ({REPORT})")
    return "\n".join(lines)


__all__ = ["FILES", "summary", "write_discovery", "write_files"]
