"""A sweep's report.html: parses, embeds every figure, and its numbers are recomputed here from the runs."""

from __future__ import annotations

import base64
import math
import re

import numpy as np
import pandas as pd
import pytest
from test_report import _parse
from test_sensitivity import GRID, synthetic

from sim import sweep_report as sr
from sim.sensitivity import analyze, load_outcomes
from sim.sweep import InProcessExecutor, open_sweep, parse_sweep, run_sweep

SOBOL = """
[sweep]
name = "tiny_frontier"
question = "Does a core beat a blast in a tiny pool?"
sampler = "sobol"
samples = 4
replicates = 2
days = 8
compare = ["core", "blast"]
outcomes = ["members_final", "revenue_total", {name = "members_d5", metric = "members", day = 5}]
[base]
n_persons = 300
[arms.core]
description = "screened circle"
seeding = "core"
[arms.blast]
seeding = "blast"
[parameters]
budget = {range = [100, 800]}
triad_prob = {range = [0.0, 0.9]}
"""

THREE_ARMS = """
[sweep]
name = "three_rules"
sampler = "grid"
replicates = 2
days = 6
outcomes = ["members_final", "lurker_share_final"]
[base]
n_persons = 250
[arms.none]
elimination_policy = "none"
[arms.inactive]
elimination_policy = "inactive"
[arms.blast]
seeding = "blast"
[parameters]
budget = {levels = [200, 400]}
"""


@pytest.fixture(scope="module")
def sobol_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("sobol")
    run_sweep(parse_sweep(SOBOL, "tiny.toml"), root, InProcessExecutor())
    analyze(root)
    return root


def test_analyze_writes_a_self_contained_report_with_every_figure(sobol_dir):
    page = _parse(sobol_dir / "report.html")
    pngs = sorted((sobol_dir / "figures").glob("*.png"))
    assert len(page.images) == len(pngs) > 0
    for img in page.images:
        assert base64.b64decode(img["src"].split(",", 1)[1])[:4] == b"\x89PNG" and img["alt"]
    text = (sobol_dir / "report.html").read_text()
    assert not re.search(r"(src|href)=['\"]https?://", text) and "<script" not in text


def test_report_names_question_outcomes_arms_and_swept_parameters(sobol_dir):
    text = " ".join(_parse(sobol_dir / "report.html").text)
    assert "Does a core beat a blast in a tiny pool?" in text
    for word in ("members_final", "revenue_total", "members_d5", "daily metric members on day 5", "core", "blast",
                 "screened circle", "acquisition.budget", "network.triad_prob", "population.n_persons = 300",
                 "Caveats", "total Sobol index ST"):
        assert word in text, word


def test_win_sentences_match_the_runs(sobol_dir):
    """Recompute each outcome's win share from the raw runs, without the module's helpers."""
    page = _parse(sobol_dir / "report.html")
    df = load_outcomes(sobol_dir)
    wide = df.pivot(index=["sample", "replicate"], columns="arm")
    for outcome in ("members_final", "revenue_total", "members_d5"):
        d = (wide[(outcome, "core")] - wide[(outcome, "blast")]).dropna()
        p = float(((d > 0) + 0.5 * (d == 0)).mean())
        sentence = page.verdicts[outcome]
        per_point = ((d > 0) + 0.5 * (d == 0)).groupby(level="sample").mean()
        won, lost = (per_point > 0.5).sum(), (per_point < 0.5).sum()
        lead = "core beat blast"
        if p < 0.5:  # the sentence names the arm that won more pairs
            lead, p, won, lost = "blast beat core", 1 - p, lost, won
        assert sentence.startswith(f"{lead} on {outcome} in {100 * p:.0f} %"), sentence
        assert f"of {len(d)} paired runs" in sentence
        assert f"won most replicates at {won} of {len(per_point)} design points and lost most at {lost}" in sentence


def test_the_sentence_names_the_arm_that_won_more_pairs():
    s = parse_sweep(GRID, "g.toml")
    df = synthetic(s)
    df.loc[df.arm == "a", "revenue_total"] -= 1000  # b now wins every pair
    html = "".join(sr._findings_compare(s, df))
    assert "b beat a on revenue_total in 100 % [100 %, 100 %] of 6 paired runs" in html
    assert "won most replicates at 2 of 2 design points and lost most at 0" in html
    assert "a beat b on revenue_total" not in html


def test_win_by_factor_and_shares_on_known_outcomes():
    s = parse_sweep(GRID, "g.toml")
    df = synthetic(s)  # a earns 10 more at budget 100, ties at 200; days_to_150 only at budget 100
    by = sr.win_by_factor(s, df).set_index(["outcome", "bin"])["p"]
    assert by[("revenue_total", "100")] == 1.0 and by[("revenue_total", "200")] == 0.5
    assert by[("days_to_150", "100")] == 1.0 and math.isnan(by[("days_to_150", "200")])
    w = sr.win_shares(s, df).set_index("outcome")
    assert w.loc["revenue_total", "p"] == 0.75 and w.loc["revenue_total", "pairs"] == 6
    assert (w.loc["revenue_total", "points_a"], w.loc["revenue_total", "points_b"]) == (1, 0)
    assert w.loc["days_to_150", "pairs"] == 3


def test_continuous_factors_split_at_the_median():
    s = parse_sweep(GRID.replace("budget = {levels = [100, 200]}", "budget = {levels = [100, 200, 300, 400, 500]}"),
                    "g.toml")
    df = synthetic(s)
    bins = sr.win_by_factor(s, df).query("outcome == 'revenue_total'")
    assert list(bins["bin"]) == ["≤ 300", "> 300"]
    assert bins["p"].tolist() == pytest.approx([(1 + 0.5 + 0.5) / 3, 0.5])


def test_best_arm_shares_split_ties():
    s = parse_sweep(THREE_ARMS, "t.toml")
    rows = [{"sample": t.sample, "replicate": t.replicate, "arm": t.arm,
             "members_final": {"none": 5.0, "inactive": 5.0, "blast": 1.0}[t.arm],
             "lurker_share_final": {"none": 0.5, "inactive": 0.4, "blast": 0.4 if t.replicate else 0.9}[t.arm]}
            for t in s.tasks()]
    shares = sr.best_arm_shares(s, pd.DataFrame(rows)).set_index(["outcome", "arm"])["share"]
    assert shares[("members_final", "none")] == shares[("members_final", "inactive")] == 0.5
    assert shares[("members_final", "blast")] == 0.0
    # lower is better: inactive best alone in replicate 0, tied with blast in replicate 1
    assert shares[("lurker_share_final", "inactive")] == 0.75 and shares[("lurker_share_final", "blast")] == 0.25


def test_ranking_orders_by_index_and_flags_intervals_reaching_zero():
    idx = pd.DataFrame({"outcome": "y", "arm": "a", "parameter": ["p", "q", "r"],
                        "ST": [0.1, 0.8, 0.3], "ST_conf": [0.2, 0.1, 0.05]})
    r = sr.ranking(idx, "sobol", "a", "y")
    assert r["parameter"].tolist() == ["q", "r", "p"] and r["clear"].tolist() == [True, True, False]


def test_note_when_the_pair_winner_is_behind_on_the_mean():
    """a wins 5 of 6 pairs by 1, loses one by 100: the report must say b is ahead on the mean."""
    s = parse_sweep(GRID.replace("replicates = 3", "replicates = 6"), "g.toml")
    rows = [{"sample": t.sample, "replicate": t.replicate, "arm": t.arm, "acquisition.budget": dict(t.point)[
        "acquisition.budget"], "days_to_150": np.nan,
             "revenue_total": 50.0 + t.replicate + (1.0 if t.arm == "a" else (100.0 if t.replicate == 0 else 0.0))}
            for t in s.tasks()]
    df = pd.DataFrame(rows)
    html = "".join(sr._findings_compare(s, df))
    # 12 pairs: a clearly wins most, but the mean difference's interval still spans zero: no note
    assert "Note on revenue_total" not in html
    many = pd.concat([df.assign(sample=df["sample"] + 2 * k) for k in range(4)], ignore_index=True)
    html = "".join(sr._findings_compare(s, many))
    assert "Note on revenue_total: a wins most pairs, yet b is ahead on the mean" in html


def test_grid_sweep_with_three_arms_and_cli(tmp_path, capsys):
    from sim.cli import main

    s = parse_sweep(THREE_ARMS, "t.toml")
    run_sweep(s, tmp_path, InProcessExecutor())
    assert main(["report", str(tmp_path)]) == 0  # no analysis yet: the command analyses first
    path = tmp_path / "report.html"
    assert str(path) in capsys.readouterr().out
    page = _parse(path)
    text = " ".join(page.text)
    assert "Best arm per seed" in text and "A grid design gets no sensitivity indices" in text
    shares = sr.best_arm_shares(open_sweep(tmp_path), load_outcomes(tmp_path))
    top = shares[shares.outcome == "members_final"].sort_values("share", ascending=False, kind="stable").iloc[0]
    assert page.verdicts["members_final"].startswith(f"members_final: {top.arm} best at {100 * top.share:.0f} %")
    assert len(page.images) == len(list((tmp_path / "figures").glob("*.png")))


def test_report_of_a_folder_that_is_neither_run_nor_sweep_is_a_usage_error(tmp_path, capsys):
    from sim.cli import main

    assert main(["report", str(tmp_path)]) == 2
    assert "sweep.json" in capsys.readouterr().err


def test_ishigami_sweep_report_renders(tmp_path):
    text = """
[sweep]
model = "ishigami"
sampler = "lhs"
samples = 30
[parameters]
x1 = {range = [-3.14, 3.14]}
x2 = {range = [-3.14, 3.14]}
x3 = {range = [-3.14, 3.14]}
"""
    run_sweep(parse_sweep(text, "i.toml"), tmp_path, InProcessExecutor())
    analyze(tmp_path, figures=False)
    page = _parse(tmp_path / "report.html")
    words = " ".join(page.text)
    assert "Borgonovo delta" in words and "x1" in words and "No figures were found" in words
