"""Phase: elimination. The operator removes members by the selected policy [001, 002].

The policy (:mod:`sim.policies.elimination`, chosen by ``elimination_policy``)
names the rows to remove. This phase then

* ends those memberships (event ``eliminate`` with the policy's cause) and bars
  the persons from re-entry for ``removal_cooldown_days`` [001];
* charges the cost of harshness, "tyranny" [002]: a removal is judged *unfair*
  when the removed person is not an advertiser and still looked into the group
  within the last ``elimination_period`` days (a reader removed for not
  talking). Every remaining member of a group that lost a share ``u_g`` of its
  members to unfair removals today loses trust::

      T <- T * (1 - min(1, tyranny * u_g))

  Removing advertisers is judged fair and costs no trust.
"""

from __future__ import annotations

import numpy as np

from sim.phases import Today
from sim.policies.elimination import POLICIES
from sim.state import EventKind, World


def run(w: World, t: Today, rng: np.random.Generator) -> None:
    ep, ms = w.params.elimination, w.ms
    rows, causes = POLICIES[ep.elimination_policy](w, t, rng)
    t.counts["eliminated"] = len(rows)
    if len(rows) == 0:
        return
    before = w.group_sizes()
    persons = ms.person[rows]
    unfair = ~w.pop.spammer[persons] & (ms.last_active[rows] > w.day - ep.elimination_period)
    w.leave(rows, causes, kind=EventKind.ELIMINATE)
    w.pop.cooldown_until[persons] = w.day + ep.removal_cooldown_days
    if ep.tyranny > 0 and unfair.any():
        n_unfair = np.bincount(ms.group[rows], weights=unfair, minlength=w.groups.n)
        share = np.divide(n_unfair, before, out=np.zeros(w.groups.n), where=before > 0)
        live = ms.live_rows()
        loss = np.minimum(1.0, ep.tyranny * share[ms.group[live]])
        ms.trust[live] = ms.trust[live] * (1.0 - loss).astype(np.float32)
