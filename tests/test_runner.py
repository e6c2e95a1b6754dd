"""The scenario runner: run folder contents, resume after Ctrl-C or kill -9, failures,
and identical tables whatever the number of worker processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import sim.runner as runner
from sim.cli import main
from sim.metrics import OUTCOMES
from sim.model import METRIC_COLUMNS, CommunityModel
from sim.report import render_report
from sim.runner import RunFailed, RunInterrupted, run_scenario, simulate
from sim.scenario import load_scenario, parse_scenario
from sim.store import Store

ROOT = Path(__file__).resolve().parents[1]
SMALL = """
[scenario]
name = "small"
replicates = {replicates}
days = {days}
seed = 3
outcomes = ["revenue_total", "members_final", "daily_active_final"]
[base]
n_persons = 2000
[arms.core]
seeding = "core"
[arms.blast]
seeding = "blast"
"""
TABLES = ("metrics", "group_metrics", "events", "groups")


def small(tmp_path, replicates=3, days=10) -> Path:
    f = tmp_path / "small.toml"
    f.write_text(SMALL.format(replicates=replicates, days=days))
    return f


def hidden(root: Path) -> list[Path]:
    return list(root.rglob(".tmp-*"))


def read_all(out: Path) -> dict[str, pd.DataFrame]:
    tables = {name: pd.read_parquet(out / f"{name}.parquet") for name in TABLES}
    tables["summary"] = pd.read_csv(out / "summary.csv")
    return tables


def assert_same_tables(a: Path, b: Path) -> None:
    ta, tb = read_all(a), read_all(b)
    for name in ta:
        pd.testing.assert_frame_equal(ta[name], tb[name], obj=name)


# --------------------------------------------------------------------------- one run
def test_simulate_prefixes_every_table_of_the_model(tmp_path):
    s = parse_scenario(SMALL.format(replicates=1, days=5), "s.toml")
    run = s.runs()[0]
    tables = simulate(run)
    model_tables = CommunityModel(run.params, rng=run.seed).run(run.days).tables()
    assert set(tables) == set(model_tables) | {"summary"}
    for name, df in model_tables.items():
        assert list(tables[name].columns) == ["arm", "replicate", "seed", *df.columns]
        pd.testing.assert_frame_equal(tables[name][list(df.columns)], df.reset_index(drop=True),
                                      check_dtype=False)
        assert (tables[name]["arm"] == "core").all() and (tables[name]["seed"] == run.seed).all()
    assert list(tables["metrics"].columns[3:]) == ["day", *METRIC_COLUMNS]
    assert list(tables["summary"].columns) == ["arm", "replicate", "seed", *OUTCOMES]


# --------------------------------------------------------------------------- a scenario
def test_run_folder_follows_the_contract(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["run", str(small(tmp_path)), "--out", str(out), "--jobs", "1", "--no-progress", "--no-figures"])
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    assert "why: the member flows that differ most between the arms" in stdout
    assert stdout.index("revenue_total") < stdout.index("why:") < stdout.index("outputs in")  # after the verdicts
    for name in (*TABLES, "summary"):
        assert (out / (f"{name}.csv" if name == "summary" else f"{name}.parquet")).is_file()
    t = read_all(out)
    assert len(t["metrics"]) == 2 * 3 * 10
    assert list(t["summary"].columns) == ["arm", "replicate", "seed", *OUTCOMES]
    assert list(t["summary"]["arm"]) == ["core"] * 3 + ["blast"] * 3
    assert (t["summary"]["seed"].to_numpy()[:3] == t["summary"]["seed"].to_numpy()[3:]).all()
    # summary.csv is sim.metrics.summarize of each run's metrics
    from sim.metrics import summarize
    one = t["metrics"][(t["metrics"]["arm"] == "blast") & (t["metrics"]["replicate"] == 1)]
    row = t["summary"].iloc[4]
    for key, value in summarize(one.reset_index(drop=True)).items():
        assert row[key] == pytest.approx(value, nan_ok=True)

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["seed"] == 3
    assert manifest["package_version"] and manifest["started"] <= manifest["ended"]
    assert "git_revision" in manifest
    assert sorted(r["status"] for r in manifest["runs"].values()) == ["done"] * 6
    assert load_scenario(out / "scenario.resolved.toml").arms[1].params.acquisition.seeding == "blast"
    assert hidden(out) == []
    # the terminal ends with the comparison table and where the outputs are
    lines = stdout.rstrip().splitlines()
    assert lines[-1].startswith(f"outputs in {out}")
    assert any(line.startswith("  -> ") and "revenue_total" in line for line in lines)
    assert stdout.index("members_final:") > stdout.index("revenue_total:")  # the file's outcome order


def test_same_scenario_and_seed_give_identical_tables_whatever_jobs(tmp_path, capsys):
    f = small(tmp_path, replicates=2, days=8)
    for jobs in ("1", "2"):
        assert main(["run", str(f), "--out", str(tmp_path / jobs), "--jobs", jobs,
                     "--no-progress", "--no-figures"]) == 0
    assert_same_tables(tmp_path / "1", tmp_path / "2")
    assert (tmp_path / "1" / "summary.csv").read_bytes() == (tmp_path / "2" / "summary.csv").read_bytes()


def test_ctrl_c_keeps_finished_runs_and_the_rerun_does_only_the_rest(tmp_path, monkeypatch, capsys):
    f = small(tmp_path, replicates=3, days=6)
    scenario = load_scenario(f)
    out = tmp_path / "out"
    real = runner._execute
    calls: list[str] = []

    def interrupted_on_the_fourth(store, run):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(run.run_id)
        return real(store, run)

    monkeypatch.setattr(runner, "_execute", interrupted_on_the_fourth)
    with pytest.raises(RunInterrupted) as info:
        run_scenario(scenario, out, jobs=1, progress=False, figures=False)
    assert (info.value.done, info.value.total) == (3, 6)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert sorted(r["status"] for r in manifest["runs"].values()) == ["done"] * 3 + ["pending"] * 3
    assert not (out / "metrics.parquet").exists() and hidden(out) == []
    # replicate by replicate: both arms have run replicate 0 before anyone runs replicate 2
    assert {scenario_run.split("__")[1] for scenario_run in calls} <= {"r0000", "r0001"}

    before = {p.name: p.stat().st_ino for p in (out / "parts").iterdir()}
    calls.clear()
    monkeypatch.setattr(runner, "_execute", lambda store, run: (calls.append(run.run_id), real(store, run))[1])
    result = run_scenario(scenario, out, jobs=1, progress=False, figures=False)
    assert result.resumed == 3 and len(calls) == 3 and not set(calls) & set(before)
    assert all((out / "parts" / name).stat().st_ino == ino for name, ino in before.items())

    run_scenario(scenario, tmp_path / "fresh", jobs=1, progress=False, figures=False)
    assert_same_tables(out, tmp_path / "fresh")
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_a_failing_run_is_reported_and_the_others_are_kept(tmp_path, monkeypatch, capsys):
    real = runner.simulate

    def broken(run):
        if run.arm == "blast" and run.replicate == 1:
            raise ValueError("model exploded")
        return real(run)

    monkeypatch.setattr(runner, "simulate", broken)
    out = tmp_path / "out"
    code = main(["run", str(small(tmp_path, replicates=2, days=4)), "--out", str(out), "--jobs", "1",
                 "--no-progress", "--no-figures"])
    err = capsys.readouterr().err
    assert code == 1
    assert "1 run(s) failed" in err and "model exploded" in err and "Traceback" not in err
    manifest = json.loads((out / "manifest.json").read_text())
    statuses = {(r["arm"], r["replicate"]): r["status"] for r in manifest["runs"].values()}
    assert statuses == {("core", 0): "done", ("core", 1): "done", ("blast", 0): "done", ("blast", 1): "failed"}
    assert len(Store(out).done()) == 3

    monkeypatch.setattr(runner, "simulate", real)  # fixed: the rerun only does the failed run
    assert main(["run", str(small(tmp_path, replicates=2, days=4)), "--out", str(out), "--jobs", "1",
                 "--no-progress", "--no-figures"]) == 0
    assert "resuming: 3 of 4" in capsys.readouterr().err
    entry = next(r for r in json.loads((out / "manifest.json").read_text())["runs"].values()
                 if (r["arm"], r["replicate"]) == ("blast", 1))
    assert entry["status"] == "done" and "error" not in entry  # the old failure is not carried over


def test_more_replicates_reuse_the_finished_ones(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(runner, "git_revision", lambda: "4567def")  # also outside a git checkout
    f = small(tmp_path, replicates=2, days=4)
    out = tmp_path / "out"
    assert main(["run", str(f), "--out", str(out), "--jobs", "1", "--no-progress", "--no-figures"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert main(["run", str(f), "--out", str(out), "--jobs", "1", "--no-progress", "--no-figures",
                 "--replicates", "3"]) == 0
    err = capsys.readouterr().err
    assert "resuming: 4 of 6" in err and "warning" not in err
    assert len(pd.read_csv(out / "summary.csv")) == 6


def test_runs_made_by_other_code_are_named_on_every_resume(tmp_path, capsys, monkeypatch):
    def run(revision: str, replicates: int) -> str:
        monkeypatch.setattr(runner, "git_revision", lambda: revision)
        assert main(["run", str(small(tmp_path, replicates=replicates, days=4)), "--out", str(out), "--jobs", "1",
                     "--no-progress", "--no-figures"]) == 0
        return capsys.readouterr().err

    out = tmp_path / "out"
    run("aaa1111", 1)
    err = run("bbb2222", 2)  # newer code adds a replicate
    assert "warning: 2 finished runs" in err and "aaa1111 (2 runs)" in err and "this is bbb2222" in err
    err = run("bbb2222", 3)  # and again: the old runs are still there, so is the warning
    assert "warning: 2 finished runs" in err and "aaa1111 (2 runs)" in err
    manifest = json.loads((out / "manifest.json").read_text())
    made_by = {(r["arm"], r["replicate"]): r["git_revision"] for r in manifest["runs"].values()}
    assert made_by == {(arm, rep): "aaa1111" if rep == 0 else "bbb2222" for arm in ("core", "blast")
                       for rep in range(3)}
    assert manifest["git_revision"] == "bbb2222"  # the code that ran last
    report = render_report(out)
    assert "several git revisions: bbb2222 (4 runs), aaa1111 (2 runs)" in report
    assert "git revision bbb2222" not in report


def test_a_manifest_without_run_revisions_credits_the_folder_revision(tmp_path, capsys, monkeypatch):
    f = small(tmp_path, replicates=1, days=4)
    out = tmp_path / "out"
    monkeypatch.setattr(runner, "git_revision", lambda: "4567def")
    assert main(["run", str(f), "--out", str(out), "--jobs", "1", "--no-progress", "--no-figures"]) == 0

    def old_format(m: dict) -> None:  # as written before runs recorded their revision
        m["git_revision"] = "0123abc"
        for entry in m["runs"].values():
            del entry["git_revision"]

    Store(out).update_manifest(old_format)
    capsys.readouterr()
    assert main(["run", str(f), "--out", str(out), "--jobs", "1", "--no-progress", "--no-figures"]) == 0
    assert "warning: 2 finished runs" in capsys.readouterr().err
    manifest = json.loads((out / "manifest.json").read_text())
    assert {r["git_revision"] for r in manifest["runs"].values()} == {"0123abc"}


@pytest.mark.slow
def test_figures_and_report_are_written(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(small(tmp_path, replicates=2, days=6)), "--out", str(out), "--jobs", "1",
                 "--no-progress"]) == 0
    stdout, stderr = capsys.readouterr()
    assert "warning" not in stderr
    assert (out / "report.html").is_file()
    assert list((out / "figures").glob("*.png")) and list((out / "figures").glob("*.svg"))
    assert hidden(out) == []


# --------------------------------------------------------------------------- real signals
# ``community-sim run`` in a child that takes Ctrl-C. A child inherits an ignored SIGINT, and Python then
# leaves it ignored; in a full test session something (a C library in the same pytest worker) ignores it
# at the C level, so the child would run to the end. The wrapper restores Python's handler first.
_INTERRUPTIBLE = "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); " \
                 "sys.argv[0] = 'sim'; runpy.run_module('sim', run_name='__main__', alter_sys=True)"


def _start(f: Path, out: Path, jobs: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", _INTERRUPTIBLE, "run", str(f), "--out", str(out), "--jobs",
                             str(jobs), "--no-figures", "--no-progress"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_parts(proc: subprocess.Popen, out: Path, n: int, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while len(Store(out).done()) < n:
        assert proc.poll() is None, f"finished before it could be interrupted: {proc.communicate()}"
        assert time.monotonic() < end, "no progress"
        time.sleep(0.01)


def _assert_nothing_half_written(out: Path) -> None:
    """Every file without a hidden temporary name is complete and readable."""
    for part in Store(out).done():
        for table in (*TABLES, "summary"):
            pd.read_parquet(out / "parts" / part / f"{table}.parquet")
    json.loads((out / "manifest.json").read_text())
    for p in out.glob("*.parquet"):
        pd.read_parquet(p)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[Path, Path]:
    """A scenario long enough to interrupt (24 runs of ~0.3 s: shorter ones could all finish while
    the test waits for the CPU on a loaded machine) and its uninterrupted result."""
    d = tmp_path_factory.mktemp("ref")
    f = small(d, replicates=12, days=90)
    run_scenario(load_scenario(f), d / "ref", jobs=1, progress=False, figures=False)
    return f, d / "ref"


def _resume_and_compare(f: Path, out: Path, reference: Path, monkeypatch) -> None:
    before = {p.name: p.stat().st_ino for p in (out / "parts").iterdir() if not p.name.startswith(".")}
    real, calls = runner._execute, []
    monkeypatch.setattr(runner, "_execute", lambda store, run: (calls.append(run.run_id), real(store, run))[1])
    result = run_scenario(load_scenario(f), out, jobs=1, progress=False, figures=False)
    assert result.resumed == len(before) and len(calls) == 24 - len(before)
    assert not set(calls) & set(before)
    assert all((out / "parts" / name).stat().st_ino == ino for name, ino in before.items())
    assert hidden(out) == []
    assert_same_tables(out, reference)


@pytest.mark.parametrize("jobs", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_sigint_stops_cleanly_and_the_rerun_resumes(tmp_path, reference, monkeypatch, jobs):
    f, ref = reference
    out = tmp_path / "out"
    proc = _start(f, out, jobs)
    _wait_for_parts(proc, out, 3)
    os.kill(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "run the same command again to resume" in stderr
    manifest = json.loads((out / "manifest.json").read_text())
    done = Store(out).done()
    assert manifest["status"] == "interrupted" and 3 <= len(done) < 24
    assert {rid for rid, r in manifest["runs"].items() if r["status"] == "done"} == done
    assert hidden(out) == []
    _assert_nothing_half_written(out)
    _resume_and_compare(f, out, ref, monkeypatch)


@pytest.mark.slow
def test_sigkill_leaves_no_half_written_file_and_the_rerun_resumes(tmp_path, reference, monkeypatch):
    f, ref = reference
    out = tmp_path / "out"
    proc = _start(f, out, 2)
    _wait_for_parts(proc, out, 3)
    os.killpg(proc.pid, signal.SIGKILL)  # the parent and its workers, with no chance to clean up
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert 3 <= len(Store(out).done()) < 24
    assert not (out / "metrics.parquet").exists()
    _assert_nothing_half_written(out)
    _resume_and_compare(f, out, ref, monkeypatch)


def test_a_single_arm_scenario_prints_no_comparison(tmp_path, capsys):
    f = tmp_path / "one.toml"
    f.write_text("[scenario]\nreplicates = 2\ndays = 3\n[base]\nn_persons = 300\n[arms.only]\n")
    assert main(["run", str(f), "--out", str(tmp_path / "out"), "--jobs", "1", "--no-progress",
                 "--no-figures"]) == 0
    out = capsys.readouterr().out
    assert "members_final:" in out and "->" not in out
