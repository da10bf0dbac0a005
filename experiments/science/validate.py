"""Pattern-oriented validation: every pattern of Brief section 6 against a named alternative.

The criteria - patterns, arms, checks and tolerances, each pattern's alternative model and
how it is re-tuned - are data in ``configs/validation/patterns.toml``, committed before the
runs that judge them (:mod:`experiments.science.criteria`; the scorecard records the file's
SHA-256). :func:`score` runs the full model's arms and each alternative's tuning grid, tunes
every alternative to the full model's final integrated share (:mod:`experiments.science.
alternatives`), runs the pattern's arms under the tuned alternative, and judges both. Every
run goes through the resumable run store (:mod:`experiments.science.runs`). :func:`write`
gives ``scorecard.md``, ``scorecard.json`` (strict JSON; each pattern with ``id``, ``title``,
``kind``, ``passed``, ``alternative`` = {``name``, ``description``, ``passed``, ...} and
``discriminating``) and ``patterns.png`` (seaborn: the headline metric per run, full model
against alternative). The CI tests in ``tests/patterns/`` use the same definitions with
fewer replicates.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from ..sweeps.atomic import json_text
from ..sweeps.progress import Progress
from . import patterns as P


def score(size: str, workers: int = 1, scheduler: str | None = None,
          numbers: list[int] | None = None, log=None,
          store_folder: Path | None = None) -> tuple[list[dict[str, Any]], dict]:
    """Run and judge the patterns and their re-tuned alternatives.

    Two batches, both through the resumable run store (:mod:`experiments.science.runs`):
    first the full model's arms and every alternative's tuning grid, then each pattern's arms
    under its alternative at the tuned rate.

    Returns:
        One record per pattern, and the samples per arm: ``{"model": ..., "alternative":
        {pattern number: ...}}``.
    """
    from . import alternatives as A
    from . import criteria, runs

    crit = criteria.load()
    pats = P.by_number(numbers)
    store = runs.RunStore(store_folder)
    reps = crit.tuning.replicates.ci if size == "ci" else crit.tuning.replicates.full
    def key(p: P.Pattern) -> tuple[str, str, str]:
        return (p.alternative.name, p.match.name, p.match_metric)

    # the target of each (alternative, match arm, metric): the full model's median over the
    # most seeds any pattern using it has
    n_match: dict[tuple[str, str, str], int] = {}
    for p in pats:
        n_match[key(p)] = max(n_match.get(key(p), 0), len(p.seeds(size)))
    grids = {key(p): list(crit.tuning.grid[p.alternative.free_rate]) for p in pats}
    first: list[tuple[P.Arm, int]] = []
    for p in pats:
        first += [(a, s) for a in p.arms for s in p.seeds(size)]
        first += [(p.match, s) for s in range(n_match[key(p)])]
        first += A.grid_arms(p, grids[key(p)], reps)
    done = runs.collect(first, workers, scheduler, store, _progress(log, "model and tuning"))
    leads = {key(p): p for p in reversed(pats)}  # one pattern stands for each key
    finer: list[tuple[P.Arm, int]] = []
    for k, p in leads.items():  # coarse grid, then a finer look where the curve crosses
        t = A.tune(p, grids[k], reps, done, range(n_match[k]), crit.tuning.tolerance)
        more = A.refinement(grids[k], t.rate, t.inside, crit.tuning.refine)
        grids[k] = sorted(set(grids[k]) | set(more))
        finer += A.grid_arms(p, more, reps)
    done |= runs.collect(finer, workers, scheduler, store, _progress(log, "finer tuning"))
    tuned = {k: A.tune(p, grids[k], reps, done, range(n_match[k]), crit.tuning.tolerance)
             for k, p in leads.items()}
    second: list[tuple[P.Arm, int]] = []
    for p in pats:
        t = tuned[key(p)]
        second += [(p.alternative.applied(a, t.rate), s) for a in p.arms for s in p.seeds(size)]
        second += [(p.alternative.applied(p.match, t.rate), s) for s in t.seeds]
    done |= runs.collect(second, workers, scheduler, store, _progress(log, "alternatives"))
    records = []
    samples: dict[str, Any] = {"model": {}, "alternative": {}}
    for p in pats:
        t = tuned[key(p)]
        t.achieved = A.match_median(p, t.rate, done, t.seeds)
        model = runs.by_name(done, p.arms, p.seeds(size))
        rival = runs.by_name(done, [p.alternative.applied(a, t.rate) for a in p.arms],
                             p.seeds(size))
        samples["model"].update(model)
        samples["alternative"][p.number] = rival
        records.append(record(p, P.evaluate(p, model), P.evaluate(p, rival), t, size))
    return records, samples


def runs_folder(out: Path) -> Path:
    """Where the runs of a validation into ``out`` are kept: a hidden sibling folder."""
    return out.parent / f".{out.name}.runs"


def code_key(size: str, numbers: list[int] | None) -> dict[str, Any]:
    """What makes a scorecard's numbers, as its marker records it: the model's code and the
    patterns' (``runs.code_fingerprint()``), the size, the patterns chosen, the criteria, and
    the scenario of every arm as it loads today (so a calibration that writes a new calibrated
    scenario makes the scorecard that judges it out of date)."""
    from ..sweeps import provenance
    from . import criteria

    arms = {a.name: a.build().digest() for p in P.by_number(numbers) for a in p.arms}
    inputs = provenance.digest({"size": size, "patterns": numbers, "criteria": criteria.digest(),
                                "scenarios": dict(sorted(arms.items()))})
    return provenance.code_key(inputs, (Path(P.__file__),))


def record(p: P.Pattern, verdicts: list, rival: list, tuned, size: str) -> dict[str, Any]:
    """The scorecard entry of one pattern: its checks, and its alternative's."""
    passed = P.passes(verdicts)
    alt_passed = P.passes(rival)
    alt = p.alternative
    return {
        "id": p.number, "title": p.title, "kind": "validation", "claim": p.claim,
        "sources": p.sources, "passed": passed, "discriminating": passed and not alt_passed,
        "alternative": {"name": alt.name, "title": alt.title, "description": alt.description,
                        "overrides": dict(alt.overrides), "passed": alt_passed,
                        "free_rate": tuned.as_dict(),
                        "checks": [v.as_dict() for v in rival]},
        "replicates_per_arm": len(p.seeds(size)),
        "arms": {a.name: {"scenario": a.scenario, "overrides": dict(a.overrides),
                          "events": [dict(e) for e in a.events]} for a in p.arms},
        "checks": [v.as_dict() for v in verdicts],
        "verification": list(p.verification),
    }


def _progress(log, what: str):
    """A progress callback: a bar on a terminal or in a notebook, a line per tenth elsewhere."""
    bar: list[Progress] = []  # made at the first finished run, when the total is known
    last = [0]

    def progress(done: int, total: int) -> None:
        if not bar:
            bar.append(Progress(total, log=log or print))
            if log:
                log(f"  {what}: {total} runs")
        bar[0].update(done - bar[0].done)
        if bar[0].bar is None and log and (done == total or done - last[0] >= max(total // 10, 1)):
            last[0] = done
            log(f"  {bar[0].line()}")
        if done == total:
            bar[0].close()

    return progress


def _fmt(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.3g}"


def _check_cell(c: dict[str, Any]) -> str:
    mark = "pass" if c["passed"] else "fail"
    return f"{_fmt(c['effect'])} ({_fmt(c['interval'][0])} to {_fmt(c['interval'][1])}) {mark}"


def scorecard_md(records: list[dict[str, Any]], size: str, meta: dict[str, Any]) -> str:
    """The scorecard as Markdown: each pattern against its alternative, then every check."""
    n_pass = sum(r["passed"] for r in records)
    n_disc = sum(r["discriminating"] for r in records)
    lines = [
        "# Pattern-oriented validation: scorecard", "",
        f"**{n_pass} of {len(records)} patterns pass; {n_disc} discriminate** (pass where their "
        f"alternative model fails). {size.capitalize()} size; generated by `drumbeat validate` "
        f"on {meta['date']}, commit {meta['commit']}; criteria `{meta.get('criteria_file')}` "
        f"(SHA-256 `{str(meta.get('criteria_sha256'))[:16]}...`), fixed before this run.", "",
        "Each alternative switches one mechanism off; its free rate is re-tuned so that the "
        "median share of systems integrated at the end of the pattern's match arm is the full "
        "model's (*target -> achieved*; *not matched* when no rate on the grid reaches it). A "
        "pattern the alternative also passes is *not discriminating* and is not counted as a "
        "success. Fitted history checks (facts the calibration was fitted to) are shown and "
        "not counted.", "",
        "| pattern | full model | alternative | alternative's result | free rate: target -> "
        "achieved | discriminating |", "|---|---|---|---|---|---|",
    ]
    for r in records:
        a = r["alternative"]
        fr = a["free_rate"]
        tuned = (f"{fr['name']} = {_fmt(fr['value'])}: {_fmt(fr['target'])} -> "
                 f"{_fmt(fr['achieved'])}" + ("" if fr["matched"] else " (not matched)"))
        lines.append(f"| {r['id']}. {r['title']} | {'**PASS**' if r['passed'] else 'FAIL'} | "
                     f"{a['title']} | {'passes' if a['passed'] else 'fails'} | {tuned} | "
                     f"{'**yes**' if r['discriminating'] else 'no'} |")
    lines += ["", "## Checks", "",
              "Effect and 95% interval under the full model and under the alternative. *greater/"
              "less*: difference in medians (bootstrap interval; paired within runs); passes when "
              "the interval excludes zero in the stated direction and the effect reaches the "
              "tolerance. *band*: share of replicates in the band (Wilson interval). *median*: "
              "the median (its interval must lie in the band).", "",
              "| pattern | check | status | full model | alternative |", "|---|---|---|---|---|"]
    for r in records:
        for k, (c, ca) in enumerate(zip(r["checks"], r["alternative"]["checks"], strict=True)):
            head = f"{r['id']}" if k == 0 else ""
            lines.append(f"| {head} | {c['claim']} | {c['status']} | {_check_cell(c)} | "
                         f"{_check_cell(ca)} |")
    lines += ["", "## Patterns and their alternatives", ""]
    for r in records:
        lines.append(f"- **{r['id']}. {r['title']}** ({r['sources']}): {r['claim']} Arms: "
                     f"{', '.join(r['arms'])}; {r['replicates_per_arm']} replicates per arm. "
                     f"Alternative *{r['alternative']['title']}*: "
                     f"{r['alternative']['description']}")
        for v in r["verification"]:
            lines.append(f"  - true by construction, so a unit test, not a pattern: {v}")
    return "\n".join(lines) + "\n"


def panel_figure(records: list[dict[str, Any]], samples: dict[str, Any], path: Path) -> None:
    """One panel per pattern: its headline metric per run, by arm, full model and alternative
    (each run a dot; diamonds the median, bars the inter-quartile range)."""
    import pandas as pd
    import seaborn as sns

    from experiments.analysis.figures import subplots

    pats = {p.number: p for p in P.patterns()}
    n = len(records)
    cols = 3
    rows = math.ceil(n / cols)
    fig, axes = subplots(rows, cols, figsize=(5.2 * cols, 4.2 * rows), squeeze=False)
    for ax, r in zip(axes.flat, records, strict=False):
        p = pats[r["id"]]
        metric = p.figure or p.checks[0].metric
        frames = []
        for model, sam in (("full model", samples["model"]),
                           (f"alt: {p.alternative.title}", samples["alternative"][p.number])):
            for label, vals in _panel_series(p, metric, sam):
                frames.append(pd.DataFrame({"series": label, "model": model, "value": vals}))
        data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            {"series": [], "model": [], "value": []})
        sns.stripplot(data=data, x="series", y="value", hue="model", ax=ax, dodge=True, size=2.5,
                      alpha=0.35, palette=["#4c72b0", "#999999"], legend=False)
        sns.pointplot(data=data, x="series", y="value", hue="model", ax=ax, dodge=0.4,
                      estimator="median", errorbar=("pi", 50), linestyle="none", marker="D",
                      markersize=5, palette=["#1f3b73", "#444444"])
        ax.set_xlabel("")
        ax.set_ylabel(metric.replace("_", " "), fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
        ax.legend(fontsize=7, loc="best")
        verdict = ("discriminates" if r["discriminating"] else
                   "passes, not discriminating" if r["passed"] else "fails")
        ax.set_title(textwrap.fill(f"{p.number}. {p.title}", 48) + f"\n{verdict}", fontsize=9,
                     color="tab:green" if r["discriminating"] else
                     "tab:orange" if r["passed"] else "tab:red")
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _panel_series(p: P.Pattern, metric: str,
                  samples: dict[str, list[dict[str, float]]]) -> list[tuple[str, np.ndarray]]:
    """(label, values) per arm, or per metric for a pattern compared within the same runs."""
    out = []
    paired = [c for c in p.checks if c.metric == metric and c.other_metric and not c.other_arm]
    if len(p.arms) == 1 and paired:
        rows = samples[p.arms[0].name]
        for m in (metric, paired[0].other_metric):
            out.append((m.replace("_", " "), _values(rows, m)))
        return out
    for a in p.arms:
        vals = _values(samples[a.name], metric)
        if vals.size:
            out.append((a.name, vals))
    return out


def _values(rows: list[dict[str, float]], metric: str) -> np.ndarray:
    x = np.array([r.get(metric, math.nan) for r in rows], dtype=float)
    return x[np.isfinite(x)]


def write(records: list[dict[str, Any]], samples: dict, size: str, out: Path,
          meta: dict[str, Any]) -> None:
    """Write scorecard.md, scorecard.json and patterns.png into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "scorecard.md").write_text(scorecard_md(records, size, meta))
    doc = {"meta": meta, "size": size, "patterns_total": len(records),
           "passed": sum(r["passed"] for r in records),
           "discriminating": sum(r["discriminating"] for r in records), "patterns": records}
    (out / "scorecard.json").write_text(json_text(doc))  # strict JSON: NaN -> null
    panel_figure(records, samples, out / "patterns.png")


