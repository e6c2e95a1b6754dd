"""Phase 6, conversion: purchases and revenue [000-2, 004].

An active, non-spamming member buys with daily probability::

    p_buy = buy_rate * trust * alignment * purchasing_power * (repeat_boost if bought before else 1)

capped at 1; each purchase earns ``price``. Trust, alignment and purchasing
power all gate buying, which is how the seed story's "a few hundred people
and nothing sold" [000-2] can arise from strangers with low trust.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.phases import Today
from sim.state import Cause, EventKind, World


def run(w: World, t: Today, rng: np.random.Generator) -> None:
    cp, ms, pop = w.params.conversion, w.ms, w.pop
    rows = t.rows
    p = ms.person[rows]
    repeat = ms.purchases[rows] > 0
    buy = buyers(rows, p, ms.trust, ms.alignment, pop.purchasing_power, pop.spammer, repeat, t.active,
                 rng.random(len(rows)), np.float32(cp.buy_rate), cp.repeat_boost)
    ms.purchases[rows[buy]] += 1
    w.events.log(w.day, EventKind.PURCHASE, p[buy], ms.group[rows[buy]],
                 cause=np.where(repeat[buy], Cause.REPEAT, Cause.FIRST))
    t.counts.update(purchases=int(buy.sum()), revenue=float(buy.sum() * cp.price))


@njit(cache=True, nogil=True)
def buyers(rows: np.ndarray, person: np.ndarray, trust: np.ndarray, alignment: np.ndarray, power: np.ndarray,
           spammer: np.ndarray, repeat: np.ndarray, active: np.ndarray, u: np.ndarray, buy_rate: np.float32,
           repeat_boost: float) -> np.ndarray:
    """Per row of ``rows``: whether the member buys today (``u < min(p_buy, 1)``, active non-spammers only).

    The first factors of ``p_buy`` multiply in float32, as numpy computes float32 arrays with scalars.
    """
    buy = np.zeros(len(rows), np.bool_)
    for i in range(len(rows)):
        if active[i] and not spammer[person[i]]:
            r = rows[i]
            p_buy = np.float64(buy_rate * trust[r] * alignment[r] * power[person[i]])
            buy[i] = u[i] < min(p_buy * (repeat_boost if repeat[i] else 1.0), 1.0)
    return buy
