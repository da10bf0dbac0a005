"""Does the headline hold over parameter uncertainty, and without each shortcut? One command
per experiment runs (or resumes) its sweep and writes the tables, a figure and
``robustness.md`` into its folder::

    python -m experiments.science.robustness configs/experiments/pressure_x_continuity_posterior.toml \\
        --workers 2 --reference results/pressure_x_continuity
    python -m experiments.science.robustness configs/experiments/pressure_x_continuity_shortcuts.toml \\
        --workers 2

* A spec with ``[posterior]`` (item 6 of "Validation that can fail"): every claim of
  :func:`experiments.science.claims.headline_claims` computed in each posterior draw (cell
  medians over the draw's replicates): ``posterior_effects.csv`` (per draw),
  ``posterior_claims.csv`` (share of draws holding, median effect, 10-90 % across draws;
  beside it the effect at default parameters from ``--reference``),
  ``figures/posterior_claims.png``.
* A spec with ``[variants]`` (item 7): every claim per variant, with a 90 % interval from
  resampling runs within cells, and whether it survives: ``shortcut_claims.csv``,
  ``figures/shortcut_claims.png``.

A sweep whose runs were already stored is only read (the sweep resumes with nothing to do);
``--force`` replaces a folder holding an earlier version of the experiment (e.g. runs made
with an older posterior file).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from experiments.analysis.figures import save, subplots
from experiments.analysis.report import md_table
from experiments.science import claims as C
from experiments.sweeps.atomic import building, clean_partials
from experiments.sweeps.outputs import Claim, publish
from experiments.sweeps.store import Store
from simulation.errors import ConfigError

BOOTSTRAP = 400
#: Findings written by hand beside the generated report. A person wrote it, so it is never
#: recorded in the marker: a ``--force`` that replaces the runs keeps it (and says so).
WRITTEN = "findings.md"
#: What each variant of the shortcuts spec switches off, and what else the switch touches
#: (read from simulation/mechanisms/; the model itself is not changed for these runs).
VARIANT_NOTES = {
    "default": "the model as it is: the reference for every other variant.",
    "no_outside_push": "`external_push = 0`: no Bass innovation push (commitment from outside "
                       "pressure alone); the copying push (`copy_rate`) still acts. Clean.",
    "no_review_learning": "`review_learning = 0`: a reviewed leader's orientation no longer moves "
                          "towards what the review measured. Clean: nothing else reads it.",
    "no_earned_autonomy": "`autonomy_months = 0`: a body that passes is due again next month. "
                          "Clean, though it means more reviews (within each regulator's capacity).",
    "no_undertakings": "`review_bar = 0`: every review passes. NOT a clean switch of undertakings "
                       "alone: with nobody below the bar there are no takeovers at review either, "
                       "and every reviewed body earns autonomy. No parameter removes undertakings "
                       "alone.",
    "no_interventions": "`failing_deficit = -50`, `failing_performance = 0`: nobody counts as "
                        "failing (performance is never below 0; year-to-date money stayed above "
                        "GBP -30m in a ten-year default run), so no takeover at review. NOT clean: "
                        "`failing_deficit` also scales the money standing in every review score "
                        "(regulation.scores: standing = 0.5 + ytd / (2 |failing_deficit|), so money "
                        "hardly moves scores), switches off the higher turnover of failing bodies "
                        "(leadership.py) and the centre's finance test for designation (centre.py), "
                        "and below-bar bodies that are no longer failing get undertakings instead. "
                        "No parameter removes takeovers alone.",
    "no_copying": "`copy_rate = 0`: leaders no longer copy systems designated elsewhere. Clean.",
}
REMOVED_NOTE = ("The size penalty (`size_penalty`) and the commitment lapse (`commitment_lapse`) "
                "named in the issue are no longer in the model (`REMOVED` in "
                "`simulation/params.py`: size acts only through structure; a successor's "
                "commitment stands or falls by the ordinary withdrawal rule), so they have no "
                "variant: there is nothing left to switch off.")


def _rows(store: Store) -> pd.DataFrame:
    return C.run_outcomes(store.read("summary"))


def _claim_text() -> dict[str, str]:
    return {c.key: c.text for c in C.headline_claims()}


# --- posterior ---------------------------------------------------------------------------
def posterior_tables(rows: pd.DataFrame, reference: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-draw effects, and their summary across draws (with the defaults' effect if given)."""
    claims = C.headline_claims()
    per_draw = C.effects(C.cell_medians(rows, ["posterior_draw"]), ["posterior_draw"], claims)
    table = C.across_draws(per_draw)
    if reference is not None:
        ref = C.effects(C.cell_medians(reference, []), [], claims)
        table = table.merge(ref.rename(columns={"effect": "at_defaults", "holds": "holds_at_defaults"}),
                            on=["claim", "outcome"], how="left")
    return per_draw, table


def posterior_drivers(rows: pd.DataFrame, per_draw: pd.DataFrame, params: list[str]) -> pd.DataFrame:
    """Spearman correlation across draws of each claim's effect on the share with each drawn
    parameter: which part of the posterior decides whether a claim holds."""
    from scipy.stats import spearmanr

    values = rows.groupby("posterior_draw")[params].first()
    share = per_draw[per_draw["outcome"] == "share_integrated_at_end"]
    out = []
    for claim, sub in share.groupby("claim", sort=False):
        eff = sub.set_index("posterior_draw")["effect"].reindex(values.index)
        row = {"claim": claim}
        for p in params:
            rho = spearmanr(values[p], eff).statistic if values[p].nunique() > 1 else float("nan")
            row[p] = float(rho)
        out.append(row)
    return pd.DataFrame(out)


def posterior_figure(per_draw: pd.DataFrame, dest: Path) -> Path:
    """Per-draw effects of every claim (points) with box plots, one panel per outcome."""
    import seaborn as sns

    fig, axes = subplots(1, 2, figsize=(12, 5.2), sharey=True)
    for ax, outcome in zip(axes, C.OUTCOMES, strict=True):
        sub = per_draw[per_draw["outcome"] == outcome]
        sns.boxplot(data=sub, x="effect", y="claim", color="0.9", whis=(10, 90), showfliers=False, ax=ax)
        sns.swarmplot(data=sub, x="effect", y="claim", hue="holds", palette={True: "tab:blue",
                      False: "tab:red"}, size=3.5, ax=ax, legend=ax is axes[0])  # no random jitter
        ax.axvline(0, color="k", lw=0.8)
        row = list(dict.fromkeys(sub["claim"])).index("system_intensity_no_speedup")
        ax.plot([C.TOLERANCE[outcome]] * 2, [row - 0.45, row + 0.45], color="k", lw=1.2, ls=":")
        ax.set_xlabel(f"effect in the claimed direction ({C.UNITS[outcome]})")
        ax.set_ylabel("")
    axes[0].legend(title="holds", frameon=False, loc="lower right")
    fig.suptitle("Headline claims in each posterior draw (box: quartiles, whiskers 10-90 %; "
                 "dotted: the tolerance of the 'no speed-up' claim, which holds left of it)", fontsize=10)
    return save(fig, dest / "figures" / "posterior_claims")


# --- shortcuts ---------------------------------------------------------------------------
def shortcut_table(rows: pd.DataFrame, seed: int, n: int = BOOTSTRAP) -> pd.DataFrame:
    """Per variant and claim: effect, 90 % interval, and whether the claim survives."""
    kinds = {c.key: c.kind for c in C.headline_claims()}
    out = []
    for variant in dict.fromkeys(rows["variant"]):
        t = C.bootstrap(rows[rows["variant"] == variant], C.headline_claims(), n, seed)
        t.insert(0, "variant", variant)
        out.append(t)
    table = pd.concat(out, ignore_index=True)
    table["survives"] = [C.verdict(r, kinds[r["claim"]]) for _, r in table.iterrows()]
    return table


def shortcut_figure(table: pd.DataFrame, dest: Path) -> Path:
    """Heat maps claim x variant of the effect, annotated with the verdict."""
    import seaborn as sns

    mark = {"yes": "", "weakened": "?", "no": "x"}
    fig, axes = subplots(1, 2, figsize=(15, 5.6))
    for ax, outcome in zip(axes, C.OUTCOMES, strict=True):
        sub = table[table["outcome"] == outcome]
        eff = sub.pivot(index="claim", columns="variant", values="effect")
        order = list(dict.fromkeys(sub["claim"]))
        cols = list(dict.fromkeys(sub["variant"]))
        eff = eff.loc[order, cols]
        ver = sub.pivot(index="claim", columns="variant", values="survives").loc[order, cols]
        annot = eff.round(1).astype(str) + ver.map(lambda v: f" {mark[v]}" if mark[v] else "")
        sns.heatmap(eff, annot=annot, fmt="", cmap="RdBu", center=0, ax=ax, cbar_kws={"shrink": 0.7},
                    yticklabels=ax is axes[0])
        ax.set_title(f"effect in the claimed direction ({C.UNITS[outcome]})", fontsize=9)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(axis="x", rotation=35)
    fig.suptitle("Headline claims with one rule switched off (?: weakened - the 90 % interval "
                 "crosses the line; x: reversed or vanished)", fontsize=10)
    return save(fig, dest / "figures" / "shortcut_claims")


# --- report ------------------------------------------------------------------------------
def _fmt(v: float) -> str:
    return f"{v:.1f}"


def _definitions(meta: dict) -> list[str]:
    text = _claim_text()
    lines = ["## Claims and outcomes", "",
             "Each claim is a contrast between cells of the design, read from the README's headline "
             "paragraph (`experiments/science/claims.py`). Outcomes, never censored: the share of "
             "systems integrated at 10 years (effect in percentage points of systems) and the "
             "restricted mean months to integration up to the run's length (120 months), a system "
             "never integrated counting the run's length (effect in months saved; with every "
             "system censored at the same horizon this plain mean is the Kaplan-Meier restricted "
             "mean). A cell's value is the median over its replicate runs. The 'no speed-up' "
             "claim holds when the speed-up is below "
             f"{C.TOLERANCE['share_integrated_at_end']:.0f} pp / {C.TOLERANCE['rmst_months']:.0f} "
             "months.", "", "| claim | what it says |", "|---|---|"]
    lines += [f"| `{k}` | {v} |" for k, v in text.items()]
    return lines


def _commands(meta: dict, folder: Path) -> list[str]:
    spec = meta.get("spec_file", "SPEC")
    ref = " --reference results/pressure_x_continuity" if meta["spec"].get("posterior") else ""
    return ["## Re-running", "", "```sh",
            f"PYTHONPATH=$PWD .venv/bin/python -m experiments.science.robustness "
            f"configs/experiments/{Path(spec).name} --workers 2{ref} --force", "```", "",
            "`--force` is needed only when the runs stored here were made by another version of "
            "the spec (for the posterior: another posterior file); it keeps the hand-written "
            "`findings.md`, which then describes the old runs and must be rewritten. An "
            "interrupted run resumes without it. Same spec, same file, same seeds: the same numbers."]


def _provenance(meta: dict) -> list[str]:
    s = meta["sessions"]
    wall = sum(x.get("wall_seconds") or 0 for x in s)
    return ["## Provenance", "", f"- {meta['runs_total']} runs, spec hash `{meta['spec_hash'][:16]}`, "
            f"root seed {meta['root_seed']}, git commit `{meta['git_commit']}`",
            f"- sweep sessions: {len(s)}, {wall / 60:.1f} minutes of wall time "
            f"({', '.join(str(x.get('executor')) for x in s)})",
            f"- created {meta['created']}, completed {meta['completed']}"]


def _tail(lines: list[str], meta: dict, dest: Path) -> str:
    parts = [*lines, *_definitions(meta), "", *_commands(meta, dest), "", *_provenance(meta)]
    return "\n".join(parts) + "\n"


def posterior_report(meta: dict, per_draw: pd.DataFrame, table: pd.DataFrame, drivers: pd.DataFrame,
                     png: Path, dest: Path) -> str:
    post = meta["spec"]["posterior"]
    draws = per_draw["posterior_draw"].nunique()
    particles = sorted({o["labels"]["posterior_particle"] for o in meta["overlays"]})
    lines = [f"# {meta['name']}: the headline over the calibrated posterior", "", meta["description"], "",
             f"{meta['runs_total']} runs: the 27 cells of intensity x focus x tenure, crossed with "
             f"{draws} parameter sets drawn by weight from `{post['file']}` (seed "
             f"{post.get('seed') or meta['root_seed']}; {len(particles)} distinct particles), "
             f"{meta['spec']['replicates']} replicates per draw and cell. Each draw sets "
             f"{', '.join(f'`{k}`' for k in meta['overlays'][0]['overrides'])} (the calibrated "
             "parameters, fitted on the England 2014 history and applied here to the synthetic "
             "England of the headline); everything else is at its default.", "",
             "## Posterior-draw table of the headline findings", "",
             "Share of draws in which each claim holds in the claimed direction (`share_tied`: "
             "draws with no difference at all, which do not count as holding), and the effect's "
             "median and 10-90 % interval across draws. `at_defaults`: the same effect in the "
             "committed headline runs at default parameters (20 replicates a cell).", ""]
    show = table.copy()
    show["outcome"] = show["outcome"].map({"share_integrated_at_end": "share at 10 y (pp)",
                                           "rmst_months": "RMST (months saved)"})
    cols = ["claim", "outcome", "draws", "share_holding", "share_tied", "median_effect", "q10", "q90"]
    cols += [c for c in ("at_defaults",) if c in show]
    lines += [md_table(show[cols], digits=3), "", "## What the table says", ""]
    for _, r in table[table["outcome"] == "share_integrated_at_end"].iterrows():
        rm = table[(table["claim"] == r["claim"]) & (table["outcome"] == "rmst_months")].iloc[0]
        lines.append(f"- `{r['claim']}`: holds in {r['share_holding']:.0%} of draws on the share "
                     f"(median {_fmt(r['median_effect'])} pp, 10-90 %: {_fmt(r['q10'])} to "
                     f"{_fmt(r['q90'])}) and {rm['share_holding']:.0%} on the restricted mean "
                     f"({_fmt(rm['median_effect'])} months, {_fmt(rm['q10'])} to {_fmt(rm['q90'])}).")
    lines += ["", f"![Headline claims in each posterior draw]({png.relative_to(dest).as_posix()})", "",
              "Which drawn parameter goes with a larger effect (Spearman correlation across draws "
              "of the effect on the share with the parameter's value; `posterior_drivers.csv`):", "",
              md_table(drivers, digits=2), "",
              "Tables: `posterior_claims.csv` (the table above), `posterior_effects.csv` (every "
              "draw's effects). A draw has only a few replicates a cell, so part of the spread "
              "across draws is replicate noise, not parameter uncertainty: the shares mix the two, "
              "and a claim whose effect is small fails in some draws by chance alone.", ""]
    return _tail(lines, meta, dest)


def shortcut_report(meta: dict, table: pd.DataFrame, png: Path, dest: Path) -> str:
    variants = meta["spec"]["variants"]
    lines = [f"# {meta['name']}: does the headline survive its alternatives?", "", meta["description"], "",
             f"{meta['runs_total']} runs: the 27 cells of intensity x focus x tenure at default "
             f"parameters, {meta['spec']['replicates']} replicates a cell, once under each variant. "
             "Effect: from the cell medians of the variant's runs; interval: 5-95 % of "
             f"{BOOTSTRAP} resamples of the runs within each cell. Survives: `yes` when the whole "
             "interval is on the claimed side (for the 'no speed-up' claim: below the tolerance), "
             "`weakened` when only the estimate is, `no` when the estimate is on the other side.", "",
             "## The variants", "", "| variant | overrides | what it switches off |", "|---|---|---|"]
    for name, over in variants.items():
        o = ", ".join(f"`{k} = {v}`" for k, v in over.items()) or "(none)"
        lines.append(f"| `{name}` | {o} | {VARIANT_NOTES.get(name, '')} |")
    lines += ["", REMOVED_NOTE, "", "## Finding x variant", ""]
    for outcome, title in (("share_integrated_at_end", "share integrated at 10 years (pp)"),
                           ("rmst_months", "restricted mean months saved")):
        sub = table[table["outcome"] == outcome]
        wide = sub.assign(cell=[f"{e:.1f} [{lo:.1f}, {hi:.1f}] {v}" for e, lo, hi, v in
                                zip(sub["effect"], sub["lo"], sub["hi"], sub["survives"], strict=True)])
        wide = wide.pivot(index="claim", columns="variant", values="cell")
        wide = wide.loc[list(dict.fromkeys(sub["claim"])), list(variants)].reset_index()
        lines += [f"### {title}", "", md_table(wide), ""]
    lines += ["## What survives", ""]
    for claim in dict.fromkeys(table["claim"]):
        sub = table[(table["claim"] == claim) & (table["outcome"] == "share_integrated_at_end")]
        bad = [f"{r['variant']} ({r['survives']})" for _, r in sub.iterrows() if r["survives"] != "yes"]
        lines.append(f"- `{claim}`: " + ("survives every variant on the share" if not bad else
                                          "on the share, not fully under " + ", ".join(bad)) + ".")
    lines += ["", f"![Claims by variant]({png.relative_to(dest).as_posix()})", "",
              "Table: `shortcut_claims.csv` (every claim, outcome and variant with its interval).", ""]
    return _tail(lines, meta, dest)


def analyse(folder: Path, reference: Path | None = None, seed: int = 0) -> Path:
    """Write the robustness tables, figure and ``robustness.md`` of a finished sweep folder."""
    meta_path = folder / "metadata.json"
    if not meta_path.is_file():
        raise ConfigError(f"{folder}: holds no sweep (no metadata.json)")
    meta = json.loads(meta_path.read_text())
    spec = meta["spec"]
    if not spec.get("posterior") and not spec.get("variants"):
        raise ConfigError(f"{folder}: its spec has neither [posterior] nor [variants]")
    missing = [f for f in C.FACTORS if f not in spec.get("factors", {})]
    if missing:
        raise ConfigError(f"{folder}: the headline claims need the factors {', '.join(C.FACTORS)}; "
                          f"this spec lacks {', '.join(missing)}")
    with Claim(folder, "sweep") as claim:
        store = Store(folder)
        rows = _rows(store)
        clean_partials(folder / "robustness")
        with building(folder / "robustness") as dest:
            if spec.get("posterior"):
                ref = C.run_outcomes(Store(reference).read("summary")) if reference else None
                per_draw, table = posterior_tables(rows, ref)
                drivers = posterior_drivers(rows, per_draw, list(meta["overlays"][0]["overrides"]))
                per_draw.to_csv(dest / "posterior_effects.csv", index=False)
                table.to_csv(dest / "posterior_claims.csv", index=False)
                drivers.to_csv(dest / "posterior_drivers.csv", index=False)
                text = posterior_report(meta, per_draw, table, drivers, posterior_figure(per_draw, dest),
                                        dest)
            else:
                table = shortcut_table(rows, seed)
                table.to_csv(dest / "shortcut_claims.csv", index=False)
                text = shortcut_report(meta, table, shortcut_figure(table, dest), dest)
            (dest / "robustness.md").write_text(text, encoding="utf-8")
            publish(claim, dest, last="robustness.md")
    return folder / "robustness.md"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.science.robustness", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("spec", help="a spec with [posterior] or [variants] (file or shipped name)")
    ap.add_argument("--out", type=Path, help="output folder (default results/NAME)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="the spec's [quick] version")
    ap.add_argument("--force", action="store_true", help="replace an earlier version's runs in --out")
    ap.add_argument("--allow-code-change", action="store_true",
                    help="resume runs that other code made by running them again")
    ap.add_argument("--reference", type=Path, help="posterior: a default-parameter sweep of the same design")
    args = ap.parse_args(argv)
    from experiments.sweeps.sweep import run_sweep

    try:
        out = run_sweep(args.spec, args.out, quick=args.quick, workers=args.workers, force=args.force,
                        show_progress=False, log_every=60.0, allow_code_change=args.allow_code_change)
        if json.loads((out / "metadata.json").read_text())["spec"].get("posterior"):
            from experiments.analysis.report import report_into  # the pooled heat maps, as drumbeat sweep

            print(f"robustness: {report_into(out)}")
        print(f"robustness: {analyse(out, args.reference)}")
    except ConfigError as exc:
        print(f"robustness: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
