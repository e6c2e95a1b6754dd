"""The research experiments in experiments/: every sweep file validates and its --quick variant runs end to end."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.sensitivity import analyze
from sim.sweep import InProcessExecutor, compact_sweep, load_sweep, run_sweep

EXPERIMENTS = sorted(p.parent.name for p in (Path(__file__).resolve().parents[1] / "experiments").glob("*/sweep.toml"))


def test_the_three_experiments_exist():
    assert {"seeding_frontier", "splitting_rules", "elimination_rules"} <= set(EXPERIMENTS)


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_experiment_quick_variant_runs_and_analyses(name, tmp_path):
    root = Path(__file__).resolve().parents[1] / "experiments" / name
    full = load_sweep(root / "sweep.toml")
    assert full.question and (root / "README.md").is_file()
    quick = full.quick()
    assert quick.n_runs() < full.n_runs() and quick.factors == full.factors and quick.arms == full.arms
    res = run_sweep(quick, tmp_path, InProcessExecutor())
    assert res.complete, f"{res.failed} runs failed"
    compact_sweep(tmp_path)
    out = pd.read_parquet(tmp_path / "outcomes.parquet")
    assert len(out) == quick.n_runs() and out["run_id"].is_unique
    paths = analyze(tmp_path, figures=False)
    assert ("sensitivity" if full.sampler != "grid" else "grid") in paths
    if full.compare:
        beats = pd.read_csv(paths["beats"])
        assert beats["p_a_beats_b"].dropna().between(0, 1).all()
