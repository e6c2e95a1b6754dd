"""Phase 1, content supply: who looks in today and what gets posted [003, 000-5].

* A member looks into the group with probability ``engagement`` (lurkers, i.e.
  muted members, with ``engagement * muted_activity``) [001].
* Operator posts (PGC) per group: exactly ``pgc_per_day`` on a fixed schedule
  (the fractional part as a Bernoulli draw), Poisson with the same mean when ad
  hoc; a share ``verticality`` is on-topic [003].
* Active, unmuted members post UGC ~ Poisson(ugc_rate * engagement *
  sociability) [000-5, 004]; each post is on-topic with probability equal to
  the member's values alignment (aligned people talk about the group's topic).
* Active spammers post Poisson(spam_rate) ads [002, 003].

The operator's practice scales these rules (:mod:`sim.policies.content`,
:mod:`sim.policies.incentives`): member posting is multiplied by
``ugc_support``, by ``broadcast_ugc`` under one-way broadcasting and by the
weekly fund's motivation; its on-topic probability by ``chatter_on_topic`` when
effective activity is undefined; ads by ``ad_deterrence`` unless the operator is
lax on ads [003, 004].

Mixed audiences [000-3]: when consumers, senior members, distributors and
partners share a group, part of what the operator posts is meant for another
audience. The on-topic share of operator posts is multiplied by
``1 - mixing_penalty * D_g``, with ``D_g`` the Gini-Simpson diversity of the
group's audiences (0 when everyone is one audience, as after ``segment``
splitting; 0 by default, when no role rules create those audiences).
"""

from __future__ import annotations

import numpy as np

from sim.kernels import category_counts
from sim.phases import Today
from sim.policies import content as policy
from sim.policies.incentives import motivation
from sim.state import Role, World

AUDIENCES = (Role.SENIOR, Role.DISTRIBUTOR, Role.PARTNER)  # everyone else is a consumer
AUDIENCE_OF = np.full(len(Role), len(AUDIENCES), np.int64)  # per role: its audience, consumers last
AUDIENCE_OF[list(AUDIENCES)] = np.arange(len(AUDIENCES))


def run(w: World, t: Today, rng: np.random.Generator) -> None:
    cp, ms, pop = w.params.content, w.ms, w.pop
    rows = t.rows
    n, G = len(rows), w.groups.n
    g = ms.group[rows]
    p = ms.person[rows]
    e = ms.engagement[rows]
    muted = ms.muted[rows]
    spam = pop.spammer[p]
    look = np.where(muted, e * w.params.churn.muted_activity, e)
    t.active = rng.random(n) < look
    poster = t.active & ~muted & ~spam
    pr = w.params.practice
    support = pr.ugc_support * (pr.broadcast_ugc if policy.commits(w.params, "broadcast_only") else 1.0)
    on_topic = pr.chatter_on_topic if policy.commits(w.params, "undefined_activity") else 1.0
    ad_rate = cp.spam_rate * (1.0 if policy.commits(w.params, "lax_ads") else pr.ad_deterrence)
    t.ugc = np.where(poster, rng.poisson(cp.ugc_rate * e * pop.sociability[p] * support * motivation(w, g)), 0)
    t.ugc_on = rng.binomial(t.ugc, ms.alignment[rows] * on_topic)
    t.ads = np.where(t.active & spam, rng.poisson(ad_rate, n), 0)

    audiences = audience_counts(w, rows)
    pgc = policy.POLICIES[cp.schedule](cp.pgc_per_day, G, rng)
    t.pgc_g = np.where(audiences.any(axis=0), pgc, 0).astype(np.int64)
    pgc_on = rng.binomial(t.pgc_g, cp.verticality * (1 - w.params.splitting.mixing_penalty * gini_simpson(audiences)))
    t.ads_g = np.bincount(g, weights=t.ads, minlength=G)
    t.on_g = pgc_on + np.bincount(g, weights=t.ugc_on, minlength=G)
    t.total_g = t.pgc_g + np.bincount(g, weights=t.ugc, minlength=G) + t.ads_g


def audience_counts(w: World, rows: np.ndarray) -> np.ndarray:
    """Members of ``rows`` per audience and group, ``(len(AUDIENCES) + 1, groups)``, consumers last."""
    return category_counts(w.ms.group[rows], AUDIENCE_OF[w.ms.role[rows]], w.groups.n, len(AUDIENCES) + 1)


def audience_mix(w: World) -> np.ndarray:
    """Per group: Gini-Simpson diversity ``1 - sum_k share_k^2`` of its members' audiences [000-3]."""
    return gini_simpson(audience_counts(w, w.ms.live_rows()))


def gini_simpson(counts: np.ndarray) -> np.ndarray:
    """Per column of ``counts`` (members per audience x group): ``1 - sum_k share_k^2``, 0 for an empty group."""
    size = counts.sum(axis=0)
    share = np.divide(counts, size, out=np.zeros(counts.shape), where=size > 0)
    return np.where(size > 0, 1 - (share ** 2).sum(axis=0), 0.0)
