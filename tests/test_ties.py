"""Ties (the CSR social graph): entry lookup against a brute-force dictionary of edges."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.state import Ties


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), seed=st.integers(0, 2**32 - 1), m=st.integers(0, 200))
def test_lookup_finds_every_tie_and_only_ties(n, seed, m):
    rng = np.random.default_rng(seed)
    u, v = rng.integers(0, n, m), rng.integers(0, n, m)
    ties = Ties.from_edges(n, u, v, rng.random(m))
    src, dst, slot = ties.live()
    entry = {(int(a), int(b)): int(i) for a, b, i in zip(src, dst, slot)}
    qu, qv = np.repeat(np.arange(n), n), np.tile(np.arange(n), n)  # every ordered pair
    got = ties.lookup(qu, qv)
    want = np.array([entry.get((int(a), int(b)), -1) for a, b in zip(qu, qv)])
    assert np.array_equal(got, want)
    assert np.array_equal(ties.lookup(np.zeros(0, int), np.zeros(0, int)), np.zeros(0, int))


def test_a_tie_buffered_both_ways_round_gets_one_strength_the_largest():
    ties = Ties.from_edges(4, [0], [1], [0.5])
    ties.add(np.array([2, 3, 2]), np.array([3, 2, 3]), np.array([0.1, 0.6, 0.3]))  # chat, event, chat
    ties.add(np.array([0]), np.array([1]), 0.9)  # exists already: kept as it is
    assert ties.merge() == 1
    src, dst, e = ties.live()
    s = {(int(a), int(b)): float(x) for a, b, x in zip(src, dst, ties.strength[e])}
    assert s == {(0, 1): 0.5, (1, 0): 0.5, (2, 3): np.float32(0.6), (3, 2): np.float32(0.6)}


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 30), seed=st.integers(0, 2**32 - 1), m=st.integers(0, 100))
def test_merged_ties_stay_symmetric_sorted_and_unique(n, seed, m):
    rng = np.random.default_rng(seed)
    ties = Ties.from_edges(n, rng.integers(0, n, m), rng.integers(0, n, m), rng.random(m))
    for _ in range(3):
        for _ in range(3):  # several buffers a day, in either orientation, with duplicates
            k = int(rng.integers(0, 20))
            ties.add(rng.integers(0, n, k), rng.integers(0, n, k), rng.random(k).astype(np.float32))
        ties.merge()
        src, dst, e = ties.live()
        key = src.astype(np.int64) * n + dst
        assert np.all(np.diff(key) > 0)
        rev = ties.lookup(dst.astype(np.int64), src.astype(np.int64))
        assert np.all(rev >= 0) and np.array_equal(ties.strength[e], ties.strength[rev])


def test_merges_that_outgrow_the_free_space_lay_the_rows_out_afresh(monkeypatch):
    n, rng = 70, np.random.default_rng(4)
    ties = Ties.from_edges(n, [0], [1], [0.5])
    layouts = []
    lay_out = Ties._lay_out
    monkeypatch.setattr(Ties, "_lay_out", lambda self, reserve=0: (layouts.append(reserve), lay_out(self, reserve)))
    want = {(0, 1): 0.5}
    for _ in range(12):  # toward the full clique: 4,830 entries, far beyond the 1,024 free slots
        u, v = rng.integers(0, n, 300), rng.integers(0, n, 300)
        s = rng.random(300).astype(np.float32)
        ties.add(u, v, s)
        day = {}
        for a, b, x in zip(u.tolist(), v.tolist(), s.tolist()):
            key = (min(a, b), max(a, b))
            if a != b and key not in want:
                day[key] = max(day.get(key, 0.0), x)
        want |= day
        assert ties.merge() == len(day)
    assert layouts, "the test never made the rows move"
    src, dst, e = ties.live()
    got = {(int(a), int(b)): float(x) for a, b, x in zip(src, dst, ties.strength[e]) if a < b}
    assert got == {k: float(np.float32(x)) for k, x in want.items()}
    assert np.all(ties.indices[np.setdiff1d(np.arange(len(ties.indices)), e)] == -1)
