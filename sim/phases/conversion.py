"""Phase 6, conversion: purchases and revenue [000-2, 004].

An active, non-spamming member buys with daily probability::

    p_buy = buy_rate * trust * alignment * purchasing_power * (repeat_boost if bought before else 1)

capped at 1; each purchase earns ``price``. Trust, alignment and purchasing
power all gate buying, which is how the seed story's "a few hundred people
and nothing sold" [000-2] can arise from strangers with low trust.
"""

from __future__ import annotations

import numpy as np

from sim.phases import Today
from sim.state import Cause, EventKind, World


def run(w: World, t: Today, rng: np.random.Generator) -> None:
    cp, ms, pop = w.params.conversion, w.ms, w.pop
    rows = t.rows
    p = ms.person[rows]
    repeat = ms.purchases[rows] > 0
    p_buy = (cp.buy_rate * ms.trust[rows] * ms.alignment[rows] * pop.purchasing_power[p]
             * np.where(repeat, cp.repeat_boost, 1.0))
    buy = t.active & ~pop.spammer[p] & (rng.random(len(rows)) < np.minimum(p_buy, 1.0))
    ms.purchases[rows[buy]] += 1
    w.events.log(w.day, EventKind.PURCHASE, p[buy], ms.group[rows[buy]],
                 cause=np.where(repeat[buy], Cause.REPEAT, Cause.FIRST))
    t.counts.update(purchases=int(buy.sum()), revenue=float(buy.sum() * cp.price))
