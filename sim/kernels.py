"""Compiled loops for the daily work over every member's ties.

Each kernel is one pass over CSR rows that numpy could only express as a chain
of full-size temporaries (a gather of every member's ties, a mask, a
compaction, ...): at 10^5 persons the members own about 1.6 M tie entries, and
each temporary costs a millisecond or more a day. The kernels are plain loops
compiled by numba (``cache=True``: compiled once per machine, then loaded from
``__pycache__``); they draw no random numbers and compute in the same dtypes and
order as the numpy code they replaced, so results are bit-identical
(``tests/test_kernels.py``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["same_group_entries", "co_active_strength", "grow_or_decay", "insert_sorted", "largest_component"]


@njit(cache=True, nogil=True)
def same_group_entries(indptr: np.ndarray, indices: np.ndarray, persons: np.ndarray, groups: np.ndarray,
                       group_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR entries ``e`` of ``persons[i]``'s row whose other end is in ``groups[i]``: ``(i, e)``.

    ``group_of[person]`` is each person's group (-1 outside every group). Output
    in row order, entries ascending within a row (as ``Ties.entries_of`` followed
    by a mask).
    """
    total = 0
    for i in range(len(persons)):
        total += indptr[persons[i] + 1] - indptr[persons[i]]
    owner = np.empty(total, np.int64)  # upper bound; only the first k slots are ever touched
    entry = np.empty(total, np.int64)
    k = 0
    for i in range(len(persons)):
        g = groups[i]
        for e in range(indptr[persons[i]], indptr[persons[i] + 1]):
            owner[k] = i  # written always, kept by advancing k: no branch to mispredict (2x faster)
            entry[k] = e
            k += group_of[indices[e]] == g
    return owner[:k], entry[:k]


@njit(cache=True, nogil=True)
def co_active_strength(owner: np.ndarray, entry: np.ndarray, indices: np.ndarray, strength: np.ndarray,
                       active_row: np.ndarray, active_person: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ties ``(owner, entry)`` from :func:`same_group_entries`: both ends active, and per row
    the summed strength of its ties whose both ends are active (float64, summed in entry order)."""
    co = np.empty(len(entry), np.bool_)
    total = np.zeros(len(active_row), np.float64)
    for j in range(len(entry)):
        c = active_row[owner[j]] & active_person[indices[entry[j]]]
        co[j] = c
        total[owner[j]] += strength[entry[j]] * c  # adds 0.0 when not co-active (branch-free)
    return co, total


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
def insert_sorted(arr: np.ndarray, pos: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.insert(arr, pos, values)`` for non-decreasing ``pos``: a new array, copied block by block."""
    out = np.empty(len(arr) + len(pos), arr.dtype)
    prev = 0
    for j in range(len(pos)):
        p = pos[j]
        out[prev + j: p + j] = arr[prev:p]
        out[p + j] = values[j]
        prev = p
    out[prev + len(pos):] = arr[prev:]
    return out


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
