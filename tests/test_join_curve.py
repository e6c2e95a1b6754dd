"""Stylized fact (Backstrom et al. 2006): the join rate of invitees rises with the number of
friends already inside the group, with diminishing returns. Measured from the event log; the
rule itself is in terms of summed tie strength, so the curve over *counts* is an emergent check."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim import CommunityModel


def invitations(seeds: range, n_persons: int, days: int) -> pd.DataFrame:
    frames = []
    for seed in seeds:
        ev = CommunityModel(rng=seed, n_persons=n_persons, seeding="hybrid").run(days).events()
        frames.append(ev[ev.kind == "invite"])
    return pd.concat(frames)


def rate(inv: pd.DataFrame, mask) -> tuple[float, float, int]:
    x = inv.loc[mask, "joined"].to_numpy(float)
    p = x.mean()
    return p, math.sqrt(p * (1 - p) / len(x)), len(x)


def z(a, b) -> float:
    return (b[0] - a[0]) / math.hypot(a[1], b[1])


def check_curve(inv: pd.DataFrame, z_min: float) -> None:
    k = inv["friends_inside"]
    r1, r2, r3 = rate(inv, k == 1), rate(inv, k == 2), rate(inv, k >= 3)
    assert min(r1[2], r2[2], r3[2]) >= 100, "too few invitations to test"
    # rises with friends inside
    assert z(r1, r2) > z_min and z(r2, r3) > z_min
    # diminishing returns: with k_bar friends inside, the rate is well below k_bar times the
    # one-friend rate (the per-friend contribution falls)
    k_bar = k[k >= 3].mean()
    per_friend_3 = (r3[0] / k_bar, r3[1] / k_bar)
    per_friend_2 = (r2[0] / 2, r2[1] / 2)
    assert z(per_friend_3, r1) > z_min and r1[0] > per_friend_2[0] > per_friend_3[0]


def test_join_rate_rises_with_friends_inside_with_diminishing_returns():
    check_curve(invitations(range(16), 4000, 60), z_min=2.0)


@pytest.mark.slow
def test_join_curve_large():
    inv = invitations(range(60), 6000, 90)
    check_curve(inv, z_min=3.0)
    k = inv["friends_inside"]
    rates = [rate(inv, k == i)[0] for i in (1, 2, 3)]
    assert np.diff(rates)[0] > 0 and np.diff(rates)[1] > 0
