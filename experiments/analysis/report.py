"""``report.md`` for a sweep folder: findings table, figures, the spec and its provenance.

:func:`write_report` reads ``metadata.json`` and the stored rows, draws the figures that
fit the design (heat map and spread bands for factorial designs, Morris and Sobol' bars for
sampled ones), writes ``cells.csv`` (the findings table; for sensitivity stages
``morris.csv`` / ``sobol.csv``) and ``report.md``. Everything it writes is derived from the
stored rows, so it can be rerun at any time.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation.errors import ConfigError

from ..sweeps import extras
from ..sweeps.atomic import building, clean_partials
from ..sweeps.store import Store
from . import figures, survival, tables


def md_table(df: pd.DataFrame, digits: int = 3) -> str:
    """A DataFrame as a Markdown table (numbers to ``digits`` significant figures)."""
    def cell(v: Any) -> str:
        if isinstance(v, float | np.floating):
            return "" if math.isnan(v) else f"{v:.{digits}g}"
        return str(v)

    head = "| " + " | ".join(str(c) for c in df.columns) + " |"
    rule = "|" + "---|" * len(df.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _settings(meta: dict[str, Any]) -> tuple[str, list[str], list[str] | None, str | None]:
    """Outcome, factorial factors, heat-map axes and spread grouping from the spec."""
    spec = meta["spec"]
    an = spec.get("analysis") or {}
    main = meta["stages"][0]
    factors = list(main["factors"]) if main["design"] == "factorial" else []
    several = len(meta["scenarios"]) > 1
    heat = an.get("heatmap") or (factors[:3] if len(factors) >= 2 else None)
    spread_by = an.get("spread_by") or ("scenario" if several else (factors[0] if factors else None))
    return an.get("outcome", "months_to_half_integrated"), factors, heat, spread_by


class _Report:
    """Accumulates findings lines, tables and figure links."""

    def __init__(self, out: Path, meta: dict[str, Any], rows: pd.DataFrame, dest: Path) -> None:
        self.out, self.meta, self.rows = out, meta, rows
        self.dest = dest  # where files are written (a staging folder, published at the end)
        self.findings: list[str] = []
        self.sections: list[str] = []
        self.figdir = dest / "figures"

    def figure(self, png: Path, caption: str) -> None:
        rel = png.relative_to(self.dest).as_posix()
        self.sections.append(f"![{caption}]({rel})\n\n*{caption}* ([SVG]({rel[:-4]}.svg))\n")


def _num(v: float, outcome: str) -> str:
    """A value of ``outcome`` for prose: whole months for times, 3 significant figures otherwise."""
    return f"{v:.0f} months" if tables.is_time(outcome) else f"{v:.3g}"


def _overall(rep: _Report, outcome: str) -> None:
    rows = rep.rows
    y, mask = tables.censored(rows, outcome)
    q10, q50, q90 = np.quantile(y, [0.1, 0.5, 0.9])
    at_least = "at least " if mask.mean() >= 0.5 else ""
    line = (f"Over all {len(rows)} runs, the median {outcome.replace('_', ' ')} is "
            f"{at_least}{_num(q50, outcome)} "
            f"(10-90 %: {_num(q10, outcome)} to {_num(q90, outcome)})")
    if tables.is_time(outcome):
        steps = int(rows["steps"].max())
        line += (f"; {int(mask.sum())} runs ({mask.mean():.0%}) never reached it within the run and "
                 f"are counted at the run length ({steps} months)")
    rep.findings.append(line + ".")


def _factorial(rep: _Report, outcome: str, factors: list[str], heat: list[str] | None) -> None:
    by = (["scenario"] if len(rep.meta["scenarios"]) > 1 else []) + factors
    an = rep.meta["spec"].get("analysis") or {}
    by = list(an.get("group_by") or by)
    cells = tables.cell_summary(rep.rows, by, outcome)
    cells.to_csv(rep.dest / "cells.csv", index=False, float_format="%.6g")
    fast, slow = cells.loc[cells["median"].idxmin()], cells.loc[cells["median"].idxmax()]

    def name(r: pd.Series) -> str:
        return ", ".join(f"{k} = {figures._fmt(r[k])}" for k in by)

    low, high = ("Fastest", "Slowest") if tables.is_time(outcome) else ("Lowest", "Highest")
    rep.findings.append(f"{low} cell: {name(fast)}: median {_num(fast['median'], outcome)} "
                        f"(10-90 %: {_num(fast['q10'], outcome)} to {_num(fast['q90'], outcome)}).")
    rep.findings.append(f"{high} cell: {name(slow)}: median {'≥' if slow['censored_median'] else ''}"
                        f"{_num(slow['median'], outcome)} ({int(slow['censored'])} of {int(slow['runs'])} "
                        "runs censored).")
    note = ("times in months; `censored` runs never reached the event and count at the run length"
            if tables.is_time(outcome) else f"quantiles of `{outcome}` across the cell's runs")
    rep.sections.append(f"## Findings table\n\nOne row per cell; {note}.\n\n" + md_table(cells) + "\n")
    if heat:
        grid = cells if len(by) == len(factors) else cells.groupby(heat, as_index=False).agg(
            median=("median", "median"), censored_median=("censored_median", "max"),
            mean_share_integrated_at_end=("mean_share_integrated_at_end", "mean"))
        facet = heat[2] if len(heat) > 2 else None
        png = figures.heatmap(grid, heat[0], heat[1], facet, outcome, rep.figdir / "heatmap")
        note = " (≥N: half or more of the cell's runs never got there)" if tables.is_time(outcome) else ""
        rep.figure(png, f"Median {outcome.replace('_', ' ')} by {', '.join(heat)}{note}")
        if tables.is_time(outcome):  # where times are censored, how far integration got is the other half
            png = figures.heatmap(grid, heat[0], heat[1], facet, outcome, rep.figdir / "heatmap_share_at_end",
                                  title="Mean share of systems integrated at the end of the run",
                                  value="mean_share_integrated_at_end")
            rep.figure(png, f"Mean share of systems integrated at the end, by {', '.join(heat)}")


def _survival(rep: _Report, factors: list[str], by: str | None) -> None:
    """Time to integration per system as censored survival data: Kaplan-Meier curves by the
    spread grouping, restricted means per cell, a Cox model of the factors clustered by run."""
    numeric = [f for f in factors if pd.api.types.is_numeric_dtype(rep.rows[f])
               and rep.rows[f].nunique() > 1]  # a factor at one level has no hazard ratio
    times = survival.system_times(rep.rows, numeric)
    if times.empty or not numeric or not times["event"].any():
        return
    if not extras.has("survival"):
        rep.findings.append("Left out: the per-system survival analysis (Kaplan-Meier curves, restricted "
                            "mean months to integration, Cox hazard ratios), which needs the [survival] "
                            f"extra (lifelines is not installed): {extras.install_hint('survival')}.")
        return
    horizon = float(rep.rows["steps"].max())
    rmst = survival.rmst_table(times, numeric, horizon)
    rmst.to_csv(rep.dest / "survival_rmst.csv", index=False, float_format="%.6g")
    cox = survival.cox_table(times, numeric)
    cox.to_csv(rep.dest / "survival_cox.csv", index=False, float_format="%.6g")
    lines = [f"`{r.factor}` {r.hazard_ratio:.3g} ({r.hr_lo:.3g}-{r.hr_hi:.3g})"
             for r in cox.itertuples()]
    rep.findings.append("Per system, as censored survival data (lifelines; "
                        f"{int(times['event'].sum())} of {len(times)} systems integrated within "
                        "their run): Cox hazard ratios per unit of each factor, 95 % interval "
                        "robust to the clustering of systems in runs (above 1: faster) - "
                        + "; ".join(lines) + ".")
    arm = by if by in numeric else numeric[0]
    kept = times
    for key, value in ((rep.meta["spec"].get("analysis") or {}).get("spread_where") or {}).items():
        if key in kept.columns and key != arm:
            kept = kept[kept[key] == value]
    km = survival.km_table(kept if not kept.empty else times, arm, horizon)
    where = ", ".join(f"{k} = {v}" for k, v in
                      ((rep.meta["spec"].get("analysis") or {}).get("spread_where") or {}).items())
    caption = ("Kaplan-Meier: share of systems not yet integrated, by " + arm
               + (f" ({where})" if where else "") + ", with pointwise 95 % bands (not "
               "clustered by run, so too narrow)")
    title = f"Systems not yet integrated (Kaplan-Meier), by {arm}" + (f"\n{where}" if where else "")
    png = figures.save(survival.km_figure(km, arm, title), rep.figdir / "km")
    rep.figure(png, caption)
    rep.sections.append("Restricted mean months to integration per system, up to the run's "
                        f"length ({horizon:.0f} months), by cell: `survival_rmst.csv`; the Cox "
                        "model: `survival_cox.csv`.\n")


def _spread(rep: _Report, by: str | None) -> None:
    store = Store(rep.out)
    nat = store.read("national", columns=["run_id", "step", "share_integrated"])
    if nat.empty:
        rep.sections.append("(Spread curves need the per-run national tables in `runs/`, not present.)\n")
        return
    rows = rep.rows[rep.rows["stage"] == "main"]
    where = (rep.meta["spec"].get("analysis") or {}).get("spread_where") or {}
    kept = rows
    for key, value in where.items():
        kept = kept[kept[key] == value]
    if kept.empty:  # e.g. a --quick version without those values: use every run
        where = {}
    else:
        rows = kept
    bands = tables.spread_bands(nat, rows, by)
    cond = ", ".join(f"{k} = {figures._fmt(v)}" for k, v in where.items())
    title = "Share of systems integrated" + (f" ({cond})" if cond else "")
    png = figures.spread(bands, by, rep.figdir / "spread", title=f"{title}: median, 10-90 % band")
    rep.figure(png, f"{title}: median and 10-90 % band across runs{', by ' + by if by else ''}")


def _sensitivity(rep: _Report, stage: dict[str, Any], outcome: str, primary: bool = True) -> None:
    """Morris or Sobol' indices of ``outcome`` for one stage: figure, CSV, table, findings."""
    seed = int(rep.meta["root_seed"])
    suffix = "" if primary else f"__{outcome}"
    what = f" of `{outcome}`" if not primary else ""
    n_cens = int(tables.censored(rep.rows[rep.rows["stage"] == stage["stage"]], outcome)[1].sum())
    cens = (f" ({n_cens} of {stage['runs']} runs censored at the run length)"
            if tables.is_time(outcome) else "")
    if stage["design"] == "morris":
        table = tables.morris_table(rep.rows, stage, outcome, seed)
        table.to_csv(rep.dest / f"morris{suffix}.csv", index=False, float_format="%.6g")
        png = figures.morris(table, rep.figdir / f"morris{suffix}", outcome)
        rep.figure(png, f"Morris screening{what}: {len(stage['factors'])} parameters ({stage['runs']} runs)")
        top = table.groupby("factor", sort=False)["mu_star"].mean().sort_values(ascending=False)
        unit = " (months)" if tables.is_time(outcome) else ""
        rep.findings.append(f"Morris mu*{unit} of `{outcome}`{cens}, largest first: "
                            + ", ".join(f"{k} {v:.3g}" for k, v in top.head(10).items()) + ".")
        rep.sections.append(f"## Morris indices of `{outcome}` (top 20)\n\n" + md_table(
            table.sort_values("mu_star", ascending=False).head(20)) + "\n")
    elif stage["design"] == "sobol":
        table = tables.sobol_table(rep.rows, stage, outcome, seed)
        table.to_csv(rep.dest / f"sobol{suffix}.csv", index=False, float_format="%.6g")
        png = figures.sobol(table, rep.figdir / f"sobol{suffix}", outcome)
        rep.figure(png, f"Sobol' indices{what}: the top {len(stage['factors'])} parameters "
                        f"({stage['runs']} runs)")
        t = table.sort_values("ST", ascending=False)
        rep.findings.append(f"Sobol' total indices of `{outcome}`{cens}, largest first: " + ", ".join(
            f"{r.factor} {r.ST:.2f} ± {r.ST_conf:.2f}" for r in t.head(5).itertuples()) + "; first-order "
            f"indices sum to {t['S1'].sum():.2f}.")
        rep.sections.append(f"## Sobol' indices of `{outcome}`\n\n" + md_table(t) + "\n")


def _provenance(meta: dict[str, Any]) -> str:
    sessions = meta.get("sessions", [])
    lines = [f"- spec hash `{meta['spec_hash'][:16]}`, root seed {meta['root_seed']} ({meta['seed_rule']})",
             f"- drumbeat {meta['package_version']}, git commit `{meta['git_commit']}`",
             f"- started {meta['created']}, completed {meta.get('completed')}",
             "- libraries: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items())]
    for s in sessions:
        lines.append(f"- session {s['start']} - {s.get('end')}: {s.get('runs_run', '?')} runs on "
                     f"{s.get('executor', '?')} ({s.get('runs_per_second', '?')} runs/s)")
    return "\n".join(lines)


def write_report(out: str | Path, claim: Any = None) -> Path:
    """Write figures, tables and ``report.md`` for the sweep in ``out``; return the report path.

    Everything is written into a stamped staging folder inside ``out`` and then published
    (:func:`experiments.sweeps.outputs.publish`): each file flushed, renamed into place
    (``report.md`` last) and recorded by hash in the folder's marker; a file of someone else's
    where one must go refuses the report before anything moves. A report killed part-way
    leaves every earlier file whole and its staging folder, which the next report removes.

    Args:
        claim: the folder's :class:`~experiments.sweeps.outputs.Claim`, held by the caller.
    """
    from ..sweeps.outputs import Claim, publish

    out = Path(out)
    clean_partials(out / "report")
    with building(out / "report") as stage:
        path = _write_report(out, stage)
        publish(claim if claim is not None else Claim(out, "sweep"), stage, last="report.md")
    return path


def report_into(folder: Path) -> Path:
    """Write the report of a sweep folder under the common lock; record its files in the marker
    (``drumbeat report``, ``drumbeat sweep`` and :meth:`experiments.api.SweepResult.report`)."""
    from ..sweeps.outputs import Claim

    if not Path(folder).is_dir():
        raise ConfigError(f"{folder}: no such folder")
    with Claim(folder, "sweep") as claim:
        return write_report(folder, claim)


def _write_report(out: Path, dest: Path) -> Path:
    """The report of the sweep in ``out``, written into ``dest``; returns its final path."""
    store = Store(out)
    meta = store.metadata()
    if meta is None:
        raise ConfigError(f"{out}: no metadata.json; not a sweep folder")
    rows = store.read("summary")
    if rows.empty:
        raise ConfigError(f"{out}: no finished runs to report")
    rep = _Report(out, meta, rows, dest)
    outcome, factors, heat, spread_by = _settings(meta)
    if outcome not in rows.columns:
        raise ConfigError(f"{out}: analysis.outcome '{outcome}' is not a result column")
    _overall(rep, outcome)
    main = meta["stages"][0]
    if main["design"] == "factorial" and factors:
        _factorial(rep, outcome, factors, heat)
        _survival(rep, factors, spread_by)
    for stage in meta["stages"]:
        if stage["design"] in ("morris", "sobol"):
            _sensitivity(rep, stage, outcome)
            for extra in (meta["spec"].get("analysis") or {}).get("also") or []:
                if extra not in rows.columns:
                    raise ConfigError(f"{out}: analysis.also: '{extra}' is not a result column")
                _sensitivity(rep, stage, extra, primary=False)
    _spread(rep, spread_by if main["design"] == "factorial" or spread_by == "scenario" else None)
    total = meta["runs_total"]
    status = "" if len(rows) == total else f" (**incomplete: {len(rows)} of {total} runs**)"
    text = "\n".join([
        f"# {meta['name']}{' (quick)' if meta.get('quick') else ''}\n",
        meta.get("description", "") + "\n",
        f"{len(rows)} runs{status} from `drumbeat sweep {meta['spec_file']}"
        f"{' --quick' if meta.get('quick') else ''}`; design "
        + ", then ".join(f"{s['design']} ({s['points']} points x {s['replicates']} replicates)"
                         for s in meta["stages"])
        + f", over {', '.join(meta['scenarios'])}. Outcome: `{outcome}`.\n",
        "## Findings\n", *[f"- {f}" for f in rep.findings], "",
        *([(meta["spec"].get("analysis") or {}).get("note", "").strip() + "\n"]
          if (meta["spec"].get("analysis") or {}).get("note") else []),
        *rep.sections,
        "## Spec\n", "```toml", meta["spec_text"].rstrip(), "```\n",
        "## Provenance\n", _provenance(meta), "",
    ])
    (dest / "report.md").write_text(text, encoding="utf-8")
    return out / "report.md"
