"""``report.html``: one self-contained page a team can read without us.

It reads only the run folder (``summary.csv``, ``scenario.resolved.toml``,
``manifest.json``, ``figures/``) and writes one HTML file with every image
embedded (base64 PNG), no script and no network access. Sections: the question,
the arms and how they differ, a verdict per outcome in plain words with its
uncertainty (the sentences of :func:`sim.compare.verdict_sentence`, so the words
always match the numbers), the figures with captions, the parameters with
units and sources (``Params.specs()``), and the caveats.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd

from sim.compare import arm_table, verdict_sentence, verdicts
from sim.metrics import LOWER_IS_BETTER, OUTCOMES
from sim.params import Params
from sim.plots import CAPTIONS_FILE, arm_colors, scenario_arms

__all__ = ["write_report", "render_report", "CAVEATS"]

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

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
.meta{color:#666;font-size:.9em}.question{font-size:1.15em;background:#f4f7fb;border-left:4px solid #0072B2;
padding:.6em 1em}table{border-collapse:collapse;font-size:.88em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}th{background:#f6f6f6}
td.num{text-align:right;font-variant-numeric:tabular-nums}.clear{font-weight:600}.unclear{color:#555}
figure{margin:1.2em 0}figure img{max-width:100%;border:1px solid #eee}figcaption{color:#444;font-size:.92em}
.swatch{display:inline-block;width:.9em;height:.9em;border-radius:2px;margin-right:.3em;vertical-align:-1px}
details summary{cursor:pointer;color:#0072B2}.guess{color:#a05a00}
"""


# --------------------------------------------------------------------------- reading the folder
def _read_scenario(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "scenario.resolved.toml"
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


def _images(run_dir: Path) -> list[tuple[str, str, str]]:
    """``(stem, caption, base64 PNG)`` of every figure, captioned ones first in caption order."""
    fig_dir = run_dir / "figures"
    if not fig_dir.is_dir():
        return []
    captions_path = fig_dir / CAPTIONS_FILE
    captions = json.loads(captions_path.read_text(encoding="utf-8")) if captions_path.exists() else {}
    pngs = {p.stem: p for p in sorted(fig_dir.glob("*.png")) if not p.name.startswith(".")}
    order = [s for s in captions if s in pngs] + [s for s in pngs if s not in captions]
    return [(s, captions.get(s, s.replace("_", " ")), base64.b64encode(pngs[s].read_bytes()).decode("ascii"))
            for s in order]


# --------------------------------------------------------------------------- rendering
def _e(x: Any) -> str:
    return html.escape(str(x))


def _num(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _fmt_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt_value(x) for x in v) + "]"
    return str(v)


def render_report(run_dir: Path) -> str:
    """The report of ``run_dir`` as an HTML string (see the module docstring)."""
    run_dir = Path(run_dir)
    summary_path = run_dir / "summary.csv"
    if not summary_path.exists():
        raise FileNotFoundError(f"{summary_path}: missing; a run folder needs summary.csv "
                                "(written by `community-sim run`)")
    summary = pd.read_csv(summary_path)
    summary["arm"] = summary["arm"].astype(str)
    doc = _read_scenario(run_dir)
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
            meta.append(f"{label} {_e(scenario[key])}" if key == "seed" else f"{_e(scenario[key])} {label}")
    for key in ("package_version", "git_revision", "started", "ended", "status"):
        if manifest.get(key):
            meta.append(f"{key.replace('_', ' ')} {_e(manifest[key])}")

    out = [f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{_e(name)}: community-sim report"
           f"</title><style>{_CSS}</style></head><body>",
           f"<h1>{_e(name)}</h1><p class='meta'>community-sim report · {' · '.join(meta)}</p>",
           f"<p class='question'><b>Question.</b> {_e(question)}</p>"]

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
            out.append(f"<li class='{cls}' data-outcome='{_e(row['outcome'])}'>{_e(verdict_sentence(row))}"
                       f" <span class='meta'>({_e(OUTCOMES.get(row['outcome'], ''))})</span></li>")
        out.append("</ul>")
    table = arm_table(summary, outcomes)
    out.append("<table><tr><th>outcome</th>" + "".join(
        f"<th><span class='swatch' style='background:{colors[a]}'></span>{_e(a)}</th>" for a in arms) + "</tr>")
    for outcome in outcomes:
        better = "lower is better" if outcome in LOWER_IS_BETTER else "higher is better"
        cells = []
        for a in arms:
            r = table[(table.outcome == outcome) & (table.arm == a)].iloc[0]
            ci = f" [{_num(r['lo'])}, {_num(r['hi'])}]" if math.isfinite(r["lo"]) else ""
            cells.append(f"<td class='num'>{_num(r['mean'])}{ci}</td>")
        out.append(f"<tr><td><b>{_e(outcome)}</b><br><span class='meta'>{_e(OUTCOMES[outcome])}; {better}"
                   f"</span></td>{''.join(cells)}</tr>")
    out.append("</table><p class='meta'>Mean over replicates [95 % interval].</p>")

    # arms --------------------------------------------------------------------------
    params = {a: arm_params(doc, a) for a in arms}
    base = ", ".join(f"{_e(k)} = {_e(_fmt_value(val))}" for k, val in _dotted(doc.get("base", {})).items())
    out.append("<h2>Arms and how they differ</h2>")
    if base:
        out.append(f"<p>Every arm starts from the defaults with {base}.</p>")
    out.append("<table><tr><th>arm</th><th>overrides of the base parameters</th></tr>")
    for a in arms:
        over = arm_overrides(doc, a)
        text = ", ".join(f"{_e(k)} = {_e(_fmt_value(val))}" for k, val in over.items()) or "none (base parameters)"
        desc = doc.get("arms", {}).get(a, {}).get("description", "")
        out.append(f"<tr><td><span class='swatch' style='background:{colors[a]}'></span>{_e(a)}</td>"
                   f"<td>{text}{'<br><i>' + _e(desc) + '</i>' if desc else ''}</td></tr>")
    out.append("</table>")

    # figures -----------------------------------------------------------------------
    images = _images(run_dir)
    out.append("<h2>Figures</h2>")
    if not images:
        out.append("<p>No figures were found in <code>figures/</code>.</p>")
    for stem, caption, data in images:
        out.append(f"<figure id='fig-{_e(stem)}'><img alt='{_e(caption)}' src='data:image/png;base64,{data}'>"
                   f"<figcaption>{_e(caption)}</figcaption></figure>")

    # parameters --------------------------------------------------------------------
    specs = list(Params.specs())
    differ = {p for p, _, _ in specs if len({repr(params[a][p]) for a in arms}) > 1}
    n_guess = sum(s.source == "guess" for _, _, s in specs)
    out.append(f"<h2>Parameters</h2><p>{len(specs)} parameters; {len(differ)} differ between arms (listed first). "
               f"{n_guess} are marked <span class='guess'>guess</span> (no empirical source).</p>")
    head = "<tr><th>parameter</th>" + "".join(f"<th>{_e(a)}</th>" for a in arms) + \
           "<th>unit</th><th>range</th><th>source</th><th>meaning</th></tr>"
    rows_differ, rows_same = [], []
    for path, _, spec in specs:
        rng = ", ".join(spec.choices) if spec.choices else (
            f"{_fmt_value(spec.lo)} – {_fmt_value(spec.hi)}" if spec.lo is not None else "")
        src = f"<span class='guess'>{_e(spec.source)}</span>" if spec.source == "guess" else _e(spec.source)
        vals = "".join(f"<td class='num'>{_e(_fmt_value(params[a][path]))}</td>" for a in arms)
        row = f"<tr><td>{_e(path)}</td>{vals}<td>{_e(spec.unit)}</td><td>{_e(rng)}</td><td>{src}</td>" \
              f"<td>{_e(spec.doc)}</td></tr>"
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
    out += [f"<li>{_e(c)}</li>" for c in (*extra, *CAVEATS)]
    out.append("</ul></body></html>\n")
    return "\n".join(out)


def write_report(run_dir: Path) -> Path:
    """Write ``run_dir/report.html`` atomically and return its path."""
    run_dir = Path(run_dir)
    text = render_report(run_dir)
    path = run_dir / "report.html"
    tmp = run_dir / ".report.html.tmp"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
