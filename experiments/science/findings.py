"""Analysis and figures of the two findings: durability, and the eight first-wave systems.

Both read a finished sweep (``experiments.sweeps.store.Store``) and write tables (CSV) and figures
(PNG, SVG) beside it::

    drumbeat findings durability results/durability
    drumbeat findings first_wave results/first_wave

*Durability* (``configs/experiments/durability.toml``): for every system already designated
when the shocks begin, its integration index, committed share and pooled share just before
(``PRE``), at their lowest during the shocks and the following year, and a year after the
shocks end (``AFTER``); losses are ``pre - after``. *First wave*
(``configs/experiments/first_wave.toml``): months to designation per system, with runs that
never get there censored at the run length (Kaplan-Meier), beside the system's composition
read from its scenario file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from experiments.analysis.figures import save, subplots
from experiments.sweeps.store import Store
from simulation import ConfigError, load_scenario
from simulation.configs import config_dir

SHOCK = 120          # first month of the shocks (durability scenarios)
SHOCK_END = 131      # last month in which a shock lever is set
PRE = SHOCK - 1
AFTER = SHOCK_END + 12
MEASURES = ("integration_index", "committed_share", "pooled_share", "mean_trust")
NATIONAL = ("mean_index", "committed_share", "pooled_share", "share_mature", "mean_trust")
DESIGN = ("mandated_fragility", "internal_successor_maturity")  # durability factors (defaults: their largest)


def _arm(path: str) -> str:
    return Path(path).stem


def _runs(store: Store, table: str) -> pd.DataFrame:
    """``table`` of every run, with the run's arm (scenario file stem) and design values."""
    summary = store.read("summary")
    ids = [c for c in summary.columns if c in ("run_id", "scenario_file", *DESIGN)]
    df = store.read(table).merge(summary[ids], on="run_id")
    return df.assign(arm=df["scenario_file"].map(_arm))


# --- durability ----------------------------------------------------------------------------
def durability_systems(systems: pd.DataFrame) -> pd.DataFrame:
    """One row per (run, system designated before the shocks): levels before, trough, after."""
    pre = systems[systems["step"] == PRE]
    pre = pre[pre["designated"].astype(bool)]
    keys = ["run_id", "system"]
    window = systems[(systems["step"] >= SHOCK) & (systems["step"] <= AFTER)]
    trough = window.groupby(keys)[list(MEASURES)].min()
    after = systems[systems["step"] == AFTER].set_index(keys)[list(MEASURES)]
    out = pre.set_index(keys)[["arm", *(c for c in DESIGN if c in pre), *MEASURES]]
    out = out.join(trough.add_suffix("_trough")).join(after.add_suffix("_after"))
    for m in MEASURES:
        out[f"{m}_loss"] = out[m] - out[f"{m}_after"]
        out[f"{m}_trough_drop"] = out[m] - out[f"{m}_trough"]
    return out.reset_index()


def durability_table(per_system: pd.DataFrame) -> pd.DataFrame:
    """Per arm (and fragility): run-level mean losses summarised across runs (median, IQR)."""
    by = ["arm", *(c for c in DESIGN if c in per_system)]
    cols = [c for c in per_system.columns if c.endswith(("_loss", "_trough_drop")) or c in MEASURES]
    per_run = per_system.groupby([*by, "run_id"])[cols].mean()
    per_run["systems_integrated"] = per_system.groupby([*by, "run_id"]).size()
    g = per_run.groupby(level=by)
    table = g.median().add_suffix("_median").join(g.quantile(0.25).add_suffix("_q25")).join(
        g.quantile(0.75).add_suffix("_q75"))
    table["runs"] = g.size()
    return table.reset_index()


def durability_figures(national: pd.DataFrame, table: pd.DataFrame, out: Path) -> list[Path]:
    """National curves of both arms with the shock window shaded; losses per arm."""
    for col in DESIGN:  # curves of the default cell
        if col in national:
            national = national[national[col] == national[col].max()]
    fig, axes = subplots(1, len(NATIONAL), figsize=(4.0 * len(NATIONAL), 3.4), sharex=True)
    for ax, col in zip(axes, NATIONAL, strict=True):
        for arm, sub in national.groupby("arm"):
            q = sub.groupby("step")[col].quantile([0.1, 0.5, 0.9]).unstack()
            ax.plot(q.index, q[0.5], label=arm.replace("_", "-"))
            ax.fill_between(q.index, q[0.1], q[0.9], alpha=0.25)
        ax.axvspan(SHOCK, SHOCK_END + 1, color="grey", alpha=0.2, lw=0)
        ax.set_title(col.replace("_", " "))
        ax.set_xlabel("month")
    axes[0].legend(frameon=False)
    fig.suptitle("Durability: national medians and 10-90% bands across runs; shocks shaded", y=1.04)
    paths = [save(fig, out / "figures" / "durability_curves")]
    paths.append(_loss_bars(table, out))
    return paths


def _loss_bars(table: pd.DataFrame, out: Path) -> Path:
    """Grouped bars: one group per design cell, one bar per arm (median, IQR across runs)."""
    panels = (("integration_index_loss", "integration index lost (a year after)"),
              ("pooled_share_trough_drop", "pooled share: deepest drop"),
              ("pooled_share_loss", "pooled share lost (a year after)"))
    design = [c for c in DESIGN if c in table]
    cells = table[design].drop_duplicates().reset_index(drop=True) if design else pd.DataFrame(index=[0])
    arms = sorted(table["arm"].unique())
    width = 0.8 / len(arms)
    fig, axes = subplots(1, len(panels), figsize=(4.6 * len(panels), 3.8))
    for ax, (m, title) in zip(axes, panels, strict=True):
        for k, arm in enumerate(arms):
            sub = table[table["arm"] == arm]
            sub = sub.merge(cells, on=design) if design else sub
            med = sub[f"{m}_median"].to_numpy()
            err = np.vstack([med - sub[f"{m}_q25"], sub[f"{m}_q75"] - med])
            ax.bar(np.arange(len(sub)) + (k - (len(arms) - 1) / 2) * width, med, width, yerr=err,
                   capsize=2, label=arm.replace("_", "-"))
        labels = ["\n".join(f"{c.split('_')[-1]} {r[c]:g}" for c in design) for _, r in cells.iterrows()]
        ax.set_xticks(range(len(cells)), labels, fontsize=8)
        ax.axhline(0, color="black", lw=0.6)
        ax.set_title(title, fontsize=10)
    axes[0].legend(frameon=False, fontsize=8)
    fig.suptitle("What the shocks took from integrated systems (median across runs, IQR)", y=1.03)
    return save(fig, out / "figures" / "durability_losses")


def durability(out: Path, dest: Path) -> pd.DataFrame:
    """Tables and figures of the durability sweep in ``out``, written into ``dest``."""
    store = Store(out)
    per_system = durability_systems(_runs(store, "systems"))
    table = durability_table(per_system)
    per_system.to_csv(dest / "durability_systems.csv", index=False)
    table.to_csv(dest / "durability.csv", index=False)
    durability_figures(_runs(store, "national"), table, dest)
    return table


# --- first wave ------------------------------------------------------------------------------
def km_curve(times: np.ndarray, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier share reached by each time; NaN times are censored at ``horizon``."""
    t = np.where(np.isnan(times), np.inf, times)
    event_times = np.unique(t[np.isfinite(t)])
    share, surv = [], 1.0
    for et in event_times:
        at_risk = (t >= et).sum()
        surv *= 1 - (t == et).sum() / at_risk
        share.append(1 - surv)
    last = share[-1] if share else 0.0
    return np.concatenate([[0.0], event_times, [horizon]]), np.array([0.0, *share, last])


def km_median(times: np.ndarray, horizon: float) -> float:
    """Kaplan-Meier median time; NaN when fewer than half get there within ``horizon``."""
    x, y = km_curve(times, horizon)
    hit = np.flatnonzero(y >= 0.5)
    return float(x[hit[0]]) if hit.size else float("nan")


def composition(path: Path) -> dict:
    """Organisation counts and history of the one system in a first-wave scenario file."""
    scn = load_scenario(path)
    s = scn.system[0]
    o = s.orgs
    n = sum(o.values())
    return {"system": s.name, "organisations": n, "ccgs": o.get("ccg", 0),
            "councils": o.get("council", 0) + o.get("district", 0),
            "acute": o.get("acute", 0) + o.get("acute_community", 0),
            "prior_collaboration": s.prior_collaboration, "hostility": s.hostility,
            "population": s.population, "lead": s.lead}


def first_wave_table(summary: pd.DataFrame, spec_dir: Path, cell_filter: dict | None = None) -> pd.DataFrame:
    """Per system: composition, KM median months to designation, share designated by 60 months."""
    rows = summary
    for k, v in (cell_filter or {}).items():
        rows = rows[np.isclose(rows[k], v)]
    out = []
    for file, sub in rows.groupby("scenario_file"):
        times = sub["months_to_first_designation"].to_numpy(dtype=float)
        horizon = float(sub["steps"].max())
        x, y = km_curve(times, horizon)
        by60 = y[np.searchsorted(x, 60.0, side="right") - 1]
        out.append({**composition(spec_dir / file),
                    "median_months": km_median(times, horizon), "share_by_60_months": by60,
                    "restricted_mean_months": restricted_mean(times, horizon),
                    "share_within_run": float(np.mean(~np.isnan(times))), "runs": len(sub),
                    "horizon_months": horizon})
    return pd.DataFrame(out).sort_values("median_months", na_position="last").reset_index(drop=True)


def drivers(table: pd.DataFrame) -> pd.DataFrame:
    """Spearman rank correlation across systems of each composition measure with median time."""
    t = table["median_months"].fillna(table["horizon_months"])
    rows = []
    for col in ("organisations", "ccgs", "councils", "acute", "prior_collaboration", "hostility",
                "population"):
        rho, p = spearmanr(table[col], t)
        rows.append({"driver": col, "spearman_rho": rho, "p_value": p})
    return pd.DataFrame(rows)


def first_wave_figures(summary: pd.DataFrame, table: pd.DataFrame, out: Path,
                       cell_filter: dict | None = None) -> list[Path]:
    rows = summary
    for k, v in (cell_filter or {}).items():
        rows = rows[np.isclose(rows[k], v)]
    fig, (ax1, ax2) = subplots(1, 2, figsize=(11, 4.2))
    names = dict(zip(rows["scenario_file"].map(_arm), rows["scenario_file"], strict=False))
    for stem in sorted(names):
        sub = rows[rows["scenario_file"].map(_arm) == stem]
        x, y = km_curve(sub["months_to_first_designation"].to_numpy(dtype=float), float(sub["steps"].max()))
        ax1.step(x, y, where="post", label=stem.replace("_", " "))
    ax1.set_xlabel("months from April 2016")
    ax1.set_ylabel("share of runs designated (Kaplan-Meier)")
    ax1.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(0.0, -0.15), ncol=2)
    t = table["median_months"].fillna(table["horizon_months"])
    sc = ax2.scatter(table["organisations"], t, c=table["prior_collaboration"],
                     s=40 + 200 * table["hostility"], cmap="viridis", edgecolor="black")
    for _, r in table.iterrows():
        ax2.annotate(r["system"].split(" and ")[0].split(",")[0], (r["organisations"], t[_]), fontsize=7,
                     xytext=(4, 3), textcoords="offset points")
    fig.colorbar(sc, ax=ax2, label="prior collaboration")
    ax2.set_xlabel("organisations in the system (marker size: hostility)")
    ax2.set_ylabel("median months to designation (censored at run end)")
    fig.suptitle("The eight first-wave systems")
    return [save(fig, out / "figures" / "first_wave")]


def restricted_mean(times: np.ndarray, horizon: float) -> float:
    """Mean months to designation restricted to ``horizon`` (area under the KM not-yet curve)."""
    x, y = km_curve(times, horizon)
    return float(np.sum(np.diff(x) * (1 - y[:-1])))


def main_effects(summary: pd.DataFrame, factors: dict[str, float], spec_dir: Path) -> pd.DataFrame:
    """Per system and factor: restricted mean months with the factor at its default and at 0,
    each over every cell of the other factors (the factorial's main effect)."""
    rows = []
    for file, sub in summary.groupby("scenario_file"):
        horizon = float(sub["steps"].max())
        row = {"system": composition(spec_dir / file)["system"]}
        for k, v in factors.items():
            on = sub[np.isclose(sub[k], v)]["months_to_first_designation"].to_numpy(dtype=float)
            off = sub[np.isclose(sub[k], 0.0)]["months_to_first_designation"].to_numpy(dtype=float)
            row[f"{k}: default"] = restricted_mean(on, horizon)
            row[f"{k}: off"] = restricted_mean(off, horizon)
            row[f"{k}: months saved when off"] = row[f"{k}: default"] - row[f"{k}: off"]
        rows.append(row)
    return pd.DataFrame(rows)


def effects_figure(effects: pd.DataFrame, table: pd.DataFrame, out: Path) -> Path:
    """Heat map: months each mechanism adds (red) or saves (blue) per system, factorial main effects."""
    cols = [c for c in effects.columns if c.endswith("months saved when off")]
    order = table["system"].tolist()
    grid = effects.set_index("system").loc[order, cols].to_numpy(dtype=float)
    lim = float(np.nanmax(np.abs(grid)))
    fig, ax = subplots(figsize=(1.5 * len(cols) + 3.5, 0.45 * len(order) + 1.6))
    ax.imshow(grid, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            ax.text(j, i, f"{grid[i, j]:+.0f}", ha="center", va="center", fontsize=8,
                    color="white" if abs(grid[i, j]) > 0.6 * lim else "black")
    ax.set_xticks(range(len(cols)), [c.split(":")[0].replace("_", " ") for c in cols], rotation=20,
                  ha="right", fontsize=8)
    ax.set_yticks(range(len(order)), order, fontsize=8)
    ax.set_title("Months to designation the mechanism adds (+) or saves (-)\n"
                 "(restricted mean, default against switched off, over all other cells)", fontsize=9)
    return save(fig, out / "figures" / "first_wave_drivers")


def first_wave(out: Path, dest: Path, spec_dir: Path | None = None) -> pd.DataFrame:
    """Tables and figure of the first-wave sweep in ``out``, written into ``dest``; the headline
    cell has every factor at its default. ``spec_dir``: the folder the spec's scenario paths
    are relative to (:func:`spec_folder`)."""
    from simulation.params import Params

    spec_dir = spec_folder(spec_dir)

    summary = Store(out).read("summary")
    d = Params()
    present = {k: getattr(d, k) for k in summary.columns if k in Params.model_fields}
    if not all(np.isclose(summary[k], v).any() for k, v in present.items()):
        raise ConfigError(f"{out}: the sweep has no cell with every factor at its default {present}")
    table = first_wave_table(summary, spec_dir, present)
    table.to_csv(dest / "first_wave.csv", index=False)
    drivers(table).to_csv(dest / "first_wave_drivers.csv", index=False)
    effects = main_effects(summary, present, spec_dir)
    effects.to_csv(dest / "first_wave_effects.csv", index=False)
    effects_figure(effects, table, dest)
    first_wave_figures(summary, table, dest, present)
    return table


def real_england(store: Store, dest: Path) -> pd.DataFrame:
    """Real England's forecast, system by system (:mod:`experiments.science.real_forecast`)."""
    from experiments.science.real_forecast import real_england as write
    from experiments.sweeps.extras import require
    from simulation.footprints import real_footprints

    require("survival", "drumbeat findings real_england (its Kaplan-Meier curves)")

    fp = real_footprints()
    return write(store.read("systems"), dict(zip(fp.names, fp.codes, strict=True)), dest)


def spec_folder(given: Path | None) -> Path:
    """The folder the spec's scenario paths are relative to: ``given``, else the shipped
    ``configs/experiments/`` (found from the package, whatever the current folder)."""
    folder = given if given is not None else config_dir() / "experiments"
    if not folder.is_dir():
        raise ConfigError(f"--spec-dir {folder}: no such folder (the folder the spec's scenario "
                          "paths are relative to; default: the shipped configs/experiments)")
    return folder


FINDINGS = ("durability", "first_wave", "real_england")


def write_finding(finding: str, out: Path, spec_dir: Path | None = None) -> pd.DataFrame:
    """Write a finding's tables and figures into the sweep folder ``out`` under the output rule:
    the folder must be a sweep's (its marker), the files are built aside, then published and
    recorded by hash; a file of someone else's where one must go refuses it, untouched.

    Raises:
        ConfigError: ``out`` is not a sweep folder, holds no finished runs, or lacks what the
            finding reads.
    """
    from experiments.sweeps.atomic import building, clean_partials
    from experiments.sweeps.outputs import Claim, publish

    if finding not in FINDINGS:
        raise ConfigError(f"finding {finding!r}: expected one of {', '.join(FINDINGS)}")
    if not Path(out).is_dir():
        raise ConfigError(f"{out}: no such folder")
    if finding == "first_wave":
        spec_dir = spec_folder(spec_dir)  # checked before the folder is locked
    with Claim(out, "sweep") as claim:
        store = Store(out)
        if not store.done_ids():
            raise ConfigError(f"{out}: holds no finished runs (runs/ is missing or empty; committed "
                              "results keep only their tables): run the sweep first, e.g. "
                              f"drumbeat sweep {finding} --out {out}")
        clean_partials(out / "findings")
        with building(out / "findings") as dest:
            try:
                table = {"durability": lambda: durability(out, dest),
                         "first_wave": lambda: first_wave(out, dest, spec_dir),
                         "real_england": lambda: real_england(store, dest)}[finding]()
            except KeyError as exc:
                raise ConfigError(f"{out}: its runs lack {exc}, which the {finding} finding reads; "
                                  f"is this the {finding} sweep?") from None
            publish(claim, dest)
    return table


def written(finding: str, folder: Path, table: pd.DataFrame) -> str:
    """What ``drumbeat findings`` prints once a finding is written."""
    return f"{table.to_string()}\ndrumbeat findings: {finding} written to {folder}/"


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.science.findings``: the same as ``drumbeat findings``."""
    import argparse

    from experiments.sweeps.command import Parser, exit_status

    p = Parser(prog="drumbeat findings", description=__doc__,
               formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("finding", choices=FINDINGS)
    p.add_argument("folder", type=Path)
    p.add_argument("--spec-dir", type=Path)
    args = p.parse_args(argv if argv is not None else sys.argv[1:])

    def work() -> None:
        print(written(args.finding, args.folder, write_finding(args.finding, args.folder, args.spec_dir)))

    return exit_status(work)


if __name__ == "__main__":
    sys.exit(main())
