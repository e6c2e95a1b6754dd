"""Stylized fact [000-2]: a core-seeded group that is given distributors grows a fission tree more than one level deep.

Over 90 days (at 60 days 4 of 6 seeds had reached depth 2).
"""

from __future__ import annotations

import numpy as np

from sim import CommunityModel

BASE = {"n_persons": 2000, "seeding": "core"}
DISTRIBUTORS = {"role_rules": ["distributors"], "split_rules": ["capacity", "distributor"]}
SEEDS = range(6)


def test_distributors_grow_a_tree_deeper_than_one_level():
    depth, child_share = [], []
    for s in SEEDS:
        m = CommunityModel(rng=s, **BASE, **DISTRIBUTORS).run(90)
        m.world.check()
        tree = m.groups()
        depth.append(tree["depth"].max())
        child_share.append(m.metrics()["child_member_share"].iloc[-1])
        # the tree's table is consistent: every child was opened after its parent, by a distributor
        kids = tree[tree.parent >= 0]
        assert (kids.cause == "distributor").all()
        assert (kids.created.to_numpy() >= tree.created.to_numpy()[kids.parent]).all()
        assert (kids.child_size >= 1).all()
    assert min(depth) >= 2, depth
    assert np.mean(child_share) > 0.2


def test_without_distributors_one_small_group_never_splits():
    for s in SEEDS[:3]:
        m = CommunityModel(rng=s, **BASE).run(60)
        assert m.groups()["depth"].max() == 0
        assert m.metrics()["tree_depth"].iloc[-1] == 0


def test_group_depths_match_a_walk_up_the_tree():
    from sim.metrics import group_depths

    rng = np.random.default_rng(1)
    for n in (0, 1, 5, 300):
        parent = np.array([-1 if g == 0 or rng.random() < 0.05 else int(rng.integers(0, g)) for g in range(n)], int)
        walked = []
        for g in range(n):
            d, p = 0, parent[g]
            while p >= 0:
                d, p = d + 1, parent[p]
            walked.append(d)
        assert group_depths(parent).tolist() == walked
