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
from numba import njit

from sim.phases import Today
from sim.policies.content import commits
from sim.state import World


def run(w: World, t: Today, rng: np.random.Generator) -> None:  # noqa: ARG001 (deterministic)
    vp, cp, pr = w.params.value, w.params.content, w.params.practice
    t.social_sum = t.inside_ties(w)[2]  # strength of the ties to friends active in the group, gathered once a day
    f32 = np.float32  # the identity term multiplies the float32 alignment, as numpy did
    coefficients = (cp.content_renewal, cp.freshness_days, vp.content_half, vp.social_half,
                    vp.w_relevance, vp.w_social, f32(vp.w_identity), vp.w_noise, vp.w_spam,
                    f32(1.0 - pr.service_gap if commits(w.params, "no_service") else 1.0),
                    0.0 if commits(w.params, "no_exchange") else 1.0)
    t.value, t.spam_share = member_values(t.rows, w.ms.group, w.ms.person, w.ms.joined, w.ms.alignment,
                                          w.pop.attention, t.total_g, t.on_g, t.ads_g, t.social_sum, t.active,
                                          w.day, coefficients)


@njit(cache=True, nogil=True)
def member_values(rows: np.ndarray, group: np.ndarray, person: np.ndarray, joined: np.ndarray,
                  alignment: np.ndarray, attention: np.ndarray, total_g: np.ndarray, on_g: np.ndarray,
                  ads_g: np.ndarray, social_sum: np.ndarray, active: np.ndarray, day: int,
                  coefficients: tuple) -> tuple[np.ndarray, np.ndarray]:
    """``(V, spam share)`` per row of ``rows``, by the equations of the module docstring.

    ``coefficients`` are ``(r, T_fresh, content_half, social_half, w_rel, w_soc,
    w_id, w_noise, w_spam, identity factor, social factor)``; the two factors
    are 1, or ``1 - service_gap`` and 0 under ``no_service`` and
    ``no_exchange``. One compiled pass per day instead of ~25 numpy passes over
    the rows; inactive rows get ``V = 0`` without computing it. Computed in the
    dtypes of the numpy code it replaced: float64 throughout, except the identity
    term, which is float32 (``w_id`` and the identity factor are float32 scalars
    times the float32 alignment). ``np.exp`` here is the C library's; numpy's on
    AVX-512 CPUs is its own SIMD routine, one unit in the last place apart for ~5 %
    of arguments, so ``V`` can differ from numpy's in its last bit. Stored as
    float32 (satisfaction), that almost never shows: the tables of the 10^5-person
    benchmark year with every policy, of 20k persons x 90 days and of the flagship's
    40 runs came out identical.
    """
    (renewal, fresh_days, content_half, social_half, w_rel, w_soc, w_id, w_noise, w_spam,
     identity_factor, social_factor) = coefficients
    value, spam_share = np.zeros(len(rows)), np.zeros(len(rows))
    for i in range(len(rows)):
        r = rows[i]
        g = group[r]
        total = total_g[g]
        if total > 0:
            spam_share[i] = ads_g[g] / total
        if not active[i]:
            continue
        A = np.float64(attention[person[r]])
        read = min(A, total)
        frac = read / total if total > 0 else 0.0
        on_read, ads_read = on_g[g] * frac, ads_g[g] * frac
        novelty = renewal + (1 - renewal) * np.exp(-(day - joined[r]) / fresh_days)
        relevance = novelty * (1 - np.exp(-on_read / content_half))
        social = social_factor * (1 - np.exp(-social_sum[i] / social_half))
        identity = np.float64(w_id * (alignment[r] * identity_factor))  # float32 products
        noise = (read - on_read - ads_read) / A + min(1.0, max(0.0, total - A) / A)
        value[i] = w_rel * relevance + w_soc * social + identity - w_noise * noise - w_spam * spam_share[i]
    return value, spam_share
