"""Sweep analysis (sim.sensitivity): known answers through the sampler -> store -> analysis path."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim import sensitivity as sa
from sim.sweep import InProcessExecutor, parse_sweep, run_sweep

PI = math.pi
ISHIGAMI = f"""
[sweep]
model = "ishigami"
sampler = "{{sampler}}"
samples = {{n}}
seed = 11
[parameters]
x1 = {{{{range = [{-PI!r}, {PI!r}]}}}}
x2 = {{{{range = [{-PI!r}, {PI!r}]}}}}
x3 = {{{{range = [{-PI!r}, {PI!r}]}}}}
"""
BOUNDS = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-PI, PI]] * 3}


def ishigami_sweep(tmp_path, sampler: str, n: int):
    s = parse_sweep(ISHIGAMI.format(sampler=sampler, n=n), "ishigami.toml")
    assert run_sweep(s, tmp_path, InProcessExecutor()).complete
    return s, sa.load_outcomes(tmp_path)


def test_sobol_pipeline_equals_salib_on_the_same_design(tmp_path):
    """Sampling in the unit cube then mapping, storing and reading back changes nothing SALib computes."""
    from SALib.analyze import sobol
    from SALib.sample import sobol as sobol_sample
    from SALib.test_functions import Ishigami

    s, df = ishigami_sweep(tmp_path, "sobol", 256)
    ours, skipped = sa.sobol_table(s, df)
    assert not skipped
    x = sobol_sample.sample(BOUNDS, 256, calc_second_order=False, scramble=True, seed=11)
    np.testing.assert_allclose(df.drop_duplicates("sample")[["x1", "x2", "x3"]].to_numpy(), x, rtol=1e-12)
    ref = sobol.analyze(BOUNDS, Ishigami.evaluate(x), calc_second_order=False, conf_level=0.95, seed=11)
    for key in ("S1", "ST", "S1_conf", "ST_conf"):
        np.testing.assert_allclose(ours[key].to_numpy(), ref[key], rtol=1e-9, atol=1e-12)


@pytest.mark.slow
def test_sobol_pipeline_recovers_ishigami_indices_within_salib_tolerance(tmp_path):
    """Ishigami & Homma (1990), a = 7, b = 0.1: analytic S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244);
    tolerance as in SALib's own tests (atol 0.05, rtol 0.1) at N = 1024."""
    s, df = ishigami_sweep(tmp_path, "sobol", 1024)
    ours, _ = sa.sobol_table(s, df)
    np.testing.assert_allclose(ours["S1"], [0.3139, 0.4424, 0.0], atol=5e-2, rtol=1e-1)
    np.testing.assert_allclose(ours["ST"], [0.5576, 0.4424, 0.2437], atol=5e-2, rtol=1e-1)
    assert (ours["S1_conf"] < 0.1).all() and (ours["ST_conf"] < 0.1).all()


def test_morris_pipeline_equals_salib_in_unit_scale(tmp_path):
    """Morris on the unit-cube design equals SALib's analysis of the design in the parameters' own bounds
    (SALib reports elementary effects per unit-normalised range either way)."""
    from SALib.analyze import morris
    from SALib.test_functions import Ishigami

    s, df = ishigami_sweep(tmp_path, "morris", 20)
    ours, _ = sa.morris_table(s, df)
    x = df[["x1", "x2", "x3"]].to_numpy()
    ref = morris.analyze(BOUNDS, x, Ishigami.evaluate(x), num_levels=4, seed=11)
    np.testing.assert_allclose(ours["mu_star"], np.asarray(ref["mu_star"]), rtol=1e-9)
    np.testing.assert_allclose(ours["sigma"], np.asarray(ref["sigma"]), rtol=1e-9)
    assert ours["mu_star"].iloc[2] < ours["mu_star"].iloc[1]  # x3 acts only through its interaction


def test_lhs_delta_ranks_ishigami_inputs(tmp_path):
    s, df = ishigami_sweep(tmp_path, "lhs", 400)
    ours, _ = sa.delta_table(s, df)
    s1 = ours.set_index("parameter")["S1"]
    assert s1["x2"] > s1["x3"] and s1["x1"] > s1["x3"]
    assert abs(s1["x3"]) < 0.05  # x3 has no first-order effect


# --------------------------------------------------------------------------- grids and arm comparisons
GRID = """
[sweep]
sampler = "grid"
replicates = 3
compare = ["a", "b"]
outcomes = ["revenue_total", "days_to_150"]
[arms.a]
seeding = "core"
[arms.b]
seeding = "blast"
[parameters]
budget = {levels = [100, 200]}
"""


def synthetic(sweep) -> pd.DataFrame:
    """Hand-made outcomes: arm a earns 10 more than b at budget 100, ties at 200; days_to_150 lower for a."""
    rows = []
    for t in sweep.tasks():
        budget = dict(t.point)["acquisition.budget"]
        rev = 50.0 + t.replicate + (10.0 if (t.arm == "a" and budget == 100) else 0.0)
        days = 20.0 - (5 if t.arm == "a" else 0) if budget == 100 else np.nan
        rows.append({"run_id": t.run_id, "sample": t.sample, "arm": t.arm, "replicate": t.replicate,
                     "seed": t.seed, "acquisition.budget": budget, "revenue_total": rev, "days_to_150": days})
    return pd.DataFrame(rows)


def test_grid_table_means_and_intervals():
    s = parse_sweep(GRID, "g.toml")
    g = sa.grid_table(s, synthetic(s))
    a100 = g[(g.outcome == "revenue_total") & (g.arm == "a") & (g["acquisition.budget"] == 100)].iloc[0]
    assert (a100["n"], a100["mean"]) == (3, 61.0)
    assert a100["lo"] < 61.0 < a100["hi"]
    contrast = g[(g.outcome == "revenue_total") & (g.arm == "a-b")].set_index("acquisition.budget")["mean"]
    assert contrast.to_dict() == {100: 10.0, 200: 0.0}


def test_beats_table_counts_ties_half_and_respects_lower_is_better():
    s = parse_sweep(GRID, "g.toml")
    b = sa.beats_table(s, synthetic(s)).set_index(["outcome", "acquisition.budget"])
    assert b.loc[("revenue_total", 100), "p_a_beats_b"] == 1.0
    assert b.loc[("revenue_total", 200), "p_a_beats_b"] == 0.5
    assert b.loc[("days_to_150", 100), "p_a_beats_b"] == 1.0  # fewer days is better
    assert b.loc[("days_to_150", 200), "n"] == 0  # never reached: no verdict


def test_analyze_writes_tables_and_figures(tmp_path):
    text = GRID.replace('outcomes = ["revenue_total", "days_to_150"]', 'outcomes = ["members_final"]\ndays = 5') \
        .replace("[arms.a]", "[base]\nn_persons = 300\n[arms.a]") \
        .replace("budget = {levels = [100, 200]}", "budget = {levels = [100, 400]}\ntriad_prob = {levels = [0.1, 0.9]}")
    s = parse_sweep(text, "g.toml")
    run_sweep(s, tmp_path, InProcessExecutor())
    paths = sa.analyze(tmp_path)
    grid = pd.read_csv(paths["grid"])
    assert len(grid) == 4 * 4  # 4 cells x (2 arms + difference + win indicator)
    win = grid[grid.arm == "a_beats_b"]
    assert win["mean"].between(0, 1).all()
    assert {"heatmap_members_final", "beats_members_final"} <= set(paths)
    assert all(p.stat().st_size > 0 for p in paths.values())


def test_analyze_sobol_design_gives_sensitivity_bars_and_frontier(tmp_path):
    text = """
[sweep]
sampler = "sobol"
samples = 4
days = 5
compare = ["core", "blast"]
outcomes = ["members_final"]
[base]
n_persons = 300
[arms.core]
seeding = "core"
[arms.blast]
seeding = "blast"
[parameters]
budget = {range = [100, 800]}
triad_prob = {range = [0.0, 0.9]}
values_dispersion = {range = [0.3, 3.0], dist = "loguniform"}
"""
    s = parse_sweep(text, "s.toml")
    run_sweep(s, tmp_path, InProcessExecutor())
    paths = sa.analyze(tmp_path)
    sens = pd.read_csv(paths["sensitivity"])
    assert set(sens.columns) >= {"outcome", "arm", "parameter", "S1", "S1_conf", "ST", "ST_conf"}
    assert set(sens["arm"]) <= {"core", "blast", "core-blast"}
    assert "frontier_members_final" in paths and "sensitivity_core" in paths
