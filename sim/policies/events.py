"""Offline events: meeting in person turns weak ties strong and raises trust [000-7].

``events.event_policy`` (``SELECTED_BY``) names the policy:

* ``none``: no events (the core model).
* ``offline``: every ``event_period_days`` days after a group opened, its
  members are invited to an offline event (a meet-up, factory visit, farm
  trip [000-5a, 000-7]). A member attends with probability
  ``event_attend_prob * engagement``; at most ``event_size`` attend (a random
  subset of those willing). For every pair of attendees::

      s_uv <- max(s_uv, event_tie_strength)     if they already had a tie
      s_uv  = event_new_tie_strength            a new tie otherwise

  (weak ties become strong: "通过线下的活动,将社群成员从弱关系转为强关系").
  Each attendee's trust closes a share ``event_trust_gain`` of its gap to 1
  (``T <- T + gain (1 - T)``: "连接度更高,信任基础更强"). The operator pays
  ``event_cost_per_attendee`` per attendee (``operator_cost`` metric).

The stronger ties then raise social value (attention phase) and the join
probability of invitees with friends inside (growth phase); nothing else is
changed here.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from sim.phases import Today
from sim.state import Cause, EventKind, World

__all__ = ["POLICIES", "SELECTED_BY", "attendees", "hold_events", "pairs_within"]


def attendees(w: World, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Membership rows attending the events of ``groups`` today (at most ``event_size`` per group)."""
    ep, ms = w.params.events, w.ms
    rows = ms.live_rows()
    holding = np.zeros(w.groups.n, bool)
    holding[groups] = True
    rows = rows[holding[ms.group[rows]]]
    willing = rows[rng.random(len(rows)) < ep.event_attend_prob * ms.engagement[rows]]
    g = ms.group[willing]
    order = np.lexsort((rng.random(len(willing)), g))  # random order within each group
    willing, g = willing[order], g[order]
    pos = np.arange(len(g)) - np.searchsorted(g, g)
    return willing[pos < ep.event_size]


def hold_events(w: World, t: Today, rows: np.ndarray) -> None:
    """Strengthen the ties among the attendees ``rows`` of each group, raise their trust, pay the cost."""
    ep, ms, ties = w.params.events, w.ms, w.ties
    if len(rows) == 0:
        return
    g = ms.group[rows]
    u, v = pairs_within(ms.person[rows].astype(np.int64), g)
    fwd, back = ties.lookup(u, v), ties.lookup(v, u)
    known = fwd >= 0
    raised = np.maximum(ties.strength[fwd[known]], np.float32(ep.event_tie_strength))
    ties.strength[fwd[known]] = raised
    ties.strength[back[known]] = raised
    ties.add(u[~known], v[~known], ep.event_new_tie_strength)  # merged at the end of the step
    ms.trust[rows] += ep.event_trust_gain * (1.0 - ms.trust[rows])
    w.events.log(w.day, EventKind.ATTEND, ms.person[rows], g, cause=Cause.OFFLINE_EVENT)
    t.counts["attendees"] = t.counts.get("attendees", 0) + len(rows)
    t.counts["operator_cost"] = t.counts.get("operator_cost", 0.0) + len(rows) * ep.event_cost_per_attendee


def pairs_within(p: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair ``(p[a], p[b])`` with ``a`` before ``b`` and ``g[a] == g[b]``, groups ascending.

    Within a group, pairs come in ``np.triu_indices`` order (by first member, then
    second), without a Python loop over groups.
    """
    order = np.argsort(g, kind="stable")
    p, g = p[order], g[order]
    end = np.searchsorted(g, g, side="right")
    later = end - np.arange(len(p)) - 1  # members after each one in its group: its pairs as first
    first = np.repeat(np.arange(len(p)), later)
    offset = np.arange(len(first)) - np.repeat(np.cumsum(later) - later, later)  # 0, 1, ... per first
    return p[first], p[first + 1 + offset]


def none(w: World, t: Today, rng: np.random.Generator) -> None:  # noqa: ARG001
    """No events."""


def offline(w: World, t: Today, rng: np.random.Generator) -> None:
    """Periodic offline events in every live group (see the module docstring)."""
    age = w.day - w.groups.created
    due = np.flatnonzero(w.groups.alive & (age > 0) & (age % w.params.events.event_period_days == 0))
    if len(due):
        hold_events(w, t, attendees(w, due, rng))


SELECTED_BY = "events.event_policy"
POLICIES: dict[str, Callable[[World, Today, np.random.Generator], None]] = {"none": none, "offline": offline}
