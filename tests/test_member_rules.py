"""The compiled per-row rules of attention, update, churn and conversion against the numpy
expressions they replaced (git 515e720), on random members.

The numpy versions here are the specification: the same equations with numpy's dtype rules
(a float32 column times a Python float stays float32, anything with a float64 operand is float64).
Churn and conversion are equal bit for bit. Attention and update call the C library's ``exp``;
numpy's own AVX-512 ``exp`` is one unit in the last place apart for ~5 % of arguments, so values
with an exponential agree to 1e-15 and the stored float32 engagement to one unit in its last place.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.phases.attention import member_values
from sim.phases.churn import churn_decisions
from sim.phases.conversion import buyers
from sim.phases.update import update_members
from sim.state import Cause

f32 = np.float32


def members(n_rows: int, seed: int):
    """A random membership table: ``n_rows`` live rows among ``n_rows + 5`` slots, 3 groups, 2n persons."""
    rng = np.random.default_rng(seed)
    slots, n_persons = n_rows + 5, 2 * n_rows + 1
    rows = np.sort(rng.choice(slots, n_rows, replace=False)).astype(np.int64)
    col = {
        "group": rng.integers(0, 3, slots).astype(np.int32),
        "person": rng.integers(0, n_persons, slots).astype(np.int32),
        "joined": rng.integers(0, 50, slots).astype(np.int32),
        "alignment": rng.random(slots).astype(f32),
        "satisfaction": rng.uniform(-1.5, 1.5, slots).astype(f32),
        "trust": rng.random(slots).astype(f32),
        "engagement": rng.random(slots).astype(f32),
        "paid": np.where(rng.random(slots) < 0.3, 200.0, 0.0).astype(f32),
        "muted": rng.random(slots) < 0.3,
    }
    col["satisfaction"][rows[: n_rows // 4]] = f32(-0.2)  # on a threshold, where float32 rounding decides
    return rng, rows, col, n_persons


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 80), seed=st.integers(0, 2**32 - 1), no_service=st.booleans(), no_exchange=st.booleans())
def test_member_values_equal_numpy(n, seed, no_service, no_exchange):
    rng, rows, c, n_persons = members(n, seed)
    attention = rng.lognormal(3, 0.5, n_persons).astype(f32)
    total_g = rng.integers(0, 40, 3).astype(np.float64)
    on_g, ads_g = np.floor(total_g * rng.random(3)), np.floor(total_g * rng.random(3) * 0.3)
    social_sum, active, day = rng.random(n) * 3, rng.random(n) < 0.6, 60
    r, fresh, ch, sh, wr, ws, wi, wn, wsp = 0.3, 30.0, 5.0, 2.0, 1.0, 0.5, 0.4, 0.3, 1.0
    identity_factor, social_factor = (0.7 if no_service else 1.0), (0.0 if no_exchange else 1.0)
    value, spam_share = member_values(rows, c["group"], c["person"], c["joined"], c["alignment"], attention,
                                      total_g, on_g, ads_g, social_sum, active, day,
                                      (r, fresh, ch, sh, wr, ws, f32(wi), wn, wsp, f32(identity_factor), social_factor))
    g, p = c["group"][rows], c["person"][rows]
    A, total = attention[p], total_g[g]
    read = np.minimum(A, total)
    frac = np.divide(read, total, out=np.zeros_like(read, dtype=np.float64), where=total > 0)
    on_read, ads_read = on_g[g] * frac, ads_g[g] * frac
    novelty = r + (1 - r) * np.exp(-(day - c["joined"][rows]).astype(np.float64) / fresh)
    relevance = novelty * (1 - np.exp(-on_read / ch))
    social = np.zeros(n) if no_exchange else 1 - np.exp(-social_sum / sh)
    identity = c["alignment"][rows] * 0.7 if no_service else c["alignment"][rows]
    noise = (read - on_read - ads_read) / A + np.minimum(1.0, np.maximum(0.0, total - A) / A)
    share = np.divide(ads_g[g], total, out=np.zeros(n), where=total > 0)
    expected = np.where(active, wr * relevance + ws * social + wi * identity - wn * noise - wsp * share, 0.0)
    assert np.array_equal(spam_share, share)
    np.testing.assert_allclose(value, expected, rtol=0, atol=1e-14)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 80), seed=st.integers(0, 2**32 - 1))
def test_update_members_equal_numpy(n, seed):
    rng, rows, c, _ = members(n, seed)
    active, value, ugc = rng.random(n) < 0.6, rng.normal(0, 1, n), rng.poisson(1.0, n)
    a, E, g, k, b, day = 0.1, 0.3, 0.05, 4.0, 0.1, 7
    S32, T, e = c["satisfaction"][rows], c["trust"][rows], c["engagement"][rows]
    S = np.where(active, (1 - a) * S32 + a * (value - E), S32)
    Sc = np.clip(S, -1.0, 1.0)
    trust = np.clip(np.where(active, T + g * np.where(Sc > 0, Sc * (1 - T), Sc * T), T), 0.0, 1.0).astype(f32)
    engagement = np.clip(e + b * (1.0 / (1.0 + np.exp(-k * S)) - e), 0.0, 1.0).astype(f32)
    last_active, last_post, posts = (np.zeros(len(c["group"]), np.int32) for _ in range(3))
    update_members(rows, active, value, ugc, c["satisfaction"], c["trust"], c["engagement"], last_active, last_post,
                   posts, day, (a, E, g, k, b))
    assert np.array_equal(c["satisfaction"][rows], S.astype(f32))
    assert np.array_equal(c["trust"][rows], trust)
    np.testing.assert_array_max_ulp(c["engagement"][rows], engagement, maxulp=1)
    assert np.array_equal(last_active[rows], np.where(active, day, 0))
    assert np.array_equal(last_post[rows], np.where(ugc > 0, day, 0)) and np.array_equal(posts[rows], ugc)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 80), seed=st.integers(0, 2**32 - 1))
def test_churn_decisions_equal_numpy(n, seed):
    rng, rows, c, n_persons = members(n, seed)
    spammer, tolerance = rng.random(n_persons) < 0.2, rng.random(n_persons).astype(f32)
    active, spam_share = rng.random(n) < 0.7, rng.random(n)
    u_leave, u_mute = rng.random(n), rng.random(n)
    base, leave_prob, spam_leave, sunk_cost, leave_below, mute_below, mute_prob, unmute_prob = (
        0.2, 0.3, 0.25, 0.5, -0.2, -0.1, 0.5, 0.4)  # large, so every branch occurs in small tables
    p = c["person"][rows]
    got = churn_decisions(rows, p, c["satisfaction"], c["muted"], c["paid"], spammer, tolerance, active, spam_share,
                          u_leave, u_mute, (base, leave_prob, spam_leave, 1 - sunk_cost, f32(leave_below),
                                            f32(mute_below), mute_prob, unmute_prob))
    S, spam, muted = c["satisfaction"][rows], spammer[p], c["muted"][rows]
    fed_up = active & (spam_share > tolerance[p]) & ~spam
    unhappy = (S < leave_below) & ~spam
    sunk = np.where(c["paid"][rows] > 0, 1.0 - sunk_cost, 1.0)
    leave = u_leave < base + leave_prob * sunk * unhappy + spam_leave * fed_up
    cause = np.where(u_leave < base, Cause.BACKGROUND,
                     np.where(fed_up & (u_leave < base + spam_leave), Cause.SPAM, Cause.DISSATISFIED))
    mute = ~leave & ~muted & ~spam & ((S < mute_below) | fed_up) & (u_mute < mute_prob)
    unmute = ~leave & muted & (S > 0) & (u_mute < unmute_prob)
    for a, b in zip(got, (leave, mute, unmute, fed_up, cause)):
        assert np.array_equal(a, b)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 80), seed=st.integers(0, 2**32 - 1))
def test_buyers_equal_numpy(n, seed):
    rng, rows, c, n_persons = members(n, seed)
    power, spammer = rng.random(n_persons).astype(f32), rng.random(n_persons) < 0.2
    repeat, active, u = rng.random(n) < 0.4, rng.random(n) < 0.7, rng.random(n) * 0.3
    buy_rate, boost = 0.37, 2.0
    p = c["person"][rows]
    p_buy = buy_rate * c["trust"][rows] * c["alignment"][rows] * power[p] * np.where(repeat, boost, 1.0)
    expected = active & ~spammer[p] & (u < np.minimum(p_buy, 1.0))
    got = buyers(rows, p, c["trust"], c["alignment"], power, spammer, repeat, active, u, f32(buy_rate), boost)
    assert np.array_equal(got, expected)
