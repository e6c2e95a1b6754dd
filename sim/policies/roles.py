"""Role rules: who becomes admin, distributor, senior member, partner or KOL [000-3, 001, 004].

Combinable: ``roles.role_rules`` is a list of rule names (``SELECTED_BY``); the
roles phase runs the listed rules in the order of ``POLICIES``. With no rule
listed, roles never change (the core model's behaviour). Promotions take
members whose role is member, core or senior (lurkers, spammers, owners and
holders of another role keep theirs); each is logged as a PROMOTE event whose
``joined`` column holds the new :class:`~sim.state.Role` code.

* ``admin_rotation`` [001 "不定期的更换群管: 把活跃的用户拉上来做群管", 004 轮值]:
  a group of at least ``admin_min_group`` members has ``max(1, ceil(members /
  admin_ratio))`` admin seats. Vacant seats go to the most engaged eligible
  members (unmuted, trust >= ``admin_trust_min``). Every ``admin_term_days``
  days after the group opened, its admins step down (back to member, a DEMOTE
  event) and others take the seats: the outgoing admins are not eligible that
  day. Admins answer members' questions (they count as helpers in the operator
  workload metric) and may admit invitees under ``entry = "invite_only"``.
  :func:`rotate_admins` takes an optional per-row score (e.g. a KPI) that
  replaces engagement as the ranking, for paid-admin schemes [004].
* ``distributors`` [000-2 "有用户开始申请分销", 000-6 "升级团长或分销"]: a member
  who brought in at least ``distributor_min_recruits`` friends, with trust >=
  ``distributor_trust_min`` and ``distributor_min_tenure`` days in the group,
  becomes a distributor (with the ``distributor`` splitting rule it then
  founds its own group).
* ``seniors`` [000-3 高级会员, 000-6 VIP]: ``senior_min_purchases`` purchases make a senior member.
* ``partners`` [000-3 "基于产品或服务寻求合作的人"]: a member with trust >=
  ``partner_trust_min`` and purchasing power >= ``partner_power_min`` (a business
  able to cooperate) becomes a partner.
* ``kol`` [004 "大咖可以一呼百应"]: on ``kol_day`` the operator pays ``kol_fee`` to
  each of ``kol_count`` experts: the best-connected non-members (degree =
  following) among those within one ``alignment_scale`` of the mission. Each
  joins the first group as KOL, and each of its friends outside every group
  (not in cooldown) follows it in with probability ``kol_follow_share``,
  whatever their values: they follow the person, not the group.

Recruits (joins a member caused) are counted every day by :func:`count_recruits`
whatever the rules, from the day's JOIN events.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from sim.phases import Today
from sim.phases.growth import seat_and_join
from sim.state import Cause, EventKind, Role, World, alignment, role_set

__all__ = ["POLICIES", "SELECTED_BY", "PROMOTABLE", "count_recruits", "promote", "admin_seats",
           "rotate_admins"]

PROMOTABLE = role_set(Role.MEMBER, Role.CORE, Role.SENIOR)
BUYERS = role_set(Role.MEMBER, Role.CORE)  # who a repeat purchase makes senior


def count_recruits(w: World) -> None:
    """Credit today's joins to the members who caused them (their ``recruits`` column)."""
    ev = w.events
    day = ev.data["day"][: ev.size]
    start = int(np.searchsorted(day, day.dtype.type(w.day), side="left"))  # a Python int would cast all days
    sl = slice(start, ev.size)
    kind, actor = ev.data["kind"][sl], ev.data["actor"][sl]
    credited = actor[(kind == EventKind.JOIN) & (actor >= 0)]
    rows = w.pop.row[credited]
    np.add.at(w.ms.recruits, rows[rows >= 0], 1)


def promote(w: World, rows: np.ndarray, role: Role, cause: Cause = Cause.NONE) -> None:
    """Give ``rows`` the role ``role`` and log it."""
    if len(rows):
        w.ms.role[rows] = role
        w.events.log(w.day, EventKind.PROMOTE, w.ms.person[rows], w.ms.group[rows], cause=cause,
                     joined=int(role))


def _eligible(w: World, rows: np.ndarray) -> np.ndarray:
    ms = w.ms
    return PROMOTABLE[ms.role[rows]] & ~ms.muted[rows] & ~w.pop.spammer[ms.person[rows]]


def admin_seats(w: World) -> np.ndarray:
    """Admin seats per group: ``max(1, ceil(members / admin_ratio))`` from ``admin_min_group`` members on."""
    rp = w.params.roles
    sizes = w.group_sizes()
    return np.where(sizes >= rp.admin_min_group, np.maximum(1, -(-sizes // rp.admin_ratio)), 0)


def rotate_admins(w: World, t: Today, rng: np.random.Generator | None = None, *,
                  score: np.ndarray | None = None) -> None:
    """Step down admins whose term ended, then fill vacant seats with the best-ranked eligible members.

    ``score`` (aligned with ``w.ms.live_rows()``) ranks candidates, highest
    first; engagement when omitted. Terms end every ``admin_term_days`` days
    after the group opened. Vectorised over all groups at once.
    """
    ms, rp, G = w.ms, w.params.roles, w.groups.n
    rows = ms.live_rows()
    g = ms.group[rows]
    is_admin = ms.role[rows] == Role.ADMIN
    age = w.day - w.groups.created[g]
    ends = is_admin & (age > 0) & (age % rp.admin_term_days == 0)
    if ends.any():
        ms.role[rows[ends]] = Role.MEMBER
        w.events.log(w.day, EventKind.DEMOTE, ms.person[rows[ends]], g[ends], cause=Cause.ROTATION,
                     joined=int(Role.ADMIN))
        is_admin &= ~ends
    vacant = np.maximum(admin_seats(w) - np.bincount(g, weights=is_admin, minlength=G), 0)
    idx = np.flatnonzero((vacant[g] > 0) & ~ends)  # members of groups with a free seat: the rest gathers few rows
    idx = idx[_eligible(w, rows[idx]) & (ms.trust[rows[idx]] >= rp.admin_trust_min)]
    rank_by = ms.engagement[rows] if score is None else np.asarray(score)
    order = idx[np.lexsort((-rank_by[idx], g[idx]))]  # by group, best first
    go = g[order]
    pos = np.arange(len(order)) - np.searchsorted(go, go)
    promote(w, rows[order[pos < vacant[go]]], Role.ADMIN, Cause.ROTATION)


def distributors(w: World, t: Today, rng: np.random.Generator) -> None:  # noqa: ARG001
    """High-trust members who brought in friends become distributors [000-2]."""
    ms, rp = w.ms, w.params.roles
    rows = ms.live_rows()
    rows = rows[ms.recruits[rows] >= rp.distributor_min_recruits]  # the rarest condition first: the rest gathers few rows
    ok = (_eligible(w, rows) & (ms.trust[rows] >= rp.distributor_trust_min)
          & (w.day - ms.joined[rows] >= rp.distributor_min_tenure))
    promote(w, rows[ok], Role.DISTRIBUTOR)


def seniors(w: World, t: Today, rng: np.random.Generator) -> None:  # noqa: ARG001
    """Repeat buyers become senior (VIP) members [000-3, 000-6]."""
    ms = w.ms
    rows = ms.live_rows()
    rows = rows[ms.purchases[rows] >= w.params.roles.senior_min_purchases]  # the rarest condition first
    ok = BUYERS[ms.role[rows]] & ~ms.muted[rows]
    promote(w, rows[ok], Role.SENIOR)


def partners(w: World, t: Today, rng: np.random.Generator) -> None:  # noqa: ARG001
    """Trusting members with the means to cooperate become partners [000-3]."""
    ms, rp = w.ms, w.params.roles
    rows = ms.live_rows()
    rows = rows[ms.trust[rows] >= rp.partner_trust_min]  # the one-gather condition first: the rest gathers fewer rows
    ok = _eligible(w, rows) & (w.pop.purchasing_power[ms.person[rows]] >= rp.partner_power_min)
    promote(w, rows[ok], Role.PARTNER)


def kol(w: World, t: Today, rng: np.random.Generator) -> None:
    """On ``kol_day``, paid experts join the first group and part of their following comes along [004]."""
    rp, pop, ties = w.params.roles, w.pop, w.ties
    if w.day != rp.kol_day or rp.kol_count == 0:
        return
    group = 0
    align = alignment(pop.values, w.groups.center[group], w.params.group.alignment_scale)
    free = (pop.row < 0) & ~pop.spammer & (pop.cooldown_until <= w.day) & (align >= np.exp(-0.5))
    cand = np.flatnonzero(free)
    kols = cand[np.lexsort((cand, -ties.degree[cand]))][: rp.kol_count].astype(np.int64)
    if len(kols) == 0:
        return
    acq = w.params.acquisition
    seat_and_join(w, kols, np.full(len(kols), group), trust=acq.trust_acquaintance, role=Role.KOL, cause=Cause.KOL)
    owner, e = ties.entries_of(kols)
    friend = ties.indices[e].astype(np.int64)
    go = (pop.row[friend] < 0) & (pop.cooldown_until[friend] <= w.day) & (rng.random(len(friend)) < rp.kol_follow_share)
    followers, first = np.unique(friend[go], return_index=True)
    seat_and_join(w, followers, np.full(len(followers), group), trust=acq.trust_stranger, cause=Cause.KOL,
                  actor=kols[owner[go][first]])
    t.counts["operator_cost"] = t.counts.get("operator_cost", 0.0) + len(kols) * rp.kol_fee
    t.counts["joins"] = t.counts.get("joins", 0) + len(kols) + len(followers)


def _admin_rotation(w: World, t: Today, rng: np.random.Generator) -> None:
    rotate_admins(w, t, rng)


SELECTED_BY = "roles.role_rules"
POLICIES: dict[str, Callable[[World, Today, np.random.Generator], None]] = {
    "kol": kol,
    "admin_rotation": _admin_rotation,
    "distributors": distributors,
    "seniors": seniors,
    "partners": partners,
}
