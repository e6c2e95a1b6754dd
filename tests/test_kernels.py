"""Compiled kernels (``sim.kernels``) against the plain numpy expressions they replace, bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import scipy.sparse as sp

from sim.kernels import (SPLIT, category_counts, co_active_ties, grow_or_decay, judge_bisection, largest_component,
                         leading_eigenpair, merge_into_rows, modularity_matvec, refine_bisection, row_lower_bound, row_sums,
                         same_group_entries, stable_order)
from sim.state import Ties


def random_world(n: int, m: int, n_groups: int, seed: int):
    """Ties among ``n`` persons, each in one of ``n_groups`` groups or none (-1), and some members."""
    rng = np.random.default_rng(seed)
    ties = Ties.from_edges(n, rng.integers(0, n, m), rng.integers(0, n, m), rng.random(m))
    group_of = rng.integers(-1, n_groups, n).astype(np.int32)
    members = rng.permutation(np.flatnonzero(group_of >= 0)).astype(np.int32)  # any order, as rows are
    return rng, ties, group_of, members


def full_scan(ties: Ties, members, groups, group_of, visit, active, active_person) -> tuple[np.ndarray, ...]:
    """:func:`co_active_ties` reading every row (nothing kept from an earlier call)."""
    n = len(group_of)
    return co_active_ties(ties.start, ties.end, ties.indices, ties.strength, members, groups, group_of, visit,
                          active, active_person, np.ones(n, np.bool_), np.empty(0, np.int32), np.zeros(n, np.int64),
                          np.full(n, -1, np.int64))


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 60), m=st.integers(0, 300), n_groups=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_kernels_equal_numpy(n, m, n_groups, seed):
    rng, ties, group_of, members = random_world(n, m, n_groups, seed)
    groups = group_of[members]
    owner, e = same_group_entries(ties.start, ties.end, ties.indices, members, groups, group_of, np.arange(len(members)))
    all_owner, all_e = ties.entries_of(members)
    same = group_of[ties.indices[all_e]] == groups[all_owner]
    assert np.array_equal(owner, all_owner[same]) and np.array_equal(e, all_e[same])
    by_person = same_group_entries(ties.start, ties.end, ties.indices, members, groups, group_of, np.argsort(members))
    assert np.array_equal(by_person[1], np.sort(e))  # person order is CSR order
    assert np.array_equal(by_person[0], owner[np.argsort(e)])

    active = rng.random(len(members)) < 0.6
    active_person = np.zeros(n, bool)
    active_person[members[active]] = True
    want_co = active[owner] & active_person[ties.indices[e]]
    want_social = np.bincount(owner, weights=ties.strength[e] * want_co, minlength=len(members))
    for visit in (np.arange(len(members)), np.argsort(members)):  # the result does not depend on the visit order
        e_co, co, social = full_scan(ties, members, groups, group_of, visit, active, active_person)[:3]
        assert np.array_equal(np.sort(e_co), np.sort(e))
        assert np.array_equal(co[np.argsort(e_co)], want_co[np.argsort(e)])
        assert np.array_equal(social, want_social)
    e, want_co = e_co, co  # person order: entries ascending

    growth, decay, floor, strong = 0.03, 0.01, 0.05, 0.3  # 0.3 is not a float32: the comparison must be float32's
    s = ties.strength[e]
    decayed = np.where(s > floor, floor + (s - floor) * (1 - decay), s)
    want = np.where(want_co, s + growth * (1 - s), decayed)
    f32 = np.float32
    n_strong = grow_or_decay(ties.strength, e, co, f32(growth), f32(1 - decay), f32(floor), f32(strong))
    assert ties.strength.dtype == np.float32 and np.array_equal(ties.strength[e], want)
    assert n_strong == int((want >= strong).sum())


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 200), n_groups=st.integers(1, 12), seed=st.integers(0, 2**32 - 1))
def test_stable_order_is_a_stable_argsort(n, n_groups, seed):
    groups = np.random.default_rng(seed).integers(0, n_groups, n).astype(np.int32)
    order, starts = stable_order(groups, n_groups)
    assert np.array_equal(order, np.argsort(groups, kind="stable"))
    assert np.array_equal(starts, np.searchsorted(groups[order], np.arange(n_groups + 1)))


@settings(max_examples=80, deadline=None)
@given(rows=st.integers(1, 30), max_degree=st.sampled_from([5, 20, 150, 400]), seed=st.integers(0, 2**32 - 1))
def test_row_sums_round_as_reduceat(rows, max_degree, seed):
    rng = np.random.default_rng(seed)
    degree = np.where(rng.random(rows) < 0.2, 0, rng.integers(0, max_degree + 1, rows))
    indptr = np.concatenate([[0], np.cumsum(degree)])
    data = rng.random(indptr[-1]) * 10.0 ** rng.uniform(-3, 3, indptr[-1])  # magnitudes that expose the order
    want = np.zeros(rows)
    full = np.flatnonzero(degree)
    if len(full):
        want[full] = np.add.reduceat(data, indptr[full])
    assert np.array_equal(row_sums(indptr, data), want)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 40), m=st.integers(0, 200), seed=st.integers(0, 2**32 - 1))
def test_row_lower_bound_is_searchsorted_within_rows(n, m, seed):
    rng, ties, _, _ = random_world(n, m, 1, seed)
    u, v = rng.integers(0, n, 50), rng.integers(-1, n + 1, 50)
    pos, found = row_lower_bound(ties.start, ties.end, ties.indices, u, v)
    for j in range(50):
        row = ties.neighbors(u[j])
        at = np.searchsorted(row, v[j])
        assert pos[j] == ties.start[u[j]] + at and found[j] == (at < len(row) and row[at] == v[j])


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 30), m=st.integers(0, 150), k=st.integers(0, 60), free=st.integers(0, 40),
       seed=st.integers(0, 2**32 - 1))
def test_merge_into_rows_inserts_in_order_in_place_or_moved(n, m, k, free, seed):
    rng = np.random.default_rng(seed)
    ties = Ties.from_edges(n, rng.integers(0, n, m), rng.integers(0, n, m), rng.random(m))
    indptr, indices, strength = ties.csr()
    before = {(int(r), int(c)): float(x) for r, c, x in zip(np.repeat(np.arange(n), np.diff(indptr)), indices, strength)}
    new = {(int(r), int(c)): float(np.float32(x)) for r, c, x in zip(rng.integers(0, n, k), rng.integers(0, n, k),
                                                                     rng.random(k)) if (int(r), int(c)) not in before}
    keys = sorted(new)
    rows = np.array([r for r, _ in keys], np.int64)
    cols = np.array([c for _, c in keys], np.int32)
    values = np.array([new[key] for key in keys], np.float32)
    degree = np.diff(indptr)  # rows packed with 0-2 spare slots, then ``free`` slots: some rows must move
    slots = degree + rng.integers(0, 3, n)
    start = np.cumsum(slots) - slots
    room, end = start + slots, start + degree
    used = int(slots.sum())
    buf_i = np.full(used + free, -1, np.int32)
    buf_s = np.zeros(used + free, np.float32)
    at = np.arange(len(indices)) + np.repeat(start - indptr[:-1], degree)
    buf_i[at], buf_s[at] = indices, strength
    done, used = merge_into_rows(start, end, room, buf_i, buf_s, used, rows, cols, values)
    want = before | {key: new[key] for key in keys[:done]}
    got = {}
    for r in range(n):
        row = buf_i[start[r]:end[r]]
        assert np.all(np.diff(row) > 0) and end[r] <= room[r] <= len(buf_i)
        got |= {(r, int(c)): float(x) for c, x in zip(row, buf_s[start[r]:end[r]])}
    assert got == want
    if done < len(keys):  # it stopped only at a row that fits neither its room nor the free space
        r = rows[done]
        need = end[r] - start[r] + int((rows[done:] == r).sum())
        assert room[r] - start[r] < need and used + max(2 * need, 4) > len(buf_i)
    taken = np.zeros(len(buf_i), int)  # rows never overlap, and no slot outside a row holds a tie
    for r in range(n):
        taken[start[r]:room[r]] += 1
    assert taken.max(initial=0) <= 1
    in_row = np.zeros(len(buf_i), bool)
    for r in range(n):
        in_row[start[r]:end[r]] = True
    assert np.all(buf_i[~in_row] == -1)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 60), m=st.integers(0, 120), seed=st.integers(0, 2**32 - 1))
def test_largest_component_matches_scipy(n, m, seed):
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    rng = np.random.default_rng(seed)
    ties = Ties.from_edges(n, rng.integers(0, n, m), rng.integers(0, n, m), rng.random(m))
    keep = rng.random(n) < 0.7
    nodes = np.flatnonzero(keep)
    indptr, indices, strength = ties.csr()
    W = sp.csr_array((strength, indices, indptr), shape=(n, n))[nodes][:, nodes]
    want = int(np.bincount(connected_components(W, directed=False)[1]).max()) if len(nodes) else 0
    assert largest_component(indptr, indices, keep) == want


def ordered_dot(a: np.ndarray, b: np.ndarray) -> float:
    """The kernels' fixed-order dot product: four interleaved running sums, then ``(s0 + s1) + (s2 + s3)``."""
    m = len(a) - len(a) % 4
    sums = [0.0] * 4
    for i in range(m):
        sums[i % 4] += float(a[i] * b[i])
    for i in range(m, len(a)):
        sums[0] += float(a[i] * b[i])
    return (sums[0] + sums[1]) + (sums[2] + sums[3])


def numpy_refine(W: sp.csr_array, k: np.ndarray, m2: float, side: np.ndarray) -> np.ndarray:
    """The numpy fine-tuning that ``refine_bisection`` replaced (Newman 2006), with the kernels' dot product."""
    s = np.where(side, 1.0, -1.0)
    Bs = W @ s - k * ordered_dot(k, s) / m2
    diag = W.diagonal() - k * k / m2
    for _ in range(len(s)):
        gain = -s * Bs + diag
        i = int(np.argmax(gain))
        if gain[i] <= 1e-12 * m2:
            break
        s[i] = -s[i]
        lo, hi = W.indptr[i], W.indptr[i + 1]
        Bs -= (2 * s[i] * k[i] / m2) * k
        Bs[W.indices[lo:hi]] += 2 * s[i] * W.data[lo:hi]
    return s > 0


def numpy_judge(W: sp.csr_array, k: np.ndarray, m2: float, side: np.ndarray, smallest: int, q_min: float,
                ratio: float):
    """Criteria 1-4 as the numpy code that ``judge_bisection`` replaced checked them."""
    if min(side.sum(), (~side).sum()) < smallest:
        return None
    to_a = W @ side.astype(float)
    to_b = k - to_a
    Q = sum(float(to_s[s].sum()) / m2 - (float(k[s].sum()) / m2) ** 2 for s, to_s in ((side, to_a), (~side, to_b)))
    if Q < q_min:
        return None
    centres = []
    for s, own, other in ((side, to_a, to_b), (~side, to_b, to_a)):
        idx = np.flatnonzero(s)
        c = int(idx[np.argmax(own[idx])])
        if own[c] <= 0 or own[c] < ratio * other[c]:
            return None
        centres.append(c)
    a, b = np.flatnonzero(side), np.flatnonzero(~side)
    if len(a) < len(b) or (len(a) == len(b) and a[0] > b[0]):
        a, b, centres = b, a, centres[::-1]
    keep = np.zeros(len(k), bool)
    keep[b] = True
    if largest_component(W.indptr, W.indices, keep) < smallest:
        return None
    return Q, centres[0], centres[1], b


@settings(max_examples=80, deadline=None)
@given(n=st.integers(2, 40), m=st.integers(1, 200), seed=st.integers(0, 2**32 - 1))
def test_bisection_kernels_equal_numpy(n, m, seed):
    """The modularity matrix's product, the fine-tuning and the criteria, against numpy (two planted blocks,
    so that some bisections pass every criterion)."""
    rng = np.random.default_rng(seed)
    i, j = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = (i != j) & ((i < n // 2) == (j < n // 2) | (rng.random(m) < 0.1))
    ties = Ties.from_edges(n, i[keep], j[keep], rng.random(keep.sum()) + 0.01)
    indptr, indices, strength = ties.csr()
    W = sp.csr_array((strength.astype(np.float64), indices, indptr), shape=(n, n))
    k = np.asarray(W.sum(axis=1)).ravel()
    m2 = float(k.sum())
    if m2 == 0:
        return
    x = rng.standard_normal(n)
    assert np.array_equal(modularity_matvec(W.indptr, W.indices, W.data, k, m2, x), W @ x - k * ordered_dot(k, x) / m2)
    side = rng.random(n) < 0.5
    refined = refine_bisection(W.indptr, W.indices, W.data, k, m2, side)
    assert np.array_equal(refined, numpy_refine(W, k, m2, side))
    smallest = max(2, n // 10)
    verdict, Q, c_stay, c_leave, leave_is_side = judge_bisection(W.indptr, W.indices, W.data, k, m2, refined,
                                                                 smallest, 0.2, 1.5)
    ok = verdict == SPLIT
    want = numpy_judge(W, k, m2, refined, smallest, 0.2, 1.5)
    assert ok == (want is not None)
    if ok:
        leave = refined if leave_is_side else ~refined
        assert np.isclose(Q, want[0], rtol=0, atol=1e-12) and (c_stay, c_leave) == want[1:3]
        assert np.array_equal(np.flatnonzero(leave), want[3])



def modularity_dense(W: sp.csr_array) -> tuple[np.ndarray, np.ndarray, float]:
    """``(B, k, 2m)`` of a strength matrix, densely."""
    k = np.asarray(W.sum(axis=1)).ravel()
    m2 = float(k.sum())
    return W.toarray() - np.outer(k, k) / m2, k, m2


@settings(max_examples=60, deadline=None)
@given(n=st.integers(2, 80), m=st.integers(1, 400), seed=st.integers(0, 2**32 - 1))
def test_lanczos_finds_the_largest_eigenpair_of_the_modularity_matrix(n, m, seed):
    """Against LAPACK's full eigendecomposition: the same largest eigenvalue (to 1e-8 of ||B||, the stopping
    tolerance), a small residual, and the same eigenvector (up to sign) where the eigenvalue is well separated."""
    rng = np.random.default_rng(seed)
    i, j = rng.integers(0, n, m), rng.integers(0, n, m)
    keep = i != j
    if not keep.any():
        return
    indptr, indices, strength = Ties.from_edges(n, i[keep], j[keep], rng.random(keep.sum()) + 0.01).csr()
    W = sp.csr_array((strength.astype(np.float64), indices, indptr), shape=(n, n))
    B, k, m2 = modularity_dense(W)
    lam, x, steps = leading_eigenpair(W.indptr, W.indices, W.data, k, m2, rng.standard_normal(n), 1e-8)
    vals, vecs = np.linalg.eigh(B)
    norm = np.abs(B).sum(axis=1).max()
    assert 1 <= steps <= n
    assert abs(lam - vals[-1]) <= 1e-7 * norm
    assert np.isclose(np.linalg.norm(x), 1.0)
    assert np.linalg.norm(B @ x - lam * x) <= 1e-6 * norm
    if n > 1 and vals[-1] - vals[-2] > 1e-2 * norm:
        assert abs(x @ vecs[:, -1]) > 1 - 1e-8


def test_lanczos_on_a_degenerate_eigenvalue_returns_an_eigenvector_of_it():
    """Three alike disjoint cliques: the largest eigenvalue is double, and any vector of its eigenspace
    is an answer; the kernel returns one (found from the start vector, with no rounding left to the BLAS)."""
    n = 30
    blocks = np.arange(n) // 10
    i, j = np.triu_indices(n, 1)
    same = blocks[i] == blocks[j]
    indptr, indices, strength = Ties.from_edges(n, i[same], j[same], np.ones(same.sum())).csr()
    W = sp.csr_array((strength.astype(np.float64), indices, indptr), shape=(n, n))
    B, k, m2 = modularity_dense(W)
    vals = np.linalg.eigvalsh(B)
    assert np.isclose(vals[-1], vals[-2])  # degenerate
    start = np.random.default_rng(0).standard_normal(n)
    lam, x, _ = leading_eigenpair(W.indptr, W.indices, W.data, k, m2, start, 1e-8)
    assert np.isclose(lam, vals[-1])
    assert np.linalg.norm(B @ x - lam * x) <= 1e-6 * np.abs(B).sum(axis=1).max()
    again = leading_eigenpair(W.indptr, W.indices, W.data, k, m2, start.copy(), 1e-8)
    assert again[0] == lam and np.array_equal(again[1], x)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 200), n_groups=st.integers(1, 6), n_categories=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_category_counts_equal_bincounts(n, n_groups, n_categories, seed):
    rng = np.random.default_rng(seed)
    groups, category = rng.integers(0, n_groups, n), rng.integers(0, n_categories, n)
    want = [np.bincount(groups, weights=category == c, minlength=n_groups) for c in range(n_categories)]
    assert np.array_equal(category_counts(groups, category, n_groups, n_categories), np.array(want))
