"""The split rule on real tie graphs: why it refuses, Zachary's karate club, and ``community-sim split``."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from sim import CommunityModel, kernels
from sim.cli import main
from sim.network import EdgeListError, read_edgelist
from sim.policies.splitting import REFUSALS, NoSplit, judge, tie_community_split
from sim.policies import ALL_POLICIES
from sim.policies.splitting import _judge_csr, _members_by_group, group_tie_matrices
from sim.split_check import SplitInputError, agreement, check_edges, check_file, check_group, read_known, split_figure

DATA = Path(__file__).resolve().parents[1] / "docs" / "data"
KARATE, FACTIONS = DATA / "karate_club.csv", DATA / "karate_club_factions.csv"


def pairs(n: int, first: int = 0, weight: float = 1.0) -> list[tuple[int, int, float]]:
    return [(first + 2 * i, first + 2 * i + 1, weight) for i in range(n)]


def clique_and_strong_pairs() -> nx.Graph:
    """30 people who all know each other, and 10 pairs of close friends as strong as the whole clique."""
    G = nx.complete_graph(30)
    nx.set_edge_attributes(G, 1.0, "weight")
    G.add_weighted_edges_from(pairs(10, first=30, weight=43.5))
    return G


def refusal_cases():
    return [
        pytest.param(kernels.TOO_SMALL, nx.path_graph(3), {}, id="too-small"),
        pytest.param(kernels.NO_PIECE, nx.Graph([(u, v) for u, v, _ in pairs(20)]), {}, id="no-piece"),
        pytest.param(kernels.INDIVISIBLE, nx.complete_graph(30), {}, id="indivisible"),
        pytest.param(kernels.LOW_MODULARITY, nx.gnp_random_graph(60, 0.3, seed=1), {}, id="low-modularity"),
        pytest.param(kernels.SIDE_TOO_SMALL, nx.disjoint_union(nx.complete_graph(30), nx.complete_graph(20)),
                     {"min_side": 0.5}, id="side-too-small"),
        pytest.param(kernels.NO_CENTRE, nx.planted_partition_graph(2, 20, 0.8, 0.15, seed=1), {"centre_ratio": 100},
                     id="no-centre"),
        pytest.param(kernels.CRUMBS, clique_and_strong_pairs(), {}, id="crumbs"),
    ]


@pytest.mark.parametrize("code, G, kwargs", refusal_cases())
def test_each_refusal_names_the_criterion_that_failed(code, G, kwargs):
    verdict = judge(nx.to_scipy_sparse_array(G, format="csr"), **kwargs)
    assert verdict.split is None and verdict.code == code
    assert verdict.reason == REFUSALS[code].format(smallest=verdict.smallest, modularity=verdict.modularity,
                                                   modularity_min=0.3, centre_ratio=kwargs.get("centre_ratio", 2.0))
    with pytest.raises(NoSplit, match="no two well-separated communities with their own centres: "):
        tie_community_split(G, **kwargs)


def test_every_refusal_is_reachable():
    assert {case.values[0] for case in refusal_cases()} == set(REFUSALS)


def test_an_accepted_split_has_no_reason():
    verdict = judge(nx.to_scipy_sparse_array(nx.planted_partition_graph(2, 20, 0.6, 0.02, seed=3), format="csr"))
    assert verdict.split is not None and verdict.code == kernels.SPLIT and verdict.reason == ""


def test_the_karate_club_splits_along_its_real_fission_around_mr_hi_and_the_officer():
    """Zachary (1977): the club split between its instructor (Mr. Hi, node 0 here) and its officer (33).

    The weighted ties (contexts the two met in) place every member but one as
    they went; that one is Zachary's individual 9, who sided with Mr. Hi although
    his ties lean to the officer's side (he was weeks from his black-belt exam).
    """
    G = nx.karate_club_graph()
    went_with_hi = {n for n, club in G.nodes(data="club") if club == "Mr. Hi"}
    a, b = tie_community_split(G)
    hi_side = a if 0 in a else b
    assert 33 not in hi_side
    assert hi_side ^ went_with_hi <= {8}  # node 8 is Zachary's individual 9


def test_the_karate_files_give_the_same_answer_with_named_centres():
    check = check_file(KARATE, modularity_min=0.3, centre_ratio=2.0, min_side=0.1)
    assert (len(check.labels), check.n_ties, check.weighted) == (34, 78, True)
    split = check.verdict.split
    assert {check.labels[c] for c in split.centres} == {"1", "34"}
    right, total, wrong = agreement(check, read_known(FACTIONS, check.labels))
    assert (total, right) == (34, 33) and wrong == ["9"]


def test_agreement_matches_sides_to_groups_whichever_way_round(tmp_path):
    check = check_file(KARATE, modularity_min=0.3, centre_ratio=2.0, min_side=0.1)
    flipped = tmp_path / "flipped.csv"
    flipped.write_text(FACTIONS.read_text().replace("Mr. Hi", "X").replace("Officer", "Mr. Hi").replace("X", "Officer"))
    assert agreement(check, read_known(flipped, check.labels))[:2] == (33, 34)


def test_edge_lists_for_checks_take_counts_but_not_negative_strengths(tmp_path):
    p = tmp_path / "e.csv"
    p.write_text("a,b,7\nb,c,2\n")
    assert read_edgelist(p, max_strength=None).strength.tolist() == [7.0, 2.0]
    with pytest.raises(EdgeListError, match="must be in \\[0, 1\\]"):
        read_edgelist(p)
    p.write_text("a,b,7\nb,c,-1\n")
    with pytest.raises(EdgeListError, match=":2.*must be a number >= 0"):
        read_edgelist(p, max_strength=None)


@pytest.mark.parametrize("text, words", [
    ("1,Mr. Hi\n99,Officer\n", [":2", "'99' is not one of"]),
    ("1,Mr. Hi\n1,Officer\n", [":2", "listed twice"]),
    ("1,Mr. Hi,extra\n", [":1", "2 non-empty columns"]),
    ("1,A\n2,B\n3,C\n", ["exactly 2 groups", "found 3"]),
])
def test_bad_known_files_name_the_line_and_the_problem(tmp_path, text, words):
    p = tmp_path / "known.csv"
    p.write_text(text)
    with pytest.raises(SplitInputError) as err:
        read_known(p, [str(i) for i in range(1, 35)])
    assert all(w in str(err.value) for w in words) and str(p) in str(err.value)


def test_cli_split_prints_the_sides_compares_and_writes_them(tmp_path, capsys):
    out = tmp_path / "sides.csv"
    assert main(["split", str(KARATE), "--known", str(FACTIONS), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "splits in two" in text and "around 1:" in text and "around 34:" in text
    assert "33 of 34 nodes placed as they went (97%); the others: 9" in text
    rows = out.read_text().splitlines()
    assert rows[0] == "node,side,centre" and len(rows) == 35
    assert sorted(r.split(",")[0] for r in rows[1:] if r.endswith(",1")) == ["1", "34"]


def test_the_figure_marks_sides_centres_and_the_misplaced_member():
    check = check_file(KARATE, modularity_min=0.3, centre_ratio=2.0, min_side=0.1)
    fig = split_figure(check, read_known(FACTIONS, check.labels))
    ax = fig.axes[0]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["stays (18)", "leaves (16)", "centres", "placed unlike the real fission"]
    assert "33 of 34 members placed as they went" in ax.get_title()
    refused = check_file(KARATE, modularity_min=0.45, centre_ratio=2.0, min_side=0.1)
    assert "no split: modularity 0.404 is below 0.45" in split_figure(refused).axes[0].get_title().replace("\n", " ")


def test_the_figure_leaves_out_untied_members_and_puts_small_pieces_below_the_largest(tmp_path):
    p = tmp_path / "e.csv"
    clique = [f"{a},{b}" for a in range(8) for b in range(a + 1, 8)]
    p.write_text("\n".join(clique + ["20,21", "30,31"]) + "\n")
    labels, u, v, _ = read_edgelist(p)
    with_loners = check_edges(str(p), labels + ["x", "y", "z"], u, v, None)
    fig = split_figure(with_loners)
    from matplotlib.collections import PathCollection  # the scatters, not the edges' LineCollection

    points = np.concatenate([c.get_offsets() for c in fig.axes[0].collections
                             if isinstance(c, PathCollection) and len(c.get_offsets())])
    assert len(points) == 12  # the 8 + 2 + 2 tied members, not the 3 without ties
    assert "3 members without a tie inside the group not drawn" in fig.axes[0].get_title()
    assert np.sort(points[:, 1])[:4].max() < points[:, 1][np.argsort(points[:, 1])][4:].min()  # pairs below


def test_cli_split_draws_the_figure(tmp_path, capsys):
    fig = tmp_path / "sides.svg"
    assert main(["split", str(KARATE), "--figure", str(fig)]) == 0
    assert f"figure written to {fig}" in capsys.readouterr().out
    assert fig.read_text().lstrip().startswith("<?xml") and "karate_club.csv" in fig.read_text()


def test_cli_split_says_why_not_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "sides.csv"
    assert main(["split", str(KARATE), "--modularity-min", "0.45", "--out", str(out)]) == 0
    assert "no split: modularity 0.404 is below 0.45" in capsys.readouterr().out
    assert not out.exists()


@pytest.mark.parametrize("args, words", [
    (["--modularity-min", "2"], ["splitting.community_modularity_min", "[0, 1]"]),
    (["--known", "nope.csv"], ["nope.csv", "file not found"]),
    (["--out", "."], ["--out", "is a folder"]),
    (["--figure", "sides.txt"], ["--figure", ".png, .svg or .pdf"]),
])
def test_cli_split_rejects_bad_input_before_any_work(capsys, args, words):
    assert main(["split", str(KARATE), *args]) == 2
    err = capsys.readouterr().err
    assert all(w in err for w in words)


def test_cli_split_names_the_file_and_line_of_a_bad_edge_list(tmp_path, capsys):
    p = tmp_path / "e.csv"
    p.write_text("a,b\nc\n")
    assert main(["split", str(p)]) == 2
    assert f"{p}:2: expected 2 or 3 columns" in capsys.readouterr().err


def write_run_tables(model: CommunityModel, folder: Path, arm: str = "a") -> Path:
    """The end-of-run ``members`` and ``ties`` tables of ``model`` as a run folder holds them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in (("members", model.members()), ("ties", model.member_ties())):
        df.insert(0, "replicate", 0)
        df.insert(0, "arm", arm)
        df.to_parquet(folder / f"{name}.parquet")
    return folder


def test_a_simulated_group_read_back_from_its_tables_gets_the_models_own_verdict(tmp_path):
    model = CommunityModel(rng=2, n_persons=3000, seeding="blast", budget=900, expectation=0.3, **ALL_POLICIES)
    model.run(40)
    run = write_run_tables(model, tmp_path / "run")
    w, sp_ = model.world, model.world.params.splitting
    rows, starts = _members_by_group(w)
    groups = np.flatnonzero(np.diff(starts) >= 4)
    verdicts = set()
    for g, gr, csr in group_tie_matrices(w, rows, starts, groups):
        own = _judge_csr(*csr, modularity_min=sp_.community_modularity_min, centre_ratio=sp_.community_centre_ratio,
                         min_side=sp_.community_min_side)
        check = check_group(run, int(g), arm="a")
        assert check.verdict.code == own.code and len(check.labels) == len(gr)
        if own.split is not None:  # the same members leave, also when the halves are equal
            assert {int(check.labels[i]) for i in check.verdict.split.leave} == set(w.ms.person[gr[own.split.leave]].tolist())
        verdicts.add(own.code)
    assert len(groups) >= 10 and kernels.SPLIT in verdicts and len(verdicts) >= 2


def test_cli_split_of_a_run_folder_notes_when_the_arm_never_checks(tmp_path, capsys):
    model = CommunityModel(rng=1, n_persons=1500, seeding="blast", budget=400).run(10)
    run = write_run_tables(model, tmp_path / "run")
    assert main(["split", str(run), "--group", "0"]) == 0
    out = capsys.readouterr().out
    assert f"{run} arm a replicate 0 group #0: " in out
    assert "note: arm a does not use the tie_community rule" in out  # no scenario.resolved.toml: the defaults
    assert main(["split", str(run)]) == 2 and "--group G" in capsys.readouterr().err
    assert main(["split", str(run), "--group", "999"]) == 2
    assert "its largest groups: #0" in capsys.readouterr().err
    assert main(["split", str(run), "--group", "0", "--arm", "b"]) == 2 and "arms are a" in capsys.readouterr().err
    assert main(["split", str(KARATE), "--group", "0"]) == 2 and "need a results folder" in capsys.readouterr().err


def test_a_run_folder_check_uses_the_arms_own_criteria(tmp_path, capsys):
    from sim.runner import run_scenario
    from sim.scenario import parse_scenario

    toml = """
[scenario]
name = "fission"
replicates = 1
days = 8
seed = 5
[base]
n_persons = 1500
[arms.plain]
seeding = "core"
[arms.fission]
seeding = "core"
split_rules = ["capacity", "tie_community"]
community_modularity_min = 0.25
"""
    path = tmp_path / "fission.toml"
    path.write_text(toml)
    run = tmp_path / "run"
    run_scenario(parse_scenario(toml, str(path)), run, jobs=1, progress=False, figures=False)
    check = check_group(run, 0, arm="fission")
    assert check.verdict.modularity_min == 0.25 and not any("tie_community" in n for n in check.notes)
    assert check_group(run, 0).verdict.modularity_min == 0.3  # the first arm, plain, with the default
    assert main(["split", str(run), "--group", "0", "--arm", "fission", "--modularity-min", "0.5"]) == 0
    assert "rule: modularity >= 0.5" in capsys.readouterr().out
