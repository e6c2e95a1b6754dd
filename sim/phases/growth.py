"""Phase 5, growth: satisfied members invite friends; invitees decide whether to join [000-2].

* Inviters: active, unmuted, non-spammer members with satisfaction above
  ``invite_threshold``; under ``entry = "invite_only"`` only core members,
  admins and KOLs may admit people [001, 004]. Each invites with probability
  ``min(1, invite_prob * sociability)`` one friend drawn uniformly from its ties.
* An invitation is void if the friend is already a member or in cooldown; a
  friend invited by several members on one day takes the first (random order).
* The invitee joins with probability (Backstrom et al. 2006: rises with the
  number of friends already inside, with diminishing returns)::

      p_join = join_max * alignment^alignment_exponent * (1 - exp(-S_in / join_half_strength))

  where ``S_in`` is the summed strength of the invitee's ties to members of the
  group (the inviter included) and ``alignment`` the invitee's values
  alignment with the group [000-2].
* Joiners start with trust interpolated between ``trust_stranger`` and
  ``trust_acquaintance`` by their tie strength to the inviter [000-7].
* A group at capacity overflows: joiners beyond its free seats go to an
  overflow group the operator opens (child of the full group). Without the
  ``capacity`` splitting rule (``splitting.split_rules``), a full group turns
  the last arrivals away instead (logged as not joined).
* When the operator pulls people in at random (suicide behaviour
  ``unclear_profile`` [003]) alignment does not gate joining (exponent 0).
* Entry (:mod:`sim.policies.entry`): an invitee who accepts must pass the
  group's ``screening`` (values question or effort task) [001] and, when
  ``entry_fee`` > 0, pay it [004]; fees go to the group's weekly fund
  (share ``fund_share``) and the payer's membership records ``paid``.

Every invitation is logged with ``friends_inside`` (the invitee's ties inside
the group at that moment) and whether the invitee joined.
"""

from __future__ import annotations

import numpy as np

from sim.kernels import same_group_entries, stable_order
from sim.phases import Today
from sim.policies import entry as admission
from sim.policies.content import commits
from sim.state import Cause, EventKind, Role, World, alignment, role_set, zero_pad

ADMITTING_ROLES = role_set(Role.CORE, Role.ADMIN, Role.KOL, Role.DISTRIBUTOR, Role.PARTNER)


def run(w: World, t: Today, rng: np.random.Generator) -> None:
    gp, ms, pop, ties = w.params.growth, w.ms, w.pop, w.ties
    rows = t.rows
    p = ms.person[rows]
    can = t.active & ms.alive[rows] & ~ms.muted[rows] & ~pop.spammer[p] & (ms.satisfaction[rows] > gp.invite_threshold)
    if w.params.group.entry == "invite_only":
        can &= ADMITTING_ROLES[ms.role[rows]]
    deg = ties.end[p] - ties.start[p]  # Ties.degree of these rows only, not of every person
    can &= deg > 0
    n_inv = np.where(can, rng.poisson(gp.invite_rate * pop.sociability[p]), 0)
    inviter = np.repeat(p, n_inv).astype(np.int64)
    group = np.repeat(ms.group[rows], n_inv)
    entry = ties.start[inviter] + (rng.random(len(inviter)) * np.repeat(deg, n_inv)).astype(np.int64)
    invitee = ties.indices[entry].astype(np.int64)
    tie_to_inviter = ties.strength[entry]

    valid = (pop.row[invitee] < 0) & (pop.cooldown_until[invitee] <= w.day)
    order = rng.permutation(len(invitee))
    valid_order = order[valid[order]]
    _, first = np.unique(invitee[valid_order], return_index=True)
    pick = np.sort(valid_order[first])  # one invitation per invitee, chosen at random
    inviter, group, invitee, tie_to_inviter = inviter[pick], group[pick], invitee[pick], tie_to_inviter[pick]

    k_in, s_in = friends_inside(w, invitee, group)
    align = alignment(pop.values[invitee], w.groups.center[group], w.params.group.alignment_scale)
    exponent = 0.0 if commits(w.params, "unclear_profile") else gp.alignment_exponent
    p_join = gp.join_max * align ** exponent * (1 - np.exp(-s_in / gp.join_half_strength))
    joins = rng.random(len(invitee)) < p_join
    ap = w.params.admission
    joins[joins] = admission.POLICIES[ap.screening](w, invitee[joins], group[joins], rng)
    joins[joins] = admission.pays_fee(w, invitee[joins], group[joins], rng)
    if "capacity" not in w.params.splitting.split_rules:
        joins[joins] = has_seat(w, group[joins])
    w.events.log(w.day, EventKind.INVITE, invitee, group, actor=inviter, cause=Cause.INVITATION,
                 friends_inside=np.minimum(k_in, np.iinfo(np.int16).max), joined=joins)

    sp = w.params.acquisition
    trust = sp.trust_stranger + (sp.trust_acquaintance - sp.trust_stranger) * tie_to_inviter[joins]
    seat_and_join(w, invitee[joins], group[joins], trust=trust, cause=Cause.INVITATION, actor=inviter[joins])
    t.counts.update(invites=len(invitee), joins=int(joins.sum()))
    if ap.entry_fee > 0:
        payers = invitee[joins]
        w.ms.paid[pop.row[payers]] = ap.entry_fee
        w.groups.fund += w.params.incentives.fund_share * ap.entry_fee * np.bincount(pop.group[payers], minlength=w.groups.n)
        t.counts["entry_fees"] = ap.entry_fee * len(payers)


def friends_inside(w: World, persons: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per person: number and summed strength of its ties to current members of ``groups``."""
    ties = w.ties
    owner, e = same_group_entries(ties.start, ties.end, ties.indices, persons, groups, w.pop.group,
                                  np.argsort(persons))
    k = np.bincount(owner, minlength=len(persons)).astype(np.int64)
    s = np.bincount(owner, weights=ties.strength[e], minlength=len(persons))
    return k, s


def has_seat(w: World, groups: np.ndarray) -> np.ndarray:
    """Which of these arrivals (in order) find a free seat in their group, with no overflow groups.

    Without the ``capacity`` splitting rule a full group turns the last arrivals away.
    """
    order, starts = stable_order(groups, w.groups.n)
    sorted_groups = groups[order]
    rank = np.arange(len(groups)) - starts[sorted_groups]
    free = w.groups.capacity - w.group_sizes()
    seat = np.empty(len(groups), bool)
    seat[order] = rank < free[sorted_groups]
    return seat


def seat_and_join(w: World, persons: np.ndarray, groups: np.ndarray, *, trust: np.ndarray | float,
                  cause: Cause, actor: np.ndarray | int = -1, role: np.ndarray | int = Role.MEMBER) -> None:
    """Join ``persons`` to ``groups``; whoever finds a full group goes to its overflow group.

    The last arrivals overflow. Each round moves the arrivals beyond the free
    seats of every full group at once; rounds repeat only while an overflow
    group itself fills (few), never per person or per group.
    """
    groups = np.array(groups, np.int32)
    sizes = w.group_sizes()
    while True:
        sizes = zero_pad(sizes, w.groups.n)
        wanted = np.bincount(groups, minlength=w.groups.n)
        full = np.flatnonzero(wanted > w.groups.capacity - sizes)
        if len(full) == 0:
            break
        which = np.full(w.groups.n, -1)
        which[full] = np.arange(len(full))
        free = np.maximum(w.groups.capacity[full] - sizes[full], 0)
        order, starts = stable_order(groups, w.groups.n)
        rank = np.empty(len(groups), np.int64)
        rank[order] = np.arange(len(groups)) - starts[groups[order]]  # arrival rank within its group
        j = which[groups]
        over = (j >= 0) & (rank >= free[np.maximum(j, 0)])
        groups[over] = _overflow_children(w, full, sizes + wanted)[j[over]]
    w.join(persons, groups, trust=trust, role=role, cause=cause, actor=actor)


def _overflow_children(w: World, full: np.ndarray, load: np.ndarray) -> np.ndarray:
    """Per group of ``full`` (ascending): its first overflow group with a free seat given ``load``; the
    operator opens one (in that order) for those that have none.

    A chosen group has a free seat, so it is never itself among ``full``.
    """
    gr, n = w.groups, len(load)
    open_ = np.flatnonzero((gr.cause[:n] == Cause.OVERFLOW) & gr.alive[:n] & (gr.parent[:n] >= 0) & (load < gr.capacity[:n]))
    is_full = np.zeros(n, bool)
    is_full[full] = True
    kids = open_[is_full[gr.parent[open_]]]  # ascending, so the first per parent is the lowest id
    parents, first = np.unique(gr.parent[kids], return_index=True)
    dest = np.full(len(full), -1, np.int32)
    dest[np.searchsorted(full, parents)] = kids[first]
    none = dest < 0
    if none.any():
        dest[none] = w.new_groups(full[none], Cause.OVERFLOW)
    return dest
