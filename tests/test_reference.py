"""The idiomatic-Mesa reference model: determinism, seeding, invariants, columns."""

from __future__ import annotations

import pandas as pd
import pytest

from sim import CommunityModel
from sim.reference import REFERENCE_COLUMNS, ReferenceModel
from sim.reference.agents import Person
from sim.state import Role


def test_same_seed_same_table_different_seed_different_table():
    a = ReferenceModel(rng=5, n_persons=400).run(15).metrics()
    b = ReferenceModel(rng=5, n_persons=400).run(15).metrics()
    c = ReferenceModel(rng=6, n_persons=400).run(15).metrics()
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_columns_are_a_subset_of_the_array_engines():
    ref = ReferenceModel(rng=1, n_persons=300).run(3).metrics()
    arr = CommunityModel(rng=1, n_persons=300).run(3).metrics()
    assert tuple(ref.columns) == REFERENCE_COLUMNS
    assert set(REFERENCE_COLUMNS) <= set(arr.columns)
    assert ref["day"].tolist() == [1, 2, 3]


def test_core_seeding_screens_spammers_and_blast_overflows_at_capacity():
    core = ReferenceModel(rng=2, n_persons=600, spam_share=0.3)
    members = list(core.members)
    assert len(members) == 30
    assert all(p.role == Role.CORE and not p.spammer for p in members)
    blast = ReferenceModel(rng=2, n_persons=600, seeding="blast", budget=150, capacity=100)
    assert [len(g.members) for g in blast.groups] == [100, 50]
    assert blast.groups[1].parent == 0


@pytest.mark.parametrize("schedule", ["members", "all"])
def test_state_stays_consistent_over_a_run(schedule):
    m = ReferenceModel(rng=3, n_persons=500, seeding="blast", budget=200, schedule=schedule).run(20)
    persons = m.agents_by_type[Person]
    for p in persons:
        for f, s in p.friends.items():
            assert f.friends[p] == s and 0.0 <= s <= 1.0  # symmetric ties in [0, 1]
        if p.group is not None:
            assert p in p.group.members and 0.0 <= p.engagement <= 1.0 and 0.0 <= p.trust <= 1.0
    assert sum(len(g.members) for g in m.groups) == len(m.members) == m.metrics()["members"].iloc[-1]
    assert all(len(g.members) <= g.capacity for g in m.groups)


def test_unknown_schedule_is_refused():
    with pytest.raises(ValueError, match="schedule = 'some'"):
        ReferenceModel(rng=1, n_persons=100, schedule="some")
