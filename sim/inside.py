"""The ties between members of the same group, kept from one day to the next.

Attention (social value) and update (ties strengthen or fade) read, once a
day, every member's ties whose other end is in the member's own group. Finding
them means reading every member's whole tie row: ~0.66 M entries on day 100 of
the 10^5-person benchmark year with every policy on, to keep ~0.17 M; done in full
every day, it was the largest single cost of such a day.

From one day to the next few of those lists change. A person's list depends
only on its tie row and on the groups of the person and its tie neighbours, so
it can change only if the person changed group, a neighbour did, or a tie was
added to its row (ties are never removed; :class:`sim.state.Ties` re-lays all
rows out when its free space runs out). :class:`InsideTies` keeps the last
lists with a copy of those inputs and rereads only the rows that can have
changed: about a tenth of the entries on a typical day at 10^5 persons, all of
them on the day after a re-layout. The result is the full scan's, entry for
entry (``tests/test_inside.py``).
"""

from __future__ import annotations

import numpy as np

from sim.kernels import co_active_ties, rows_to_rescan, stable_order

__all__ = ["InsideTies"]


class InsideTies:
    """The last day's inside-group tie lists per person, and what they were computed from."""

    def __init__(self) -> None:
        self._entry = self._first = self._count = None  # the lists, laid out in person order
        self._group = self._start = self._end = self._indices = None  # the inputs they came from

    def co_active(self, w, rows: np.ndarray, active: np.ndarray,
                  active_person: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(entry, co, social)`` of :func:`sim.kernels.co_active_ties` for the membership ``rows`` of ``w``.

        ``active`` is per row, ``active_person`` per person (both ends must
        have looked into the group for a tie to count as co-active).
        """
        ties, group_of = w.ties, w.pop.group
        persons = w.ms.person[rows]
        if self._indices is ties.indices:
            rescan = rows_to_rescan(group_of, self._group, ties.start, self._start, ties.end, self._end, ties.indices)
        else:  # the first day, or the ties were laid out afresh (every entry moved): nothing is kept
            rescan = np.ones(len(group_of), np.bool_)
            self._entry, self._first = np.empty(0, np.int32), np.zeros(len(group_of), np.int64)
            self._count = np.full(len(group_of), -1, np.int64)
        entry, co, social, self._first, self._count = co_active_ties(
            ties.start, ties.end, ties.indices, ties.strength, persons, w.ms.group[rows], group_of,
            stable_order(persons, w.pop.n)[0], active, active_person, rescan, self._entry, self._first, self._count)
        self._entry, self._indices = entry, ties.indices
        self._group, self._start, self._end = group_of.copy(), ties.start.copy(), ties.end.copy()
        return entry, co, social
