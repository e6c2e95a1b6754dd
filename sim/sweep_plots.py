"""Sweep figures: the standard set for a results folder, and the win-region (frontier) plot.

Heatmaps and sensitivity bars are :mod:`sim.plots`' (``outcome_heatmap``,
``beats_heatmap``, ``sensitivity_bars``); this module adds the one figure those
do not cover, :func:`frontier`: for a continuous design (Sobol, LHS, Morris),
where in the plane of two parameters arm A beats arm B, and chooses which
figures a sweep gets. Like every figure function it reads tables only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from sim import plots
from sim.sweep import Sweep


def frontier(df: pd.DataFrame, x: str, y: str, outcome: str, arm_a: str, arm_b: str, *,
             lower_is_better: bool = False, log: tuple[bool, bool] = (False, False)) -> Figure:
    """Where ``arm_a`` beats ``arm_b`` on ``outcome`` over parameters ``x`` and ``y``.

    ``df``: one row per run with ``sample``, ``replicate``, ``arm``, ``x``, ``y``
    and ``outcome``. Each design point is a dot coloured by the share of its
    replicates where A beat B (ties half). The background is that share
    smoothed over the k nearest design points in the (x, y) plane
    (k = n/15, at least 5; so it averages over every other swept parameter),
    and the black line is where it crosses 50 %: the frontier between the
    region where A usually wins and the one where B does. ``log`` draws an
    axis (and measures nearness) on a log scale.
    """
    wide = df.pivot_table(index=["sample", "replicate"], columns="arm", values=outcome, dropna=False)
    d = wide[arm_a] - wide[arm_b]
    win = ((d < 0) if lower_is_better else (d > 0)).astype(float) + 0.5 * (d == 0)
    p = win[d.notna()].groupby(level="sample").mean()
    pts = df.drop_duplicates("sample").set_index("sample").loc[p.index, [x, y]].astype(float).to_numpy()
    fig = plots.new_figure(6.4, 5.0)
    ax = fig.subplots()
    if len(p) >= 5:
        tf = [np.log if lg else (lambda v: v) for lg in log]
        u = np.column_stack([tf[0](pts[:, 0]), tf[1](pts[:, 1])])
        lo, span = u.min(axis=0), np.ptp(u, axis=0) + 1e-12
        un = (u - lo) / span
        gx, gy = np.meshgrid(np.linspace(0, 1, 60), np.linspace(0, 1, 60))
        dist = np.hypot(gx.ravel()[:, None] - un[:, 0], gy.ravel()[:, None] - un[:, 1])
        k = max(5, len(p) // 15)
        near = np.argpartition(dist, k - 1, axis=1)[:, :k]
        share = p.to_numpy()[near].mean(axis=1).reshape(gx.shape)
        back = [np.exp if lg else (lambda v: v) for lg in log]
        X, Y = back[0](lo[0] + gx * span[0]), back[1](lo[1] + gy * span[1])
        im = ax.pcolormesh(X, Y, share, cmap="RdBu", vmin=0, vmax=1, alpha=0.6, shading="auto")
        if share.min() < 0.5 < share.max():
            ax.contour(X, Y, share, levels=[0.5], colors="k", linewidths=1.5)
        fig.colorbar(im, ax=ax, label=f"P({arm_a} beats {arm_b}) on {outcome}")
    ax.scatter(pts[:, 0], pts[:, 1], c=p.to_numpy(), cmap="RdBu", vmin=0, vmax=1, s=10,
               edgecolors="k", linewidths=0.3)
    for set_scale, axis, lg in ((ax.set_xscale, ax.xaxis, log[0]), (ax.set_yscale, ax.yaxis, log[1])):
        if lg:
            set_scale("log")
            axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            axis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"Where {arm_a} (blue) or {arm_b} (red) wins on {outcome}")
    return fig


def arm_bars(df: pd.DataFrame, outcomes: list[str], arms: list[str]) -> Figure:
    """Mean of each outcome per arm over the whole design, with its 95 % Student-t interval over runs.

    One panel per outcome; arms in the sweep's order and colours
    (:func:`sim.plots.arm_colors`). A summary across every swept condition:
    read the heatmaps for how it changes with them.
    """
    from sim.compare import mean_ci

    cols = min(4, len(outcomes))
    rows = -(-len(outcomes) // cols)
    fig = plots.new_figure(3.2 * cols, 2.6 * rows)
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False).ravel())
    colors = plots.arm_colors(arms)
    for ax, outcome in zip(axes, outcomes):
        stats = [mean_ci(df.loc[df["arm"] == a, outcome].to_numpy(float)) for a in arms]
        means = np.array([m for m, _, _ in stats])
        err = np.array([[m - lo, hi - m] for m, lo, hi in stats]).T
        ax.bar(range(len(arms)), means, yerr=err, color=[colors[a] for a in arms], capsize=3)
        ax.set_xticks(range(len(arms)), arms, rotation=30, ha="right")
        ax.set_title(outcome)
    for ax in axes[len(outcomes):]:
        ax.set_visible(False)
    fig.suptitle("Mean per arm over the whole design (bars: 95 % intervals)", fontweight="bold")
    return fig


def _top_two(indices: pd.DataFrame | None, arm: str, outcome: str, names: list[str]) -> list[str]:
    """The two most influential parameters for ``outcome`` of ``arm`` (ST, mu* or delta), else the first two."""
    if indices is None or indices.empty:
        return names[:2]
    key = next(k for k in ("ST", "mu_star", "delta") if k in indices.columns)
    sub = indices[(indices["arm"] == arm) & (indices["outcome"] == outcome)].sort_values(key, ascending=False)
    top = sub["parameter"].tolist()[:2]
    return top if len(top) == 2 else names[:2]


def sweep_figures(sweep: Sweep, df: pd.DataFrame, indices: pd.DataFrame | None, out: Path) -> dict[str, Path]:
    """Draw a sweep's figures into ``out`` (PNG + SVG, with captions); return the PNG paths by stem."""
    from sim.sensitivity import lower_is_better

    made: dict[str, Path] = {}

    def save(fig: Figure, stem: str, caption: str) -> None:
        made[stem] = plots.save_figure(fig, out, stem, caption)[0]

    names = [f.name for f in sweep.factors]
    # an outcome no run reached (e.g. a day past the horizon) has nothing to draw
    outcomes = [o.name for o in sweep.outcomes
                if df.groupby("arm")[o.name].apply(lambda v: v.notna().any()).reindex([a for a, _ in sweep.arms]).all()]
    if indices is not None and not indices.empty and ({"ST", "mu_star"} & set(indices.columns)):
        for arm in indices["arm"].unique():
            save(plots.sensitivity_bars(indices[indices["arm"] == arm]), f"sensitivity_{arm}",
                 f"Sensitivity of each outcome to the swept parameters, arm {arm} (bars: 95 % intervals).")
    if sweep.compare is not None and sweep.sampler != "grid" and len(names) >= 2:
        a, b = sweep.compare
        for outcome in outcomes:
            x, y = _top_two(indices, f"{a}_beats_{b}", outcome, names)
            logs = tuple(next(f.dist == "loguniform" for f in sweep.factors if f.name == n) for n in (x, y))
            save(frontier(df, x, y, outcome, a, b, lower_is_better=lower_is_better(sweep, outcome), log=logs),
                 f"frontier_{outcome}", f"Design points coloured by the share of replicates where {a} beat {b} "
                 f"on {outcome}, over the two most influential parameters ({x}, {y}).")
    if len(sweep.arms) >= 2:
        arms = [a for a, _ in sweep.arms]
        save(arm_bars(df, outcomes, arms), "arms", "Mean of each outcome per arm over every design point "
             "and replicate, with 95 % intervals.")
    if sweep.sampler == "grid" and len(names) >= 2:
        x, y = names[0], names[1]
        for outcome in outcomes:
            arms = [a for a, _ in sweep.arms]
            save(plots.outcome_heatmap(df, x, y, outcome, arms=arms,
                                       title=f"Mean {outcome} over {x} and {y}, one panel per arm"),
                 f"heatmap_{outcome}", f"Mean {outcome} of each arm over {x} and {y} (averaged over replicates "
                 "and any other swept parameter); one colour scale for all arms.")
            if sweep.compare is not None:
                # one map per level of the other factors: pooling them would hide how they move the frontier
                a, b = sweep.compare
                rest = names[2:]
                for i, (levels, sub) in enumerate(df.groupby(rest, sort=False) if rest else [((), df)]):
                    levels = levels if isinstance(levels, tuple) else (levels,)
                    where = ", ".join(f"{n} = {v}" for n, v in zip(rest, levels))
                    fig = plots.beats_heatmap(sub, x, y, outcome, a, b, lower_is_better=lower_is_better(sweep, outcome))
                    if where:
                        fig.axes[0].set_title(f"Where {a} beats {b} on {outcome}\n({where})")
                    save(fig, f"beats_{outcome}" + (f"_{i}" if rest else ""),
                         f"Share of paired replicates where {a} beat {b} on {outcome}" + (f" at {where}." if where else "."))
    return made
