"""Elimination policies: which members the operator removes, and why [001, 002].

"If taking part or not makes no difference, laziness spreads ... new people must
come in and the bad ones go out, then the group gets more and more active"
[001]; but rules that are too harsh become "tyranny" [002]. Each policy is a
function ``(world, today, rng) -> (rows, causes)`` naming the live membership
rows to remove today and the cause of each; the elimination phase
(:mod:`sim.phases.elimination`) removes them, applies the re-entry cooldown and
the trust cost of removals members judge unfair.

* ``none``: nobody is removed (the default; today's behaviour).
* ``inactive``: every ``elimination_period`` days, remove members who have not
  posted for ``inactive_days`` days (newcomers count from the day they joined).
  The operator only sees who speaks, so a member who reads every day but never
  posts is "silent" too [001].
* ``replace_bottom``: every ``elimination_period`` days, in each group where
  newcomers wait (the group holds at least ``replace_fill`` of its capacity),
  remove the least active ``replace_share`` of its members, ranked by the
  last day they posted (newcomers by the day they joined) [001 新的人进来就淘汰不好的人出去].
* ``spam_warnings``: every day, a member who posted ads gets a warning with
  probability ``ad_detection`` (someone reports it); at ``max_warnings`` warnings
  the member is kicked [001 群规, 002].

Staff (admins, KOLs, distributors, partners) are never removed by ``inactive``
or ``replace_bottom``: the operator does not eliminate its own helpers.

Examples
--------
>>> sorted(POLICIES)
['inactive', 'none', 'replace_bottom', 'spam_warnings']
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from sim.phases import Today
from sim.state import Cause, EventKind, Role, World, role_set

__all__ = ["POLICIES", "SELECTED_BY", "STAFF_ROLES", "check_day", "last_spoke"]

STAFF_ROLES = role_set(Role.OWNER, Role.ADMIN, Role.KOL, Role.DISTRIBUTOR, Role.PARTNER)
_EMPTY = (np.zeros(0, np.int64), np.zeros(0, np.int8))


def check_day(w: World) -> bool:
    """Periodic rules act on days ``elimination_period``, ``2 * elimination_period``, ..."""
    period = w.params.elimination.elimination_period
    return w.day > 0 and w.day % period == 0


def last_spoke(w: World, rows: np.ndarray) -> np.ndarray:
    """The last day each membership posted, or the day it joined if it never did."""
    return np.maximum(w.ms.last_post[rows], w.ms.joined[rows])


def _removable(w: World, rows: np.ndarray) -> np.ndarray:
    return ~STAFF_ROLES[w.ms.role[rows]]


def none(w: World, t: Today, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:  # noqa: ARG001
    return _EMPTY


def inactive(w: World, t: Today, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:  # noqa: ARG001
    if not check_day(w):
        return _EMPTY
    rows = w.ms.live_rows()
    silent = last_spoke(w, rows) <= w.day - w.params.elimination.inactive_days
    out = rows[silent & _removable(w, rows)]
    return out, np.full(len(out), Cause.INACTIVE, np.int8)


def replace_bottom(w: World, t: Today, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if not check_day(w):
        return _EMPTY
    ep, ms = w.params.elimination, w.ms
    rows = ms.live_rows()
    rows = rows[_removable(w, rows)]
    sizes = w.group_sizes()
    waiting = sizes >= ep.replace_fill * w.groups.capacity
    rows = rows[waiting[ms.group[rows]]]
    if len(rows) == 0:
        return _EMPTY
    g = ms.group[rows]
    quota = np.ceil(ep.replace_share * sizes).astype(np.int64)  # per group, of all its members
    # rank within each group: stalest speaker first, random tie-break
    order = np.lexsort((rng.random(len(rows)), last_spoke(w, rows), g))
    g_sorted = g[order]
    start = np.searchsorted(g_sorted, g_sorted, side="left")
    rank = np.arange(len(order)) - start
    out = rows[order[rank < quota[g_sorted]]]
    return out, np.full(len(out), Cause.REPLACED, np.int8)


def spam_warnings(w: World, t: Today, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    ep, ms = w.params.elimination, w.ms
    rows = t.rows[(t.ads > 0) & ms.alive[t.rows]]
    warned = rows[rng.random(len(rows)) < ep.ad_detection]
    if len(warned) == 0:
        return _EMPTY
    ms.warnings[warned] += 1
    w.events.log(w.day, EventKind.WARN, ms.person[warned], ms.group[warned], cause=Cause.SPAM)
    out = warned[ms.warnings[warned] >= ep.max_warnings]
    return out, np.full(len(out), Cause.KICKED, np.int8)


SELECTED_BY = "elimination.elimination_policy"
POLICIES: dict[str, Callable[[World, Today, np.random.Generator], tuple[np.ndarray, np.ndarray]]] = {
    "none": none,
    "inactive": inactive,
    "replace_bottom": replace_bottom,
    "spam_warnings": spam_warnings,
}
