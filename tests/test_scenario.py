"""Scenario files: the good paths (shape, defaults, seeds, resolved file, TOML writer)."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.metrics import OUTCOMES
from sim.params import Params
from sim.scenario import (ScenarioError, dumps_toml, load_scenario, parse_scenario, replicate_seed)

GOOD = """
[scenario]
name = "demo"
question = "core or blast?"
replicates = 3
days = 7
seed = 11
outcomes = ["revenue_total", "members_final"]

[base]
n_persons = 2000
growth.invite_rate = 0.4

[base.content]
pgc_per_day = 2.0

[arms.core]
description = "small core"
seeding = "core"

[arms.blast]
seeding = "blast"
invite_rate = 0.6
"""


def test_a_scenario_resolves_every_arm_on_top_of_base():
    s = parse_scenario(GOOD, "demo.toml")
    assert (s.name, s.replicates, s.days, s.seed) == ("demo", 3, 7, 11)
    assert s.outcomes == ("revenue_total", "members_final")
    core, blast = s.arms
    assert core.params == Params().with_overrides(
        {"n_persons": 2000, "invite_rate": 0.4, "pgc_per_day": 2.0, "seeding": "core"})
    assert blast.params.growth.invite_rate == 0.6 and blast.params.content.pgc_per_day == 2.0
    assert core.description == "small core"
    # overrides are recorded in canonical nested form
    assert blast.overrides == {"acquisition": {"seeding": "blast"}, "growth": {"invite_rate": 0.6}}
    assert s.base == {"population": {"n_persons": 2000}, "growth": {"invite_rate": 0.4},
                      "content": {"pgc_per_day": 2.0}}


def test_defaults_when_settings_are_left_out():
    s = parse_scenario("[arms.only]\n", "scenarios/my_test.toml")
    assert s.name == "my_test"
    assert (s.replicates, s.days, s.seed) == (10, 90, 0)
    assert s.outcomes == tuple(OUTCOMES)
    assert s.arms[0].params == Params()


def test_replicate_r_of_every_arm_shares_one_seed_and_replicates_differ():
    s = parse_scenario(GOOD, "demo.toml")
    runs = s.runs()
    assert len(runs) == 6
    by = {(r.arm, r.replicate): r for r in runs}
    for r in range(3):
        assert by["core", r].seed == by["blast", r].seed
    assert len({by["core", r].seed for r in range(3)}) == 3
    assert len({r.run_id for r in runs}) == 6
    assert all(0 <= r.seed < 2**63 for r in runs)


def test_seeds_depend_only_on_scenario_seed_and_replicate():
    assert replicate_seed(11, 2) == replicate_seed(11, 2)
    assert replicate_seed(11, 2) != replicate_seed(12, 2)
    s = parse_scenario(GOOD, "demo.toml")
    other = parse_scenario(GOOD.replace('seeding = "blast"', 'seeding = "hybrid"'), "x.toml")
    assert [r.seed for r in s.runs()] == [r.seed for r in other.runs()]


def test_run_ids_change_when_what_is_run_changes():
    s = parse_scenario(GOOD, "demo.toml")
    ids = {r.run_id for r in s.runs()}
    assert {r.run_id for r in s.with_settings(days=8).runs()}.isdisjoint(ids)
    assert {r.run_id for r in s.with_overrides({"price": 50.0}).runs()}.isdisjoint(ids)
    more = {r.run_id for r in s.with_settings(replicates=4).runs()}
    assert ids < more  # extending replicates reuses the finished ones


def test_with_overrides_applies_to_every_arm_and_is_recorded():
    s = parse_scenario(GOOD, "demo.toml").with_overrides({"invite_rate": 0.9, "price": 10.0})
    assert all(a.params.growth.invite_rate == 0.9 and a.params.conversion.price == 10.0 for a in s.arms)
    assert s.arms[1].overrides["growth"] == {"invite_rate": 0.9}
    with pytest.raises(ScenarioError, match="command line --set: growth.invite_rate = -1"):
        s.with_overrides({"invite_rate": -1})


def test_resolved_toml_lists_every_parameter_and_reruns_the_same_scenario(tmp_path):
    s = parse_scenario(GOOD, "demo.toml")
    text = s.resolved_toml({"git_revision": "abc", "package_version": None})
    doc = tomllib.loads(text)
    assert doc["scenario"]["seed"] == 11 and doc["scenario"]["question"] == "core or blast?"
    assert doc["provenance"] == {"source": "demo.toml", "git_revision": "abc"}
    for arm in s.arms:
        flat = {f"{sec}.{k}": v for sec, d in doc["resolved"][arm.name].items() for k, v in d.items()}
        assert set(flat) == {path for path, _, _ in Params.specs()}
        assert Params().with_overrides(doc["resolved"][arm.name]) == arm.params
    path = tmp_path / "scenario.resolved.toml"
    path.write_text(text)
    again = load_scenario(path)
    assert [(a.name, a.params, a.description) for a in again.arms] == \
           [(a.name, a.params, a.description) for a in s.arms]
    assert [r.run_id for r in again.runs()] == [r.run_id for r in s.runs()]


def test_edgelist_paths_resolve_next_to_the_scenario_file(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "g.csv").write_text("a,b\nb,c\nc,a\nc,d\n")
    f = tmp_path / "s.toml"
    f.write_text('[base]\ngraph = "edgelist"\nedgelist_path = "data/g.csv"\n[arms.a]\n')
    s = load_scenario(f)
    assert Path(s.arms[0].params.network.edgelist_path) == (tmp_path / "data" / "g.csv").resolve()


def test_scenario_files_are_never_executed(tmp_path):
    """TOML is data: a string that looks like code stays a string (and is rejected as a value)."""
    f = tmp_path / "s.toml"
    marker = tmp_path / "pwned"
    f.write_text(f'[arms.a]\nseeding = "__import__(\'os\').system(\'touch {marker}\')"\n')
    with pytest.raises(ScenarioError, match="acquisition.seeding"):
        load_scenario(f)
    assert not marker.exists()


# --------------------------------------------------------------------------- the TOML writer
keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)
scalars = (st.booleans() | st.integers(-2**63, 2**63 - 1) | st.text(st.characters(codec="utf-8"), max_size=20)
           | st.floats(allow_nan=False))
values = st.recursive(scalars | st.lists(scalars, max_size=4),
                      lambda inner: st.dictionaries(keys, inner, max_size=4), max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(keys, values, max_size=5))
def test_dumps_toml_roundtrips(doc):
    assert tomllib.loads(dumps_toml(doc)) == doc


def test_dumps_toml_writes_non_finite_floats():
    out = tomllib.loads(dumps_toml({"a": math.inf, "b": -math.inf, "c": math.nan}))
    assert out["a"] == math.inf and out["b"] == -math.inf and math.isnan(out["c"])
