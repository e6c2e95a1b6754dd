"""Figures from result tables (DESIGN.md §6): what teams read.

Every function here takes plain DataFrames (the tables a run folder holds, see
``load_run``) and returns a matplotlib ``Figure``; nothing imports the model, so
any figure can be regenerated from a results folder without rerunning.
:func:`plot_run` draws the standard set for one run folder, :func:`save_figure`
writes PNG + SVG atomically and records a one-line caption in
``figures/captions.json`` (the report prints it under the image).

Conventions: one colour per arm everywhere (:func:`arm_colors`, Okabe & Ito's
colour-blind-safe palette, in the scenario's arm order); bands are 95 %
Student-t intervals of the mean over replicates (the same intervals as the
verdicts of :mod:`sim.compare`); titles say what is shown, axes carry units.

Sweep figures (:func:`outcome_heatmap`, :func:`beats_heatmap`,
:func:`sensitivity_bars`) take tidy DataFrames whose columns are documented
on each function.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatter, MaxNLocator

from sim.compare import mean_ci
from sim.store import atomic_path, write_text

__all__ = ["RunTables", "load_run", "arm_colors", "new_figure", "save_figure", "write_figure", "plot_run",
           "trajectories", "group_sizes", "fission_tree", "lorenz", "cohort_retention", "network_snapshot",
           "outcome_heatmap", "beats_heatmap", "sensitivity_bars", "short_number", "CAPTIONS_FILE"]

#: Okabe & Ito (2008) colour-blind-safe palette; arm i of a scenario always gets colour i.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
#: Colours of the causes that open a group in the fission tree (kept apart from arm colours).
CAUSE_COLORS = {"none": "#333333", "overflow": "#999999", "tie_community": "#7B3294", "distributor": "#008837",
                "segment": "#E7298A", "kol": "#A6761D"}
CAPTIONS_FILE = "captions.json"
STYLE = {"font.size": 9, "axes.titlesize": 10, "axes.titleweight": "bold", "axes.spines.top": False,
         "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3, "legend.frameon": False,
         "svg.fonttype": "none", "savefig.dpi": 130}

#: (metric column, panel title, y label, cumulative?) of the trajectory figure.
TRAJECTORY_PANELS = (
    ("members", "Members", "persons", False),
    ("daily_active", "Daily active members", "persons/day", False),
    ("effective_activity", "Effective (on-topic) activity", "member posts/day", False),
    ("revenue", "Cumulative revenue", "currency", True),
    ("lurker_share", "Lurker share", "share of members", False),
    ("groups", "Groups with members", "groups", False),
)


# --------------------------------------------------------------------------- run folder
@dataclass
class RunTables:
    """The tables of a run folder; ``arms`` in the scenario's order. Missing tables are empty."""

    metrics: pd.DataFrame
    group_metrics: pd.DataFrame = field(default_factory=pd.DataFrame)
    events: pd.DataFrame = field(default_factory=pd.DataFrame)
    groups: pd.DataFrame = field(default_factory=pd.DataFrame)
    members: pd.DataFrame = field(default_factory=pd.DataFrame)
    ties: pd.DataFrame = field(default_factory=pd.DataFrame)
    arms: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.arms:
            self.arms = list(dict.fromkeys(self.metrics["arm"].astype(str)))


def scenario_arms(run_dir: Path) -> list[str]:
    """Arm names in the order of ``scenario.resolved.toml`` (empty when absent)."""
    path = Path(run_dir) / "scenario.resolved.toml"
    if not path.exists():
        return []
    return list(tomllib.loads(path.read_text(encoding="utf-8")).get("arms", {}))


def load_run(run_dir: Path) -> RunTables:
    """Read the run folder's Parquet tables (``metrics`` is required, the others optional)."""
    run_dir = Path(run_dir)
    path = run_dir / "metrics.parquet"
    if not path.exists():
        raise FileNotFoundError(f"{path}: missing; a run folder needs metrics.parquet "
                                "(written by `community-sim run`)")
    tables = {}
    for name in ("metrics", "group_metrics", "events", "groups", "members", "ties"):
        p = run_dir / f"{name}.parquet"
        tables[name] = pd.read_parquet(p) if p.exists() else pd.DataFrame()
    present = list(dict.fromkeys(tables["metrics"]["arm"].astype(str)))
    arms = [a for a in scenario_arms(run_dir) if a in present]
    return RunTables(**tables, arms=arms + [a for a in present if a not in arms])


def arm_colors(arms: list[str]) -> dict[str, str]:
    """One colour per arm, by position in the scenario (the same in every figure)."""
    return {a: PALETTE[i % len(PALETTE)] for i, a in enumerate(arms)}


def new_figure(width: float, height: float) -> Figure:
    """An empty figure of ``width`` x ``height`` inches in the house style (constrained layout)."""
    import matplotlib

    with matplotlib.rc_context(STYLE):
        return Figure(figsize=(width, height), layout="constrained")


def save_figure(fig: Figure, out_dir: Path, stem: str, caption: str) -> list[Path]:
    """Write ``stem.png`` and ``stem.svg`` into ``out_dir`` (atomically) and record ``caption``."""
    out_dir = Path(out_dir)
    paths = [write_figure(fig, out_dir / f"{stem}.{fmt}") for fmt in ("png", "svg")]
    captions_path = out_dir / CAPTIONS_FILE
    captions = json.loads(captions_path.read_text(encoding="utf-8")) if captions_path.exists() else {}
    captions[stem] = caption
    write_text(captions_path, json.dumps(captions, indent=1, ensure_ascii=False))
    return paths


def write_figure(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` to ``path`` atomically, in the format its suffix names (``.png``, ``.svg``, ``.pdf``)."""
    import matplotlib

    path = Path(path)
    with matplotlib.rc_context(STYLE), atomic_path(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip(".").lower())
    return path


def _empty(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])


def _first_replicate(df: pd.DataFrame, arm: str) -> pd.DataFrame:
    sub = df[df["arm"].astype(str) == arm] if len(df) else df
    return sub[sub["replicate"] == sub["replicate"].min()] if len(sub) else sub


# --------------------------------------------------------------------------- run figures
def _band(df: pd.DataFrame, col: str) -> pd.DataFrame:
    """Per day: mean and 95 % interval of ``col`` over replicates (:func:`sim.compare.mean_ci`)."""
    rows = [(day, *mean_ci(sub[col].to_numpy())) for day, sub in df.groupby("day", sort=True)]
    return pd.DataFrame(rows, columns=["day", "mean", "lo", "hi"])


def trajectories(metrics: pd.DataFrame, arms: list[str] | None = None,
                 figsize: tuple[float, float] = (11, 6.2), title: str | None = None) -> Figure:
    """Daily trajectories per arm: mean over replicates with a 95 % band (``TRAJECTORY_PANELS``)."""
    arms = arms or list(dict.fromkeys(metrics["arm"].astype(str)))
    colors = arm_colors(arms)
    n_rep = metrics.groupby("arm", observed=True)["replicate"].nunique()
    fig = new_figure(*figsize)
    axes = fig.subplots(2, 3, sharex=True)
    for ax, (col, panel_title, unit, cumulative) in zip(axes.flat, TRAJECTORY_PANELS):
        for arm in arms:
            sub = metrics[metrics["arm"].astype(str) == arm][["replicate", "day", col]].copy()
            if cumulative:
                sub[col] = sub.sort_values("day").groupby("replicate")[col].cumsum()
            b = _band(sub, col)
            ax.plot(b["day"], b["mean"], color=colors[arm], lw=1.6, label=f"{arm} (n={n_rep.get(arm, 0)})")
            # every metric drawn here is non-negative: a t-interval below 0 is clipped at 0
            ax.fill_between(b["day"], b["lo"].clip(lower=0), b["hi"], color=colors[arm], alpha=0.2, lw=0)
        ax.set_title(panel_title)
        if col == "groups":
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(unit)
        if col == "lurker_share":
            ax.set_ylim(0, 1)
    for ax in axes[-1]:
        ax.set_xlabel("day of the run")
    axes.flat[0].legend(title="arm (replicates)", loc="best")
    fig.suptitle(title or "Trajectories per arm: mean over replicates, band = 95 % interval of the mean",
                 fontweight="bold")
    return fig


def group_sizes(group_metrics: pd.DataFrame, arms: list[str]) -> Figure:
    """Distribution of group sizes at the horizon, per arm, pooled over replicates (CCDF)."""
    colors = arm_colors(arms)
    fig = new_figure(6, 4)
    ax = fig.subplots()
    drawn = False
    for arm in arms:
        sub = group_metrics[group_metrics["arm"].astype(str) == arm] if len(group_metrics) else group_metrics
        if len(sub) == 0:
            continue
        last = sub[sub["day"] == sub.groupby("replicate")["day"].transform("max")]
        sizes = np.sort(last.loc[last["members"] > 0, "members"].to_numpy(float))
        if len(sizes) == 0:
            continue
        share = 1.0 - np.arange(len(sizes)) / len(sizes)
        ax.step(sizes, share, where="post", color=colors[arm], lw=1.6, marker="o", ms=3,
                label=f"{arm}: {len(sizes)} groups, median {np.median(sizes):.0f}")
        drawn = True
    if not drawn:
        _empty(ax, "no group had members at the horizon")
    else:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(LogFormatter(labelOnlyBase=False))
        ax.xaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(2, 1)))
        ax.tick_params(axis="x", which="minor", labelsize=7)
        ax.set_ylim(0, 1.05)
        ax.legend(loc="best")
    ax.set_xlabel("group size at the horizon (members, log scale)")
    ax.set_ylabel("share of groups at least this large")
    ax.set_title("Group-size distribution at the horizon (all replicates)")
    return fig


def _tree_order(groups: pd.DataFrame) -> dict[int, float]:
    """y position of each group: depth-first order, children after their parent (a loop over groups)."""
    children: dict[int, list[int]] = {}
    for g, p in zip(groups["group"], groups["parent"]):
        children.setdefault(int(p), []).append(int(g))
    ypos: dict[int, float] = {}
    stack = sorted(children.get(-1, []), reverse=True)
    stack += sorted((int(g) for g, p in zip(groups["group"], groups["parent"])
                     if p >= 0 and p not in set(groups["group"])), reverse=True)
    while stack:
        g = stack.pop()
        ypos[g] = float(len(ypos))
        stack.extend(sorted(children.get(g, []), reverse=True))
    return ypos


def fission_tree(groups: pd.DataFrame, group_metrics: pd.DataFrame, arms: list[str]) -> Figure:
    """The fission tree of the first replicate per arm: parent -> child groups by day opened.

    Marker area is proportional to the group's members at the horizon (hollow when
    empty), colour gives the cause that opened it.
    """
    fig = new_figure(5.2 * max(1, len(arms)), 4.2)
    axes = np.atleast_1d(fig.subplots(1, max(1, len(arms)), squeeze=False)[0])
    causes_seen: set[str] = set()
    for ax, arm in zip(axes, arms):
        g = _first_replicate(groups, arm)
        ax.set_title(f"{arm} (replicate {int(g['replicate'].iloc[0]) if len(g) else 0})")
        if len(g) == 0:
            _empty(ax, "no groups")
            continue
        gm = _first_replicate(group_metrics, arm)
        size = {}
        if len(gm):
            last = gm[gm["day"] == gm["day"].max()]
            size = dict(zip(last["group"].astype(int), last["members"].astype(float)))
        horizon = float(gm["day"].max()) if len(gm) else float(g["created"].max())
        y = _tree_order(g)
        created = dict(zip(g["group"].astype(int), g["created"].astype(float)))
        for child, parent in zip(g["group"].astype(int), g["parent"].astype(int)):
            if parent in y:
                ax.plot([created[parent], created[parent], created[child]], [y[parent], y[child], y[child]],
                        color="#bbbbbb", lw=0.8, zorder=1)
        cause = g["cause"].astype(str).to_numpy()
        causes_seen.update(cause)
        members = np.array([size.get(int(k), 0.0) for k in g["group"]])
        colors = [CAUSE_COLORS.get(c, "#E7298A") for c in cause]
        area = 15 + 400 * np.sqrt(members / max(members.max(), 1.0))
        ys = [y[int(k)] for k in g["group"]]
        ax.scatter(g["created"], ys, s=area, c=["none" if m == 0 else c for m, c in zip(members, colors)],
                   edgecolors=colors, linewidths=1.2, zorder=2)
        if len(g) <= 40:
            for k, yy, m, a in zip(g["group"].astype(int), ys, members, area):
                ax.annotate(f"#{k}: {m:.0f}", (created[k], yy), xytext=(np.sqrt(a) / 2 + 3, -3),
                            textcoords="offset points", fontsize=7, color="#444444")
        ax.set_xlim(-0.04 * max(horizon, 1), 1.04 * max(horizon, 1))
        ax.set_ylim(-0.7, max(ys) + 0.7)
        ax.invert_yaxis()
        ax.set_yticks([])
        ax.set_xlabel("day the group was opened")
        ax.set_ylabel("groups (depth-first; parents above children)")
    handles = [axes[0].scatter([], [], s=40, c=CAUSE_COLORS.get(c, "#E7298A"),
                               label="first group" if c == "none" else c.replace("_", " "))
               for c in sorted(causes_seen)]
    if handles:
        fig.legend(handles=handles, title="opened by", loc="outside right center")
    fig.suptitle("Fission tree: which group each group split from (label: #group: members at the horizon)",
                 fontweight="bold")
    return fig


def _lorenz_curve(posts: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Share of all posts made by the least active ``grid`` fraction of members."""
    x = np.sort(np.asarray(posts, float))
    if len(x) == 0 or x.sum() <= 0:
        return np.full(len(grid), np.nan)
    cum = np.concatenate([[0.0], np.cumsum(x) / x.sum()])
    return np.interp(grid, np.linspace(0, 1, len(cum)), cum)


def lorenz(members: pd.DataFrame, metrics: pd.DataFrame, arms: list[str]) -> Figure:
    """Participation Lorenz curve per arm at the horizon with the top-1 % / top-10 % shares marked.

    With a ``members`` table (one row per live membership, column ``posts``) the full
    curve is drawn per replicate and averaged (95 % band). Without it, the curve is
    interpolated through the points the daily metrics record (``top1_share``,
    ``top10_share`` on the last day) and drawn dashed.
    """
    colors = arm_colors(arms)
    grid = np.linspace(0, 1, 201)
    fig = new_figure(6, 5)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="#999999", lw=0.8, ls=":", label="perfect equality")
    for arm in arms:
        last = metrics[metrics["arm"].astype(str) == arm]
        last = last[last["day"] == last["day"].max()]
        top1, top10 = float(last["top1_share"].mean()), float(last["top10_share"].mean())
        sub = members[members["arm"].astype(str) == arm] if len(members) else members
        if len(sub):
            curves = np.array([_lorenz_curve(s["posts"].to_numpy(), grid) for _, s in sub.groupby("replicate")])
            stats = [mean_ci(c) for c in curves.T]
            mean, lo, hi = (np.array(v) for v in zip(*stats))
            ax.plot(grid, mean, color=colors[arm], lw=1.6, label=f"{arm}")
            ax.fill_between(grid, lo, hi, color=colors[arm], alpha=0.2, lw=0)
        elif math.isfinite(top1) and math.isfinite(top10):
            ax.plot([0, 0.9, 0.99, 1], [0, 1 - top10, 1 - top1, 1], color=colors[arm], lw=1.4, ls="--",
                    label=f"{arm} (through the recorded top shares)")
        else:
            continue
        for q, share in ((0.9, top10), (0.99, top1)):
            if math.isfinite(share):
                ax.plot([q], [1 - share], "o", color=colors[arm], ms=5)
                ax.annotate(f"top {100 * (1 - q):.0f} %: {100 * share:.0f} % of posts", (q, 1 - share),
                            xytext=(-8, 6 + 12 * arms.index(arm)), textcoords="offset points", ha="right",
                            fontsize=7, color=colors[arm])
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("members ranked from least to most active (cumulative share)")
    ax.set_ylabel("cumulative share of member posts")
    ax.set_title("Participation inequality at the horizon (Lorenz curve)")
    ax.legend(loc="upper left")
    return fig


def _spells(events: pd.DataFrame) -> pd.DataFrame:
    """Membership spells from the event log: join day and the day of the matching leave (NaN if none)."""
    ev = events.reset_index(drop=True).assign(seq=lambda d: np.arange(len(d)))
    ev["kind"] = ev["kind"].astype(str)
    keys = ["arm", "replicate", "person"]
    joins = ev.loc[ev["kind"] == "join", keys + ["seq", "day"]].rename(columns={"day": "start"})
    leaves = ev.loc[ev["kind"] == "leave", keys + ["seq", "day"]].rename(columns={"day": "end"})
    for df in (joins, leaves):
        df["arm"] = df["arm"].astype(str)
    return pd.merge_asof(joins.sort_values("seq"), leaves.sort_values("seq"), on="seq", by=keys,
                         direction="forward")


def cohort_retention(events: pd.DataFrame, metrics: pd.DataFrame, arms: list[str], week: int = 7) -> Figure:
    """Share of each weekly join cohort still a member k weeks after joining, per arm.

    Cohorts are pooled over replicates; a cell is drawn only where every member of
    the cohort could have been observed for k weeks before the horizon.
    """
    horizon = int(metrics["day"].max())
    n_weeks = horizon // week + 1
    fig = new_figure(4.6 * max(1, len(arms)) + 0.8, 4.2)
    axes = np.atleast_1d(fig.subplots(1, max(1, len(arms)), squeeze=False)[0])
    spells = _spells(events) if len(events) else pd.DataFrame()
    image = None
    for ax, arm in zip(axes, arms):
        sp = spells[spells["arm"] == arm] if len(spells) else spells
        ax.set_title(arm)
        if len(sp) == 0:
            _empty(ax, "nobody joined")
            continue
        cohort = (sp["start"].to_numpy() // week).astype(int)
        stayed = np.where(sp["end"].isna(), horizon + 1, sp["end"].to_numpy(float)) - sp["start"].to_numpy()
        grid = np.full((n_weeks, n_weeks), np.nan)
        for k in range(n_weeks):  # loop over weeks of age (few), vectorised over spells
            observable = (cohort + 1) * week - 1 + k * week <= horizon
            alive = stayed > k * week
            num = np.bincount(cohort, weights=alive & observable, minlength=n_weeks)
            den = np.bincount(cohort, weights=observable, minlength=n_weeks)
            with np.errstate(invalid="ignore", divide="ignore"):
                grid[:, k] = np.where(den > 0, num / den, np.nan)
        image = ax.imshow(grid, origin="upper", aspect="auto", cmap="viridis", vmin=0, vmax=1,
                          extent=(-0.5, n_weeks - 0.5, n_weeks - 0.5, -0.5))
        sizes = np.bincount(cohort, minlength=n_weeks)
        step = max(1, n_weeks // 14)
        ax.set_yticks(range(0, n_weeks, step), [f"{w} (n={sizes[w]})" for w in range(0, n_weeks, step)],
                      fontsize=7)
        ax.tick_params(axis="y", labelleft=True)
        ax.set_xlabel("weeks since joining")
        ax.grid(False)
    axes[0].set_ylabel("join cohort: week of the run (joiners, all replicates)")
    if image is not None:
        fig.colorbar(image, ax=list(axes), label="share of the cohort still a member", shrink=0.9)
    fig.suptitle("Cohort retention: who is still in the group k weeks after joining (all replicates)",
                 fontweight="bold")
    return fig


def network_snapshot(events: pd.DataFrame, arms: list[str], ties: pd.DataFrame | None = None,
                     max_nodes: int = 600) -> Figure:
    """Persons who ever joined (first replicate per arm), coloured by their group at the horizon.

    Edges are social ties among them when a ``ties`` table (``u, v, strength``) is
    given, otherwise who-invited-whom (the ``actor`` of join events). Persons who
    left are grey. When more than ``max_nodes`` persons joined, a seeded sample
    is drawn. Layout: networkx spring layout with a fixed seed.
    """
    import networkx as nx

    fig = new_figure(5.2 * max(1, len(arms)), 5.4)
    axes = np.atleast_1d(fig.subplots(1, max(1, len(arms)), squeeze=False)[0])
    group_cmap = ListedColormap(["#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377",
                                 "#BBBBBB"][:-1])
    for ax, arm in zip(axes, arms):
        ev = _first_replicate(events, arm) if len(events) else events
        ax.set_title(arm)
        ax.set_axis_off()
        if len(ev) == 0 or not (ev["kind"].astype(str) == "join").any():
            _empty(ax, "nobody joined")
            continue
        sp = _spells(ev)
        final = sp.sort_values("seq").groupby("person").last()
        entered = ev[ev["kind"].astype(str).isin(["join", "move"])]
        group_of = entered.groupby("person")["group"].last()  # the log is in time order
        current = final["end"].isna()
        persons = final.index.to_numpy()
        rng = np.random.default_rng(0)
        if len(persons) > max_nodes:
            persons = np.sort(rng.choice(persons, max_nodes, replace=False))
        keep = set(persons.tolist())
        if ties is not None and len(ties):
            t = _first_replicate(ties, arm) if "arm" in ties else ties
            edges = zip(t["u"].astype(int), t["v"].astype(int))
            kind = "social ties"
        else:
            j = ev[(ev["kind"].astype(str) == "join") & (ev["actor"] >= 0)]
            edges = zip(j["actor"].astype(int), j["person"].astype(int))
            kind = "who invited whom"
        graph = nx.Graph()
        graph.add_nodes_from(persons.tolist())
        graph.add_edges_from((u, v) for u, v in edges if u in keep and v in keep)
        pos = nx.spring_layout(graph, seed=1, iterations=60)
        nodes = list(graph.nodes)
        xy = np.array([pos[n] for n in nodes])
        is_member = current.reindex(nodes).fillna(False).to_numpy(bool)
        gid = group_of.reindex(nodes).fillna(-1).to_numpy(int)
        colors = np.where(is_member[:, None], group_cmap(gid % group_cmap.N), [[0.8, 0.8, 0.8, 1.0]])
        nx.draw_networkx_edges(graph, pos, ax=ax, width=0.4, alpha=0.4, edge_color="#666666")
        ax.scatter(xy[:, 0], xy[:, 1], s=10, c=colors, edgecolors="none", zorder=2)
        shown = f"{len(nodes)} persons" if len(final) <= max_nodes else f"sample of {max_nodes} of {len(final)} persons"
        ax.set_title(f"{arm}\n{shown}; edges = {kind}")
        for g in sorted(set(gid[is_member]))[:6]:
            ax.scatter([], [], s=25, color=group_cmap(g % group_cmap.N), label=f"group #{g}")
        ax.scatter([], [], s=25, color="#cccccc", label="left")
        ax.legend(loc="lower left", fontsize=7, ncol=2)
    fig.suptitle("Network snapshot (first replicate): persons who joined, coloured by group at the horizon",
                 fontweight="bold")
    return fig


# --------------------------------------------------------------------------- the standard set
def plot_run(run_dir: Path) -> list[Path]:
    """Draw the standard figures of a run folder into ``run_dir/figures`` (PNG + SVG); return the paths."""
    run_dir = Path(run_dir)
    t = load_run(run_dir)
    out = run_dir / "figures"
    n_rep = int(t.metrics.groupby("arm", observed=True)["replicate"].nunique().min())
    specs = [
        ("trajectories", lambda: trajectories(t.metrics, t.arms),
         f"Daily members, activity, cumulative revenue, lurker share and groups per arm; lines are means over "
         f"{n_rep} replicate(s), bands the 95 % interval of the mean."),
        ("group_sizes", lambda: group_sizes(t.group_metrics, t.arms),
         "How large the groups are at the horizon: share of groups at least as large as x, all replicates pooled."),
        ("fission_tree", lambda: fission_tree(t.groups, t.group_metrics, t.arms),
         "Which group opened from which (first replicate of each arm), by day; marker area = members at the "
         "horizon, colour = cause."),
        ("lorenz", lambda: lorenz(t.members, t.metrics, t.arms),
         "Participation inequality at the horizon: share of member posts made by the least active x of members; "
         "dots mark the shares of the top 10 % and top 1 %."),
        ("cohort_retention", lambda: cohort_retention(t.events, t.metrics, t.arms),
         "Share of each weekly join cohort still a member k weeks later (all replicates pooled); blank cells "
         "lie beyond the horizon."),
        ("network", lambda: network_snapshot(t.events, t.arms, t.ties if len(t.ties) else None),
         "Persons who joined in the first replicate of each arm, coloured by group at the horizon (grey: left)."),
    ]
    paths: list[Path] = []
    for stem, draw, caption in specs:
        if stem in ("group_sizes", "fission_tree") and not len(t.groups) and not len(t.group_metrics):
            continue
        if stem in ("cohort_retention", "network") and not len(t.events):
            continue
        paths += save_figure(draw(), out, stem, caption)
    return paths


# --------------------------------------------------------------------------- sweeps
def outcome_heatmap(df: pd.DataFrame, x: str, y: str, value: str, *, arms: list[str] | None = None,
                    title: str | None = None, unit: str = "") -> Figure:
    """Mean of ``value`` over the grid of two parameters ``x`` and ``y``; one panel per arm if ``arms``.

    ``df`` has one row per run (or per cell) with columns ``x``, ``y`` and ``value``
    (and ``arm`` when ``arms`` is given); rows sharing a cell (replicates, other
    parameters) are averaged. The panels share one colour scale, so a colour
    means the same number in every arm.
    """
    panels = [(a, df[df["arm"] == a]) for a in arms] if arms else [(None, df)]
    cells = [(a, sub.groupby([y, x])[value].mean().unstack(x).sort_index(ascending=False)) for a, sub in panels]
    finite = np.concatenate([c.to_numpy(float).ravel() for _, c in cells])
    finite = finite[np.isfinite(finite)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    ncol = min(len(cells), 4)
    nrow = math.ceil(len(cells) / ncol)
    fig = new_figure(1.2 + 3.6 * ncol, 0.9 + 3.3 * nrow)
    axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False).ravel())
    colors = arm_colors(arms) if arms else {}
    for ax, (arm, cell) in zip(axes, cells):
        im = ax.imshow(cell.to_numpy(float), aspect="auto", cmap="viridis", vmin=vmin, vmax=vmax)
        _label_grid(ax, cell, x, y, dark=((vmin + vmax) / 2).__gt__)
        if arm is not None:
            ax.set_title(arm, color=colors[arm], fontweight="bold")
    for ax in axes[len(cells):]:
        ax.set_visible(False)
    fig.colorbar(im, ax=axes[: len(cells)].tolist(), label=f"mean {value}" + (f" ({unit})" if unit else ""))
    fig.suptitle(title or f"Mean {value} over {x} and {y}" + (" per arm (one colour scale)" if arms else ""),
                 fontweight="bold")
    return fig


def beats_heatmap(df: pd.DataFrame, x: str, y: str, outcome: str, arm_a: str, arm_b: str, *,
                  lower_is_better: bool = False) -> Figure:
    """P(arm ``arm_a`` beats ``arm_b`` on ``outcome``) over two parameters, paired by replicate.

    ``df`` columns: ``x``, ``y``, ``arm``, ``replicate``, ``outcome`` and, for
    sweeps with more factors than ``x`` and ``y``, ``sample`` (the design point).
    Runs are paired on (``sample``, ``replicate``) before anything is averaged,
    so other factors never blur a pair. In each cell the share of pairs where
    ``arm_a`` did better than ``arm_b`` (ties count half); 0.5 = a coin flip.
    """
    pair = ["sample", "replicate"] if "sample" in df else ["replicate"]
    wide = df.pivot_table(index=[y, x, *pair], columns="arm", values=outcome, aggfunc="first")
    d = wide[arm_a] - wide[arm_b]
    win = ((d < 0) if lower_is_better else (d > 0)).astype(float) + 0.5 * (d == 0)
    cell = win[d.notna()].groupby(level=[y, x]).mean().unstack(x).sort_index(ascending=False)
    fig = new_figure(6.4, 4.8)
    ax = fig.subplots()
    im = ax.imshow(cell.to_numpy(float), aspect="auto", cmap="RdBu", vmin=0, vmax=1)
    _label_grid(ax, cell, x, y, fmt="{:.0%}".format, dark=lambda v: abs(v - 0.5) > 0.3)
    fig.colorbar(im, ax=ax, label=f"P({arm_a} beats {arm_b}) on {outcome}")
    ax.set_title(f"Where {arm_a} beats {arm_b} on {outcome} (share of replicates)")
    return fig


def short_number(x: float) -> str:
    """A number for a table cell or label: thousands separators from 100 up, three significant digits below."""
    if not math.isfinite(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _label_grid(ax: Axes, cell: pd.DataFrame, x: str, y: str, fmt: Callable[[float], str] = short_number,
                dark: Callable[[float], bool] | None = None) -> None:
    """Tick labels, axis names and (for grids up to 12 x 12) each cell's value, white where ``dark(value)``.

    ``dark`` defaults to "below the grid's mean" (viridis is dark at its low end).
    """
    ax.set_xticks(range(cell.shape[1]), [f"{v:.3g}" if isinstance(v, float) else str(v) for v in cell.columns])
    ax.set_yticks(range(cell.shape[0]), [f"{v:.3g}" if isinstance(v, float) else str(v) for v in cell.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.grid(False)
    if cell.size <= 144:
        vals = cell.to_numpy(float)
        if dark is None:
            mid = np.nanmean(vals) if np.isfinite(vals).any() else 0.0
            dark = mid.__gt__
        for (i, j), v in np.ndenumerate(vals):
            if math.isfinite(v):
                ax.text(j, i, fmt(v), ha="center", va="center", fontsize=8, color="white" if dark(v) else "black")


def sensitivity_bars(df: pd.DataFrame) -> Figure:
    """Sensitivity indices per parameter, one panel per outcome, parameters sorted by importance.

    ``df`` columns: ``outcome``, ``parameter`` and either Sobol ``S1, S1_conf, ST,
    ST_conf`` (first-order and total indices with 95 % confidence half-widths) or
    Morris ``mu_star, mu_star_conf, sigma``.
    """
    sobol = {"S1", "ST"} <= set(df.columns)
    outcomes = list(dict.fromkeys(df["outcome"]))
    n_par = df["parameter"].nunique()
    fig = new_figure(4.2 * len(outcomes), 1.2 + 0.32 * n_par)
    axes = np.atleast_1d(fig.subplots(1, len(outcomes), squeeze=False)[0])
    for ax, outcome in zip(axes, outcomes):
        sub = df[df["outcome"] == outcome].sort_values("ST" if sobol else "mu_star")
        ypos = np.arange(len(sub))
        if sobol:
            ax.barh(ypos + 0.2, sub["ST"], 0.4, xerr=sub.get("ST_conf"), color=PALETTE[0], label="total (ST)")
            ax.barh(ypos - 0.2, sub["S1"], 0.4, xerr=sub.get("S1_conf"), color=PALETTE[5], label="first order (S1)")
            ax.set_xlabel("Sobol index (share of output variance)")
        else:
            ax.barh(ypos, sub["mu_star"], 0.6, xerr=sub.get("mu_star_conf"), color=PALETTE[0], label="mu*")
            ax.plot(sub["sigma"], ypos, "D", color=PALETTE[1], ms=4, label="sigma (interactions)")
            ax.set_xlabel(f"Morris elementary effect ({outcome} units)")
        ax.set_yticks(ypos, sub["parameter"])
        ax.set_title(outcome)
        ax.legend(loc="lower right")
    fig.suptitle(("Sobol" if sobol else "Morris") + " sensitivity: which parameters move each outcome "
                 "(bars: 95 % confidence)", fontweight="bold")
    return fig
