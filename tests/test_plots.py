"""Figures from a run folder: files produced, one series per arm, bands, edge cases.

``make_run_folder`` builds a run folder by the shared contract (DESIGN.md §6,
the run-folder section of the task) straight from ``CommunityModel.tables()``
and ``sim.metrics.summarize``, so these tests do not depend on the runner.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection

from sim import CommunityModel, Params, __version__
from sim import plots
from sim.metrics import summarize


def _members_table(model: CommunityModel) -> pd.DataFrame:
    """Live memberships at the horizon (person, group, role, posts, joined) for the Lorenz curve."""
    ms = model.world.ms
    rows = ms.live_rows()
    return pd.DataFrame({"person": ms.person[rows], "group": ms.group[rows], "role": ms.role[rows],
                         "posts": ms.posts[rows], "joined": ms.joined[rows]})


def make_run_folder(root: Path, arms: dict[str, dict], replicates: int = 2, days: int = 21,
                    n_persons: int = 800, seed: int = 11, members: bool = True,
                    question: str = "Does a small value-aligned core beat a blast?") -> Path:
    """Write a run folder (tables, summary.csv, scenario.resolved.toml, manifest.json) into ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    tables: dict[str, list[pd.DataFrame]] = {}
    summary = []
    for arm, overrides in arms.items():
        for r in range(replicates):
            s = seed * 1000 + r
            m = CommunityModel(rng=s, n_persons=n_persons, **overrides).run(days)
            out = m.tables()
            if members:
                out["members"] = _members_table(m)
            for name, df in out.items():
                tables.setdefault(name, []).append(df.assign(arm=arm, replicate=r, seed=s)[
                    ["arm", "replicate", "seed", *df.columns]])
            summary.append({"arm": arm, "replicate": r, "seed": s, **summarize(m.metrics())})
    for name, parts in tables.items():
        pd.concat(parts, ignore_index=True).to_parquet(root / f"{name}.parquet")
    pd.DataFrame(summary).to_csv(root / "summary.csv", index=False)
    # the layout of sim.scenario.Scenario.resolved_toml: [scenario], [base], [arms.*], [resolved.*]
    lines = ["[scenario]", 'name = "fixture"', f'description = "{question}"', f"replicates = {replicates}",
             f"days = {days}", f"seed = {seed}",
             'outcomes = ["revenue_total", "members_final", "lurker_share_final"]', "", "[base]",
             f"n_persons = {n_persons}"]
    for arm, overrides in arms.items():
        lines += ["", f"[arms.{arm}]", *(f"{k} = {json.dumps(v)}" for k, v in overrides.items())]
    for arm, overrides in arms.items():
        for section, values in Params().with_overrides({"n_persons": n_persons, **overrides}).to_dict().items():
            lines += ["", f"[resolved.{arm}.{section}]", *(f"{k} = {json.dumps(v)}" for k, v in values.items())]
    (root / "scenario.resolved.toml").write_text("\n".join(lines) + "\n")
    (root / "manifest.json").write_text(json.dumps({"seed": seed, "package_version": __version__,
                                                   "status": "complete"}))
    return root


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    return make_run_folder(tmp_path_factory.mktemp("run"), {"core": {"seeding": "core"},
                                                            "blast": {"seeding": "blast"}})


def test_plot_run_writes_png_and_svg_for_every_figure(run_dir):
    paths = plots.plot_run(run_dir)
    stems = {p.stem for p in paths}
    assert {"trajectories", "group_sizes", "fission_tree", "lorenz", "cohort_retention", "network"} <= stems
    for stem in stems:
        png, svg = run_dir / "figures" / f"{stem}.png", run_dir / "figures" / f"{stem}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "<svg" in svg.read_text()[:2000]
    captions = json.loads((run_dir / "figures" / plots.CAPTIONS_FILE).read_text())
    assert stems <= set(captions) and all(captions[s] for s in stems)
    assert not list((run_dir / "figures").glob(".*tmp")), "temporary files left behind"


def test_trajectories_one_series_and_one_band_per_arm(run_dir):
    t = plots.load_run(run_dir)
    fig = plots.trajectories(t.metrics, t.arms)
    colors = plots.arm_colors(t.arms)
    for ax in fig.axes:
        lines = [ln for ln in ax.get_lines()]
        assert [ln.get_color() for ln in lines] == [colors["core"], colors["blast"]]
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert len(bands) == 2
        # the band encloses the mean line
        ys = bands[0].get_paths()[0].vertices[:, 1]
        assert np.nanmin(ys) <= np.nanmin(lines[0].get_ydata()) + 1e-9
    assert fig.axes[0].get_legend() is not None


def test_cumulative_revenue_panel_matches_summary(run_dir):
    t = plots.load_run(run_dir)
    fig = plots.trajectories(t.metrics, t.arms)
    revenue_ax = next(ax for ax in fig.axes if ax.get_title() == "Cumulative revenue")
    summary = pd.read_csv(run_dir / "summary.csv")
    for line, arm in zip(revenue_ax.get_lines(), t.arms):
        assert line.get_ydata()[-1] == pytest.approx(summary.loc[summary.arm == arm, "revenue_total"].mean())


def test_arm_order_follows_the_scenario_and_colours_are_stable(run_dir):
    t = plots.load_run(run_dir)
    assert t.arms == ["core", "blast"]
    assert plots.arm_colors(t.arms)["core"] == plots.PALETTE[0]


def test_lorenz_marks_the_recorded_top_shares(run_dir):
    t = plots.load_run(run_dir)
    fig = plots.lorenz(t.members, t.metrics, t.arms)
    ax = fig.axes[0]
    last = t.metrics[t.metrics.day == t.metrics.day.max()]
    for arm in t.arms:
        top10 = last.loc[last.arm == arm, "top10_share"].mean()
        dots = [ln for ln in ax.get_lines() if ln.get_marker() == "o" and list(ln.get_xdata()) == [0.9]]
        assert any(ln.get_ydata()[0] == pytest.approx(1 - top10) for ln in dots)
    # the full curve from the members table agrees with the recorded top-10 % share
    core = t.members[(t.members.arm == "core") & (t.members.replicate == 0)]["posts"].to_numpy()
    curve = plots._lorenz_curve(core, np.array([0.9]))
    recorded = last.loc[(last.arm == "core") & (last.replicate == 0), "top10_share"].iloc[0]
    assert 1 - curve[0] == pytest.approx(recorded, abs=0.1)


def test_cohort_retention_starts_at_one_and_stays_in_range(run_dir):
    t = plots.load_run(run_dir)
    fig = plots.cohort_retention(t.events, t.metrics, t.arms)
    grid = fig.axes[0].images[0].get_array()
    assert grid[0, 0] == pytest.approx(1.0, abs=0.05)  # nearly everyone stays the first week
    vals = np.asarray(grid.filled(np.nan) if hasattr(grid, "filled") else grid, float)
    assert np.nanmin(vals) >= 0 and np.nanmax(vals) <= 1
    assert np.isnan(vals[-1, -1])  # the last cohort cannot be observed for many weeks


def test_edge_cases_one_arm_one_replicate_zero_revenue(tmp_path):
    run = make_run_folder(tmp_path / "one", {"only": {"seeding": "core", "buy_rate": 0.0}}, replicates=1,
                          days=8, n_persons=300, members=False)
    paths = plots.plot_run(run)
    assert any(p.name == "trajectories.png" for p in paths)
    t = plots.load_run(run)
    assert (t.metrics["revenue"] == 0).all()
    fig = plots.trajectories(t.metrics, t.arms)
    assert len(fig.axes[0].get_lines()) == 1


def test_group_free_run(tmp_path):
    """A zero budget seeds nobody: the figures still render and say so."""
    run = make_run_folder(tmp_path / "empty", {"nobody": {"budget": 0.0}}, replicates=2, days=5,
                          n_persons=200, members=False)
    paths = plots.plot_run(run)
    assert {p.stem for p in paths} >= {"trajectories", "group_sizes"}
    t = plots.load_run(run)
    fig = plots.group_sizes(t.group_metrics, t.arms)
    assert "no group had members" in fig.axes[0].texts[0].get_text()


def test_sweep_figures_from_plain_frames(tmp_path):
    rng = np.random.default_rng(0)
    grid = pd.DataFrame([(a, b, arm, r) for a in (0.1, 0.5, 1.0) for b in (1, 2) for arm in ("core", "blast")
                         for r in range(4)], columns=["invite_rate", "spam_share", "arm", "replicate"])
    grid["revenue_total"] = grid["invite_rate"] * 100 + (grid["arm"] == "core") * 10 * grid["spam_share"] \
        + rng.normal(0, 1, len(grid))
    fig = plots.outcome_heatmap(grid, "invite_rate", "spam_share", "revenue_total", unit="currency")
    img = fig.axes[0].images[0].get_array()
    assert img.shape == (2, 3) and img[0, 2] > img[0, 0]  # revenue rises with invite_rate
    fig = plots.outcome_heatmap(grid, "invite_rate", "spam_share", "revenue_total", arms=["core", "blast"])
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["core", "blast"]
    assert panels[0].images[0].get_clim() == panels[1].images[0].get_clim()  # one colour scale for all arms
    core, blast = (np.asarray(ax.images[0].get_array(), float) for ax in panels)
    assert core[0, 0] > blast[0, 0]  # spam_share 2 is the top row: core earns 20 more there
    fig = plots.beats_heatmap(grid, "invite_rate", "spam_share", "revenue_total", "core", "blast")
    p = np.asarray(fig.axes[0].images[0].get_array(), float)
    assert np.all((p >= 0) & (p <= 1)) and p.mean() > 0.9  # core's +10..20 dominates noise of s.d. 1
    sobol = pd.DataFrame({"outcome": ["revenue_total"] * 2, "parameter": ["invite_rate", "spam_share"],
                          "S1": [0.7, 0.1], "S1_conf": [0.05, 0.05], "ST": [0.8, 0.2], "ST_conf": [0.05, 0.04]})
    fig = plots.sensitivity_bars(sobol)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["spam_share", "invite_rate"]
    morris = pd.DataFrame({"outcome": ["a", "a", "b", "b"], "parameter": ["x", "y", "x", "y"],
                           "mu_star": [1.0, 2.0, 3.0, 0.5], "mu_star_conf": [0.1] * 4, "sigma": [0.2] * 4})
    assert len(plots.sensitivity_bars(morris).axes) == 2
    assert len(plots.save_figure(fig, tmp_path, "sens", "Morris bars")) == 2


def test_missing_metrics_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="metrics.parquet"):
        plots.load_run(tmp_path)


def test_beats_heatmap_pairs_runs_before_averaging_over_other_factors():
    """Two design points share (x, y) and differ in a third factor: A wins by 1 at one point and
    loses by 10 at the other, so A beats B in half the pairs. Averaging the points before pairing
    would see one pair per replicate with a mean difference of -4.5 and report 0 %."""
    import pandas as pd

    from sim.plots import beats_heatmap

    rows = []
    for sample, diff in ((0, 1.0), (1, -10.0)):
        for rep in range(3):
            rows.append({"sample": sample, "x": 1, "y": 1, "replicate": rep, "arm": "A", "out": 50 + diff})
            rows.append({"sample": sample, "x": 1, "y": 1, "replicate": rep, "arm": "B", "out": 50.0})
    fig = beats_heatmap(pd.DataFrame(rows), "x", "y", "out", "A", "B")
    assert fig.axes[0].images[0].get_array()[0, 0] == 0.5
