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

Examples
--------
>>> sorted(POLICIES)
['none', 'weekly_fund']
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from sim.phases import Today
from sim.state import EventKind, World

__all__ = ["POLICIES", "SELECTED_BY", "top_k_per_group", "motivation"]

WEEK = 7  # days between fund payouts [004 每周]


def top_k_per_group(groups: np.ndarray, score: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of the ``k`` highest positive scores within each group (random tie-break)."""
    order = np.lexsort((rng.random(len(score)), -score, groups))
    g = groups[order]
    rank = np.arange(len(order)) - np.searchsorted(g, g, side="left")
    return np.sort(order[(rank < k) & (score[order] > 0)])


def motivation(w: World, groups: np.ndarray) -> np.ndarray:
    """Multiplier on members' posting in ``groups`` from the group's last prize [004]."""
    ip = w.params.incentives
    prize = w.groups.prize[groups]
    return 1.0 + ip.fund_response * (1.0 - np.exp(-prize / ip.prize_half))


def none(w: World, t: Today, rng: np.random.Generator) -> float:  # noqa: ARG001
    return 0.0


def weekly_fund(w: World, t: Today, rng: np.random.Generator) -> float:
    ip, ms, G = w.params.incentives, w.ms, w.groups
    if w.day == 0 or w.day % WEEK != 0:
        return 0.0
    rows = ms.live_rows()
    winners = rows[top_k_per_group(ms.group[rows], ms.week_score[rows].astype(np.float64), ip.fund_winners, rng)]
    n_win = np.bincount(ms.group[winners], minlength=G.n)
    pays = (n_win > 0) & (G.fund > 0)
    pot = np.where(pays, G.fund / np.maximum(1, ip.fund_weeks - G.fund_weeks_paid), 0.0)
    G.fund -= pot
    G.fund_weeks_paid += pays
    G.prize[:] = np.divide(pot, n_win, out=np.zeros(G.n), where=pays)
    winners = winners[pays[ms.group[winners]]]
    prize = G.prize[ms.group[winners]]
    ms.satisfaction[winners] += (1.0 - np.exp(-prize / ip.prize_half)).astype(np.float32)
    w.events.log(w.day, EventKind.REWARD, ms.person[winners], ms.group[winners])
    ms.week_score[rows] = 0
    return float(pot.sum())


SELECTED_BY = "incentives.incentive_policy"
POLICIES: dict[str, Callable[[World, Today, np.random.Generator], float]] = {
    "none": none,
    "weekly_fund": weekly_fund,
}
