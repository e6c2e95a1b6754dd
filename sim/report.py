"""``report.html``: one self-contained page a team can read without us.

It reads only the run folder (``summary.csv``, ``scenario.resolved.toml``,
``manifest.json``, ``events.parquet``, ``figures/``) and writes one HTML file
with every image embedded (base64 PNG), no script and no network access.
Sections: the question, the arms and how they differ, a verdict per outcome in plain words with its
uncertainty (the sentences of :func:`sim.compare.verdict_sentence`, so the words
always match the numbers), the member flows behind them (joins, silences,
departures and removals by cause, from ``events.parquet``; :mod:`sim.flows`),
the figures with captions, the parameters with units and sources
(``Params.specs()``), and the caveats.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd

from sim.compare import arm_table, verdict_sentence, verdicts
from sim.flows import run_flows
from sim.metrics import LOWER_IS_BETTER, OUTCOMES
from sim.params import Params
from sim.htmlpage import arm_header, esc, figures_section, fmt_value, mean_cell, page, provenance
from sim.plots import arm_colors, scenario_arms
from sim.store import write_text

__all__ = ["write_report", "render_report", "read_scenario", "arm_params", "CAVEATS"]

#: What the model leaves out or simplifies; printed in every report.
CAVEATS = (
    "The rules turn practitioners' essays (the seed articles) into mechanisms; they are claims to test, "
    "not measurements. Parameters marked 'guess' have no empirical source and should be swept before a "
    "result is trusted.",
    "The population and its social graph are synthetic (values in an abstract space, generated ties), "
    "not data from a real WeChat/QQ audience, unless the scenario loads an edge list.",
    "A person belongs to at most one of the operator's groups at a time; competing operators, other "
    "groups and channels outside the groups are not modelled.",
    "Prices, costs and the acquisition budget are in arbitrary currency units; only ratios between arms "
    "are meaningful.",
    "No seasonality, calendar, holidays or news: every day follows the same rules.",
    "Intervals are 95 % Student-t intervals over replicates that share seeds across arms (common random "
    "numbers); they describe the model's randomness, not uncertainty about the parameters themselves.",
)

# --------------------------------------------------------------------------- reading the folder
def read_scenario(run_dir: Path) -> dict[str, Any]:
    """The run folder's ``scenario.resolved.toml`` as a dict (empty when absent)."""
    path = Path(run_dir) / "scenario.resolved.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _settings(doc: dict[str, Any]) -> dict[str, Any]:
    """The ``[scenario]`` table of a resolved scenario (settings at the top level are accepted too)."""
    return doc.get("scenario", doc) if isinstance(doc.get("scenario", doc), dict) else {}


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _dotted(overrides: dict[str, Any]) -> dict[str, Any]:
    """Overrides as written (bare leaves, dotted paths or section tables) -> ``{"section.leaf": value}``."""
    flat = _flatten(overrides)
    known = {p.split(".")[1]: p for p, _, _ in Params.specs()}
    return {known.get(k, k): v for k, v in flat.items()}


def arm_overrides(doc: dict[str, Any], arm: str) -> dict[str, Any]:
    """The arm's own overrides of the base parameters, as dotted paths."""
    entry = doc.get("arms", {}).get(arm, {})
    return _dotted({k: v for k, v in entry.items() if k != "description"}) if isinstance(entry, dict) else {}


def arm_params(doc: dict[str, Any], arm: str) -> dict[str, Any]:
    """``{"section.leaf": value}`` of ``arm``: the ``[resolved.<arm>]`` values over the defaults.

    Without a resolved table (an older or hand-written folder), defaults + base + the arm's overrides.
    """
    values = {p: v for p, v, _ in Params.specs()}
    resolved = doc.get("resolved", {}).get(arm)
    if isinstance(resolved, dict):
        values.update(_flatten(resolved))
    else:
        values.update(_dotted(doc.get("base", {})) | arm_overrides(doc, arm))
    return values


# --------------------------------------------------------------------------- rendering
def render_report(run_dir: Path) -> str:
    """The report of ``run_dir`` as an HTML string (see the module docstring)."""
    run_dir = Path(run_dir)
    summary_path = run_dir / "summary.csv"
    if not summary_path.exists():
        raise FileNotFoundError(f"{summary_path}: missing; a run folder needs summary.csv "
                                "(written by `community-sim run`)")
    summary = pd.read_csv(summary_path)
    summary["arm"] = summary["arm"].astype(str)
    doc = read_scenario(run_dir)
    scenario = _settings(doc)
    manifest_path = run_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    present = list(dict.fromkeys(summary["arm"]))
    arms = [a for a in scenario_arms(run_dir) if a in present]
    arms += [a for a in present if a not in arms]
    summary = summary.set_index("arm").loc[arms].reset_index()
    colors = arm_colors(arms)
    wanted = [o for o in scenario.get("outcomes", []) if o in summary.columns]
    outcomes = wanted + [o for o in OUTCOMES if o in summary.columns and o not in wanted]

    name = scenario.get("name", run_dir.name)
    question = scenario.get("question") or scenario.get("description") or "(the scenario states no question)"
    n_rep = summary.groupby("arm")["replicate"].nunique()
    meta = [f"{len(arms)} arm(s)", f"{int(n_rep.min())}–{int(n_rep.max())} replicates per arm"
            if n_rep.min() != n_rep.max() else f"{int(n_rep.min())} replicates per arm"]
    for key, label in (("days", "days"), ("seed", "seed")):
        if key in scenario:
            meta.append(f"{label} {esc(scenario[key])}" if key == "seed" else f"{esc(scenario[key])} {label}")
    meta += provenance(manifest, ("package_version", "git_revision", "started", "ended", "status"), "git_revision")

    out: list[str] = []

    # verdicts ----------------------------------------------------------------------
    v = verdicts(summary, outcomes)
    out.append("<h2>Verdicts</h2>")
    if len(arms) < 2:
        out.append("<p>Only one arm was run, so there is nothing to compare; the table gives its outcomes.</p>")
    else:
        out.append("<p>Per outcome: the arm ahead of the runner-up, the paired difference per replicate "
                   "relative to the runner-up's mean with its 95 % interval, and in how many replicates the "
                   "leader did better. <i>Clear</i> means the interval excludes zero.</p><ul>")
        for _, row in v.iterrows():
            cls = "clear" if row["clear"] else "unclear"
            out.append(f"<li class='{cls}' data-outcome='{esc(row['outcome'])}'>{esc(verdict_sentence(row))}"
                       f" <span class='meta'>({esc(OUTCOMES.get(row['outcome'], ''))})</span></li>")
        out.append("</ul>")
    table = arm_table(summary, outcomes)
    out.append("<table>" + arm_header("outcome", arms, colors))
    for outcome in outcomes:
        better = "lower is better" if outcome in LOWER_IS_BETTER else "higher is better"
        rows = [table[(table.outcome == outcome) & (table.arm == a)].iloc[0] for a in arms]
        cells = [mean_cell(r["mean"], r["lo"], r["hi"]) for r in rows]
        out.append(f"<tr><td><b>{esc(outcome)}</b><br><span class='meta'>{esc(OUTCOMES[outcome])}; {better}"
                   f"</span></td>{''.join(cells)}</tr>")
    out.append("</table><p class='meta'>Mean over replicates [95 % interval].</p>")
    out += flows_section(run_dir, summary, arms, colors)

    # arms --------------------------------------------------------------------------
    params = {a: arm_params(doc, a) for a in arms}
    base = ", ".join(f"{esc(k)} = {esc(fmt_value(val))}" for k, val in _dotted(doc.get("base", {})).items())
    out.append("<h2>Arms and how they differ</h2>")
    if base:
        out.append(f"<p>Every arm starts from the defaults with {base}.</p>")
    out.append("<table><tr><th>arm</th><th>overrides of the base parameters</th></tr>")
    for a in arms:
        over = arm_overrides(doc, a)
        text = ", ".join(f"{esc(k)} = {esc(fmt_value(val))}" for k, val in over.items()) or "none (base parameters)"
        desc = doc.get("arms", {}).get(a, {}).get("description", "")
        out.append(f"<tr><td><span class='swatch' style='background:{colors[a]}'></span>{esc(a)}</td>"
                   f"<td>{text}{'<br><i>' + esc(desc) + '</i>' if desc else ''}</td></tr>")
    out.append("</table>")

    out += figures_section(run_dir)

    # parameters --------------------------------------------------------------------
    specs = list(Params.specs())
    differ = {p for p, _, _ in specs if len({repr(params[a][p]) for a in arms}) > 1}
    n_guess = sum(s.source == "guess" for _, _, s in specs)
    out.append(f"<h2>Parameters</h2><p>{len(specs)} parameters; {len(differ)} differ between arms (listed first). "
               f"{n_guess} are marked <span class='guess'>guess</span> (no empirical source).</p>")
    head = "<tr><th>parameter</th>" + "".join(f"<th>{esc(a)}</th>" for a in arms) + \
           "<th>unit</th><th>range</th><th>source</th><th>meaning</th></tr>"
    rows_differ, rows_same = [], []
    for path, _, spec in specs:
        rng = ", ".join(spec.choices) if spec.choices else (
            f"{fmt_value(spec.lo)} – {fmt_value(spec.hi)}" if spec.lo is not None else "")
        src = f"<span class='guess'>{esc(spec.source)}</span>" if spec.source == "guess" else esc(spec.source)
        vals = "".join(f"<td class='num'>{esc(fmt_value(params[a][path]))}</td>" for a in arms)
        row = f"<tr><td>{esc(path)}</td>{vals}<td>{esc(spec.unit)}</td><td>{esc(rng)}</td><td>{src}</td>" \
              f"<td>{esc(spec.doc)}</td></tr>"
        (rows_differ if path in differ else rows_same).append(row)
    out.append("<table>" + head + "".join(rows_differ) + "</table>" if rows_differ else "")
    out.append(f"<details><summary>All other parameters ({len(rows_same)}, equal in every arm)</summary>"
               f"<table>{head}{''.join(rows_same)}</table></details>")
    out.append("<p class='meta'>Sources: <code>[000-2]</code> = seed article 000, section 2 (practitioner "
               "essays in <code>seeds/</code>); papers by author and year.</p>")

    # caveats -----------------------------------------------------------------------
    out.append("<h2>Caveats: what the model leaves out</h2><ul>")
    extra = []
    if int(n_rep.min()) < 10:
        extra.append(f"Only {int(n_rep.min())} replicate(s) per arm: intervals are wide or missing; "
                     "run more replicates before acting on a close call.")
    undefined = [o for o in outcomes if summary[o].isna().any()]
    if undefined:
        extra.append("Undefined in some replicates (e.g. never reached): " + ", ".join(undefined) +
                     "; their means use only the replicates where they are defined.")
    out += [f"<li>{esc(c)}</li>" for c in (*extra, *CAVEATS)]
    out.append("</ul>")
    return page(name, "report", meta, question, out)


def flows_section(run_dir: Path, summary: pd.DataFrame, arms: list[str], colors: dict[str, str]) -> list[str]:
    """The "why" next to the verdicts: per arm, the member flows of the event log (:mod:`sim.flows`), with the
    flows that differ most between arms named first. Empty when the folder has no ``events.parquet``."""
    flows = run_flows(run_dir, summary, arms)
    if flows is None:
        return []
    cell = flows.stats.set_index(["outcome", "arm"])
    out = ["<h2>Why: where the members came from and where they went</h2>",
           "<p>Events per replicate over the whole run, from the event log: how people joined, how many "
           "invitations members sent and what share was accepted, who went silent (muted the group), came "
           "back, left or was moved to another group, and why, and the purchases."]
    if flows.largest:
        said = "; ".join(f"<b>{esc(f)}</b>: {esc(text)}" for f, text in flows.differences_text())
        out.append(f" Besides the seeding itself, the flows that differ most between the arms: {said}.")
    out.append("</p><table>" + arm_header("flow", arms, colors))
    for flow in flows.means.index:
        cells = [mean_cell(*cell.loc[(flow, a), ["mean", "lo", "hi"]], floor=0.0) for a in arms]
        out.append(f"<tr><td>{esc(flow)}</td>{''.join(cells)}</tr>")
    out.append("</table><p class='meta'>Mean over replicates [95 % interval, cut at 0]. Causes: how a "
               "person came in (the seeding, an invitation, a distributor, a KOL); why one went silent or left "
               "(dissatisfied: value below expectation; spam: ads past tolerance; background: life outside the "
               "group); which elimination rule removed one (inactive, replaced, kicked); which split moved "
               "one.</p>")
    return out


def write_report(run_dir: Path) -> Path:
    """Write ``run_dir/report.html`` atomically and return its path."""
    return write_text(Path(run_dir) / "report.html", render_report(run_dir))
