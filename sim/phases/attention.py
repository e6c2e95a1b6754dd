"""Phase 2, attention and value: what a day in the group is worth to each active member.

For an active member ``m`` of group ``g`` with attention budget ``A`` (MODEL.md §3.2)::

    read      = min(A, total_g)                         messages read
    on_read   = on_g * read / total_g                   on-topic messages read
    novelty   = r + (1 - r) * exp(-tenure / T_fresh)    [003] freshness period
    relevance = novelty * (1 - exp(-on_read / content_half))
    social    = 1 - exp(-sum_{friends f active in g} s_mf / social_half)   common bond [000-7]
    identity  = alignment(m, g)                          common identity [000-1, 002]
    noise     = (read - on_read - ads_read) / A + min(1, max(0, total_g - A) / A)   [003]
    spam      = ads_g / total_g                          share of ads in the feed [002, 003]
    V = w_rel relevance + w_soc social + w_id identity - w_noise noise - w_spam spam

``r`` is ``content_renewal``: the part of the content that stays new however
long one has been a member. Inactive members receive nothing (``V = 0``).

Two suicide behaviours of seed 003 act here: without positioning and service
(``no_service``) identity is multiplied by ``1 - service_gap``; without
member-to-member exchange (``no_exchange``) social is 0.
"""

from __future__ import annotations

import numpy as np

from sim.phases import Today
from sim.policies.content import commits
from sim.state import World


def run(w: World, t: Today, rng: np.random.Generator) -> None:  # noqa: ARG001 (deterministic)
    vp, cp, ms, pop = w.params.value, w.params.content, w.ms, w.pop
    rows = t.rows
    g = ms.group[rows]
    p = ms.person[rows]
    A = pop.attention[p]
    total = t.total_g[g]
    read = np.minimum(A, total)
    frac = np.divide(read, total, out=np.zeros_like(read, dtype=np.float64), where=total > 0)
    on_read = t.on_g[g] * frac
    ads_read = t.ads_g[g] * frac
    tenure = (w.day - ms.joined[rows]).astype(np.float64)
    novelty = cp.content_renewal + (1 - cp.content_renewal) * np.exp(-tenure / cp.freshness_days)
    relevance = novelty * (1 - np.exp(-on_read / vp.content_half))

    t.social_sum = active_friend_strength(w, t)
    social = 1 - np.exp(-t.social_sum / vp.social_half)
    if commits(w.params, "no_exchange"):
        social = np.zeros_like(social)
    identity = ms.alignment[rows]
    if commits(w.params, "no_service"):
        identity = identity * (1.0 - w.params.practice.service_gap)
    noise = (read - on_read - ads_read) / A + np.minimum(1.0, np.maximum(0.0, total - A) / A)
    t.spam_share = np.divide(t.ads_g[g], total, out=np.zeros(len(rows)), where=total > 0)
    value = (vp.w_relevance * relevance + vp.w_social * social + vp.w_identity * identity
             - vp.w_noise * noise - vp.w_spam * t.spam_share)
    t.value = np.where(t.active, value, 0.0)


def active_friend_strength(w: World, t: Today) -> np.ndarray:
    """Per row: summed tie strength to friends active today in the same group (0 if inactive)."""
    return t.inside_ties(w)[2]  # ties inside a group, gathered once a day
