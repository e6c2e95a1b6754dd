"""Pieces shared by the self-contained HTML reports (:mod:`sim.report`, :mod:`sim.sweep_report`).

One style sheet, escaping and number formatting, the figures of a folder as
embedded base64 PNGs (captions from ``figures/captions.json``), and the page
frame. No script, no network access: a report opens from a mail attachment.
"""

from __future__ import annotations

import base64
import html
import json
import math
from pathlib import Path
from typing import Any, Iterable

from sim.plots import CAPTIONS_FILE
from sim.plots import short_number as num
from sim.store import revisions_text, run_revisions

__all__ = ["esc", "num", "pct", "fmt_value", "arm_header", "mean_cell", "provenance", "embedded_figures",
           "figures_section", "page"]

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
.meta{color:#666;font-size:.9em}.question{font-size:1.15em;background:#f4f7fb;border-left:4px solid #0072B2;
padding:.6em 1em}table{border-collapse:collapse;font-size:.88em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:left;vertical-align:top}th{background:#f6f6f6}
td.num{text-align:right;font-variant-numeric:tabular-nums}.clear{font-weight:600}.unclear{color:#555}
figure{margin:1.2em 0}figure img{max-width:100%;border:1px solid #eee}figcaption{color:#444;font-size:.92em}
.swatch{display:inline-block;width:.9em;height:.9em;border-radius:2px;margin-right:.3em;vertical-align:-1px}
details summary{cursor:pointer;color:#0072B2}.guess,.mixed{color:#a05a00}table.wide{display:block;overflow-x:auto}
"""


def esc(x: Any) -> str:
    """``x`` as HTML-escaped text."""
    return html.escape(str(x))


def pct(x: float) -> str:
    """A share as a whole percentage (``0.764`` -> ``"76 %"``)."""
    return f"{100 * x:.0f} %" if math.isfinite(x) else "n/a"


def fmt_value(v: Any) -> str:
    """A parameter value as written in a scenario file (floats short, lists bracketed)."""
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(fmt_value(x) for x in v) + "]"
    return str(v)


def arm_header(first: str, arms: Iterable[str], colors: dict[str, str]) -> str:
    """A table's header row: ``first``, then one column per arm with its colour swatch."""
    return f"<tr><th>{first}</th>" + "".join(
        f"<th><span class='swatch' style='background:{colors[a]}'></span>{esc(a)}</th>" for a in arms) + "</tr>"


def mean_cell(mean: float, lo: float, hi: float, floor: float | None = None) -> str:
    """A table cell ``mean [lo, hi]`` (no interval when ``lo`` is not finite; ``lo`` raised to ``floor``)."""
    ci = f" [{num(lo if floor is None else max(lo, floor))}, {num(hi)}]" if math.isfinite(lo) else ""
    return f"<td class='num'>{num(mean)}{ci}</td>"


def provenance(manifest: dict[str, Any], keys: Iterable[str], revision_key: str) -> list[str]:
    """The header items naming ``keys`` of ``manifest``, as HTML.

    The folder's revision (``revision_key``) is the one that last ran in it.
    If its finished runs were made by more than one revision, each is named
    with its number of runs instead, so a reader sees the numbers mix code.
    """
    revisions = run_revisions(manifest.get("runs", {}))
    items = []
    for key in keys:
        if key == revision_key and len(revisions) > 1:
            items.append(f"<span class='mixed'>runs made by several git revisions: {esc(revisions_text(revisions))}"
                         "</span>")
        elif manifest.get(key):
            items.append(f"{key.replace('_', ' ')} {esc(manifest[key])}")
    return items


def embedded_figures(folder: Path) -> list[tuple[str, str, str]]:
    """``(stem, caption, base64 PNG)`` of every figure in ``folder/figures``, captioned ones first in caption order."""
    fig_dir = Path(folder) / "figures"
    if not fig_dir.is_dir():
        return []
    captions_path = fig_dir / CAPTIONS_FILE
    captions = json.loads(captions_path.read_text(encoding="utf-8")) if captions_path.exists() else {}
    pngs = {p.stem: p for p in sorted(fig_dir.glob("*.png")) if not p.name.startswith(".")}
    order = [s for s in captions if s in pngs] + [s for s in pngs if s not in captions]
    return [(s, captions.get(s, s.replace("_", " ")), base64.b64encode(pngs[s].read_bytes()).decode("ascii"))
            for s in order]


def figures_section(folder: Path) -> list[str]:
    """The ``Figures`` section: every figure of ``folder/figures`` embedded with its caption."""
    images = embedded_figures(folder)
    out = ["<h2>Figures</h2>"]
    if not images:
        out.append("<p>No figures were found in <code>figures/</code>.</p>")
    for stem, caption, data in images:
        out.append(f"<figure id='fig-{esc(stem)}'><img alt='{esc(caption)}' src='data:image/png;base64,{data}'>"
                   f"<figcaption>{esc(caption)}</figcaption></figure>")
    return out


def page(title: str, kind: str, meta: Iterable[str], question: str, body: Iterable[str]) -> str:
    """A whole HTML document: title, a meta line, the question box, then ``body`` (HTML fragments)."""
    return "\n".join([
        f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{esc(title)}: community-sim {kind}"
        f"</title><style>{CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1><p class='meta'>community-sim {kind} · {' · '.join(meta)}</p>",
        f"<p class='question'><b>Question.</b> {esc(question)}</p>",
        *body, "</body></html>\n"])
