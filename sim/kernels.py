"""Compiled loops: the daily work over every member's ties, the tie store, and the splitting checks.

Each kernel is one pass over tie rows that numpy could only express as a chain
of full-size temporaries (a gather of every member's ties, a mask, a
compaction, ...): at 10^5 persons the members own about 1.6 M tie entries, and
each temporary costs a millisecond or more a day. Passes over members' ties
visit them in person order, which reads the tie arrays front to back (2-3x
faster than jumping between rows). ``merge_into_rows`` and ``copy_rows`` keep
:class:`sim.state.Ties` (rows with spare slots); ``stable_order`` is a counting
sort by group; ``category_counts`` tallies rows per category and group; ``row_sums`` rounds
as numpy's pairwise sum does. ``bisect_modularity`` runs a whole ``tie_community`` check
of one group (restriction to tied members, ``leading_eigenpair``, ``refine_bisection``,
``judge_bisection``) in one call, where per-group numpy and scipy calls cost more than
the work on a group of ~100 members. The kernels are plain loops compiled by numba
(``cache=True``: compiled once per machine, then loaded from ``__pycache__``); they
draw no random numbers and compute in the same dtypes and order as the numpy code
they replaced, so results are bit-identical (``tests/test_kernels.py``). Two
exceptions: the modularity that ``judge_bisection`` sums in index order (numpy sums
pairwise) is only compared with a threshold; and ``leading_eigenpair`` (Lanczos with
fixed-order sums and no BLAS) replaced LAPACK and ARPACK, whose results depend on the
machine's BLAS, so it agrees with them to rounding, and with itself on every machine.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["SPLIT", "TOO_SMALL", "NO_PIECE", "INDIVISIBLE", "SIDE_TOO_SMALL", "LOW_MODULARITY", "NO_CENTRE",
           "CRUMBS", "same_group_entries", "co_active_ties", "rows_to_rescan", "grow_or_decay",
           "largest_component", "leading_eigenpair", "bisect_modularity", "smallest_side", "modularity_matvec",
           "refine_bisection", "judge_bisection", "tree_depths", "stable_order", "row_lower_bound", "row_sums",
           "inside_ties_csr", "merge_into_rows", "copy_rows", "member_totals", "day_totals", "category_counts"]

# Verdicts of a tie-community check (``bisect_modularity``, ``judge_bisection``): the split is accepted, or the
# first criterion of ``sim.policies.splitting`` it failed (``splitting.REFUSALS`` words them)
SPLIT, TOO_SMALL, NO_PIECE, INDIVISIBLE, SIDE_TOO_SMALL, LOW_MODULARITY, NO_CENTRE, CRUMBS = range(8)


@njit(cache=True, nogil=True)
def _n_entries(start: np.ndarray, end: np.ndarray, persons: np.ndarray) -> int:
    """Tie entries in the rows of ``persons``: the size of a buffer that holds any subset of them."""
    total = 0
    for i in range(len(persons)):
        total += end[persons[i]] - start[persons[i]]
    return total


@njit(cache=True, nogil=True, inline="always")  # inlined into the scanning kernels' loops
def _scan_inside(lo: int, hi: int, indices: np.ndarray, group_of: np.ndarray, g: int, entry: np.ndarray,
                 k: int) -> int:
    """Append to ``entry`` (from slot ``k``) the entries ``lo`` to ``hi`` whose other end is in group ``g``;
    returns the new ``k``. Each entry is written always and kept by advancing ``k``: no branch to
    mispredict (2x faster)."""
    for e in range(lo, hi):
        entry[k] = e
        k += group_of[indices[e]] == g
    return k


@njit(cache=True, nogil=True)
def same_group_entries(start: np.ndarray, end: np.ndarray, indices: np.ndarray, persons: np.ndarray,
                       groups: np.ndarray, group_of: np.ndarray, visit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Entries ``e`` of ``persons[i]``'s row (``start`` to ``end``) whose other end is in ``groups[i]``:
    ``(i, e)``, int32.

    ``group_of[person]`` is each person's group (-1 outside every group). The
    ``i`` are visited in the order ``visit`` (``np.arange`` for row order, as
    ``Ties.entries_of`` followed by a mask), entries ascending within a row.
    Visiting the persons in order (``stable_order(persons, n)[0]``) reads the tie arrays front to
    back, 2-3x faster at 10^5 persons than jumping between rows, and so does every later
    pass over the entries. Entry numbers fit int32 up to 2^31 tie slots
    (``Ties`` holds about 30 M at 10^6 persons).
    """
    entry = np.empty(_n_entries(start, end, persons), np.int32)  # upper bound: only the first k slots are kept
    owner = np.empty(len(entry), np.int32)
    k = 0
    for i in visit:
        first = k
        k = _scan_inside(start[persons[i]], end[persons[i]], indices, group_of, groups[i], entry, k)
        owner[first:k] = i
    return owner[:k], entry[:k]


@njit(cache=True, nogil=True)
def inside_ties_csr(start: np.ndarray, end: np.ndarray, indices: np.ndarray, strength: np.ndarray, persons: np.ndarray,
                    groups: np.ndarray, group_of: np.ndarray, local: np.ndarray,
                    visit: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One CSR of the ties of ``persons[i]`` to members of ``groups[i]`` with a positive strength:
    ``(ends, local[other end], float64 strength)``, rows in ``i`` order, entries ascending within a row.

    Both passes (count, then fill each row's slot) visit the rows in the order
    ``visit``; passing the persons' sorted order reads the tie arrays front to
    back. The result does not depend on ``visit``.
    """
    ends = np.zeros(len(persons) + 1, np.int64)
    for i in visit:
        g = groups[i]
        for e in range(start[persons[i]], end[persons[i]]):
            ends[i + 1] += (group_of[indices[e]] == g) & (strength[e] > 0)
    for i in range(len(persons)):
        ends[i + 1] += ends[i]
    col = np.empty(ends[-1], np.int64)
    data = np.empty(ends[-1], np.float64)
    for i in visit:
        g, k = groups[i], ends[i]
        for e in range(start[persons[i]], end[persons[i]]):
            if group_of[indices[e]] == g and strength[e] > 0:
                col[k] = local[indices[e]]
                data[k] = strength[e]
                k += 1
    return ends, col, data


@njit(cache=True, nogil=True)
def member_totals(rows: np.ndarray, group: np.ndarray, n_groups: int, last_post: np.ndarray, lurk_day: int,
                  trust: np.ndarray, satisfaction: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per group, over membership ``rows``: members, lurkers (last post on or before ``lurk_day``), and
    summed trust and satisfaction; as the ``np.bincount`` calls (float64 weights, summed in row order)."""
    members = np.zeros(n_groups, np.int64)
    lurk, trust_sum, sat_sum = np.zeros(n_groups), np.zeros(n_groups), np.zeros(n_groups)
    for r in rows:
        g = group[r]
        members[g] += 1
        lurk[g] += 1.0 if last_post[r] <= lurk_day else 0.0
        trust_sum[g] += np.float64(trust[r])
        sat_sum[g] += np.float64(satisfaction[r])
    return members, lurk, trust_sum, sat_sum


@njit(cache=True, nogil=True)
def day_totals(groups: np.ndarray, n_groups: int, ugc: np.ndarray, active: np.ndarray,
               helper: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per group: today's member posts, active members, and active helpers (``helper`` per row); as the
    ``np.bincount`` calls (float64 weights, summed in row order)."""
    ugc_sum, active_sum, helpers = np.zeros(n_groups), np.zeros(n_groups), np.zeros(n_groups)
    for i in range(len(groups)):
        g = groups[i]
        ugc_sum[g] += np.float64(ugc[i])
        active_sum[g] += 1.0 if active[i] else 0.0
        helpers[g] += 1.0 if active[i] and helper[i] else 0.0
    return ugc_sum, active_sum, helpers


@njit(cache=True, nogil=True)
def category_counts(groups: np.ndarray, category: np.ndarray, n_groups: int, n_categories: int) -> np.ndarray:
    """Rows per category and group, ``(n_categories, n_groups)`` float64: one pass instead of a
    ``np.bincount`` per category (counts are whole numbers, so the order of the sums does not matter)."""
    counts = np.zeros((n_categories, n_groups))
    for i in range(len(groups)):
        counts[category[i], groups[i]] += 1.0
    return counts


@njit(cache=True, nogil=True)
def stable_order(keys: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.argsort(keys, kind="stable")`` for keys in ``[0, n_keys)`` (groups, persons), and where each
    key's run starts in that order (``n_keys + 1`` offsets, CSR style).

    A counting sort, O(len + n_keys): numpy sorts int32 keys stably with
    timsort, ~2 ms a day for the active members at 10^5 persons.
    """
    starts = np.zeros(n_keys + 1, np.int64)
    for k in keys:
        starts[k + 1] += 1
    for k in range(n_keys):
        starts[k + 1] += starts[k]
    fill = starts[:-1].copy()
    order = np.empty(len(keys), np.int64)
    for i in range(len(keys)):
        order[fill[keys[i]]] = i
        fill[keys[i]] += 1
    return order, starts


@njit(cache=True, nogil=True)
def co_active_ties(start: np.ndarray, end: np.ndarray, indices: np.ndarray, strength: np.ndarray,
                   persons: np.ndarray, groups: np.ndarray, group_of: np.ndarray, visit: np.ndarray,
                   active_row: np.ndarray, active_person: np.ndarray, rescan: np.ndarray, kept: np.ndarray,
                   kept_first: np.ndarray, kept_count: np.ndarray) -> tuple[np.ndarray, ...]:
    """The entries of :func:`same_group_entries` and, in the same pass, whether both ends of each such tie
    are active: ``(entry, co, social, first, count)``, with ``social`` per ``persons[i]`` the summed strength
    of its ties whose both ends are active (float64, summed in entry order, 0 for an inactive row), and
    ``first``/``count`` per person where its entries start in ``entry`` and how many there are (0 and -1: not
    visited).

    A person ``p`` with ``rescan[p]`` False and ``kept_count[p] >= 0`` copies
    its entries from an earlier call's ``kept`` (at ``kept_first[p]``) instead of
    scanning its row: :class:`sim.inside.InsideTies` says whose list can have
    changed. One pass instead of two over the ~350 k ties inside groups at
    10^5 persons (the second pass read the owners in scattered order).
    """
    entry = np.empty(_n_entries(start, end, persons), np.int32)  # upper bound: only the first k slots are kept
    co = np.empty(len(entry), np.bool_)
    social = np.zeros(len(persons), np.float64)
    first = np.zeros(len(group_of), np.int64)
    count = np.full(len(group_of), -1, np.int64)
    k = 0
    for i in visit:
        p = persons[i]
        at = first[p] = k
        if rescan[p] or kept_count[p] < 0:
            k = _scan_inside(start[p], end[p], indices, group_of, groups[i], entry, k)
        else:  # element by element: a slice assignment costs ~100 ns per row in numba
            for j in range(kept_first[p], kept_first[p] + kept_count[p]):
                entry[k] = kept[j]
                k += 1
        count[p] = k - at
        if not active_row[i]:
            for j in range(at, k):
                co[j] = False
            continue
        acc = 0.0
        for j in range(at, k):  # the row's ties inside its group, still in cache
            c = active_person[indices[entry[j]]]
            co[j] = c
            acc += strength[entry[j]] * c  # adds 0.0 when not co-active (branch-free)
        social[i] = acc
    return entry[:k], co[:k], social, first, count


@njit(cache=True, nogil=True)
def rows_to_rescan(group_of: np.ndarray, group_then: np.ndarray, start: np.ndarray, start_then: np.ndarray,
                   end: np.ndarray, end_then: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Per person: whether its list of ties inside its group can differ from when ``*_then`` were copied.

    It can when the person changed group, when a tie neighbour did (ties are
    symmetric, so the mover's row names them), or when its tie row changed
    (ties are only ever added, which moves ``end``).
    """
    rescan = np.empty(len(group_of), np.bool_)
    for p in range(len(group_of)):
        rescan[p] = start[p] != start_then[p] or end[p] != end_then[p]
    for p in range(len(group_of)):
        if group_of[p] != group_then[p]:
            rescan[p] = True
            for e in range(start[p], end[p]):
                rescan[indices[e]] = True
    return rescan


@njit(cache=True, nogil=True)
def grow_or_decay(strength: np.ndarray, entry: np.ndarray, co: np.ndarray, growth: np.float32,
                  decay_keep: np.float32, floor: np.float32, strong: np.float32) -> int:
    """In place, per entry: ``s + growth (1 - s)`` where ``co``, else ``floor + (s - floor) decay_keep``
    above the floor; returns how many entries end at or above ``strong``. All float32, as numpy
    computes float32 arrays with Python-float scalars."""
    n_strong = 0
    one = np.float32(1.0)
    for j in range(len(entry)):
        s = strength[entry[j]]
        if co[j]:
            s = s + growth * (one - s)
        elif s > floor:
            s = floor + (s - floor) * decay_keep
        strength[entry[j]] = s
        n_strong += s >= strong
    return n_strong


@njit(cache=True, nogil=True)
def row_lower_bound(start: np.ndarray, end: np.ndarray, indices: np.ndarray, u: np.ndarray,
                    v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per query: the first entry of row ``u[j]`` (``start`` to ``end``) whose column is not below
    ``v[j]`` (columns sorted within rows), and whether that entry is ``v[j]``. A binary search per query:
    O(queries x log degree), independent of the number of ties."""
    pos = np.empty(len(u), np.int64)
    found = np.zeros(len(u), np.bool_)
    for j in range(len(u)):
        lo, hi = start[u[j]], end[u[j]]
        stop = hi
        while lo < hi:
            mid = (lo + hi) // 2
            if indices[mid] < v[j]:
                lo = mid + 1
            else:
                hi = mid
        pos[j] = lo
        found[j] = lo < stop and indices[lo] == v[j]
    return pos, found


@njit(cache=True, nogil=True)
def merge_into_rows(start: np.ndarray, end: np.ndarray, room: np.ndarray, indices: np.ndarray,
                    strength: np.ndarray, used: int, rows: np.ndarray, cols: np.ndarray,
                    values: np.ndarray) -> tuple[int, int]:
    """Insert new entries ``(rows, cols, values)`` (sorted by row, then column; none present yet)
    into rows with spare slots, in place: ``indices[start[r]:end[r]]`` stays sorted.

    A row whose room (up to ``room[r]``) is too small moves to the free space
    from ``used`` on, with twice the slots it needs; its old slots are marked
    empty (-1). Stops before the first row that does not fit there either.
    Returns ``(entries inserted, new used)``; the caller lays the rows out
    afresh and calls again with the rest.
    """
    j = 0
    while j < len(rows):
        r = rows[j]
        k = j
        while k < len(rows) and rows[k] == r:
            k += 1
        m = k - j
        lo, hi = start[r], end[r]
        if hi + m <= room[r]:  # merge from the back, in place
            w, i = hi + m - 1, hi - 1
            for q in range(k - 1, j - 1, -1):
                while i >= lo and indices[i] > cols[q]:
                    indices[w] = indices[i]
                    strength[w] = strength[i]
                    i -= 1
                    w -= 1
                indices[w] = cols[q]
                strength[w] = values[q]
                w -= 1
            end[r] = hi + m
        else:
            need = hi - lo + m
            slots = max(2 * need, 4)
            if used + slots > len(indices):
                return j, used
            w, i = used, lo
            for q in range(j, k):
                while i < hi and indices[i] < cols[q]:
                    indices[w] = indices[i]
                    strength[w] = strength[i]
                    i += 1
                    w += 1
                indices[w] = cols[q]
                strength[w] = values[q]
                w += 1
            while i < hi:
                indices[w] = indices[i]
                strength[w] = strength[i]
                i += 1
                w += 1
            indices[lo:hi] = -1
            strength[lo:hi] = 0
            start[r], end[r], room[r] = used, used + need, used + slots
            used += slots
        j = k
    return j, used


@njit(cache=True, nogil=True)
def copy_rows(start: np.ndarray, end: np.ndarray, indices: np.ndarray, strength: np.ndarray, to: np.ndarray,
              new_indices: np.ndarray, new_strength: np.ndarray) -> None:
    """Copy row ``r`` (``start[r]`` to ``end[r]``) of ``indices``/``strength`` to ``to[r]`` onwards in the new arrays."""
    for r in range(len(start)):
        n = end[r] - start[r]
        new_indices[to[r]: to[r] + n] = indices[start[r]: end[r]]
        new_strength[to[r]: to[r] + n] = strength[start[r]: end[r]]


@njit(cache=True, nogil=True)
def largest_component(indptr: np.ndarray, indices: np.ndarray, keep: np.ndarray) -> int:
    """Size of the largest connected component among nodes with ``keep`` of a symmetric CSR graph,
    counting only edges whose both ends are kept (a depth-first search)."""
    n = len(keep)
    seen = np.zeros(n, np.bool_)
    stack = np.empty(n, np.int64)
    best = 0
    for root in range(n):
        if seen[root] or not keep[root]:
            continue
        seen[root] = True
        stack[0] = root
        top, size = 1, 0
        while top:
            top -= 1
            i = stack[top]
            size += 1
            for e in range(indptr[i], indptr[i + 1]):
                j = indices[e]
                if keep[j] and not seen[j]:
                    seen[j] = True
                    stack[top] = j
                    top += 1
        best = max(best, size)
    return best


@njit(cache=True, nogil=True)
def _pairwise_sum(a: np.ndarray, lo: int, n: int) -> float:
    """``a[lo: lo + n]`` summed as numpy's ``pairwise_sum`` sums it (8 accumulators up to 128 entries)."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    if n <= 128:
        r = a[lo: lo + 8].copy()
        i = 8
        while i < n - n % 8:
            for j in range(8):
                r[j] += a[lo + i + j]
            i += 8
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n:
            res += a[lo + i]
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return _pairwise_sum(a, lo, n2) + _pairwise_sum(a, lo + n2, n - n2)


@njit(cache=True, nogil=True)
def row_sums(indptr: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Summed ``data`` of each CSR row, rounded as ``np.add.reduceat`` (hence scipy's ``W.sum(axis=1)``)
    rounds it: the row's first entry plus numpy's pairwise sum of the others."""
    k = np.zeros(len(indptr) - 1)
    for i in range(len(indptr) - 1):
        lo, hi = indptr[i], indptr[i + 1]
        if hi > lo:
            k[i] = data[lo] + _pairwise_sum(data, lo + 1, hi - lo - 1)
    return k


@njit(cache=True, nogil=True)
def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """``a . b`` summed in a fixed order (four interleaved partial sums, then ``(s0 + s1) + (s2 + s3)``).

    Not ``np.dot``: that calls the BLAS, whose summation order depends on the
    CPU's kernel, so the bisection would round differently from one machine to
    another. Four partial sums break the chain of dependent additions (3-4x
    faster than one running sum) and are the same on every machine.
    """
    n = len(a)
    m = n - n % 4
    s0 = s1 = s2 = s3 = 0.0
    for i in range(0, m, 4):
        s0 += a[i] * b[i]
        s1 += a[i + 1] * b[i + 1]
        s2 += a[i + 2] * b[i + 2]
        s3 += a[i + 3] * b[i + 3]
    for i in range(m, n):
        s0 += a[i] * b[i]
    return (s0 + s1) + (s2 + s3)


@njit(cache=True, nogil=True)
def _modularity_product(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, k: np.ndarray, m2: float,
                        x: np.ndarray, out: np.ndarray) -> None:
    """``out = B x = W x - k (k.x) / m2`` for a CSR strength matrix ``W`` (row sums in entry order)."""
    kx = _dot(k, x)
    for i in range(len(k)):
        acc = 0.0
        for e in range(indptr[i], indptr[i + 1]):
            acc += data[e] * x[indices[e]]
        out[i] = acc - k[i] * kx / m2


@njit(cache=True, nogil=True)
def modularity_matvec(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, k: np.ndarray, m2: float,
                      x: np.ndarray) -> np.ndarray:
    """``B x = W x - k (k.x) / m2`` for a CSR strength matrix ``W``, in a fixed summation order."""
    out = np.empty(len(k), np.float64)
    _modularity_product(indptr, indices, data, k, m2, x, out)
    return out


@njit(cache=True, nogil=True)
def _tridiagonal_top(alpha: np.ndarray, beta: np.ndarray, lower: float, s: np.ndarray,
                     work: np.ndarray) -> tuple[float, float]:
    """Largest eigenvalue of the symmetric tridiagonal matrix with diagonal ``alpha`` (order ``j``) and
    off-diagonal ``beta[1:j]`` (``beta[0] = beta[j] = 0``), and its unit eigenvector into ``s``.

    The eigenvalue by Sturm-sequence bisection (the count of negative pivots of
    ``T - x I`` is the number of eigenvalues below ``x``) from ``lower`` (a known
    lower bound, e.g. the previous Lanczos step's value: Ritz values only grow)
    up to Gershgorin's bound, to ~2 units in the last place of ``||T||``; the
    eigenvector by two steps of inverse iteration (tridiagonal Gaussian
    elimination with partial pivoting, as LAPACK's ``dgtsv``). ``work`` is
    ``(4, >= j)`` scratch. Returns ``(eigenvalue, ||T||_inf)``.
    """
    j = len(alpha)
    hi, scale = -np.inf, 0.0
    for i in range(j):
        r = abs(beta[i]) + abs(beta[i + 1])
        hi = max(hi, alpha[i] + r)
        scale = max(scale, abs(alpha[i]) + r)
    lo = max(lower, -scale)
    while True:
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi or hi - lo <= 4.5e-16 * scale:
            break
        d, below = 1.0, 0
        for i in range(j):
            d = alpha[i] - mid - beta[i] * beta[i] / d
            if d == 0.0:
                d = -1e-300
            below += d < 0.0
        if below == j:
            hi = mid
        else:
            lo = mid
    theta = hi
    shift = theta + 1e-14 * max(scale, 1e-300)  # just above: T - shift I is safely non-singular
    dd, du, du2, b = work[0, :j], work[1, :j], work[2, :j], work[3, :j]
    s[:] = 1.0
    for _ in range(2):
        for i in range(j):
            dd[i], du[i], du2[i], b[i] = alpha[i] - shift, beta[i + 1], 0.0, s[i]
        for i in range(j - 1):  # eliminate the subdiagonal beta[i + 1], swapping rows when it is larger
            low = beta[i + 1]
            if abs(dd[i]) >= abs(low):
                if dd[i] == 0.0:
                    dd[i] = 1e-300
                f = low / dd[i]
                dd[i + 1] -= f * du[i]
                b[i + 1] -= f * b[i]
            else:
                f = dd[i] / low
                dd[i], t = low, dd[i + 1]
                dd[i + 1] = du[i] - f * t
                if i + 2 < j:
                    du2[i] = du[i + 1]
                    du[i + 1] = -f * du2[i]
                du[i] = t
                b[i], b[i + 1] = b[i + 1], b[i] - f * b[i + 1]
        if dd[j - 1] == 0.0:
            dd[j - 1] = 1e-300
        for i in range(j - 1, -1, -1):
            acc = b[i]
            if i + 1 < j:
                acc -= du[i] * s[i + 1]
            if i + 2 < j:
                acc -= du2[i] * s[i + 2]
            s[i] = acc / dd[i]
        norm = np.sqrt(_dot(s, s))
        for i in range(j):
            s[i] /= norm
    return theta, scale


@njit(cache=True, nogil=True)
def leading_eigenpair(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, k: np.ndarray, m2: float,
                      start: np.ndarray, tol: float) -> tuple[float, np.ndarray, int]:
    """Largest eigenvalue and a unit eigenvector of the modularity matrix ``B = W - k k^T / m2`` of a
    CSR strength matrix ``W``, by the Lanczos method with full reorthogonalisation; and the steps taken.

    Starts from ``start``; every 4 steps the largest eigenvalue of the Lanczos
    tridiagonal is found (:func:`_tridiagonal_top`) and the iteration stops
    when its residual ``||B x - theta x|| = beta_j |s_j|`` is at most
    ``tol * ||T||``, when the Krylov space is invariant, or after ``n`` steps
    (then exact). Each new vector is orthogonalised against all earlier ones
    by classical Gram-Schmidt, a second time when the first pass removed more
    than ~30 % of its norm ("twice is enough", Daniel et al. 1976). Cost
    O(steps x (nnz + n x steps)): ~20 steps for the groups of the model, no
    dense ``n x n`` matrix. Every sum is a fixed-order loop (no BLAS), so the
    result is the same on every machine, also where the leading eigenvalue is
    degenerate (two alike cliques): the eigenvector is then the one the start
    vector's Krylov space holds.
    """
    n = len(k)
    Q = np.empty((n, n), np.float64)  # Lanczos vectors, one per row
    alpha, beta = np.zeros(n), np.zeros(n + 1)
    s, work, w = np.zeros(n), np.empty((4, n)), np.empty(n)
    norm = np.sqrt(_dot(start, start))
    for t in range(n):
        Q[0, t] = start[t] / norm
    theta, steps, size = -np.inf, 0, 0.0
    for j in range(n):
        _modularity_product(indptr, indices, data, k, m2, Q[j], w)
        alpha[j] = _dot(Q[j], w)
        before = np.sqrt(_dot(w, w))
        for _ in range(2):
            for i in range(j + 1):
                c = _dot(Q[i], w)
                for t in range(n):
                    w[t] -= c * Q[i, t]
            b = np.sqrt(_dot(w, w))
            if b > 0.7071 * before:
                break
            before = b
        steps = j + 1
        size = max(size, abs(alpha[j]) + beta[j] + b)  # a lower bound of ||T||
        invariant = b <= 1e-14 * size  # the Krylov space holds exact eigenvectors: nothing new to add
        if steps % 4 == 0 or steps == n or invariant:
            beta[steps] = 0.0
            theta, scale = _tridiagonal_top(alpha[:steps], beta[:steps + 1], theta, s[:steps], work)
            if invariant or steps == n or b * abs(s[steps - 1]) <= tol * scale:
                break
        beta[steps] = b
        for t in range(n):
            Q[steps, t] = w[t] / b
    x = np.zeros(n)
    for i in range(steps):
        for t in range(n):
            x[t] += s[i] * Q[i, t]
    return theta, x, steps


@njit(cache=True, nogil=True)
def refine_bisection(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, k: np.ndarray, m2: float,
                     side: np.ndarray) -> np.ndarray:
    """Newman's (2006) fine-tuning of a bisection of a CSR strength matrix without self-ties: move the
    node whose flip raises modularity most while one does (at most ``n`` moves, each O(n))."""
    n = len(k)
    s = np.where(side, 1.0, -1.0)
    Bs = modularity_matvec(indptr, indices, data, k, m2, s)
    diag = np.empty(n, np.float64)  # B's diagonal: no self-ties
    for i in range(n):
        diag[i] = 0.0 - k[i] * k[i] / m2
    for _ in range(n):
        best, gain = 0, -np.inf  # the first node of largest gain (change of s'Bs/4 when flipping it)
        for j in range(n):
            gj = -s[j] * Bs[j] + diag[j]
            if gj > gain:
                best, gain = j, gj
        if gain <= 1e-12 * m2:
            break
        s[best] = -s[best]
        c = 2 * s[best] * k[best] / m2  # B s += 2 s_i B[:, i], with B's column i = W[i, :] - k k_i / m2
        for j in range(n):
            Bs[j] -= c * k[j]
        for e in range(indptr[best], indptr[best + 1]):
            Bs[indices[e]] += 2 * s[best] * data[e]
    return s > 0


@njit(cache=True, nogil=True)
def judge_bisection(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, k: np.ndarray, m2: float,
                    side: np.ndarray, smallest: int, modularity_min: float,
                    centre_ratio: float) -> tuple[int, float, int, int, bool]:
    """Criteria 1-4 of :func:`sim.policies.splitting.bisect` for a bisection ``side`` of a CSR strength matrix.

    Returns ``(verdict, modularity, centre of the staying side, centre of the leaving side, whether the
    leaving side is ``side``)``: ``SPLIT``, or the first criterion that failed (``SIDE_TOO_SMALL``,
    ``LOW_MODULARITY``, ``NO_CENTRE``, ``CRUMBS``), with the modularity once it is computed (else 0).
    The modularity is summed in index order (numpy sums pairwise), so it can differ from a numpy sum in
    the last bits; it is compared with ``modularity_min`` and reported rounded.
    """
    n = len(k)
    n_a = 0
    for i in range(n):
        n_a += side[i]
    if min(n_a, n - n_a) < smallest:
        return SIDE_TOO_SMALL, 0.0, -1, -1, False
    to_a = np.zeros(n, np.float64)  # each node's strength to side a (as W @ side rounds it)
    for i in range(n):
        acc = 0.0
        for e in range(indptr[i], indptr[i + 1]):
            acc += data[e] * side[indices[e]]
        to_a[i] = acc
    in_a = in_b = k_a = k_b = 0.0
    for i in range(n):
        if side[i]:
            in_a += to_a[i]
            k_a += k[i]
        else:
            in_b += k[i] - to_a[i]
            k_b += k[i]
    Q = (in_a / m2 - (k_a / m2) ** 2) + (in_b / m2 - (k_b / m2) ** 2)
    if Q < modularity_min:
        return LOW_MODULARITY, Q, -1, -1, False
    centre = np.full(2, -1, np.int64)  # each side's node of largest strength to its own side
    own = np.full(2, -np.inf)
    for i in range(n):
        c = 0 if side[i] else 1
        o = to_a[i] if side[i] else k[i] - to_a[i]
        if o > own[c]:
            centre[c], own[c] = i, o
    for c in range(2):
        i = centre[c]
        other = k[i] - to_a[i] if c == 0 else to_a[i]
        if own[c] <= 0 or own[c] < centre_ratio * other:
            return NO_CENTRE, Q, -1, -1, False
    first_a = -1  # the larger side stays; at equal sizes, the side holding node 0
    for i in range(n):
        if side[i]:
            first_a = i
            break
    leave_a = n_a < n - n_a or (n_a == n - n_a and first_a > 0)
    leaving = side.copy() if leave_a else ~side
    if largest_component(indptr, indices, leaving) < smallest:
        return CRUMBS, Q, -1, -1, False  # criterion 4: the leaving side is crumbs, not a community
    if leave_a:
        return SPLIT, Q, centre[1], centre[0], True
    return SPLIT, Q, centre[0], centre[1], False


@njit(cache=True, nogil=True)
def smallest_side(n: int, min_side: float) -> int:
    """Nodes each side of a split of ``n`` nodes needs: ``max(2, ceil(min_side * n))`` (criteria 2 and 4)."""
    return max(2, int(np.ceil(min_side * n)))


@njit(cache=True, nogil=True)
def bisect_modularity(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, k: np.ndarray, m2: float,
                      start: np.ndarray, tol: float, min_side: float, modularity_min: float,
                      centre_ratio: float) -> tuple[int, float, int, int, bool, np.ndarray]:
    """:func:`sim.policies.splitting.bisect` of the CSR arrays of a clean strength matrix with strengths ``k``
    (:func:`row_sums`) and ``m2 = k.sum()``, in one call.

    The connected-piece pre-check of criterion 4, the leading eigenvector of ``B``
    over the tied nodes (:func:`leading_eigenpair` from ``start[:tied]``), the
    fine-tuning, the untied nodes to the larger side, and criteria 1-4
    (:func:`judge_bisection`). One compiled call per group instead of a dozen
    numpy calls of ~10 us each. Returns ``(verdict, modularity, centre of the
    staying side, centre of the leaving side, whether the leaving side is
    ``side``, side)``; the verdict is ``SPLIT``, ``TOO_SMALL`` (fewer than two
    sides' worth of nodes, or no ties), ``NO_PIECE`` (no connected piece as
    large as a side), ``INDIVISIBLE`` (no bisection raises modularity), or a
    verdict of :func:`judge_bisection`.
    """
    n = len(indptr) - 1
    side = np.zeros(n, np.bool_)
    smallest = smallest_side(n, min_side)
    if m2 <= 0 or n < 2 * smallest:
        return TOO_SMALL, 0.0, -1, -1, False, side
    if largest_component(indptr, indices, np.ones(n, np.bool_)) < smallest:
        return NO_PIECE, 0.0, -1, -1, False, side  # criterion 4 cannot hold: no connected piece large enough
    tied = np.flatnonzero(k > 0)  # untied nodes have zero rows in B: left out of the eigenproblem
    kt = k[tied]
    # W restricted to the tied nodes: their rows hold every entry, so dropping the (empty) rows of the
    # others and renumbering the columns is enough
    new_index = np.full(n, -1, np.int64)
    new_index[tied] = np.arange(len(tied))
    t_indptr = np.empty(len(tied) + 1, np.int64)
    t_indptr[:-1] = indptr[tied]
    t_indptr[-1] = indptr[-1]
    t_indices = new_index[indices]
    lam, x, _ = leading_eigenpair(t_indptr, t_indices, data, kt, m2, start[: len(tied)], tol)
    if lam <= 1e-9 * m2:
        return INDIVISIBLE, 0.0, -1, -1, False, side  # no split raises modularity (Newman 2006)
    side[tied] = refine_bisection(t_indptr, t_indices, data, kt, m2, x > 0)
    n_tied, on_side = len(tied), 0
    for i in tied:
        on_side += side[i]
    larger = on_side * 2 >= n_tied  # untied nodes join the larger side
    for i in range(n):
        if k[i] == 0:
            side[i] = larger
    verdict, Q, centre_stay, centre_leave, leave_is_side = judge_bisection(indptr, indices, data, k, m2, side,
                                                                           smallest, modularity_min, centre_ratio)
    return verdict, Q, centre_stay, centre_leave, leave_is_side, side


@njit(cache=True, nogil=True)
def tree_depths(parent: np.ndarray) -> np.ndarray:
    """Depth of each node of a forest given by parent pointers (-1 for a root) in which every parent
    precedes its children."""
    depth = np.zeros(len(parent), np.int32)
    for i in range(len(parent)):
        p = parent[i]
        if p >= i:
            raise ValueError("a parent must precede its children")
        if p >= 0:
            depth[i] = depth[p] + 1
    return depth
