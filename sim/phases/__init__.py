"""The daily phases, one module each, run in this order by ``CommunityModel.step``.

Each phase is a function ``run(world, today, rng)`` over arrays: ``world`` is
the persistent state (:class:`sim.state.World`), ``today`` the scratch values of
the current day (:class:`Today`) that later phases read, ``rng`` the phase's own
random stream. No phase loops over persons or memberships in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.kernels import co_active_strength, same_group_entries, stable_order

__all__ = ["Today", "ORDER"]


@dataclass
class Today:
    """What happened today, filled in phase by phase.

    Row-level arrays are aligned with ``rows`` (the live memberships at the
    start of the day); group-level arrays have one entry per group.
    """

    rows: np.ndarray
    active: np.ndarray = field(default=None)  # bool per row: looked into the group today
    ugc: np.ndarray = field(default=None)  # member posts per row
    ugc_on: np.ndarray = field(default=None)  # on-topic member posts per row
    ads: np.ndarray = field(default=None)  # ads per row (spammers)
    pgc_g: np.ndarray = field(default=None)  # operator posts per group
    on_g: np.ndarray = field(default=None)  # on-topic messages per group
    ads_g: np.ndarray = field(default=None)
    total_g: np.ndarray = field(default=None)  # all messages per group
    value: np.ndarray = field(default=None)  # value received per row (0 when inactive)
    spam_share: np.ndarray = field(default=None)  # ads share of the row's feed
    social_sum: np.ndarray = field(default=None)  # strength of active friends in the group
    counts: dict = field(default_factory=dict)  # scalar tallies: invites, joins, leaves, ...
    same_group_ties: int = 0
    strong_same_group_ties: int = 0
    _group_ties: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _co_active: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def group_ties(self, w) -> tuple[np.ndarray, np.ndarray]:
        """Ties between two members of the same group at the start of the day: ``(owner, entry)``.

        ``owner`` indexes ``rows``, ``entry`` the CSR entries of ``w.ties`` (ascending: rows are
        visited in person order, so the sums per row do not depend on it). Gathered once and
        shared by the attention and update phases, which both run before anyone joins or
        leaves (a performance cache: one pass over members' ties a day instead of two).
        """
        if self._group_ties is None:
            persons = w.ms.person[self.rows]  # visited in person order: the CSR arrays front to back
            self._group_ties = same_group_entries(w.ties.start, w.ties.end, w.ties.indices, persons,
                                                  w.ms.group[self.rows], w.pop.group, stable_order(persons, w.pop.n)[0])
        return self._group_ties

    def co_active(self, w) -> tuple[np.ndarray, np.ndarray]:
        """Per entry of :meth:`group_ties`: both ends looked into their group today; and per row
        the summed strength of those co-active ties (float64).

        Read by the attention phase (social value) and the update phase (ties
        strengthen); ``active`` does not change between them, so it is computed once.
        """
        if self._co_active is None:
            owner, e = self.group_ties(w)
            self._co_active = co_active_strength(owner, e, w.ties.indices, w.ties.strength, self.active,
                                                 self.active_persons(w))
        return self._co_active

    def active_persons(self, w) -> np.ndarray:
        """Boolean per person: a member who looked into its group today."""
        out = np.zeros(w.pop.n, bool)
        out[w.ms.person[self.rows[self.active]]] = True
        return out


ORDER = ("content", "attention", "update", "churn", "growth", "conversion",
         "roles", "splitting", "elimination", "incentives", "events")
