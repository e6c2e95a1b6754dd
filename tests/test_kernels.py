"""Compiled kernels (``sim.kernels``) against the plain numpy expressions they replace, bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.kernels import co_active_strength, grow_or_decay, insert_sorted, largest_component, same_group_entries
from sim.state import Ties


def random_world(n: int, m: int, n_groups: int, seed: int):
    """Ties among ``n`` persons, each in one of ``n_groups`` groups or none (-1), and some members."""
    rng = np.random.default_rng(seed)
    ties = Ties.from_edges(n, rng.integers(0, n, m), rng.integers(0, n, m), rng.random(m))
    group_of = rng.integers(-1, n_groups, n).astype(np.int32)
    members = rng.permutation(np.flatnonzero(group_of >= 0)).astype(np.int32)  # any order, as rows are
    return rng, ties, group_of, members


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 60), m=st.integers(0, 300), n_groups=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_kernels_equal_numpy(n, m, n_groups, seed):
    rng, ties, group_of, members = random_world(n, m, n_groups, seed)
    groups = group_of[members]
    owner, e = same_group_entries(ties.indptr, ties.indices, members, groups, group_of)
    all_owner, all_e = ties.entries_of(members)
    same = group_of[ties.indices[all_e]] == groups[all_owner]
    assert np.array_equal(owner, all_owner[same]) and np.array_equal(e, all_e[same])

    active = rng.random(len(members)) < 0.6
    active_person = np.zeros(n, bool)
    active_person[members[active]] = True
    co, social = co_active_strength(owner, e, ties.indices, ties.strength, active, active_person)
    want_co = active[owner] & active_person[ties.indices[e]]
    assert np.array_equal(co, want_co)
    assert np.array_equal(social, np.bincount(owner, weights=ties.strength[e] * want_co, minlength=len(members)))

    growth, decay, floor, strong = 0.03, 0.01, 0.05, 0.3  # 0.3 is not a float32: the comparison must be float32's
    s = ties.strength[e]
    decayed = np.where(s > floor, floor + (s - floor) * (1 - decay), s)
    want = np.where(want_co, s + growth * (1 - s), decayed)
    f32 = np.float32
    n_strong = grow_or_decay(ties.strength, e, co, f32(growth), f32(1 - decay), f32(floor), f32(strong))
    assert ties.strength.dtype == np.float32 and np.array_equal(ties.strength[e], want)
    assert n_strong == int((want >= strong).sum())


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 50), k=st.integers(0, 20), seed=st.integers(0, 2**32 - 1))
def test_insert_sorted_is_np_insert(n, k, seed):
    rng = np.random.default_rng(seed)
    arr = rng.random(n).astype(np.float32)
    pos = np.sort(rng.integers(0, n + 1, k))
    values = rng.random(k).astype(np.float32)
    got = insert_sorted(arr, pos, values)
    assert got.dtype == np.float32 and np.array_equal(got, np.insert(arr, pos, values))


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 60), m=st.integers(0, 120), seed=st.integers(0, 2**32 - 1))
def test_largest_component_matches_scipy(n, m, seed):
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(seed)
    ties = Ties.from_edges(n, rng.integers(0, n, m), rng.integers(0, n, m), rng.random(m))
    keep = rng.random(n) < 0.7
    nodes = np.flatnonzero(keep)
    W = sp.csr_array((ties.strength, ties.indices, ties.indptr), shape=(n, n))[nodes][:, nodes]
    want = int(np.bincount(connected_components(W, directed=False)[1]).max()) if len(nodes) else 0
    assert largest_component(ties.indptr, ties.indices, keep) == want
