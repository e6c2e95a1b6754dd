"""``report.html`` of a sweep: what was swept, who won where, and which parameters decide it.

It reads only the sweep's results folder (``sweep.json``, the outcomes,
``manifest.json``, ``analysis/``, ``figures/``) and writes one self-contained
HTML page (images embedded, no script, no network). Sections:

* **Findings**, in plain words with uncertainty. With ``compare = [A, B]``:
  per outcome, the share of paired runs (same design point and seed) won by
  the arm that won more of them, with its 95 % interval, and at how many design
  points it won most replicates; then, per swept parameter, A's win share by the parameter's
  value (its levels, or below/above its median), which says *where* the
  winner changes. Without a comparison: each arm's mean over the design.
* **What matters**: the sensitivity ranking of the sweep's analysis
  (:mod:`sim.sensitivity`: Sobol ST, Morris mu*, or Borgonovo delta), with
  the 95 % half-widths, for P(A beats B) when arms are compared, else per arm.
* **Design**: the question, the swept parameters (values, distribution, unit,
  source, meaning), base and arms, the outcomes and which way is better.
* **Figures** with captions, **notes** (skipped analyses, failed runs) and
  **caveats**.

Every number is computed here from the run table or read from ``analysis/``;
the tests recompute them from the outcome table.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.compare import mean_ci
from sim.htmlpage import arm_header, esc, figures_section, fmt_value, mean_cell, num, page, pct, provenance
from sim.params import Params
from sim.plots import arm_colors
from sim.report import CAVEATS
from sim.sensitivity import load_outcomes, with_contrast
from sim.store import write_text
from sim.sweep import Factor, Sweep, open_sweep

__all__ = ["write_sweep_report", "render_sweep_report", "win_shares", "win_by_factor", "best_arm_shares", "ranking", "INDEX_NAMES"]

#: Sensitivity index that ranks parameters, per sampler: (column, words for the reader).
INDEX_NAMES = {"sobol": ("ST", "total Sobol index ST"), "morris": ("mu_star", "Morris mu*"),
               "lhs": ("delta", "Borgonovo delta")}

#: Factors with at most this many distinct values get one win share per value; others are split at the median.
MAX_LEVELS_SHOWN = 4

SWEEP_CAVEATS = (
    "Results hold within the swept ranges only; parameters not swept keep the base values listed under Design.",
    "Win shares by parameter value are marginal: they average over every other swept parameter across its "
    "range. Where parameters interact (ST well above S1), read the frontier figures.",
    "Sensitivity intervals are 95 % bootstrap half-widths over the design; indices below 0 or above 1 are "
    "estimation noise, and an index whose interval reaches 0 cannot be told apart from no effect.",
)


# --------------------------------------------------------------------------- numbers
def _win_indicators(sweep: Sweep, df: pd.DataFrame) -> pd.DataFrame:
    """One row per pair (design point, replicate): 1 where A won, 0.5 on a tie, 0 where B won, per outcome."""
    a, b = sweep.compare
    wins = with_contrast(sweep, df)
    return wins[wins["arm"] == f"{a}_beats_{b}"]


def win_shares(sweep: Sweep, df: pd.DataFrame) -> pd.DataFrame:
    """Per outcome: A's win share over paired runs (ties half) with a 95 % interval, and per design point.

    Columns: ``outcome``, ``pairs`` (pairs where both runs have the outcome),
    ``p``, ``lo``, ``hi`` (Student-t interval of the win indicator, clipped
    to [0, 1]), ``points``, ``points_a`` and ``points_b`` (design points where
    A, respectively B, won more than half the replicates).
    """
    wins = _win_indicators(sweep, df)
    rows = []
    for o in sweep.outcomes:
        w = wins[o.name].to_numpy(float)
        p, lo, hi = mean_ci(w)
        per_point = wins.groupby("sample")[o.name].mean().dropna()
        rows.append({"outcome": o.name, "pairs": int(np.isfinite(w).sum()), "p": p,
                     "lo": max(0.0, lo) if math.isfinite(lo) else lo, "hi": min(1.0, hi) if math.isfinite(hi) else hi,
                     "points": len(per_point), "points_a": int((per_point > 0.5).sum()),
                     "points_b": int((per_point < 0.5).sum())})
    return pd.DataFrame(rows)


def _bins(f: Factor, values: pd.Series) -> tuple[pd.Series, list[str]]:
    """A label per run for factor ``f``: its value when it takes few values, else below/above the median."""
    distinct = list(dict.fromkeys(f.levels)) if f.levels is not None else sorted(values.dropna().unique())
    if len(distinct) <= MAX_LEVELS_SHOWN:
        labels = [fmt_value(v) for v in distinct]
        return values.map(fmt_value), labels
    m = float(values.median())
    labels = [f"≤ {m:.3g}", f"> {m:.3g}"]
    return pd.Series(np.where(values.astype(float) <= m, labels[0], labels[1]), index=values.index), labels


def win_by_factor(sweep: Sweep, df: pd.DataFrame) -> pd.DataFrame:
    """A's win share per outcome, swept parameter and parameter bin (see :func:`_bins`).

    Columns: ``outcome``, ``parameter``, ``bin``, ``pairs``, ``p``; sorted so
    each outcome lists first the parameter whose bins differ most.
    """
    wins = _win_indicators(sweep, df)
    rows = []
    for o in sweep.outcomes:
        for f in sweep.factors:
            label, order = _bins(f, wins[f.name])
            for bin_ in order:
                w = wins.loc[label == bin_, o.name].to_numpy(float)
                ok = np.isfinite(w)
                rows.append({"outcome": o.name, "parameter": f.name, "bin": bin_, "pairs": int(ok.sum()),
                             "p": float(w[ok].mean()) if ok.any() else math.nan})
    out = pd.DataFrame(rows)
    spread = out.groupby(["outcome", "parameter"])["p"].agg(lambda p: p.max() - p.min()).rename("spread")
    out = out.join(spread, on=["outcome", "parameter"])
    outcome_order = {o.name: i for i, o in enumerate(sweep.outcomes)}
    out["_o"] = out["outcome"].map(outcome_order)
    out["_b"] = out.groupby(["outcome", "parameter"]).cumcount()
    return (out.sort_values(["_o", "spread", "parameter", "_b"], ascending=[True, False, True, True], kind="stable")
            .drop(columns=["_o", "_b"]).reset_index(drop=True))


def best_arm_shares(sweep: Sweep, df: pd.DataFrame) -> pd.DataFrame:
    """Per outcome and arm: the share of seeds (design point x replicate) at which the arm did best.

    Ties split the seed equally; seeds where any arm lacks the outcome are left
    out (``seeds`` counts the rest). Columns: ``outcome``, ``arm``, ``seeds``, ``share``.
    """
    arms = [a for a, _ in sweep.arms]
    rows = []
    for o in sweep.outcomes:
        wide = df.pivot(index=["sample", "replicate"], columns="arm", values=o.name).reindex(columns=arms)
        wide = wide.dropna()
        best = wide.min(axis=1) if o.lower_is_better else wide.max(axis=1)
        is_best = wide.eq(best, axis=0).astype(float)
        weight = is_best.div(is_best.sum(axis=1), axis=0)
        for a in arms:
            rows.append({"outcome": o.name, "arm": a, "seeds": len(wide),
                         "share": float(weight[a].mean()) if len(wide) else math.nan})
    return pd.DataFrame(rows)


def ranking(indices: pd.DataFrame, sampler: str, arm: str, outcome: str) -> pd.DataFrame:
    """Parameters of ``arm`` and ``outcome`` by decreasing importance: ``parameter``, ``index``, ``conf``, ``clear``.

    ``clear``: the 95 % interval ``index ± conf`` stays above zero.
    """
    key, _ = INDEX_NAMES[sampler]
    sub = indices[(indices["arm"] == arm) & (indices["outcome"] == outcome)]
    conf = sub[f"{key}_conf"].to_numpy(float)
    r = pd.DataFrame({"parameter": sub["parameter"].to_numpy(), "index": sub[key].to_numpy(float), "conf": conf})
    r["clear"] = r["index"] - r["conf"] > 0
    return r.sort_values("index", ascending=False, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- sections
def _findings_compare(sweep: Sweep, df: pd.DataFrame) -> list[str]:
    a, b = sweep.compare
    shares = win_shares(sweep, df)
    out = [f"<p>Each design point ran both arms with the same seeds, so every run of <b>{esc(a)}</b> has a "
           f"paired run of <b>{esc(b)}</b>. Per outcome: which arm won more pairs, the share it won (ties count "
           "half) with its 95 % interval, and at how many design points it won most replicates. <i>Clear</i> means "
           "the interval excludes 50 %.</p><ul>"]
    for _, r in shares.iterrows():
        if r["pairs"] == 0:
            out.append(f"<li class='unclear' data-outcome='{esc(r['outcome'])}'>{esc(r['outcome'])}: no pair "
                       "where both runs have a value (never reached or failed runs).</li>")
            continue
        clear = math.isfinite(r["lo"]) and (r["lo"] > 0.5 or r["hi"] < 0.5)
        # the sentence names the arm that won more pairs: "b beat a in 100 %", never "a beat b in 0 %"
        if r["p"] >= 0.5:
            win, lose, p, lo, hi, won, lost = a, b, r["p"], r["lo"], r["hi"], r["points_a"], r["points_b"]
        else:
            win, lose, p, lo, hi, won, lost = b, a, 1 - r["p"], 1 - r["hi"], 1 - r["lo"], r["points_b"], r["points_a"]
        ci = f" [{pct(lo)}, {pct(hi)}]" if math.isfinite(lo) else ""
        out.append(f"<li class='{'clear' if clear else 'unclear'}' data-outcome='{esc(r['outcome'])}'>"
                   f"{esc(win)} beat {esc(lose)} on {esc(r['outcome'])} in {pct(p)}{ci} of {r['pairs']:,} paired "
                   f"runs; it won most replicates at {won:,} of {r['points']:,} design points and lost "
                   f"most at {lost:,}{' (clear)' if clear else ' (not clear)'}.</li>")
    out.append("</ul>")

    means = with_contrast(sweep, df)
    means = means[means["arm"] == f"{a}-{b}"]
    for _, r in shares.iterrows():
        diff, lo, hi = mean_ci(means[r["outcome"]].to_numpy(float))
        lower = next(o.lower_is_better for o in sweep.outcomes if o.name == r["outcome"])
        a_ahead_on_mean = (diff < 0) if lower else (diff > 0)
        clear_mean = math.isfinite(lo) and (lo > 0 or hi < 0)
        clear_wins = math.isfinite(r["lo"]) and (r["lo"] > 0.5 or r["hi"] < 0.5)
        if clear_mean and clear_wins and a_ahead_on_mean != (r["p"] > 0.5):
            winner, loser = (a, b) if r["p"] > 0.5 else (b, a)
            out.append(f"<p data-note='{esc(r['outcome'])}'>Note on {esc(r['outcome'])}: {esc(winner)} wins most "
                       f"pairs, yet {esc(loser)} is ahead on the mean over the design (paired difference "
                       f"{esc(a)} − {esc(b)} = {num(diff)} [{num(lo)}, {num(hi)}]): {esc(loser)}'s wins are larger "
                       "than its losses.</p>")

    by = win_by_factor(sweep, df)
    out.append(f"<h3>Where the winner changes</h3><p>Share of pairs {esc(a)} won, by the value of each swept "
               "parameter (its levels, or below and above the median of the design); per outcome, the "
               "parameter whose values move it most.</p><ul>")
    for o in sweep.outcomes:
        sub = by[by["outcome"] == o.name].dropna(subset=["p"])
        if sub.empty:
            continue
        top = sub[sub["parameter"] == sub["parameter"].iloc[0]]
        hi_, lo_ = top.loc[top["p"].idxmax()], top.loc[top["p"].idxmin()]
        if hi_["p"] == lo_["p"]:
            out.append(f"<li>{esc(o.name)}: no swept parameter changes it; {esc(a)} wins {pct(hi_['p'])} of pairs "
                       "at every value of every parameter.</li>")
        else:
            out.append(f"<li>{esc(o.name)}: {esc(a)} wins most often when {esc(hi_['parameter'])} is "
                       f"{esc(hi_['bin'])} ({pct(hi_['p'])} of pairs) and least when it is {esc(lo_['bin'])} "
                       f"({pct(lo_['p'])}).</li>")
    names = [f.name for f in sweep.factors]
    out.append("</ul><table class='wide'><tr><th>outcome</th>" + "".join(f"<th>{esc(n)}</th>" for n in names)
               + "</tr>")
    for o in sweep.outcomes:
        cells = []
        for name in names:
            sub = by[(by["outcome"] == o.name) & (by["parameter"] == name)]
            cells.append("<td>" + "<br>".join(f"{esc(r['bin'])}: {pct(r['p'])}" for _, r in sub.iterrows()) + "</td>")
        out.append(f"<tr><td>{esc(o.name)}</td>{''.join(cells)}</tr>")
    out.append(f"</table><p class='meta'>Cells: share of paired runs won by {esc(a)} within that bin.</p>")
    return out


def _best_arm(sweep: Sweep, df: pd.DataFrame) -> list[str]:
    arms = [a for a, _ in sweep.arms]
    shares = best_arm_shares(sweep, df)
    out = [f"<p>All {len(arms)} arms share each seed, so at every design point and replicate one arm does best. "
           "Per outcome, the arm best most often (ties split):</p><ul>"]
    for o in sweep.outcomes:
        sub = shares[shares["outcome"] == o.name].sort_values("share", ascending=False, kind="stable")
        if not sub["seeds"].iloc[0]:
            continue
        parts = ", ".join(f"{esc(r.arm)} {pct(r.share)}" for r in sub.itertuples())
        out.append(f"<li data-outcome='{esc(o.name)}'>{esc(o.name)}: {esc(sub['arm'].iloc[0])} best at "
                   f"{pct(sub['share'].iloc[0])} of {sub['seeds'].iloc[0]:,} seeds ({parts}).</li>")
    out.append("</ul>")
    return out


def _arm_means(sweep: Sweep, df: pd.DataFrame, colors: dict[str, str]) -> list[str]:
    arms = [a for a, _ in sweep.arms]
    out = ["<table class='wide'>" + arm_header("outcome", arms, colors)]
    for o in sweep.outcomes:
        cells = [mean_cell(*mean_ci(df.loc[df["arm"] == a, o.name].to_numpy(float))) for a in arms]
        better = "lower is better" if o.lower_is_better else "higher is better"
        out.append(f"<tr><td><b>{esc(o.name)}</b><br><span class='meta'>{esc(o.describe())}; {better}</span></td>"
                   f"{''.join(cells)}</tr>")
    out.append("</table><p class='meta'>Mean over every design point and replicate [95 % interval over runs]; "
               "it pools very different conditions, so read it with the sections below.</p>")
    return out


def _what_matters(sweep: Sweep, indices: pd.DataFrame | None) -> list[str]:
    out = ["<h2>What matters: sensitivity</h2>"]
    if sweep.sampler == "grid":
        return out + ["<p>A grid design gets no sensitivity indices; its cells are tabulated in "
                      "<code>analysis/grid.csv</code> and drawn as heatmaps below.</p>"]
    if indices is None or indices.empty:
        return out + ["<p>No sensitivity indices were computed (see the notes).</p>"]
    key, words = INDEX_NAMES[sweep.sampler]
    if sweep.compare:
        a, b = sweep.compare
        targets = [(f"{a}_beats_{b}", f"whether {a} beats {b}")]
    else:
        targets = [(arm, f"arm {arm}") for arm, _ in sweep.arms]
    out.append(f"<p>Parameters ranked by the {esc(words)} (with its 95 % half-width) of "
               + ("P(" + esc(sweep.compare[0]) + " beats " + esc(sweep.compare[1]) + ") at each design point"
                  if sweep.compare else "each arm's mean outcome at each design point")
               + "; <i>unclear</i> marks an index whose interval reaches zero.</p><ul>")
    for arm, what in targets:
        for o in sweep.outcomes:
            r = ranking(indices, sweep.sampler, arm, o.name)
            if r.empty:
                continue
            parts = [f"{esc(p.parameter)} {p.index:.2f} ± {p.conf:.2f}{'' if p.clear else ' (unclear)'}"
                     for p in r.head(3).itertuples()]
            out.append(f"<li data-sensitivity='{esc(o.name)}' data-arm='{esc(arm)}'>What decides {esc(what)} on "
                       f"{esc(o.name)}: {'; '.join(parts)}.</li>")
    out.append("</ul>")
    conf = f"{key}_conf"
    cols = [c for c in indices.columns if c not in ("outcome", "arm", "parameter")]
    out.append(f"<details><summary>All indices ({len(indices)} rows of analysis/sensitivity.csv; "
               f"{esc(conf)} is the 95 % half-width)</summary><table><tr><th>outcome</th><th>arm</th><th>parameter"
               "</th>" + "".join(f"<th>{esc(c)}</th>" for c in cols) + "</tr>")
    for r in indices.itertuples(index=False):
        d = r._asdict()
        out.append(f"<tr><td>{esc(d['outcome'])}</td><td>{esc(d['arm'])}</td><td>{esc(d['parameter'])}</td>"
                   + "".join(f"<td class='num'>{d[c]:.3f}</td>" for c in cols) + "</tr>")
    out.append("</table></details>")
    return out


def _factor_values(f: Factor) -> str:
    if f.levels is not None:
        return "levels " + fmt_value(list(f.levels))
    text = f"{f.dist} on [{f.lo:g}, {f.hi:g}]"
    if f.dist == "triangular":
        text += f", mode {f.mode:g}"
    if f.dist == "truncnormal":
        text += f", mean {f.mean:g}, sd {f.sd:g}"
    return text


def _design(sweep: Sweep, colors: dict[str, str]) -> list[str]:
    specs = {path: (default, spec) for path, default, spec in Params.specs()}
    samplers = {"grid": "every combination of the levels (full factorial)",
                "lhs": "a Latin hypercube (McKay et al. 1979)",
                "sobol": "a Saltelli/Sobol' design: N base samples x (parameters + 2) points (Saltelli 2002)",
                "morris": f"Morris trajectories on {sweep.morris_levels} levels (Morris 1991)"}
    out = ["<h2>Design</h2>",
           f"<p>{esc(sweep.description)}</p>" if sweep.description else "",
           f"<p>{sweep.n_samples():,} design points from {esc(samplers[sweep.sampler])}; {len(sweep.arms)} arm(s) x "
           f"{sweep.replicates} replicate(s) each = {sweep.n_runs():,} runs of {sweep.days} days. Replicate r of "
           "every arm at a design point uses the same seed (common random numbers).</p>",
           "<table><tr><th>swept parameter</th><th>values</th><th>default</th><th>unit</th><th>source</th>"
           "<th>meaning</th></tr>"]
    for f in sweep.factors:
        default, spec = specs.get(f.name, (None, None))
        src = "" if spec is None else (f"<span class='guess'>{esc(spec.source)}</span>" if spec.source == "guess"
                                       else esc(spec.source))
        out.append(f"<tr><td>{esc(f.name)}</td><td>{esc(_factor_values(f))}</td>"
                   f"<td class='num'>{esc(fmt_value(default)) if spec else ''}</td>"
                   f"<td>{esc(spec.unit) if spec else ''}</td><td>{src}</td><td>{esc(spec.doc) if spec else ''}</td></tr>")
    out.append("</table>")
    if sweep.base:
        out.append("<p>Every run starts from the defaults with "
                   + ", ".join(f"{esc(k)} = {esc(fmt_value(v))}" for k, v in sweep.base.items()) + ".</p>")
    arms_doc = sweep.document.get("arms", {})
    out.append("<table><tr><th>arm</th><th>overrides of the base parameters</th></tr>")
    for arm, over in sweep.arms:
        text = ", ".join(f"{esc(k)} = {esc(fmt_value(v))}" for k, v in over.items()) or "none (base parameters)"
        desc = arms_doc.get(arm, {}).get("description", "") if isinstance(arms_doc.get(arm), dict) else ""
        out.append(f"<tr><td><span class='swatch' style='background:{colors[arm]}'></span>{esc(arm)}</td>"
                   f"<td>{text}{'<br><i>' + esc(desc) + '</i>' if desc else ''}</td></tr>")
    out.append("</table><table><tr><th>outcome</th><th>what it measures</th><th>better</th></tr>")
    for o in sweep.outcomes:
        out.append(f"<tr><td>{esc(o.name)}</td><td>{esc(o.describe())}</td>"
                   f"<td>{'lower' if o.lower_is_better else 'higher'}</td></tr>")
    out.append("</table>")
    return out


def _notes(root: Path, manifest: dict[str, Any]) -> list[str]:
    notes_path = root / "analysis" / "notes.txt"
    lines = notes_path.read_text(encoding="utf-8").splitlines() if notes_path.is_file() else []
    failed = {k: v for k, v in manifest.get("runs", {}).items() if v.get("status") == "failed"}
    out = ["<h2>Notes</h2><ul>"] + [f"<li>{esc(line)}</li>" for line in lines if line.strip()]
    if failed:
        shown = list(failed.items())[:10]
        out.append(f"<li>{len(failed)} run(s) failed; they are left out of every number above. "
                   + "; ".join(f"{esc(k)}: {esc(v.get('error', '?'))}" for k, v in shown)
                   + (" …" if len(failed) > len(shown) else "") + "</li>")
    out.append("</ul>")
    return out if len(out) > 2 else []


def render_sweep_report(root: str | Path) -> str:
    """The report of the sweep results folder ``root`` as an HTML string (see the module docstring)."""
    root = Path(root)
    sweep = open_sweep(root)
    df = load_outcomes(root)
    manifest_path = root / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    sens_path = root / "analysis" / "sensitivity.csv"
    indices = pd.read_csv(sens_path) if sens_path.is_file() else None
    colors = arm_colors([a for a, _ in sweep.arms])

    meta = [f"{esc(sweep.sampler)} design", f"{sweep.n_samples():,} design points", f"{len(sweep.arms)} arm(s)",
            f"{sweep.replicates} replicate(s)", f"{sweep.days} days", f"seed {sweep.seed}",
            f"{len(df):,} of {sweep.n_runs():,} runs finished"]
    meta += provenance(manifest, ("version", "git", "started"), "git")
    question = sweep.question or sweep.description or "(the sweep states no question)"

    body = ["<h2>Findings</h2>"]
    if sweep.compare:
        body += _findings_compare(sweep, df)
    if len(sweep.arms) > 2 or (len(sweep.arms) == 2 and not sweep.compare):
        body += ["<h3>Best arm per seed</h3>"] + _best_arm(sweep, df)
    body.append("<h3>Each arm over the whole design</h3>" if len(sweep.arms) > 1 else "")
    body += _arm_means(sweep, df, colors)
    body += _what_matters(sweep, indices)
    body += figures_section(root)
    body += _design(sweep, colors)
    body += _notes(root, manifest)
    extra = []
    if sweep.compare and sweep.replicates < 5:
        extra.append(f"{sweep.replicates} replicate(s) per design point and arm: the win share at one point "
                     "moves in steps of 1/(2 x replicates); trust shares pooled over many points, not single dots.")
    body.append("<h2>Caveats: what the sweep and the model leave out</h2><ul>"
                + "".join(f"<li>{esc(c)}</li>" for c in (*extra, *SWEEP_CAVEATS, *CAVEATS)) + "</ul>")
    return page(sweep.name, "sweep report", meta, question, body)


def write_sweep_report(root: str | Path) -> Path:
    """Write ``root/report.html`` atomically and return its path."""
    return write_text(Path(root) / "report.html", render_sweep_report(root))
