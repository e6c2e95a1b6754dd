"""Compiled loops for the few daily rules that walk every member's ties.

Each kernel is one pass over CSR rows that numpy could only express as a chain
of full-size temporaries (a gather of every member's ties, a mask, a
compaction, ...): at 10^5 persons the members own about 1.6 M tie entries, and
each temporary costs a millisecond or more a day. The kernels are plain loops
compiled by numba (``cache=True``: compiled once per machine, then loaded from
``__pycache__``); they draw no random numbers and add floating-point terms in
the same order as the numpy code they replace, so results are bit-identical.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["same_group_entries", "co_active_strength", "grow_or_decay"]


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
