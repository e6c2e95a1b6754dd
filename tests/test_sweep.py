"""Sweep files, designs, seeds, executors, the resumable store and the CLI (sim.sweep)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import sweep as sw
from sim.store import Store
from sim.sweep import (DaskExecutor, InProcessExecutor, ProcessExecutor, SweepError, compact_sweep, parse_sweep,
                       run_seed, run_sweep)

ROOT = Path(__file__).resolve().parents[1]

SMALL = """
[sweep]
sampler = "grid"
replicates = 2
days = 6
seed = 5
compare = ["core", "blast"]
metrics = true
outcomes = ["members_final", "revenue_total", "tree_depth", "retention_final",
            {name = "members_d3", metric = "members", day = 3},
            {name = "peak_active", metric = "daily_active", stat = "max"}]
[base]
n_persons = 300
[arms.core]
seeding = "core"
[arms.blast]
seeding = "blast"
[parameters]
budget = {levels = [200, 600]}
triad_prob = {range = [0.1, 0.8], steps = 2}
"""


def small(text: str = SMALL) -> sw.Sweep:
    return parse_sweep(text, "small.toml")


def table(root: Path, name: str = "outcomes") -> pd.DataFrame:
    compact_sweep(root)
    return pd.read_parquet(root / f"{name}.parquet")


# --------------------------------------------------------------------------- validation
BAD = [
    ('[sweep]\nsampler = "sobl"\n[parameters]\nbudget = {range = [1, 2]}', "sweep.sampler", "did you mean 'sobol'"),
    ('[sweep]\nsamplr = "lhs"\n[parameters]\nbudget = {range = [1, 2]}', "sweep.samplr", "did you mean 'sampler'"),
    ('[sweep]\nsampler = "lhs"\n[parameters]\nbudgt = {range = [1, 2]}', "parameters.budgt", "did you mean 'budget'"),
    ('[sweep]\nsampler = "lhs"\n[parameters]\nbudget = {range = [2, 1]}', "parameters.budget.range", "lo < hi"),
    ('[sweep]\nsampler = "lhs"\n[parameters]\ntriad_prob = {range = [0, 2]}', "parameters.triad_prob.range",
     "in [0, 1]"),
    ('[sweep]\nsampler = "grid"\n[parameters]\nbudget = {range = [1, 2]}', "parameters.budget", "steps = N"),
    ('[sweep]\nsampler = "sobol"\nsamples = 10\n[parameters]\nbudget = {range = [1, 2]}', "sweep.samples",
     "power of 2"),
    ('[sweep]\nsampler = "lhs"\n[parameters]\nseeding = {range = [1, 2]}', "parameters.seeding.range",
     "levels"),
    ('[sweep]\n[parameters]\nseeding = {levels = ["core", "blst"]}', "parameters.seeding.levels",
     "did you mean 'blast'"),
    ('[sweep]\nsampler = "lhs"\n[parameters]\nbudget = {range = [1, 2], dist = "lognormal"}',
     "parameters.budget.dist", "must be one of"),
    ('[sweep]\nsampler = "lhs"\n[parameters]\nbudget = {range = [1, 2], dist = "triangular"}',
     "parameters.budget.mode", "needs a finite number mode"),
    ('[sweep]\noutcomes = ["revenue"]\n[parameters]\nbudget = {levels = [1]}', "sweep.outcomes[0]",
     "did you mean 'revenue_total'"),
    ('[sweep]\noutcomes = [{name = "m", metric = "membrs", day = 3}]\n[parameters]\nbudget = {levels = [1]}',
     "sweep.outcomes[0].metric", "did you mean 'members'"),
    ('[sweep]\noutcomes = [{name = "m", metric = "members"}]\n[parameters]\nbudget = {levels = [1]}',
     "sweep.outcomes[0]", "exactly one of day"),
    ('[sweep]\noutcomes = [{name = "w", metric = "operator_workload", stat = "mean", better = "less"}]\n'
     '[parameters]\nbudget = {levels = [1]}', "sweep.outcomes[0].better", "'higher' or 'lower'"),
    ('[sweep]\ncompare = ["a", "x"]\n[arms.a]\n[arms.b]\n[parameters]\nbudget = {levels = [1]}',
     "sweep.compare", "two different arms"),
    ('[sweep]\n[arms.a]\nbudget = 5\n[parameters]\nbudget = {levels = [1]}', "parameters.acquisition.budget",
     "also set by an arm"),
    ('[sweep]\n[base]\ninvite_rat = 1\n[parameters]\nbudget = {levels = [1]}', "base.invite_rat",
     "did you mean 'invite_rate'"),
    ('[sweep]\nreplicates = 0\n[parameters]\nbudget = {levels = [1]}', "sweep.replicates", "[1, 10000]"),
    ('[sweep]\n', "parameters", "at least one factor"),
    ('[sweep]\n[quick]\nsampels = 2\n[parameters]\nbudget = {levels = [1]}', "quick.sampels",
     "did you mean 'samples'"),
    ('[sweep]\nsampler = "grid"\n[parameters]\nsegment_shares = {levels = [1]}', "parameters.segment_shares",
     "cannot be swept"),
]


@pytest.mark.parametrize("text, field, words", BAD, ids=[b[1] for b in BAD])
def test_bad_sweep_files_raise_one_clear_error(text, field, words):
    with pytest.raises(SweepError) as e:
        parse_sweep(text, "bad.toml")
    assert str(e.value).startswith(f"bad.toml: {field}")
    assert words in str(e.value)


def test_bad_files_on_disk(tmp_path):
    with pytest.raises(SweepError, match="file not found"):
        sw.load_sweep(tmp_path / "nope.toml")
    (tmp_path / "bin.toml").write_bytes(b"\x00\x01")
    with pytest.raises(SweepError, match="binary"):
        sw.load_sweep(tmp_path / "bin.toml")
    (tmp_path / "x.toml").write_text("[sweep\n")
    with pytest.raises(SweepError, match="not valid TOML"):
        sw.load_sweep(tmp_path / "x.toml")


def test_out_of_range_level_is_caught_before_running():
    text = '[sweep]\nsampler = "grid"\n[base]\nn_persons = 50\n[parameters]\ncore_size = {levels = [10, 20000]}'
    with pytest.raises(SweepError, match=r"c.toml: parameters.core_size.levels = 20000: must be an integer in \[1, 10000\]"):
        parse_sweep(text, "c.toml")


# --------------------------------------------------------------------------- designs and seeds
FACTORS = "[parameters]\nbudget = {range = [100, 1000]}\ncore_size = {range = [5, 50]}\nseeding = {levels = [\"core\", \"blast\"]}\n"


@pytest.mark.parametrize("sampler, samples, rows", [("lhs", 10, 10), ("sobol", 8, 8 * 5), ("morris", 4, 4 * 4)])
def test_design_sizes_and_ranges(sampler, samples, rows):
    s = parse_sweep(f'[sweep]\nsampler = "{sampler}"\nsamples = {samples}\nseed = 3\n' + FACTORS, "d.toml")
    d = s.design()
    assert len(d) == rows == s.n_samples()
    assert d["acquisition.budget"].between(100, 1000).all()
    assert d["acquisition.core_size"].between(5, 50).all()
    assert d["acquisition.core_size"].map(type).eq(int).all()
    assert set(d["acquisition.seeding"]) <= {"core", "blast"}
    again = parse_sweep(f'[sweep]\nsampler = "{sampler}"\nsamples = {samples}\nseed = 3\n' + FACTORS, "d.toml")
    pd.testing.assert_frame_equal(d, again.design())


def test_grid_is_the_full_factorial_in_file_order():
    s = parse_sweep('[sweep]\n[parameters]\nbudget = {levels = [1, 2, 3]}\n'
                    'triad_prob = {range = [0, 1], steps = 3}', "g.toml")
    d = s.design()
    assert list(zip(d["acquisition.budget"], d["network.triad_prob"])) == [
        (b, t) for b in (1.0, 2.0, 3.0) for t in (0.0, 0.5, 1.0)]


def test_loguniform_and_truncnormal_follow_their_distributions():
    s = parse_sweep('[sweep]\nsampler = "lhs"\nsamples = 4000\n[parameters]\n'
                    'budget = {range = [10, 1000], dist = "loguniform"}\n'
                    'triad_prob = {range = [0, 1], dist = "truncnormal", mean = 0.5, sd = 0.1}', "x.toml")
    d = s.design()
    assert np.median(np.log10(d["acquisition.budget"])) == pytest.approx(2.0, abs=0.05)
    assert d["network.triad_prob"].std() == pytest.approx(0.1, rel=0.05)


def test_run_seeds_depend_only_on_position_and_arms_share_them():
    s = small()
    tasks = s.tasks()
    assert len({t.run_id for t in tasks}) == len(tasks) == s.n_runs() == 4 * 2 * 2
    for t in tasks:
        assert t.seed == run_seed(5, t.sample, t.replicate)
    by = {(t.sample, t.arm, t.replicate): t.seed for t in tasks}
    assert all(by[(i, "core", r)] == by[(i, "blast", r)] for i in range(4) for r in range(2))
    assert len(set(by.values())) == 4 * 2


# --------------------------------------------------------------------------- executors
def test_in_process_local_processes_and_dask_give_bit_identical_tables(tmp_path):
    s = small()
    tables = {}

    def run(name, ex):
        res = run_sweep(s, tmp_path / name, ex)
        assert res.complete and res.ran == s.n_runs()
        tables[name] = (table(tmp_path / name), table(tmp_path / name, "metrics"))

    with InProcessExecutor() as ex:
        run("inprocess", ex)
    with ProcessExecutor(2) as ex:
        run("process", ex)
    with DaskExecutor(workers=2) as ex:
        run("dask", ex)
        ex.shared_disk = False  # as with a remote cluster: workers send tables back, this process writes
        run("dask_remote", ex)
    ref_out, ref_metrics = tables["inprocess"]
    assert ref_out["run_id"].tolist() == [t.run_id for t in s.tasks()]
    assert ref_out["members_final"].nunique() > 1  # the runs differ, so identity means something
    for name in ("process", "dask", "dask_remote"):
        pd.testing.assert_frame_equal(tables[name][0], ref_out, check_exact=True)
        pd.testing.assert_frame_equal(tables[name][1], ref_metrics, check_exact=True)


def test_outcomes_match_the_model_run_directly(tmp_path):
    from sim.metrics import summarize
    from sim.model import CommunityModel

    s = small()
    run_sweep(s, tmp_path, InProcessExecutor())
    out = table(tmp_path)
    row = out.iloc[5]
    task = s.tasks()[5]
    m = CommunityModel(rng=int(row["seed"]), n_persons=300, seeding=row["arm"],
                       budget=row["acquisition.budget"], triad_prob=row["network.triad_prob"]).run(6)
    metrics = m.metrics()
    assert row["members_final"] == summarize(metrics)["members_final"]
    assert row["members_d3"] == metrics["members"].iloc[2]
    assert row["peak_active"] == metrics["daily_active"].max()
    assert task.run_id == row["run_id"]


# --------------------------------------------------------------------------- store: resume, failures
def test_failed_runs_are_recorded_and_do_not_stop_the_sweep(tmp_path, monkeypatch):
    s = small()
    real = sw.evaluate
    bad = {t.run_id for t in s.tasks()[::5]}

    def flaky(task, *a):
        if task.run_id in bad:
            raise RuntimeError("boom")
        return real(task, *a)

    monkeypatch.setattr(sw, "evaluate", flaky)
    monkeypatch.setattr(sw, "git_revision", lambda: "aaa1111")
    res = run_sweep(s, tmp_path, InProcessExecutor())
    assert (res.failed, res.ran) == (len(bad), s.n_runs())
    man = json.loads((tmp_path / "manifest.json").read_text())
    failed = {k: v for k, v in man["runs"].items() if v["status"] == "failed"}
    assert set(failed) == bad and man["failed"] == len(bad) and "finished" not in man
    one = failed[min(bad)]
    assert one["error"] == "RuntimeError: boom" and "acquisition.budget" in one["parameters"]
    assert Store(tmp_path).done() == {t.run_id for t in s.tasks()} - bad

    monkeypatch.setattr(sw, "evaluate", real)
    monkeypatch.setattr(sw, "git_revision", lambda: "bbb2222")  # the fix is newer code
    said: list[str] = []
    again = run_sweep(s, tmp_path, InProcessExecutor(), log=said.append)
    assert (again.skipped, again.ran, again.failed) == (s.n_runs() - len(bad), len(bad), 0)
    man = json.loads((tmp_path / "manifest.json").read_text())
    assert man["done"] == s.n_runs() and man["failed"] == 0 and "finished" in man
    old = s.n_runs() - len(bad)
    assert said == [f"warning: {old} finished runs in {tmp_path} were made by other code: aaa1111 ({old} runs); "
                    "this is bbb2222. Use a new --out to rerun them with this code"]
    assert {k: v["git_revision"] for k, v in man["runs"].items()} == {
        t.run_id: "bbb2222" if t.run_id in bad else "aaa1111" for t in s.tasks()}
    assert all("seconds" in v for v in man["runs"].values())  # the old runs keep what they recorded
    run_sweep(s, tmp_path, InProcessExecutor(), log=said.append)
    assert len(said) == 2 and said[0] == said[1]  # said again while the old runs are there


def test_a_folder_of_another_sweep_is_refused(tmp_path):
    run_sweep(small().with_settings(replicates=1), tmp_path, InProcessExecutor())
    with pytest.raises(SweepError, match="different sweep"):
        run_sweep(small().with_settings(replicates=1, seed=6), tmp_path, InProcessExecutor())


KILL_SWEEP = SMALL.replace('days = 6', 'days = 10').replace("replicates = 2", "replicates = 4")


def test_sigkill_at_a_random_point_then_restart_loses_and_duplicates_nothing(tmp_path):
    src = tmp_path / "kill.toml"
    src.write_text(KILL_SWEEP)
    out = tmp_path / "out"
    s = sw.load_sweep(src)
    ids = [t.run_id for t in s.tasks()]
    stop_after = random.Random().randint(2, len(ids) - 4)
    cmd = [sys.executable, "-m", "sim.sweep_cli", "sweep", str(src), "--out", str(out), "--jobs", "1",
           "--no-progress", "--no-analysis"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(Store(out).done()) < stop_after and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = Store(out).done()
    assert 0 < len(before) < len(ids), "the kill should land mid-sweep"

    res = run_sweep(s, out, InProcessExecutor())
    assert (res.skipped, res.ran, res.failed) == (len(before), len(ids) - len(before), 0)
    got = table(out)
    assert got["run_id"].tolist() == ids  # none lost, none duplicated, design order
    man = json.loads((out / "manifest.json").read_text())
    assert list(man["runs"]) == ids and all(v["status"] == "done" for v in man["runs"].values())
    assert man["done"] == man["total"] == len(ids) and man["failed"] == 0 and "finished" in man
    assert not list((out / "parts").glob(".tmp-*"))
    # and the interrupted sweep's results equal an uninterrupted one's
    run_sweep(s, tmp_path / "clean", InProcessExecutor())
    pd.testing.assert_frame_equal(got, table(tmp_path / "clean"), check_exact=True)


def test_compacted_dataset_reads_in_pandas_polars_and_duckdb(tmp_path):
    s = small().with_settings(replicates=1)
    run_sweep(s, tmp_path, InProcessExecutor())
    paths = compact_sweep(tmp_path)
    assert set(paths) == {"outcomes", "metrics"}
    df = pd.read_parquet(paths["outcomes"])
    assert len(df) == s.n_runs() and len(pd.read_parquet(paths["metrics"])) == s.n_runs() * s.days
    pl = pytest.importorskip("polars")
    assert pl.read_parquet(paths["outcomes"]).shape == df.shape
    duckdb = pytest.importorskip("duckdb")
    n = duckdb.sql(f"select count(*) from read_parquet('{paths['outcomes']}')").fetchall()[0][0]
    assert n == len(df)


# --------------------------------------------------------------------------- quick variants and the CLI
def test_quick_table_shrinks_the_sweep():
    s = parse_sweep(SMALL.replace("[parameters]", "[quick]\nreplicates = 1\ndays = 3\nbase = {n_persons = 100}\n"
                                                  "[parameters]"), "q.toml")
    q = s.quick()
    assert (q.replicates, q.days, q.base["population.n_persons"], q.name) == (1, 3, 100, "q_quick")
    with pytest.raises(SweepError, match="no \\[quick\\] table"):
        small().quick()


def test_cli_runs_compacts_and_analyses_and_rejects_bad_input(tmp_path, capsys):
    from sim.sweep_cli import main

    src = tmp_path / "s.toml"
    one_outcome = SMALL[:SMALL.index("outcomes")] + 'outcomes = ["members_final"]\n' + SMALL[SMALL.index("[base]"):]
    src.write_text(one_outcome.replace("replicates = 2", "replicates = 1"))
    out = tmp_path / "out"
    assert main(["sweep", str(src), "--jobs", "1", "--out", str(out), "--no-progress"]) == 0
    assert (out / "outcomes.parquet").is_file() and (out / "analysis" / "grid.csv").is_file()
    assert (out / "figures" / "beats_members_final.png").is_file()
    assert "<img" in (out / "report.html").read_text()  # the sweep writes its report
    assert main(["sweep", str(src), "--jobs", "1", "--out", str(out), "--no-progress"]) == 0
    assert "0 runs now, 8 already done" in capsys.readouterr().err
    src.write_text(SMALL.replace("budget =", "budgt ="))
    assert main(["sweep", str(src), "--out", str(tmp_path / "o2")]) == 2
    assert "did you mean 'budget'" in capsys.readouterr().err
    assert not (tmp_path / "o2").exists()
