"""Yesterday's inside-group tie lists, reread only where they can have changed (``sim.inside``),
against a full scan of every member's ties."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import CommunityModel
from sim.inside import InsideTies
from sim.kernels import co_active_ties, rows_to_rescan
from sim.policies import ALL_POLICIES
from sim.state import Ties
from tests.test_kernels import full_scan, random_world



@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 60), m=st.integers(0, 300), n_groups=st.integers(1, 5), moves=st.integers(0, 10),
       new_ties=st.integers(0, 30), seed=st.integers(0, 2**32 - 1))
def test_kept_lists_plus_rescanned_rows_equal_a_full_scan(n, m, n_groups, moves, new_ties, seed):
    rng, ties, group_of, members = random_world(n, m, n_groups, seed)
    order = np.argsort(members)
    no = np.zeros(len(members), bool)
    entry, _, _, first, count = full_scan(ties, members, group_of[members], group_of, order, no, np.zeros(n, bool))
    then = group_of.copy(), ties.start.copy(), ties.end.copy()
    # a day later: persons join, leave and move (-1: outside every group), ties are added
    movers = rng.integers(0, n, moves)
    group_of = group_of.copy()
    group_of[movers] = rng.integers(-1, n_groups, moves)
    ties.add(rng.integers(0, n, new_ties), rng.integers(0, n, new_ties), rng.random(new_ties))
    indices = ties.indices
    ties.merge()
    if ties.indices is not indices:
        return  # laid out afresh: InsideTies then rereads every row (the model-level test covers it)
    members = rng.permutation(np.flatnonzero(group_of >= 0)).astype(np.int32)
    groups, order = group_of[members], np.argsort(members)
    active = rng.random(len(members)) < 0.6
    active_person = np.zeros(n, bool)
    active_person[members[active]] = True
    rescan = rows_to_rescan(group_of, then[0], ties.start, then[1], ties.end, then[2], ties.indices)
    got = co_active_ties(ties.start, ties.end, ties.indices, ties.strength, members, groups, group_of, order,
                         active, active_person, rescan, entry, first, count)
    want = full_scan(ties, members, groups, group_of, order, active, active_person)
    for a, b in zip(got, want):
        assert np.array_equal(a, b)


def test_every_day_of_a_run_with_every_policy_equals_a_full_scan(monkeypatch):
    """Joins, leaves, splits, new ties, rows moved to free space and re-layouts of the tie store, 150 days."""
    monkeypatch.setattr(Ties, "SPARE_MIN", 1)  # little room in rows and after them: rows move and the store is
    monkeypatch.setattr(Ties, "FREE_SHARE", 0.0)  # laid out afresh every few weeks
    days = {"partial": 0, "relaid": 0}

    class Checked(InsideTies):
        def co_active(self, w, rows, active, active_person):
            relaid = self._indices is not w.ties.indices
            got = super().co_active(w, rows, active, active_person)
            want = InsideTies().co_active(w, rows, active, active_person)
            for a, b in zip(got, want):
                assert np.array_equal(a, b), f"day {w.day}"
            days["relaid" if relaid else "partial"] += 1
            return got

    model = CommunityModel(rng=4, n_persons=4000, **ALL_POLICIES)
    model.world.inside = Checked()
    model.run(150)
    assert days["partial"] > 100 and days["relaid"] > 2, days  # both paths were taken
