"""The daily phases, one module each, run in this order by ``CommunityModel.step``.

Each phase is a function ``run(world, today, rng)`` over arrays: ``world`` is
the persistent state (:class:`sim.state.World`), ``today`` the scratch values of
the current day (:class:`Today`) that later phases read, ``rng`` the phase's own
random stream. No phase loops over persons or memberships in Python: the
per-row rules of attention, update, churn and conversion are compiled loops
(numba, next to their equations in the phase's module) that read the member
columns in place, one pass where numpy needed a temporary array per operation;
random numbers are drawn with numpy, outside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

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
    _inside: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(default=None, repr=False)

    def inside_ties(self, w) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ties between two members of the same group at the start of the day: ``(entry, co, social)``.

        ``entry`` indexes the CSR entries of ``w.ties`` (ascending: rows are visited
        in person order, which reads the tie arrays front to back); ``co`` says
        whether both ends looked into their group today; ``social`` is per row of
        ``rows`` the summed strength of its co-active ties (float64). Gathered in
        one compiled pass (rereading only the rows that can have changed since
        yesterday, :class:`sim.inside.InsideTies`) and shared by the attention phase (social value) and the
        update phase (ties strengthen), which both run after ``active`` is drawn and
        before anyone joins or leaves (a performance cache).
        """
        if self._inside is None:
            self._inside = w.inside.co_active(w, self.rows, self.active, self.active_persons(w))
        return self._inside

    def active_persons(self, w) -> np.ndarray:
        """Boolean per person: a member who looked into its group today."""
        out = np.zeros(w.pop.n, bool)
        out[w.ms.person[self.rows[self.active]]] = True
        return out


ORDER = ("content", "attention", "update", "churn", "growth", "conversion",
         "roles", "splitting", "elimination", "incentives", "events")
