"""The parameter tree: defaults valid, every leaf documented, bad values rejected clearly."""

from __future__ import annotations

import math

import pytest

from sim import CommunityModel, ParamError, Params


def test_every_leaf_has_unit_source_doc_and_a_valid_default():
    seen = set()
    for path, default, spec in Params.specs():
        leaf = path.split(".")[1]
        assert leaf not in seen, f"{leaf} is not unique"
        seen.add(leaf)
        assert spec.unit and spec.source and spec.doc, path
        Params().with_overrides({path: default})  # the default passes its own validation


@pytest.mark.parametrize("key, value, words", [
    ("capacity", -1, ["group.capacity", "-1", "[2, 100000]"]),
    ("group.capacity", 2.5, ["group.capacity", "integer"]),
    ("segment_shares", [0.5, 0.4, 0.2], ["population.segment_shares", "sum to 1"]),
    ("segment_shares", [0.5, 0.5], ["population.segment_shares", "3 numbers"]),
    ("seeding", "viral", ["acquisition.seeding", "'core'", "'blast'", "'hybrid'"]),
    ("seeding", "blst", ["did you mean 'blast'"]),
    ("invite_rat", 0.1, ["invite_rat", "unknown parameter", "did you mean 'invite_rate'"]),
    ("growth.nope", 1, ["growth.nope", "unknown parameter"]),
    ("grwth.invite_rate", 1, ["unknown section", "did you mean 'growth'"]),
    ("spam_share", math.nan, ["population.spam_share", "nan"]),
    ("spam_share", True, ["population.spam_share", "a number"]),
    ("spam_share", "0.1", ["population.spam_share", "a number"]),
    ("n_persons", 10**30, ["population.n_persons"]),
    ("budget", -5.0, ["acquisition.budget", "-5.0"]),
])
def test_bad_values_raise_one_clear_error(key, value, words):
    with pytest.raises(ParamError) as err:
        Params().with_overrides({key: value})
    msg = str(err.value)
    for w in words:
        assert w in msg, (w, msg)


def test_where_prefix_names_the_file():
    with pytest.raises(ParamError, match=r"^runs/a\.toml: group\.capacity"):
        Params().with_overrides({"capacity": 0}, where="runs/a.toml")


def test_nested_dotted_and_leaf_forms_agree():
    a = Params().with_overrides({"growth": {"invite_rate": 0.2}})
    b = Params().with_overrides({"growth.invite_rate": 0.2})
    c = Params().with_overrides({"invite_rate": 0.2})
    assert a == b == c and a.growth.invite_rate == 0.2
    assert Params.from_dict(a.to_dict()) == a


def test_ints_are_accepted_for_floats_and_keep_float_type():
    p = Params().with_overrides({"budget": 100})
    assert isinstance(p.acquisition.budget, float)


def test_model_rejects_bad_keyword_parameters_before_any_work():
    with pytest.raises(ParamError, match="unknown parameter"):
        CommunityModel(rng=1, n_person=100)
