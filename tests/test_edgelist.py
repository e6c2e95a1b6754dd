"""User edge lists: loaded into the model, malformed files rejected with file and line."""

from __future__ import annotations

import pytest

from sim import CommunityModel
from sim.network import EdgeListError, read_edgelist


def write(tmp_path, text: str, name: str = "edges.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_edgelist_with_header_labels_and_strengths(tmp_path):
    p = write(tmp_path, "source,target,strength\nann,bob,0.9\nbob,cy,0.2\nann,bob,0.4\n")
    labels, u, v, s = read_edgelist(p)
    assert labels == ["ann", "bob", "cy"] and len(u) == 3 and s.max() == pytest.approx(0.9)


def test_model_runs_on_an_edgelist_and_keeps_the_strongest_duplicate(tmp_path):
    rows = [f"{i},{(i + 1) % 60}" for i in range(60)] + [f"{i},{(i + 7) % 60}" for i in range(60)]
    p = write(tmp_path, "\n".join(rows) + "\n")
    m = CommunityModel(rng=1, graph="edgelist", edgelist_path=str(p), budget=40, core_size=5,
                       core_candidates=20)
    assert m.world.pop.n == 60 and m.world.ties.degree.sum() == 240
    m.run(5)
    m.world.check()


@pytest.mark.parametrize("text, words", [
    ("", ["no edges"]),
    ("a,b\nc\n", [":2", "2 or 3 columns"]),
    ("a,b,c,d\n", [":1", "got 4"]),
    ("a,a\n", [":1", "self-loop"]),
    ("a,b,strong\n", [":1", "'strong' is not a number"]),
    ("a,b,1.5\n", [":1", "must be in [0, 1]"]),
    ("a,b,nan\n", [":1", "must be in [0, 1]"]),
    ("a,b,0.5\nb,c\n", [":2", "strength missing"]),
    ("a,b\nb,c,0.5\n", ["some rows only"]),
    (",b\n", [":1", "empty node label"]),
])
def test_malformed_edgelists_name_file_line_and_problem(tmp_path, text, words):
    p = write(tmp_path, text)
    with pytest.raises(EdgeListError) as err:
        read_edgelist(p)
    msg = str(err.value)
    assert str(p) in msg and "network.edgelist_path" in msg
    for w in words:
        assert w in msg, (w, msg)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(EdgeListError, match="file not found"):
        read_edgelist(tmp_path / "nope.csv")
    p = tmp_path / "bin.csv"
    p.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(EdgeListError, match="UTF-8"):
        read_edgelist(p)
