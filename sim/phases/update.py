"""Phase 3, updates: satisfaction, engagement, trust and ties move with what the day gave.

For an active member (``V`` from the attention phase, ``E`` = expectation)::

    S <- (1 - a) S + a (V - E)                        satisfaction (running average)
    T <- T + g * (S (1 - T) if S > 0 else S T)        trust, S clipped to [-1, 1]  [000-7]

For every member, engagement moves toward a logistic target of satisfaction::

    e <- e + b (sigmoid(k S) - e)

Ties inside a group (both ends members of the same group) strengthen when
both ends were active that day, ``s <- s + eta (1 - s)``, and otherwise decay
toward the floor, ``s <- f + (s - f)(1 - delta)`` [000-7, 004 识而不密]. Each
posting member forms, with probability ``new_tie_prob``, a weak tie with a
random other active member of its group [000-5].
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels import grow_or_decay, stable_order
from sim.phases import Today
from sim.state import World


def run(w: World, t: Today, rng: np.random.Generator) -> None:
    up, ms = w.params.update, w.ms
    coefficients = (up.satisfaction_rate, w.params.value.expectation, up.trust_rate, up.engagement_slope,
                    up.engagement_rate)
    update_members(t.rows, t.active, t.value, t.ugc, ms.satisfaction, ms.trust, ms.engagement, ms.last_active,
                   ms.last_post, ms.posts, w.day, coefficients)
    update_ties(w, t)
    form_new_ties(w, t, rng)


@njit(cache=True, nogil=True)
def update_members(rows: np.ndarray, active: np.ndarray, value: np.ndarray, ugc: np.ndarray,
                   satisfaction: np.ndarray, trust: np.ndarray, engagement: np.ndarray, last_active: np.ndarray,
                   last_post: np.ndarray, posts: np.ndarray, day: int, coefficients: tuple) -> None:
    """Satisfaction, trust and engagement of the rows of ``rows`` by the module docstring's equations, their
    last active and last post days and post counts, in place.

    ``coefficients`` are ``(a, E, g, k, b)``. One compiled pass instead of ~20 numpy passes, with the
    dtypes of the numpy code it replaced: a float32 column times a scalar stays float32, anything with
    a float64 operand is float64, results are stored as float32. Satisfaction and trust are
    bit-identical to it; engagement can differ in its last float32 bit in rare cases, because the
    sigmoid's ``exp`` is the C library's, not numpy's AVX-512 routine (see
    :func:`sim.phases.attention.member_values`).
    """
    a, expectation, trust_rate, slope, rate = coefficients
    keep, one = np.float32(1 - a), np.float32(1.0)
    for i in range(len(rows)):
        r = rows[i]
        S = np.float64(satisfaction[r])
        if active[i]:
            S = np.float64(keep * satisfaction[r]) + a * (value[i] - expectation)
            satisfaction[r] = S
            Sc, T = min(max(S, -1.0), 1.0), trust[r]
            dT = trust_rate * (Sc * (one - T) if Sc > 0 else Sc * T)
            trust[r] = min(max(T + dT, 0.0), 1.0)
            last_active[r] = day
        e = engagement[r]
        engagement[r] = min(max(e + rate * (1.0 / (1.0 + np.exp(-slope * S)) - e), 0.0), 1.0)
        if ugc[i] > 0:
            last_post[r] = day
            posts[r] += ugc[i]


def update_ties(w: World, t: Today) -> None:
    """Strengthen co-active ties inside groups, decay unused ones; count strong ties."""
    up, ties = w.params.update, w.ties
    e, co, _ = t.inside_ties(w)  # ties between members of the same group (each entry once)
    f32 = np.float32
    n_strong = grow_or_decay(ties.strength, e, co, f32(up.tie_growth), f32(1 - up.tie_decay),
                             f32(up.tie_floor), f32(w.params.network.strong_tie_threshold))
    t.same_group_ties = len(e) // 2
    t.strong_same_group_ties = n_strong // 2


def form_new_ties(w: World, t: Today, rng: np.random.Generator) -> None:
    """Posting members meet a random other active member of their group [000-5]."""
    ms = w.ms
    act = t.rows[t.active]
    if len(act) < 2:
        return
    order, starts = stable_order(ms.group[act], w.groups.n)
    act = act[order]
    grp = ms.group[act]
    start = starts[grp]
    size = starts[grp + 1] - start
    posted = t.ugc[t.active][order] > 0
    meet = posted & (size > 1) & (rng.random(len(act)) < w.params.update.new_tie_prob)
    i = np.flatnonzero(meet)
    other = start[i] + (rng.random(len(i)) * size[i]).astype(np.int64)
    u, v = ms.person[act[i]], ms.person[act[other]]
    keep = u != v
    w.ties.add(u[keep], v[keep], w.params.update.new_tie_strength)
