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
    entry = {(int(a), int(b)): i for i, (a, b) in enumerate(zip(ties.src, ties.indices))}
    qu, qv = np.repeat(np.arange(n), n), np.tile(np.arange(n), n)  # every ordered pair
    got = ties.lookup(qu, qv)
    want = np.array([entry.get((int(a), int(b)), -1) for a, b in zip(qu, qv)])
    assert np.array_equal(got, want)
    assert np.array_equal(ties.lookup(np.zeros(0, int), np.zeros(0, int)), np.zeros(0, int))
