"""Incentive policies: paying the members who contribute [004].

"Each person pays 200 to enter; 500 people make 100 000 as the group fund,
spent over 52 weeks, about 2 000 a week ... rewarding the best contributions so
that everyone is motivated to take part" [004 如何激励内容分享者]. A policy is a
function ``(world, today, rng) -> paid`` called daily by the incentives phase
(:mod:`sim.phases.incentives`); it returns the currency paid out today.

* ``none``: no incentives (today's behaviour).
* ``weekly_fund``: every 7 days each group pays part of its fund (fed by entry fees) to its top contributors of the week.
  Fees flow into the fund with share ``fund_share`` (growth phase); a payout
  is ``fund / max(1, fund_weeks - weeks already paid)`` (the fund spread evenly
  over ``fund_weeks`` weeks) in equal prizes to the top ``fund_winners``
  contributors of the week, ranked by *effective* (on-topic) posts, or by raw
  posts when the operator commits the "undefined effective activity" suicide
  behaviour [003]. A winner's satisfaction rises by
  ``1 - exp(-prize / prize_half)``; members of a group whose last prize was
  ``P`` post ``1 + fund_response * (1 - exp(-P / prize_half))`` times as much
  (applied in the content phase): a visible prize motivates contribution [004].
* ``paid_admins``: a crowdfunded paid admin rotation with a KPI [004 如何激励社群组织者].
  Every 30 days each member (advertisers aside) pays ``admin_dues`` into the
  group's admin pot. Admin seats rotate as in the roles rule ``admin_rotation``
  (:func:`sim.policies.roles.rotate_admins`), ranked by the KPI, the week's
  effective posts (this policy runs the rotation itself unless
  ``admin_rotation`` is listed in ``role_rules``). Every 7 days the admins in
  office share the week's dues, ``min(pot, admin_dues * members * 7 / 30)``, if
  the KPI is met: the group's effective posts this week are no fewer than last
  week's; otherwise the money stays in the pot. Pay raises an admin's
  satisfaction like a prize. Paid admins act through what admins do in the
  model: they answer questions (operator workload) and, under ``invite_only``
  entry, admit invitees.
* ``weekly_fund_and_paid_admins``: both.

Examples
--------
>>> sorted(POLICIES)
['none', 'paid_admins', 'weekly_fund', 'weekly_fund_and_paid_admins']
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from sim.phases import Today
from sim.policies.roles import rotate_admins
from sim.state import Cause, EventKind, Role, World

__all__ = ["POLICIES", "SELECTED_BY", "top_k_per_group", "motivation"]

WEEK = 7  # days between fund payouts [004 每周]
MONTH = 30  # days between admin dues [004 每个月缴纳]


def top_k_per_group(groups: np.ndarray, score: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of the ``k`` highest positive scores within each group (random tie-break)."""
    tie_break = rng.random(len(score))  # drawn for every entry: the stream does not depend on who scored
    scored = np.flatnonzero(score > 0)  # they rank before everyone else in their group: sort only them
    order = scored[np.lexsort((tie_break[scored], -score[scored], groups[scored]))]
    g = groups[order]
    rank = np.arange(len(order)) - np.searchsorted(g, g, side="left")
    return np.sort(order[rank < k])


def motivation(w: World, groups: np.ndarray) -> np.ndarray:
    """Multiplier on members' posting in ``groups`` from the group's last prize [004]."""
    ip = w.params.incentives
    if not w.groups.prize.any():
        return np.ones(len(groups))  # no prize anywhere (the default): skip the gather and exp
    prize = w.groups.prize[groups]
    return 1.0 + ip.fund_response * (1.0 - np.exp(-prize / ip.prize_half))


def none(w: World, t: Today, rng: np.random.Generator) -> float:  # noqa: ARG001
    return 0.0


def _payday(w: World) -> bool:
    return w.day > 0 and w.day % WEEK == 0


def _new_week(w: World) -> None:
    w.ms.week_score[w.ms.live_rows()] = 0


def _reward(w: World, rows: np.ndarray, amount: np.ndarray, cause: Cause = Cause.NONE) -> None:
    """Pay ``amount`` to the members ``rows``: satisfaction ``+= 1 - exp(-amount / prize_half)``."""
    w.ms.satisfaction[rows] += (1.0 - np.exp(-amount / w.params.incentives.prize_half)).astype(np.float32)
    w.events.log(w.day, EventKind.REWARD, w.ms.person[rows], w.ms.group[rows], cause=cause)


def _pay_fund(w: World, rng: np.random.Generator) -> float:
    ip, ms, G = w.params.incentives, w.ms, w.groups
    rows = ms.live_rows()
    winners = rows[top_k_per_group(ms.group[rows], ms.week_score[rows].astype(np.float64), ip.fund_winners, rng)]
    n_win = np.bincount(ms.group[winners], minlength=G.n)
    pays = (n_win > 0) & (G.fund > 0)
    pot = np.where(pays, G.fund / np.maximum(1, ip.fund_weeks - G.fund_weeks_paid), 0.0)
    G.fund -= pot
    G.fund_weeks_paid += pays
    G.prize[:] = np.divide(pot, n_win, out=np.zeros(G.n), where=pays)
    winners = winners[pays[ms.group[winners]]]
    _reward(w, winners, G.prize[ms.group[winners]])
    return float(pot.sum())


def _pay_admins(w: World, t: Today, rng: np.random.Generator) -> float:
    ip, ms, G = w.params.incentives, w.ms, w.groups
    rows = ms.live_rows()
    if "admin_rotation" not in w.params.roles.role_rules:
        rotate_admins(w, t, rng, score=ms.week_score[rows] + 1e-3 * ms.engagement[rows])  # KPI ranks
    dues_day = w.day > 0 and w.day % MONTH == 0
    if not (dues_day or _payday(w)):
        return 0.0  # the rest reads every row: only on the days it acts
    g = ms.group[rows]
    payers = np.bincount(g, weights=~w.pop.spammer[ms.person[rows]], minlength=G.n)
    if dues_day:
        G.admin_pot += ip.admin_dues * payers
        t.counts["admin_dues"] = float(ip.admin_dues * payers.sum())
    if not _payday(w):
        return 0.0
    admins = ms.role[rows] == Role.ADMIN
    n_admins = np.bincount(g, weights=admins, minlength=G.n)
    kpi = np.bincount(g, weights=ms.week_score[rows], minlength=G.n)
    met = (kpi >= G.kpi_last) & (n_admins > 0)
    pay = np.where(met, np.minimum(G.admin_pot, ip.admin_dues * payers * WEEK / MONTH), 0.0)
    G.admin_pot -= pay
    G.kpi_last[:] = kpi
    paid = rows[admins & met[g]]
    _reward(w, paid, pay[ms.group[paid]] / n_admins[ms.group[paid]], Cause.ROTATION)
    return float(pay.sum())


def weekly_fund(w: World, t: Today, rng: np.random.Generator) -> float:
    if not _payday(w):
        return 0.0
    paid = _pay_fund(w, rng)
    _new_week(w)
    return paid


def paid_admins(w: World, t: Today, rng: np.random.Generator) -> float:
    paid = _pay_admins(w, t, rng)
    if _payday(w):
        _new_week(w)
    return paid


def weekly_fund_and_paid_admins(w: World, t: Today, rng: np.random.Generator) -> float:
    paid = _pay_admins(w, t, rng)
    if _payday(w):
        paid += _pay_fund(w, rng)
        _new_week(w)
    return paid


SELECTED_BY = "incentives.incentive_policy"
POLICIES: dict[str, Callable[[World, Today, np.random.Generator], float]] = {
    "none": none,
    "weekly_fund": weekly_fund,
    "paid_admins": paid_admins,
    "weekly_fund_and_paid_admins": weekly_fund_and_paid_admins,
}
