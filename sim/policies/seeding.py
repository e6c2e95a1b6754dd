"""Seeding policies: how the operator fills its first groups at day 0 [000-2, 000-7].

All policies spend one acquisition budget so arms compare at equal cost:

* ``core``: screen ``core_candidates`` people from the operator's own circle
  (breadth-first from an anchor person: friends, friends of friends) and keep
  the ``min(core_size, budget / core_cost_per_contact)`` best aligned; interviews
  screen out advertisers. They start as acquaintances (``trust_acquaintance``)
  and are core members [000-2, 000-7].
* ``blast``: ``budget / cost_per_contact`` people drawn at random from the
  whole reachable population (advertisers included), poured into groups of
  ``capacity``; they start as strangers (``trust_stranger``) [000-2].
* ``hybrid``: a core bought with ``hybrid_core_share`` of the budget, then a
  blast with the rest into the same groups.

Returns the budget actually spent.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from sim.phases.growth import seat_and_join
from sim.state import Cause, Role, World, alignment


def operator_circle(w: World, size: int, rng: np.random.Generator) -> np.ndarray:
    """Up to ``size`` persons breadth-first from a random anchor (hops are vectorised)."""
    ties = w.ties
    seen = np.zeros(w.pop.n, bool)
    frontier = np.array([rng.integers(w.pop.n)])
    seen[frontier] = True
    circle = [frontier]
    count = 1
    while count < size and len(frontier):
        _, e = ties.entries_of(frontier)
        nxt = np.unique(ties.indices[e])
        nxt = nxt[~seen[nxt]]
        nxt = rng.permutation(nxt)[: size - count]
        seen[nxt] = True
        circle.append(nxt)
        count += len(nxt)
        frontier = nxt
    return np.concatenate(circle).astype(np.int64)


def seed_core(w: World, budget: float, rng: np.random.Generator, group: int) -> float:
    sp = w.params.acquisition
    n = int(min(sp.core_size, budget // sp.core_cost_per_contact))
    if n <= 0:
        return 0.0
    cand = operator_circle(w, sp.core_candidates, rng)
    cand = cand[~w.pop.spammer[cand]]
    align = alignment(w.pop.values[cand], w.groups.center[group], w.params.group.alignment_scale)
    chosen = cand[np.argsort(-align, kind="stable")[:n]]
    seat_and_join(w, chosen, np.full(len(chosen), group), trust=sp.trust_acquaintance,
                  role=Role.CORE, cause=Cause.CORE)
    return len(chosen) * sp.core_cost_per_contact


def seed_blast(w: World, budget: float, rng: np.random.Generator, group: int) -> float:
    sp = w.params.acquisition
    pool = np.flatnonzero(w.pop.row < 0)
    n = int(min(len(pool), budget // sp.cost_per_contact))
    chosen = rng.choice(pool, size=n, replace=False)
    seat_and_join(w, chosen, np.full(n, group), trust=sp.trust_stranger, cause=Cause.BLAST)
    return n * sp.cost_per_contact


def core(w: World, rng: np.random.Generator, group: int) -> float:
    return seed_core(w, w.params.acquisition.budget, rng, group)


def blast(w: World, rng: np.random.Generator, group: int) -> float:
    return seed_blast(w, w.params.acquisition.budget, rng, group)


def hybrid(w: World, rng: np.random.Generator, group: int) -> float:
    sp = w.params.acquisition
    spent = seed_core(w, sp.budget * sp.hybrid_core_share, rng, group)
    return spent + seed_blast(w, sp.budget - spent, rng, group)


SELECTED_BY = "acquisition.seeding"
POLICIES: dict[str, Callable[[World, np.random.Generator, int], float]] = {
    "core": core,
    "blast": blast,
    "hybrid": hybrid,
}
