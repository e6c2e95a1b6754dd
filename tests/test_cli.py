"""The command line: help, list, validate, report, dashboard, and every scenario in scenarios/."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main, policy_families
from sim.params import Params
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))
SHORT = ["--days", "4", "--replicates", "2", "--set", "n_persons=600", "--jobs", "1", "--no-progress", "--no-figures"]


@pytest.mark.parametrize("argv", [["--help"], *([c, "--help"] for c in
                                               ("run", "validate", "list", "report", "dashboard"))])
def test_help_everywhere_with_examples(capsys, argv):
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: community-sim") and "examples:" in out


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("community-sim ")


def test_list_shows_scenarios_policies_and_every_parameter(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for f in SCENARIOS:
        assert f.name in out
    assert "custom_playbook.py" in out
    families = policy_families()
    assert "seeding" in {f for f, _, _ in families}
    for family, selected_by, policies in families:
        assert f"{family}: {selected_by}" in out
        for name, line in policies.items():
            assert name in out and line != "(no description)", (family, name)
    for path, default, spec in Params.specs():
        assert f"{path} = " in out and spec.unit in out
    assert "[000-2]" in out  # sources are shown


def test_list_one_part(capsys):
    assert main(["list", "parameters"]) == 0
    out = capsys.readouterr().out
    assert "PARAMETERS" in out and "POLICIES" not in out and "SCENARIOS" not in out


def test_every_library_scenario_validates(capsys):
    assert SCENARIOS, "no scenarios found"
    assert main(["validate", *map(str, SCENARIOS)]) == 0
    assert capsys.readouterr().out.count("ok: ") == len(SCENARIOS)


def test_every_scenario_has_a_header_comment_citing_its_seed():
    for f in SCENARIOS:
        head = f.read_text(encoding="utf-8").split("[scenario]")[0]
        assert head.startswith("# ") and "Claim" in head and "What varies" in head and "How to read" in head, f
        assert "[00" in head, f


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f.stem for f in SCENARIOS])
def test_every_scenario_runs_through_the_cli(tmp_path, capsys, scenario):
    out = tmp_path / "out"
    code = main(["run", str(scenario), "--out", str(out), *SHORT])
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    s = load_scenario(scenario)
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["arm"].unique()) == [a.name for a in s.arms]
    assert len(summary) == 2 * len(s.arms)
    for name in ("metrics", "group_metrics", "events", "groups"):
        df = pd.read_parquet(out / f"{name}.parquet")
        assert list(df.columns[:3]) == ["arm", "replicate", "seed"]
    assert len(pd.read_parquet(out / "metrics.parquet")) == 2 * len(s.arms) * 4
    resolved = load_scenario(out / "scenario.resolved.toml")
    assert all(a.params.population.n_persons == 600 for a in resolved.arms)
    assert stdout.rstrip().splitlines()[-1].startswith("outputs in")


def test_the_custom_playbook_script_runs(tmp_path):
    out = tmp_path / "playbook"
    proc = subprocess.run([sys.executable, str(ROOT / "scenarios" / "custom_playbook.py"), "--days", "4",
                           "--replicates", "2", "--steps", "3", "--n-persons", "600", "--jobs", "1",
                           "--no-figures", "--out", str(out)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert "revenue per member-day" in proc.stdout
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["arm"].unique()) == ["core_000pct", "core_050pct", "core_100pct"]


def test_python_dash_m_sim_end_to_end(tmp_path):
    out = tmp_path / "demo"
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(ROOT / "scenarios" / "core_vs_blast.toml"),
                           "--out", str(out), *SHORT], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert "revenue_total" in proc.stdout
    assert proc.stdout.rstrip().splitlines()[-1].startswith(f"outputs in {out}")
    assert pd.read_csv(out / "summary.csv").shape[0] == 4


def test_report_rewrites_the_report(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(SCENARIOS[0]), "--out", str(out), *SHORT]) == 0
    assert not (out / "report.html").exists()
    capsys.readouterr()
    assert main(["report", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out / "report.html")
    assert (out / "report.html").stat().st_size > 0
    assert list((out / "figures").glob("*.png"))  # drawn because the run skipped them


def test_dashboard_calls_sim_app_serve(monkeypatch):
    calls = []
    monkeypatch.setitem(sys.modules, "sim.app", types.SimpleNamespace(serve=lambda host, port: calls.append((host, port))))
    assert main(["dashboard", "--port", "9001"]) == 0
    assert calls == [("127.0.0.1", 9001)]


def test_internal_errors_exit_1_without_traceback_unless_debug(monkeypatch, capsys):
    def boom(host, port):
        raise RuntimeError("kaput")

    monkeypatch.setitem(sys.modules, "sim.app", types.SimpleNamespace(serve=boom))
    assert main(["dashboard"]) == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: kaput" in err and "Traceback" not in err
    assert main(["--debug", "dashboard"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_sweep_commands_are_registered_from_sim_sweep_cli(capsys):
    pytest.importorskip("sim.sweep_cli")
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("sweep", "compact", "analyze"):
        assert f"    {command} " in out
    assert main(["sweep", "/nonexistent/sweep.toml"]) == 2
    err = capsys.readouterr().err
    assert "/nonexistent/sweep.toml" in err and "Traceback" not in err
