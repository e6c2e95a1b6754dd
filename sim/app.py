"""Interactive dashboard: explore one ``CommunityModel`` in the browser (Mesa SolaraViz).

``community-sim dashboard`` calls :func:`serve`, which runs ``solara run`` on this
module; Solara renders :func:`Page`. Each browser session builds its own model
(``solara.use_memo``), so two users never step each other's model.

* **Controls** are generated from the parameter tree (``Params.specs()``): a
  slider per numeric leaf listed in :data:`CONTROLS` (default value from the
  tree, range = the tree's range narrowed to something worth exploring), a
  select per leaf with choices. A changed control takes effect on *Reset*.
* **Plots**: the trajectory figure of :func:`sim.plots.trajectories` (the
  same figure the report shows), redrawn each step.
* **Network**: the members and their ties, coloured by group, marker by role
  (sampled above :data:`NETWORK_MAX` members).
* **Groups**: one row per group: parent, cause, day opened, members, active
  today, lurker share, mean trust.

Solara loads its front-end files from a CDN unless they are in the venv's
proxy cache: ``make dashboard-assets`` puts them there (``scripts/``).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import solara
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim import plots
from sim.model import CommunityModel
from sim.params import Params
from sim.state import Role

__all__ = ["Page", "serve", "model_params", "CONTROLS", "NETWORK_MAX"]

#: Leaves shown as controls, with the range the slider spans (None = the parameter tree's range).
CONTROLS: dict[str, tuple[float, float] | None] = {
    "n_persons": (200, 20_000),
    "seeding": None,
    "budget": (0, 3000),
    "values_dispersion": (0.1, 3.0),
    "spam_share": (0.0, 0.3),
    "mean_degree": (2, 40),
    "homophily": (0.0, 10.0),
    "pgc_per_day": (0.0, 20.0),
    "verticality": None,
    "invite_rate": (0.0, 3.0),
    "join_max": None,
    "buy_rate": (0.0, 0.1),
    "capacity": (20, 500),
    "entry": None,
}
#: Default population of the dashboard: small, so a step takes milliseconds.
DASHBOARD_DEFAULTS = {"n_persons": 2000}
NETWORK_MAX = 800

ROLE_MARKERS = {"member": ("o", (Role.MEMBER,)), "core / admin / owner": ("s", (Role.CORE, Role.ADMIN, Role.OWNER,
                                                                                  Role.SENIOR)),
                "KOL / distributor / partner": ("^", (Role.KOL, Role.DISTRIBUTOR, Role.PARTNER)),
                "spammer": ("X", (Role.SPAMMER,)), "lurker": ("v", (Role.LURKER,))}


def model_params() -> dict[str, Any]:
    """SolaraViz ``model_params`` generated from ``Params.specs()`` for the leaves in :data:`CONTROLS`."""
    out: dict[str, Any] = {"rng": {"type": "SliderInt", "value": 1, "label": "seed", "min": 0, "max": 100,
                                   "step": 1}}
    for path, default, spec in Params.specs():
        leaf = path.split(".", 1)[1]
        if leaf not in CONTROLS:
            continue
        value = DASHBOARD_DEFAULTS.get(leaf, default)
        label = f"{leaf} ({spec.unit})" if spec.unit not in ("-", "") else leaf
        if spec.choices:
            out[leaf] = {"type": "Select", "value": value, "values": list(spec.choices), "label": label}
            continue
        lo, hi = CONTROLS[leaf] or (spec.lo, spec.hi)
        lo, hi, step = _grid(max(lo, spec.lo), min(hi, spec.hi), value)
        kind = "SliderInt" if isinstance(default, int) else "SliderFloat"
        cast = int if kind == "SliderInt" else float
        out[leaf] = {"type": kind, "value": cast(value), "min": cast(lo), "max": cast(hi), "step": cast(step),
                     "label": label}
    missing = set(CONTROLS) - set(out)
    assert not missing, f"CONTROLS names unknown parameters: {missing}"
    return out


class DashboardModel(CommunityModel):
    """``CommunityModel`` as SolaraViz rebuilds it on Reset.

    Mesa 3.5's Reset passes ``scenario=<mesa Scenario>`` to any model whose
    constructor takes ``**kwargs``; our keyword arguments are parameter
    overrides, so that one is dropped here.
    """

    def __init__(self, params: Params | None = None, *, rng: int | None = None, scenario: Any = None,
                 **overrides: Any):
        super().__init__(params, rng=rng, **overrides)


def _grid(lo: float, hi: float, value: float) -> tuple[float, float, float]:
    """A slider grid over about ``[lo, hi]`` with a round step on which ``value`` lies exactly.

    A slider snaps to ``lo + k * step``; a default off that grid would silently change
    the model on Reset. Steps are 1, 2 or 5 x 10^k, at most a fiftieth of the range.
    """
    for exp in range(int(math.floor(math.log10(max(hi - lo, 1e-9) / 50))), -7, -1):
        for mant in (5, 2, 1):
            step = mant * 10.0**exp
            if abs(value / step - round(value / step)) < 1e-6:
                return math.ceil(lo / step - 1e-9) * step, math.floor(hi / step + 1e-9) * step, step
    return lo, hi, (hi - lo) / 100


# --------------------------------------------------------------------------- components
def _label(model: CommunityModel) -> str:
    return f"{model.params.acquisition.seeding} (seed {model.seed})"


def metric_plots(model: CommunityModel):
    """The report's trajectory figure for this one run."""
    update_counter.get()
    m = model.metrics()
    if len(m) == 0:
        return solara.Text("Press STEP (or ▶) to run the first day.")
    fig = plots.trajectories(m.assign(arm=_label(model), replicate=0), [_label(model)], figsize=(8, 5.5),
                             title=f"This run, day by day (seeding {model.params.acquisition.seeding})")
    return solara.FigureMatplotlib(fig, format="png", dpi=80)


def network_view(model: CommunityModel):
    """Members and the ties among them, coloured by group, marker by role."""
    import networkx as nx

    update_counter.get()
    w = model.world
    rows = w.ms.live_rows()
    if len(rows) == 0:
        return solara.Text("No members yet.")
    if len(rows) > NETWORK_MAX:
        rows = np.sort(np.random.default_rng(0).choice(rows, NETWORK_MAX, replace=False))
    persons = w.ms.person[rows].astype(np.int64)
    role = np.where(w.ms.muted[rows], int(Role.LURKER), w.ms.role[rows])
    group = w.ms.group[rows]
    owner, e = w.ties.entries_of(persons)
    inside = np.zeros(w.pop.n, bool)
    inside[persons] = True
    keep = inside[w.ties.indices[e]]
    graph = nx.Graph()
    graph.add_nodes_from(persons.tolist())
    graph.add_edges_from(zip(persons[owner[keep]].tolist(), w.ties.indices[e[keep]].tolist()))
    pos = nx.spring_layout(graph, seed=1, iterations=40)
    xy = np.array([pos[p] for p in persons.tolist()])
    fig = Figure(figsize=(6, 5.5), layout="constrained")
    ax = fig.subplots()
    nx.draw_networkx_edges(graph, pos, ax=ax, width=0.6, alpha=0.5, edge_color="#777777")
    colors = np.array(plots.PALETTE[:-1])[group % (len(plots.PALETTE) - 1)]
    for name, (marker, roles) in ROLE_MARKERS.items():
        sel = np.isin(role, roles)
        if sel.any():
            ax.scatter(xy[sel, 0], xy[sel, 1], s=40 if marker != "o" else 14, c=colors[sel], marker=marker,
                       edgecolors="black" if marker != "o" else "none", linewidths=0.4, label=name, zorder=2)
    ax.set_axis_off()
    shown = f"{len(rows)} members" + (f" (sample of {len(w.ms.live_rows())})" if len(w.ms.live_rows()) > len(rows)
                                      else "")
    ax.set_title(f"Day {w.day}: {shown}; colour = group, marker = role", fontsize=10)
    ax.legend(loc="lower left", fontsize=7, frameon=False)
    return solara.FigureMatplotlib(fig, format="png", dpi=80)


def group_table(model: CommunityModel):
    """One row per group: how it came to be and how it is doing today."""
    update_counter.get()
    g = model.groups()
    gm = model.group_metrics()
    if len(gm):
        today = gm[gm["day"] == gm["day"].max()].set_index("group")
        g = g.join(today[["members", "active", "lurker_share", "mean_trust"]], on="group")
    else:
        g = g.assign(members=0, active=0.0, lurker_share=np.nan, mean_trust=np.nan)
    columns = ["group", "parent", "cause", "created", "members", "active", "lurker_share", "mean_trust"]
    g = g.assign(cause=g["cause"].astype(str))[columns]
    g[["lurker_share", "mean_trust"]] = g[["lurker_share", "mean_trust"]].round(2)
    flat = model.params.flat()
    shown = ", ".join(f"{p.split('.', 1)[1]} = {v}" for p, v in flat.items() if p.split(".", 1)[1] in CONTROLS)
    with solara.Column() as column:
        solara.Text(f"Groups on day {model.world.day} (seed {model.seed})", style={"font-weight": "bold"})
        solara.DataFrame(pd.DataFrame(g), items_per_page=15)
        solara.Text(f"This run: {shown}", style={"font-size": "0.85em", "color": "#555"})
    return column


@solara.component
def Page():
    """The dashboard page; each browser session gets its own model."""
    params = model_params()
    model = solara.use_memo(lambda: DashboardModel(**{k: v["value"] for k, v in params.items()}), [])
    SolaraViz(model, components=[(metric_plots, 0), (network_view, 0), (group_table, 0)],
              model_params=params, name="community-sim: one community, day by day", play_interval=200)


# --------------------------------------------------------------------------- serving
def serve(host: str = "127.0.0.1", port: int = 8765, *, wait: bool = True) -> subprocess.Popen | int:
    """Run the dashboard with ``solara run`` on ``host:port`` (production mode, no browser opened).

    With ``wait`` (the CLI) block until the server stops and return its exit code;
    otherwise return the running process (tests).
    """
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    cmd = [sys.executable, "-m", "solara", "run", str(Path(__file__).resolve()), "--host", host,
           "--port", str(port), "--no-open", "--production"]
    proc = subprocess.Popen(cmd, env=env)
    if not wait:
        return proc
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        return proc.wait()
